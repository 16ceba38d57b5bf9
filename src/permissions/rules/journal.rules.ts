import { allow, canManageYear, capability, isSchoolMember } from './common.rules';
import { canConductLessons } from './lesson.rules';
import type { RuleMap } from '../rule-map';

/** R-ROLE-2..5: reads a class journal page (the service checks the class teacher, the teachers of the subject, the school). */
export const canReadClassJournals = capability('canReadClassJournals');

/**
 * The journal (R-JOUR-1..5, R-JOUR-7). The rules check the role; the service checks the record:
 * a lesson's content, homework, attendance and marks only by the teacher who conducts it (its
 * substitute, R-JOUR-6); marks and attendance read through a lesson, a page or a student only for
 * viewers who may see the student (R-SEC-3, else filtered out or NOT_FOUND).
 */
export const journalRules: RuleMap = {
  Query: {
    classJournal: canReadClassJournals,
    classAttendance: canReadClassJournals,
    studentMarks: isSchoolMember,
    workTypes: isSchoolMember,
  },
  Mutation: {
    lessonContentSet: canConductLessons,
    homeworkSet: canConductLessons,
    homeworkRemove: canConductLessons,
    attendanceSet: canConductLessons,
    marksPost: canConductLessons,
    markCorrect: canConductLessons,
    markDelete: canConductLessons,
    workTypeCreate: canManageYear,
    workTypeUpdate: canManageYear,
    gradingSystemAssign: canManageYear,
  },
  // Reached only through scoped queries, payloads, lessons and node(): rows are filtered by the service.
  Mark: { '*': isSchoolMember },
  Attendance: { '*': isSchoolMember },
  Homework: { '*': isSchoolMember },
  WorkType: { '*': isSchoolMember },
  GradingAssignment: { '*': isSchoolMember },
  // What their root query already authorised and scoped.
  ClassJournal: allow,
  JournalRow: allow,
  SubjectMarks: allow,
  // Payloads carry what their mutation already authorised.
  LessonContentSetPayload: allow,
  HomeworkSetPayload: allow,
  HomeworkRemovePayload: allow,
  AttendanceSetPayload: allow,
  MarksPostPayload: allow,
  MarkCorrectPayload: allow,
  MarkDeletePayload: allow,
  WorkTypePayload: allow,
  GradingSystemAssignPayload: allow,
};
