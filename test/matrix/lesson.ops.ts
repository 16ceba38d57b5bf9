import { toGlobalId } from '../../src/schema/node';
import { EVERY_USER, STAFF_ADMIN, type Actor, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';
import * as f from '../helpers/factories';

const TEACHING: Actor[] = ['teacher', 'classteacher'];
const STAFF: Actor[] = ['admin', 'director', 'deputy', 'teacher', 'classteacher'];
const ERR = 'userErrors { code message }';

/** Matrix entries of lesson changes and the diary. */
export function lessonOps(fx: MatrixFixtures): MatrixOp[] {
  /** A staff member of the demo school with the TEACHER role and no lessons yet (so no call clashes with another). */
  async function freshTeacher(): Promise<string> {
    const account = { login: `lt${fx.next()}`, lastName: 'Урочный', firstName: 'Иван' };
    return (await f.staff(fx.app, fx.demoSchoolUuid(), { roles: ['TEACHER'], account })).staffId;
  }
  /** A lesson of a new class on a school day; `set` adds column values (a substitute, a cancellation). */
  async function lesson(teacherId?: string, set: Record<string, unknown> = {}): Promise<string> {
    const cols = ['substitute_teacher_id', 'substitution_reason', 'status', 'cancel_reason'];
    const [r] = await fx.app.sql(`insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number,
        date, lesson_number, subject_id, teacher_id, school_class_id, kind, substitute_teacher_id, substitution_reason, status, cancel_reason)
      values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-12', 2, '2025-11-12', 2, $3, $4, $5, 'MAIN', $6, $7, coalesce($8, 'SCHEDULED')::lesson_status, $9) returning id`,
    [fx.demoSchoolUuid(), fx.demoYearUuid(), await fx.newSubjectRow(), teacherId ?? await freshTeacher(), await fx.newClassRow(), ...cols.map((k) => set[k] ?? null)]);
    return toGlobalId('Lesson', r.id);
  }
  const room = async () => toGlobalId('Room', await f.room(fx.app, fx.demoSchoolUuid(), { name: `Каб. У${fx.next()}` }));
  const teacherOf = (actor: Actor) => fx.staffUuid(TEACHING.includes(actor) ? actor : 'teacher');

  return [
    // diary and timetables (R-DIARY-2)
    { field: 'Query.studentDiary', requirement: 'R-DIARY-2', allowed: EVERY_USER, hidden: ['analyst'],
      document: `query($s: ID!) { studentDiary(studentId: $s, from: "2025-09-08", to: "2025-09-14") { date lessons { id } controlWorks { id } holiday { name } } }`,
      variables: async ({ actor }) => ({ s: (await fx.studentFor(actor)).studentId }),
      check: (r) => expect(r.data.studentDiary).toHaveLength(7) },
    { field: 'Query.teacherTimetable', requirement: 'R-JOUR-6', allowed: STAFF,
      document: `query { teacherTimetable(from: "2025-09-08", to: "2025-09-14") { date lessons { id isSubstitution } entries { role lesson { id } } } }`,
      check: (r) => expect(r.data.teacherTimetable).toHaveLength(7) },
    { field: 'Query.lessonSlotAvailability', requirement: 'R-JOUR-6', allowed: STAFF_ADMIN,
      document: `query($s: ID!) { lessonSlotAvailability(schoolId: $s, date: "2025-09-10", lessonNumber: 2) { date holiday { id } teachers { staff { id } teachesSubject } rooms { id } } }`,
      variables: () => ({ s: fx.schoolId() }),
      check: (r) => expect(r.data.lessonSlotAvailability.teachers.length).toBeGreaterThan(0) },

    // lesson changes (R-JOUR-6)
    { field: 'Mutation.lessonSubstitute', requirement: 'R-JOUR-6', allowed: STAFF_ADMIN,
      document: `mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { lesson { id isSubstitution } ${ERR} } }`,
      variables: async () => ({ i: { lessonId: await lesson(), substituteTeacherId: toGlobalId('Staff', await freshTeacher()), reason: 'больничный' } }) },
    { field: 'Mutation.lessonSubstitutionRemove', requirement: 'R-JOUR-6', allowed: STAFF_ADMIN,
      document: `mutation($i: LessonSubstitutionRemoveInput!) { lessonSubstitutionRemove(input: $i) { lesson { id isSubstitution } ${ERR} } }`,
      variables: async () => ({ i: { lessonId: await lesson(undefined, { substitute_teacher_id: await freshTeacher(), substitution_reason: 'больничный' }) } }) },
    { field: 'Mutation.lessonMove', requirement: 'R-DIARY-2', allowed: STAFF_ADMIN,
      document: `mutation($i: LessonMoveInput!) { lessonMove(input: $i) { lesson { id moved } ${ERR} } }`,
      variables: async () => ({ i: { lessonId: await lesson(), roomId: await room(), reason: 'ремонт' } }) },
    { field: 'Mutation.lessonCancel', requirement: 'R-DIARY-2', allowed: STAFF_ADMIN,
      document: `mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { lesson { id status } ${ERR} } }`,
      variables: async () => ({ i: { lessonId: await lesson(), reason: 'карантин' } }) },
    { field: 'Mutation.lessonRestore', requirement: 'R-DIARY-2', allowed: STAFF_ADMIN,
      document: `mutation($i: LessonRestoreInput!) { lessonRestore(input: $i) { lesson { id status } ${ERR} } }`,
      variables: async () => ({ i: { lessonId: await lesson(undefined, { status: 'CANCELLED', cancel_reason: 'карантин' }) } }) },
    // R-JOUR-1: the conducting teacher fills in their own lesson
    { field: 'Mutation.lessonTopicSet', requirement: 'R-JOUR-1', allowed: TEACHING,
      document: `mutation($i: LessonTopicSetInput!) { lessonTopicSet(input: $i) { lesson { id topic } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { lessonId: await lesson(await teacherOf(actor)), topic: `Тема ${fx.next()}` } }) },
  ];
}
