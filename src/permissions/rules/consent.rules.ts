import { and, rule } from 'graphql-shield';
import type { Ctx } from '../../context';
import { forbidden } from '../../schema/errors';
import { can } from '../capabilities';
import { leadsClass } from '../../services/participation';
import { allow, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';

/**
 * R-SEC-4, R-ROLE-5: registers consent (`canManageConsent` of the capability table) — its roles, or
 * the class teacher of some class. The service checks the school and the student's current class (NOT_FOUND for a student the
 * viewer takes no part in educating, FORBIDDEN for one they may see but not decide for).
 */
const leadsSomeClass = rule('leadsSomeClass', { cache: 'contextual' })(async (_p, _a, ctx: Ctx) => {
  if (!ctx.viewer) return false;
  if (can(ctx.viewer, 'canManageConsent')) return true;
  // classTeacherOf, as of today
  return (await leadsClass(ctx.em, ctx.viewer.userId, null)) ? true : forbidden('Requires the role ADMIN or DEPUTY, or leading a class as its class teacher');
});

// and(), not chain(): graphql-shield 7.6.5's chain() and race() call util.isUndefined, which Node 23 removed.
export const canManageConsent = and(isAuthenticated, leadsSomeClass);

export const consentRules: RuleMap = {
  Query: {
    studentsByConsent: canManageConsent,
  },
  Mutation: {
    consentRegister: canManageConsent,
    consentWithdraw: canManageConsent,
  },
  Consent: {
    id: canManageConsent,
    studentId: canManageConsent,
    guardianId: canManageConsent,
    decision: canManageConsent,
    decidedOn: canManageConsent,
    documentRef: canManageConsent,
    recordedAt: canManageConsent,
  },
  ErasureJob: {
    id: canManageConsent,
    reason: canManageConsent,
    dueAt: canManageConsent,
    doneAt: canManageConsent,
    attempts: canManageConsent,
    guardianNotifiedAt: canManageConsent,
    notice: canManageConsent,
    categories: canManageConsent,
  },
  StudentConsentState: {
    studentId: canManageConsent,
    pseudonym: canManageConsent,
    consentStatus: canManageConsent,
    decidedOn: canManageConsent,
    erasureDueAt: canManageConsent,
    erasedAt: canManageConsent,
  },
  // Payloads carry what their mutation already authorised.
  ConsentRegisterPayload: { consent: allow, consentStatus: allow, userErrors: allow },
  ConsentWithdrawPayload: { consent: allow, consentStatus: allow, erasureJob: allow, userErrors: allow },
};
