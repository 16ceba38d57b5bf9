import { allow, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-YEAR-4, R-YEAR-5: forms study groups and sets individual plans. */
export const canManageGroups = capability('canManageGroups');
/** R-ROLE-5: changes group membership; a teacher only of the subgroups of the class they lead or whose subject they teach there (in the service). */
export const canFormSubgroups = capability('canFormSubgroups');
/** R-YEAR-11: enrols, transfers and lets students leave. */
export const canMoveStudents = capability('canMoveStudents');

/**
 * Study groups, class movement and individual plans. Groups are readable by every member of the
 * school; member lists and plans are scoped to the students the viewer takes part in educating
 * (student_access, in the service: NOT_FOUND or left out). The rules check the role; the service
 * checks that it is held in the record's school.
 */
export const groupRules: RuleMap = {
  Query: {
    studyGroups: isSchoolMember,
    studyGroup: isSchoolMember,
    classMembers: isSchoolMember,
    individualPlan: isSchoolMember,
  },
  Mutation: {
    studyGroupCreate: canManageGroups,
    studyGroupUpdate: canManageGroups,
    studyGroupArchive: canManageGroups,
    groupMemberAdd: canFormSubgroups,
    groupMemberRemove: canFormSubgroups,
    individualPlanSet: canManageGroups,
    individualPlanRemove: canManageGroups,
    studentEnrol: canMoveStudents,
    studentTransfer: canMoveStudents,
    studentLeave: canMoveStudents,
  },
  StudyGroup: {
    id: isSchoolMember,
    name: isSchoolMember,
    kind: isSchoolMember,
    archivedAt: isSchoolMember,
    academicYear: isSchoolMember,
    subject: isSchoolMember,
    schoolClass: isSchoolMember,
    classes: isSchoolMember,
    members: isSchoolMember,
  },
  GroupMembership: {
    id: isSchoolMember,
    fromDate: isSchoolMember,
    toDate: isSchoolMember,
    group: isSchoolMember,
    student: isSchoolMember,
  },
  ClassMembership: {
    id: isSchoolMember,
    fromDate: isSchoolMember,
    toDate: isSchoolMember,
    schoolClass: isSchoolMember,
    student: isSchoolMember,
  },
  IndividualPlan: {
    id: isSchoolMember,
    reason: isSchoolMember,
    student: isSchoolMember,
    academicYear: isSchoolMember,
    subjects: isSchoolMember,
  },
  IndividualPlanSubject: {
    id: isSchoolMember,
    hoursPerWeek: isSchoolMember,
    subject: isSchoolMember,
  },
  // Payloads carry what their mutation already authorised.
  StudyGroupCreatePayload: allow,
  StudyGroupUpdatePayload: allow,
  StudyGroupArchivePayload: allow,
  GroupMemberAddPayload: allow,
  GroupMemberRemovePayload: allow,
  IndividualPlanSetPayload: allow,
  IndividualPlanRemovePayload: allow,
  StudentEnrolPayload: allow,
  StudentTransferPayload: allow,
  StudentLeavePayload: allow,
};
