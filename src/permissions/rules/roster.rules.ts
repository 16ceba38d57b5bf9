import { and, rule } from 'graphql-shield';
import type { Ctx } from '../../context';
import { administersSchool } from '../capabilities';
import { viewerKey } from '../../loaders/roster.loaders';
import { notFound, unauthenticated } from '../../schema/errors';
import { allow, canReadStaff, capability, isSchoolMember, withFastPath } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-ROLE-1, R-ROLE-3: creates and changes classes, enrols student records. */
export const canManageClasses = capability('canManageClasses');
/**
 * R-ROLE-5: maintains students' and guardians' data — the administration, or a teacher who leads
 * the student's class (checked against the data in the service).
 */
export const canMaintainStudents = capability('canMaintainStudents');
/** R-SEC-1: hands out credentials — an ADMIN, or a teacher who leads the class (checked in the service). */
export const canIssueCredentials = capability('canIssueCredentials');

/**
 * R-SEC-3: the viewer takes part in the parent student's education (`student_access`); computed
 * once per student per request through a DataLoader. The field resolvers also return null without
 * consent or after erasure (R-SEC-4).
 */
export const canSeeStudentPersonalData = withFastPath(rule('canSeeStudentPersonalData', { cache: 'no_cache' })(
  async (parent: { id: string; school?: { id: string } }, _a, ctx: Ctx) => {
    if (!ctx.viewer) return ctx.authError ?? unauthenticated();
    if (administers(parent, ctx)) return true;
    return (await ctx.loaders.studentAccess.load(viewerKey(ctx.viewer.userId, parent.id))) ? true : notFound('Student');
  },
), administers);

/** The administration of the row's school: decided from the request's roles, no statement (SCHOOL_WIDE_ACCESS_ROLES). */
function administers(parent: { school?: { id: string } }, ctx: Ctx): boolean {
  return !!parent.school && administersSchool(ctx.viewer, parent.school.id);
}

/** R-SEC-3: the viewer has access to one of the parent guardian's children (or administers the school). */
export const canSeeGuardianPersonalData = withFastPath(rule('canSeeGuardianPersonalData', { cache: 'no_cache' })(
  async (parent: { id: string; school?: { id: string } }, _a, ctx: Ctx) => {
    if (!ctx.viewer) return ctx.authError ?? unauthenticated();
    if (administers(parent, ctx)) return true;
    return (await ctx.loaders.guardianAccess.load(viewerKey(ctx.viewer.userId, parent.id))) ? true : notFound('Guardian');
  },
), administers);

export const studentPd = and(isSchoolMember, canSeeStudentPersonalData);
const guardianPd = and(isSchoolMember, canSeeGuardianPersonalData);

/**
 * Classes and people (R-YEAR-4, R-ROLE-5, R-SEC-1, R-SEC-3). Class names are not personal data:
 * every member of the school reads classes. Lists of students are scoped in SQL by
 * `student_access`; personal-data fields are guarded again per student.
 */
export const rosterRules: RuleMap = {
  Query: {
    classes: isSchoolMember,
    schoolClass: isSchoolMember,
    student: isSchoolMember,
    classCredentialsSheet: canIssueCredentials,
  },
  Mutation: {
    classCreate: canManageClasses,
    classUpdate: canManageClasses,
    studentCreate: canManageClasses,
    studentUpdate: canMaintainStudents,
    guardianCreate: canMaintainStudents,
    guardianUpdate: canMaintainStudents,
    guardianLink: canMaintainStudents,
    guardianUnlink: canMaintainStudents,
    credentialsIssue: canIssueCredentials,
    classCredentialsIssue: canIssueCredentials,
  },
  // R-ROLE-8: the class teacher's name is staff personal data (refused like Staff fields); the
  // class size is not, and is the same for every viewer.
  SchoolClass: { '*': isSchoolMember, classTeacherName: canReadStaff },
  Student: {
    id: isSchoolMember,
    pseudonym: isSchoolMember,
    consentStatus: isSchoolMember,
    leftOn: isSchoolMember,
    leftReason: studentPd,
    erasedAt: isSchoolMember,
    fullName: studentPd,
    lastName: studentPd,
    firstName: studentPd,
    middleName: studentPd,
    birthDate: studentPd,
    sex: studentPd,
    enrolmentNumber: studentPd,
    phone: studentPd,
    email: studentPd,
    guardians: studentPd,
    currentClass: studentPd,
  },
  StudentGuardian: isSchoolMember,
  Guardian: {
    id: isSchoolMember,
    erasedAt: isSchoolMember,
    fullName: guardianPd,
    lastName: guardianPd,
    firstName: guardianPd,
    middleName: guardianPd,
    phone: guardianPd,
    email: guardianPd,
  },
  // Rows the parent query (class teacher or ADMIN) already authorised.
  CredentialsSheetRow: allow,
  IssuedCredentials: allow,
  // Payloads carry what their mutation already authorised.
  ClassCreatePayload: allow,
  ClassUpdatePayload: allow,
  StudentCreatePayload: allow,
  StudentUpdatePayload: allow,
  GuardianCreatePayload: allow,
  GuardianUpdatePayload: allow,
  GuardianLinkPayload: allow,
  GuardianUnlinkPayload: allow,
  CredentialsIssuePayload: allow,
  ClassCredentialsIssuePayload: allow,
};
