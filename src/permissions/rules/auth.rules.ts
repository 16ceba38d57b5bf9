import { allow, hasSession, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';

/** Accounts and sessions. */
export const authRules: RuleMap = {
  Query: {
    me: hasSession,
  },
  Mutation: {
    login: allow,
  },
  AuthPayload: allow,
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
  },
  RoleAssignment: hasSession,
};
