import { validateSync, ValidationError } from 'class-validator';
import type { GraphQLResolveInfo } from 'graphql';
import { getMetadataStorage, ValidatorFn } from 'type-graphql';
import { badInput } from './errors';

/*
 * class-validator bounds on arguments (page sizes, lengths of logins, passwords and filters) are
 * request limits, not form validation (that comes back as `userErrors`). A violation is one
 * BAD_USER_INPUT error per resolver call naming the first argument at fault in `extensions.field`
 * (`first`, `input.login`, `filter.entityType`), with a message that never echoes the value (it may
 * be a password). type-graphql's own ArgumentValidationError would send class-validator's internals
 * (`validationErrors` with the target object and value) to the client.
 */

/** The first violation in declaration order, depth first: its dotted path below `prefix` and its message. */
function firstViolation(errors: ValidationError[], prefix: string): { path: string; message: string } | null {
  for (const e of errors) {
    const path = /^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : prefix ? `${prefix}.${e.property}` : e.property;
    const message = Object.values(e.constraints ?? {})[0];
    // class-validator's messages start with the property name: say the whole path instead.
    if (message) return { path, message: message.startsWith(e.property) ? `"${path}"${message.slice(e.property.length)}` : `"${path}": ${message}` };
    const nested = firstViolation(e.children ?? [], path);
    if (nested) return nested;
  }
  return null;
}

/**
 * The name of the argument holding a value of the input class `type`: '' for an `@ArgsType` class
 * (its properties are the field's arguments themselves).
 */
function argumentPath(type: Function, info: GraphQLResolveInfo, raw: Record<string, unknown>): string {
  const storage = getMetadataStorage();
  if (storage.argumentTypes.some((t) => t.target === type)) return '';
  const typeName = storage.inputTypes.find((t) => t.target === type)?.name;
  const field = info.parentType.getFields()[info.fieldName];
  const named = (t: { ofType?: unknown; name?: string }): string | undefined => (t.ofType ? named(t.ofType as never) : t.name);
  const candidates = field.args.filter((a) => named(a.type as never) === typeName && raw[a.name] != null);
  return candidates[0]?.name ?? '';
}

/** type-graphql's `validateFn`: class-validator on object arguments, reported as BAD_USER_INPUT with `field`. */
export const validateArgument: ValidatorFn = (value, type, { info, args }) => {
  if (value == null || typeof value !== 'object' || typeof type !== 'function') return;
  const prefix = argumentPath(type, info, args);
  const items: [unknown, string][] = Array.isArray(value) ? value.map((v, i) => [v, `${prefix}[${i}]`]) : [[value, prefix]];
  for (const [item, path] of items) {
    if (item == null || typeof item !== 'object') continue;
    // Same options as type-graphql's default validation; synchronous, so the first argument at fault is reported.
    const found = firstViolation(validateSync(item, { skipMissingProperties: true, forbidUnknownValues: false }), path);
    if (found) throw badInput(found.message, found.path);
  }
};
