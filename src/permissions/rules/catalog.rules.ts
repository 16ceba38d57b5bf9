import { allow, canManageStaff, canManageYear, canReadStaff, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

export { canReadStaff };
/** R-ROLE-1..3: the account behind a staff member. */
export const canReadStaffAccounts = capability('canReadStaffAccounts');
/** R-YEAR-7, R-YEAR-8: teaching load and plans; the service narrows a teacher to their own. */
export const canReadTeaching = capability('canReadTeaching');
/** R-YEAR-8: edits thematic plans; the service requires a teacher to be assigned to the subject and class/group. */
export const canEditThematicPlans = capability('canEditThematicPlans');

/**
 * Subjects, rooms and staff (R-YEAR-3), curriculum (R-YEAR-5), teaching load (R-YEAR-7) and thematic
 * plans (R-YEAR-8). The rules check the role; the service checks that it is held in the school of
 * the record and narrows teachers to what they teach.
 */
export const catalogRules: RuleMap = {
  Query: {
    subjects: isSchoolMember,
    rooms: isSchoolMember,
    staff: canReadStaff,
    curriculum: isSchoolMember,
    teachingAssignments: canReadTeaching,
    teacherLoad: canReadTeaching,
    thematicPlan: canReadTeaching,
  },
  Mutation: {
    subjectCreate: canManageYear,
    subjectUpdate: canManageYear,
    subjectArchive: canManageYear,
    roomCreate: canManageYear,
    roomUpdate: canManageYear,
    roomArchive: canManageYear,
    staffCreate: canManageStaff,
    staffUpdate: canManageStaff,
    staffArchive: canManageStaff,
    curriculumSet: canManageYear,
    teachingAssignmentCreate: canManageYear,
    teachingAssignmentUpdate: canManageYear,
    teachingAssignmentDelete: canManageYear,
    thematicPlanReplace: canEditThematicPlans,
    plannedTopicsReorder: canEditThematicPlans,
  },
  Subject: isSchoolMember,
  Room: isSchoolMember,
  Staff: { '*': canReadStaff, user: canReadStaffAccounts },
  StaffConnection: allow,
  StaffEdge: allow,
  Curriculum: isSchoolMember,
  CurriculumItem: isSchoolMember,
  TeachingAssignment: canReadTeaching,
  TeacherLoad: canReadTeaching,
  TeacherLoadLine: canReadTeaching,
  ThematicPlan: canReadTeaching,
  PlannedTopic: canReadTeaching,
  // Payloads carry what their mutation already authorised.
  SubjectPayload: allow,
  RoomPayload: allow,
  StaffCreatePayload: allow,
  StaffPayload: allow,
  CurriculumSetPayload: allow,
  TeachingAssignmentPayload: allow,
  TeachingAssignmentDeletePayload: allow,
  ThematicPlanPayload: allow,
};
