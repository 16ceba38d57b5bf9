import { defaultFieldResolver, GraphQLError, GraphQLObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { shield } from 'graphql-shield';
import { applyMiddleware, middleware } from 'graphql-middleware';
import { contextDecisionOf, deny, rowFastPathOf } from './rules/common.rules';
import { mergeRuleMaps, RuleMap } from './rule-map';
import { ruleOf } from './describe';
import { ErrorCode } from '../schema/errors';
import { commonRules } from './rules/shared.rules';
import { authRules } from './rules/auth.rules';
import { yearRules } from './rules/year.rules';
import { auditRules } from './rules/audit.rules';
import { catalogRules } from './rules/catalog.rules';
import { rosterRules } from './rules/roster.rules';
import { groupRules } from './rules/group.rules';
import { consentRules } from './rules/consent.rules';
import { timetableRules } from './rules/timetable.rules';
import { lessonRules } from './rules/lesson.rules';
import { controlWorkRules } from './rules/control-work.rules';
import { eventRules } from './rules/event.rules';
import { productionCalendarRules } from './rules/production-calendar.rules';
import { socketRules } from './rules/socket.rules';
import { journalRules } from './rules/journal.rules';
import { finalMarkRules } from './rules/final-mark.rules';
import { extractRules } from './rules/extract.rules';
import { messageRules } from './rules/message.rules';

/** The one rule map of the API, shaped like the schema; anything not listed is denied. */
export const ruleMap: RuleMap = mergeRuleMaps(commonRules, authRules, yearRules, auditRules, catalogRules, rosterRules, groupRules, consentRules, timetableRules, lessonRules, controlWorkRules, eventRules, productionCalendarRules, socketRules, journalRules, finalMarkRules, extractRules, messageRules);

const options = {
  fallbackRule: deny,
  allowExternalErrors: true,
  debug: false,
  fallbackError: () => new GraphQLError('Forbidden', { extensions: { code: ErrorCode.FORBIDDEN } }),
};

type Decision = boolean | Error;
type Decide = (ctx: object) => Decision;

/**
 * A rule decided from the context alone, logic rules of such rules included (same semantics as
 * graphql-shield's and/or/chain/race); undefined when the rule may differ between rows.
 */
function contextDecider(rule: unknown): Decide | undefined {
  const own = contextDecisionOf(rule);
  if (own) return own as Decide;
  const r = rule as { constructor: { name: string }; rules?: unknown[] };
  const kind = r.constructor?.name;
  if (kind === 'RuleTrue') return () => true;
  if (kind === 'RuleFalse') return () => false;
  if (!['RuleAnd', 'RuleChain', 'RuleOr', 'RuleRace'].includes(kind)) return undefined;
  const parts = r.rules!.map(contextDecider);
  if (parts.some((p) => !p)) return undefined;
  const subs = parts as Decide[];
  const all = kind === 'RuleAnd' || kind === 'RuleChain';
  const sequential = kind === 'RuleChain' || kind === 'RuleRace';
  return (ctx) => {
    const results: Decision[] = [];
    for (const d of subs) {
      const res = d(ctx);
      results.push(res);
      if (sequential && (all ? res !== true : res === true)) break;
    }
    if (all ? results.every((x) => x === true) : results.some((x) => x === true)) return true;
    return results.find((x) => x instanceof Error) ?? false;
  };
}

type Fast = (parent: unknown, ctx: object) => boolean;

/**
 * A row rule's fast path, logic rules of context rules and fast paths included (an `and`/`chain`
 * passes fast when every part does); undefined when some part has neither.
 */
function fastDecider(rule: unknown): Fast | undefined {
  const own = rowFastPathOf(rule);
  if (own) return own as unknown as Fast;
  const r = rule as { constructor: { name: string }; rules?: unknown[] };
  if (!['RuleAnd', 'RuleChain'].includes(r.constructor?.name)) return undefined;
  const parts = r.rules!.map((p) => {
    const d = contextDecider(p);
    if (d) return (_parent: unknown, ctx: object) => decide(ctx, d) === true;
    return fastDecider(p);
  });
  if (parts.some((p) => !p)) return undefined;
  const all = parts as Fast[];
  return (parent, ctx) => all.every((p) => p(parent, ctx));
}

/**
 * Decisions per operation: one per context-only rule, kept on the context and renewed when the
 * context's loaders are (every event of a subscription gets its own), never shared between contexts.
 */
const decisionsOf = new WeakMap<object, { loaders: unknown; decisions: Map<Decide, Decision> }>();
function decide(ctx: { loaders?: unknown }, d: Decide): Decision {
  let memo = decisionsOf.get(ctx);
  if (!memo || memo.loaders !== ctx.loaders) {
    memo = { loaders: ctx.loaders, decisions: new Map() };
    decisionsOf.set(ctx, memo);
  }
  let res = memo.decisions.get(d);
  if (res === undefined) {
    try {
      res = d(ctx);
    } catch {
      res = false; // as shield does for a rule that throws (debug off)
    }
    memo.decisions.set(d, res);
  }
  return res;
}

/**
 * graphql-shield with `fallbackRule: deny`, made cheap where a decision cannot differ between rows.
 * Shield wraps every field of every row in a promise; here a field whose rule is `allow` is not
 * wrapped at all, and a field whose rule depends only on the viewer (roles, session — the capability
 * rules) is decided once per operation and then passes synchronously. Rules that look at the row
 * (e.g. `canSeeStudentPersonalData`) keep shield's own per-field middleware, except where their fast
 * path (`withFastPath`: the administration of the row's school) allows the row from the roles alone.
 * Context-decided fields are wrapped here directly rather than through graphql-middleware, whose
 * wrapper allocates a closure per field and row (a class journal page resolves 10,000 fields).
 */
function permissionLayer(map: RuleMap) {
  const shielded = shield(map as never, options);
  /** Type → field → the context decision that guards it (filled while the middleware is generated). */
  const byContext = new Map<string, Map<string, Decide>>();
  const layer = middleware((schema) => {
    byContext.clear();
    const generated = shielded.generate(schema) as Record<string, Record<string, unknown>>;
    for (const [type, fields] of Object.entries(generated)) {
      for (const field of Object.keys(fields)) {
        const rule = ruleOf(map, type, field) ?? options.fallbackRule;
        const d = contextDecider(rule);
        if (!d) {
          // A row rule with a fast path: resolved at once where it certainly allows, else shield decides.
          const fast = fastDecider(rule);
          if (fast) {
            // Shield gives a function, or (for logic rules) an object with it as `resolve`.
            type FieldMiddleware = (resolve: GraphQLFieldResolver<unknown, object>, parent: unknown, args: Record<string, unknown>, ctx: object, info: never) => unknown;
            const generatedField = fields[field] as FieldMiddleware | { resolve: FieldMiddleware };
            const shielded = typeof generatedField === 'function' ? generatedField : generatedField.resolve;
            const wrapped: FieldMiddleware = (resolve, parent, args, ctx, info) =>
              (fast(parent, ctx) ? resolve(parent, args, ctx, info) : shielded(resolve, parent, args, ctx, info));
            fields[field] = typeof generatedField === 'function' ? wrapped : { ...generatedField, resolve: wrapped };
          }
          continue;
        }
        if ((rule as { constructor: { name: string } }).constructor.name === 'RuleTrue') {
          delete fields[field];
          continue;
        }
        let own = byContext.get(type);
        if (!own) byContext.set(type, (own = new Map()));
        own.set(field, d);
        delete fields[field];
      }
    }
    return generated as never;
  });
  return (schema: GraphQLSchema): GraphQLSchema => {
    const out = applyMiddleware(schema, layer);
    for (const [typeName, own] of byContext) {
      const type = out.getType(typeName);
      if (!(type instanceof GraphQLObjectType)) throw new Error(`permissions: no object type ${typeName}`);
      const fields = type.getFields();
      for (const [name, d] of own) {
        const field = fields[name];
        const guard = (inner: GraphQLFieldResolver<unknown, object>): GraphQLFieldResolver<unknown, object> => (parent, args, ctx, info) => {
          const res = decide(ctx as { loaders?: unknown }, d);
          if (res === true) return inner(parent, args, ctx, info);
          return res === false ? options.fallbackError() : res;
        };
        // The function graphql-middleware would wrap: the resolver, else (a subscription field without
        // one) `subscribe`, else the default resolver.
        if (field.resolve && field.resolve !== defaultFieldResolver) field.resolve = guard(field.resolve as GraphQLFieldResolver<unknown, object>);
        else if (field.subscribe) field.subscribe = guard(field.subscribe as GraphQLFieldResolver<unknown, object>);
        else field.resolve = guard(defaultFieldResolver as GraphQLFieldResolver<unknown, object>);
      }
    }
    return out;
  };
}

/** Applies the permission layer to a schema (the rule map's shield, made cheap where it can be). */
export const applyPermissions = permissionLayer(ruleMap);
