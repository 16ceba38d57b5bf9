import { rule } from 'graphql-shield';
import { allow, canBlockAccounts, canResetPasswords, capability, hasSession, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';
import type { Ctx } from '../../context';
import type { User } from '../../entities/user.entity';
import { forbidden, passwordChangeRequired, unauthenticated } from '../../schema/errors';
import { schoolsWhere } from '../capabilities';

/** R-ROLE-1..3: lists the users of a school (the service checks which school). */
export const canListUsers = capability('canListUsers');

/**
 * R-SEC-6: whether and why an account is blocked is seen by the user themself and by the
 * administrator or director of a school the user belongs to.
 */
export const canSeeAccountStatus = rule('canSeeAccountStatus', { cache: 'no_cache' })(async (user: User, _args, ctx: Ctx) => {
  if (!ctx.viewer) return ctx.authError ?? unauthenticated();
  if (user.id === ctx.viewer.userId) return true;
  const denied = () => forbidden('Only the user and the administrator or director of their school see the account status');
  const managed = schoolsWhere(ctx.viewer, 'canBlockAccounts');
  if (!managed.length) return denied();
  const roles = await ctx.loaders.rolesByUser.load(user.id);
  return roles.some((r) => managed.includes(r.school.id)) ? true : denied();
});

/** `me { students }`: only the user themself reads the students their account follows (with a changed password). */
export const isViewerThemself = rule('isViewerThemself', { cache: 'no_cache' })((user: User, _args, ctx: Ctx) => {
  if (!ctx.viewer) return ctx.authError ?? unauthenticated();
  if (ctx.viewer.mustChangePassword) return passwordChangeRequired();
  return user.id === ctx.viewer.userId ? true : forbidden('Only the user themself reads the students their account follows (`me { students }`)');
});

/** Accounts and sessions. */
export const authRules: RuleMap = {
  Query: {
    me: hasSession,
    users: canListUsers,
  },
  Mutation: {
    login: allow,
    tokenRefresh: allow,
    logout: hasSession,
    passwordChange: hasSession,
    passwordReset: canResetPasswords,
    userBlock: canBlockAccounts,
    userUnblock: canBlockAccounts,
  },
  // Payloads and connections carry only what their root field already authorised.
  AuthPayload: allow,
  LogoutPayload: allow,
  PasswordChangePayload: allow,
  PasswordResetPayload: allow,
  UserBlockPayload: allow,
  UserUnblockPayload: allow,
  UserConnection: allow,
  UserEdge: allow,
  User: {
    '*': isAuthenticated,
    id: hasSession,
    login: hasSession,
    lastName: hasSession,
    firstName: hasSession,
    middleName: hasSession,
    fullName: hasSession,
    mustChangePassword: hasSession,
    roles: hasSession,
    blockedAt: canSeeAccountStatus,
    blockedReason: canSeeAccountStatus,
    students: isViewerThemself,
  },
  RoleAssignment: hasSession,
};
