import { allow, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-ROLE-2, R-ROLE-3, R-JOUR-6: registers substitutions, moves and cancellations of lessons. */
export const canChangeLessons = capability('canChangeLessons');
/** R-JOUR-1, R-JOUR-6: fills in a lesson; the service requires the viewer to conduct that lesson. */
export const canConductLessons = capability('canConductLessons');
/** A teacher's timetable: their own, or any of the school for the administration (checked in the service). */
export const canReadTeacherTimetables = capability('canReadTeacherTimetables');

/**
 * Dated lessons and the diary (R-JOUR-6, R-DIARY-2). The rules check the role; the services check
 * the record's school and scope rows: a diary only for those in student_access (else NOT_FOUND), a
 * topic only by the teacher who conducts the lesson. The control works of a lesson or a diary day
 * fall under the ControlWork rule of control-work.rules.ts.
 */
export const lessonRules: RuleMap = {
  Query: {
    studentDiary: isSchoolMember,
    teacherTimetable: canReadTeacherTimetables,
    lessonSlotAvailability: canChangeLessons,
  },
  Mutation: {
    lessonSubstitute: canChangeLessons,
    lessonSubstitutionRemove: canChangeLessons,
    lessonMove: canChangeLessons,
    lessonCancel: canChangeLessons,
    lessonRestore: canChangeLessons,
    lessonTopicSet: canConductLessons,
  },
  // Lessons reach a viewer only through scoped queries, payloads and node().
  Lesson: { '*': isSchoolMember },
  LessonSlot: isSchoolMember,
  // Days carry what their root query already scoped.
  DiaryDay: allow,
  TeacherDay: allow,
  TeacherTimetableLesson: allow,
  // What lessonSlotAvailability already authorised (the school's administration).
  LessonSlotAvailability: allow,
  FreeTeacher: allow,
  // Payloads carry what their mutation already authorised.
  LessonSubstitutePayload: allow,
  LessonSubstitutionRemovePayload: allow,
  LessonMovePayload: allow,
  LessonCancelPayload: allow,
  LessonRestorePayload: allow,
  LessonTopicSetPayload: allow,
};
