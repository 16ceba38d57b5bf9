import { allow, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-ROLE-1, R-ROLE-3: sets bell schedules and the timetable and generates the dated lessons. */
export const canManageTimetable = capability('canManageTimetable');

/**
 * Bell schedules (R-YEAR-6) and the timetable (R-YEAR-9). Every member of a school reads them
 * (R-DIARY-2: students and parents see the timetable); an individual plan's entries are scoped to
 * those taking part in the student's education (student_access, in the service). The rules check
 * the role; the service checks that it is held in the record's school. Staff, Student and Lesson
 * fields reached from here keep their own rules.
 */
export const timetableRules: RuleMap = {
  Query: {
    bellSchedules: isSchoolMember,
    effectiveBellSchedule: isSchoolMember,
    timetable: isSchoolMember,
  },
  Mutation: {
    bellScheduleSet: canManageTimetable,
    bellScheduleRemove: canManageTimetable,
    timetableEntryCreate: canManageTimetable,
    timetableEntryEnd: canManageTimetable,
    timetableEntryDelete: canManageTimetable,
    lessonsGenerate: canManageTimetable,
  },
  BellSchedule: {
    id: isSchoolMember,
    name: isSchoolMember,
    academicYear: isSchoolMember,
    schoolClass: isSchoolMember,
    group: isSchoolMember,
    isSchoolDefault: isSchoolMember,
    slots: isSchoolMember,
  },
  BellSlot: {
    id: isSchoolMember,
    lessonNumber: isSchoolMember,
    startsAt: isSchoolMember,
    endsAt: isSchoolMember,
    bellSchedule: isSchoolMember,
  },
  TimetableEntry: {
    id: isSchoolMember,
    weekday: isSchoolMember,
    lessonNumber: isSchoolMember,
    kind: isSchoolMember,
    validFrom: isSchoolMember,
    validTo: isSchoolMember,
    academicYear: isSchoolMember,
    subject: isSchoolMember,
    teacher: isSchoolMember,
    room: isSchoolMember,
    schoolClass: isSchoolMember,
    group: isSchoolMember,
    student: isSchoolMember,
    bellSlot: isSchoolMember,
  },
  // Payloads carry what their mutation already authorised.
  BellScheduleSetPayload: allow,
  BellScheduleRemovePayload: allow,
  TimetableEntryCreatePayload: allow,
  TimetableEntryEndPayload: allow,
  TimetableEntryDeletePayload: allow,
  LessonsGeneratePayload: allow,
};
