import { chain, rule } from 'graphql-shield';
import type { Ctx } from '../../context';
import { forbidden } from '../../schema/errors';
import { can } from '../capabilities';
import { clock } from '../../clock';
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
  // classTeacherOf, as of today: a class of the academic year in progress in the school's time zone
  const [row] = await ctx.em.execute(
    `select 1 from school_class c join staff st on st.id = c.class_teacher_id
       join academic_year y on y.id = c.academic_year_id join school sch on sch.id = c.school_id
      where st.user_id = ? and st.archived_at is null
        and (?::timestamptz at time zone sch.time_zone)::date between y.start_date and y.end_date limit 1`,
    [ctx.viewer.userId, clock.now().toISOString()]);
  return row ? true : forbidden('Requires the role ADMIN or DEPUTY, or leading a class as its class teacher');
});

export const canManageConsent = chain(isAuthenticated, leadsSomeClass);

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
