import { allow, deny, rule } from 'graphql-shield';
import type { Ctx } from '../../context';
import { Role } from '../../entities/user.entity';
import { hasRole } from '../../context';
import { forbidden, passwordChangeRequired, unauthenticated } from '../../schema/errors';

export { allow, deny };

/** A valid session; a user with a one-time password may do nothing but change it. */
export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_p, _a, ctx: Ctx) => {
  if (!ctx.viewer) return ctx.authError ?? unauthenticated();
  if (ctx.viewer.mustChangePassword) return passwordChangeRequired();
  return true;
});

/** A valid session, even one that must change its password first (me, passwordChange, logout). */
export const hasSession = rule('hasSession', { cache: 'contextual' })((_p, _a, ctx: Ctx) =>
  ctx.viewer ? true : ctx.authError ?? unauthenticated(),
);

/** Builds a rule "holds one of `roles` in some school"; the service then checks the school itself. */
export const holdsRole = (name: string, roles: readonly Role[]) =>
  rule(name, { cache: 'contextual' })((_p, _a, ctx: Ctx) => {
    if (!ctx.viewer) return ctx.authError ?? unauthenticated();
    if (ctx.viewer.mustChangePassword) return passwordChangeRequired();
    return hasRole(ctx.viewer, roles) ? true : forbidden(`Requires one of the roles: ${roles.join(', ')}`);
  });

/** Any role in any school: a member of a school may read its structure (R-YEAR). */
export const isSchoolMember = holdsRole('isSchoolMember', Object.values(Role));
/** R-ROLE-1, R-ROLE-3: sets up the school year. */
export const canManageYear = holdsRole('canManageYear', [Role.ADMIN, Role.DEPUTY]);
/** R-ROLE-1: manages accounts. */
export const canManageAccounts = holdsRole('canManageAccounts', [Role.ADMIN]);
/** R-SEC-6, R-SEC-7: blocks and unblocks accounts. */
export const canBlockAccounts = holdsRole('canBlockAccounts', [Role.ADMIN, Role.DIRECTOR]);
/** R-SEC-5: reads the audit trail. */
export const canReadAudit = holdsRole('canReadAudit', [Role.ADMIN, Role.DIRECTOR, Role.DEPUTY]);
