import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Ctx, hasRole, memberSchoolIds } from '../context';
import type { Role } from '../entities/user.entity';
import { forbidden, notFound } from '../schema/errors';
import { UserError, UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { clearCatalogLoaders } from '../loaders/catalog.loaders';

/** Outcome of a write: the changed objects, or userErrors and nothing changed. */
export type WriteResult<T> = Partial<T> & { userErrors: UserError[] };

export const at = (...path: (string | number)[]): string[] => ['input', ...path.map(String)];

export const NAME_MAX = 200;

/** Collects the userErrors of one input. */
export class Problems {
  readonly list: UserError[] = [];

  add(code: UserErrorCode, message: string, field: string[]): void {
    this.list.push(userError(code, message, field));
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  throwIfAny(): void {
    if (this.any) throw new UserErrorsException(this.list);
  }

  /** A trimmed, non-empty text of at most `max` characters, or null. */
  text(value: string, field: string[], what: string, max = NAME_MAX): string | null {
    const v = value.normalize('NFC').trim();
    if (!v) this.add(UserErrorCode.REQUIRED, `${what} must not be empty`, field);
    else if (v.length > max) this.add(UserErrorCode.TOO_LONG, `${what} is longer than ${max} characters`, field);
    else return v;
    return null;
  }

  /** A trimmed optional text: empty means none (null); too long is an error (undefined). */
  optionalText(value: string, field: string[], what: string, max = NAME_MAX): string | null | undefined {
    const v = value.normalize('NFC').trim();
    if (!v) return null;
    if (v.length > max) {
      this.add(UserErrorCode.TOO_LONG, `${what} is longer than ${max} characters`, field);
      return undefined;
    }
    return v;
  }

  /** Weekly hours: more than 0, at most 99.9, one decimal place. */
  hours(value: number, field: string[]): boolean {
    if (!(value > 0) || value > 99.9 || Math.round(value * 10) !== value * 10) {
      this.add(UserErrorCode.INVALID, `Hours per week must be more than 0 and at most 99.9, with at most one decimal (not ${value})`, field);
      return false;
    }
    return true;
  }
}

export const isMember = (ctx: Ctx, schoolId: string): boolean => memberSchoolIds(ctx.viewer).includes(schoolId);

/** A school the viewer is no member of does not exist for them. */
export function assertMember(ctx: Ctx, schoolId: string, what: string): void {
  if (!isMember(ctx, schoolId)) throw notFound(what);
}

/** Member of the school and holding one of `roles` there (else NOT_FOUND / FORBIDDEN). */
export function assertRole(ctx: Ctx, roles: readonly Role[], schoolId: string, what: string): void {
  assertMember(ctx, schoolId, what);
  if (!hasRole(ctx.viewer, roles, schoolId)) throw forbidden(`Requires one of the roles ${roles.join(', ')} in this school`);
}

/**
 * Runs `work` in a transaction of its own; a UserErrorsException rolls it back and becomes the
 * payload's userErrors. After a commit the request's loaders forget what they cached.
 */
export async function write<T extends object>(ctx: Ctx, work: (em: EntityManager) => Promise<T>): Promise<WriteResult<T>> {
  try {
    const result = await ctx.em.fork().transactional((em) => work(em));
    clearCatalogLoaders(ctx.loaders);
    return { ...result, userErrors: [] };
  } catch (e) {
    if (e instanceof UserErrorsException) return { userErrors: e.userErrors } as WriteResult<T>;
    throw e;
  }
}

/** Flushes, turning a unique violation that raced past the checks into a userError. */
export async function flush(em: EntityManager, unique: () => UserError): Promise<void> {
  try {
    await em.flush();
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException) throw new UserErrorsException([unique()]);
    throw e;
  }
}

/**
 * Reads and locks a row until the transaction ends. NO KEY UPDATE: inserts of rows that reference
 * it are not blocked.
 */
export async function lock<T extends object>(em: EntityManager, entity: new (...args: never[]) => T, table: string, id: string): Promise<T | null> {
  const rows = await em.execute<Record<string, unknown>[]>(`select * from "${table}" where id = ? for no key update`, [id]);
  return rows[0] ? em.map(entity, rows[0] as never) : null;
}
