import { allow, deny, rule } from 'graphql-shield';
import type { GraphQLError } from 'graphql';
import type { Ctx } from '../../context';
import { forbidden, passwordChangeRequired, unauthenticated } from '../../schema/errors';
import { type Capability, shieldRolesOf } from '../capabilities';
import { hasRole } from '../../context';

export { allow, deny };

/** A decision that depends on the context (the viewer) only, never on the row: the same for every field it guards. */
export type ContextDecision = (ctx: Ctx) => true | GraphQLError;

const contextDecisions = new WeakMap<object, ContextDecision>();

/**
 * A shield rule decided from the context alone. Shield caches it per operation (`contextual`);
 * the permission layer (src/permissions/index.ts) also decides it once per operation and then
 * lets every field it guards through synchronously, without shield's promise per field.
 */
export function contextRule(name: string, decide: ContextDecision) {
  const r = rule(name, { cache: 'contextual' })((_p, _a, ctx: Ctx) => decide(ctx));
  contextDecisions.set(r, decide);
  return r;
}

/**
 * A row rule's synchronous fast path: true when the rule certainly allows this row from what the
 * context already holds (say, the viewer administers the row's school); false means "ask the rule".
 */
export type RowFastPath = (parent: never, ctx: Ctx) => boolean;
const rowFastPaths = new WeakMap<object, RowFastPath>();

/** Gives a row rule a fast path (see RowFastPath); the permission layer tries it before the rule. */
export function withFastPath<R extends object>(r: R, fast: RowFastPath): R {
  rowFastPaths.set(r, fast);
  return r;
}

/** The fast path of a rule made with `withFastPath`, if it has one. */
export const rowFastPathOf = (r: unknown): RowFastPath | undefined => (r && typeof r === 'object' ? rowFastPaths.get(r) : undefined);

/** The context-only decision of a rule made with `contextRule`, if it is one. */
export const contextDecisionOf = (r: unknown): ContextDecision | undefined => (r && typeof r === 'object' ? contextDecisions.get(r) : undefined);

/** A valid session; a user with a one-time password may do nothing but change it. */
export const isAuthenticated = contextRule('isAuthenticated', (ctx) => {
  if (!ctx.viewer) return ctx.authError ?? unauthenticated();
  if (ctx.viewer.mustChangePassword) return passwordChangeRequired();
  return true;
});

/** A valid session, even one that must change its password first (me, passwordChange, logout). */
export const hasSession = contextRule('hasSession', (ctx) => (ctx.viewer ? true : ctx.authError ?? unauthenticated()));

/**
 * The rule of a capability of the table (src/permissions/capabilities.ts): holds one of its roles
 * in some school — or TEACHER where a relation may grant it. The service then checks the record's
 * school and the relation.
 */
export const capability = (name: Capability) => {
  const roles = shieldRolesOf(name);
  return contextRule(name, (ctx) => {
    if (!ctx.viewer) return ctx.authError ?? unauthenticated();
    if (ctx.viewer.mustChangePassword) return passwordChangeRequired();
    return hasRole(ctx.viewer, roles) ? true : forbidden(`Requires one of the roles: ${roles.join(', ')}`);
  });
};

/** Any role in any school: a member of a school may read its structure (R-YEAR). */
export const isSchoolMember = capability('isSchoolMember');
/** R-ROLE-1, R-ROLE-3: sets up the school year. */
export const canManageYear = capability('canManageYear');
/** R-ROLE-3, R-SEC-10: manages staff and hands out their credentials. */
export const canManageStaff = capability('canManageStaff');
/** R-ROLE-1: issues new one-time passwords. */
export const canResetPasswords = capability('canResetPasswords');
/** R-SEC-6, R-SEC-7: blocks and unblocks accounts. */
export const canBlockAccounts = capability('canBlockAccounts');
/** R-SEC-5: reads the audit trail. */
export const canReadAudit = capability('canReadAudit');
/** R-YEAR-3, R-ROLE-8: staff names, for every member of the school except analysts. */
export const canReadStaff = capability('canReadStaff');
