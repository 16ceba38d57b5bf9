import { toGlobalId } from '../../src/schema/node';
import { EVERY_USER, STAFF_ADMIN, type Actor, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

const TEACHING: Actor[] = ['teacher', 'classteacher'];
const MANAGERS: Actor[] = ['admin', 'deputy'];
const ERR = 'userErrors { code message }';

/**
 * Matrix entries of the journal (R-JOUR-1..5, R-JOUR-7, R-ROLE-2..5, R-YEAR-2). Writes are the
 * conducting teacher's (TEACHER, by relation); a class journal page is read by the administration,
 * the class teacher and the subject's teachers; a student's marks by those who may see the student.
 */
export function journalOps(fx: MatrixFixtures): MatrixOp[] {
  const teacherOf = (actor: Actor) => fx.staffUuid(TEACHING.includes(actor) ? actor : 'teacher');
  const workType = async (name = 'Ответ на уроке') => {
    const [w] = await fx.app.sql(`select id from work_type where school_id = $1 and name = $2`, [fx.demoSchoolUuid(), name]);
    return toGlobalId('WorkType', w.id);
  };
  /** A lesson of a new class with one consenting student, conducted by `teacherId`. */
  async function lesson(teacherId: string): Promise<{ lessonId: string; studentId: string; lessonUuid: string; studentUuid: string }> {
    const classUuid = await fx.newClassRow();
    const studentUuid = await fx.newStudentRow(classUuid);
    await fx.app.sql(`update student set consent_status = 'GIVEN' where id = $1`, [studentUuid]);
    const [r] = await fx.app.sql(`insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number,
        date, lesson_number, subject_id, teacher_id, school_class_id, kind)
      values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-12', 2, '2025-11-12', 2, $3, $4, $5, 'MAIN') returning id`,
    [fx.demoSchoolUuid(), fx.demoYearUuid(), await fx.newSubjectRow(), teacherId, classUuid]);
    return { lessonId: toGlobalId('Lesson', r.id), studentId: toGlobalId('Student', studentUuid), lessonUuid: r.id, studentUuid };
  }
  /** A mark of a lesson the actor's teacher conducts (written directly, as marksPost would). */
  async function mark(actor: Actor): Promise<string> {
    const teacherId = await teacherOf(actor);
    const l = await lesson(teacherId);
    const [m] = await fx.app.sql(`insert into mark (id, created_at, updated_at, school_id, lesson_id, student_id, work_type_id, grading_value_id, value,
        posted_by_id, posted_at, due_at)
      select gen_random_uuid(), now(), now(), $1, $2, $3, w.id, v.id, '4', $4, now(), now()
        from work_type w, grading_value v join grading_system s on s.id = v.grading_system_id
       where w.school_id = $1 and w.name = 'Ответ на уроке' and s.school_id = $1 and s.kind = 'FIVE_POINT' and v.code = '4' returning id`,
    [fx.demoSchoolUuid(), l.lessonUuid, l.studentUuid, teacherId]);
    return toGlobalId('Mark', m.id);
  }
  /** A class journal page the actor relates to: a class the class teacher leads, whose subject the teacher teaches. */
  async function page(): Promise<Record<string, string>> {
    const classId = await fx.newLedClass();
    const subjectUuid = await fx.newSubjectRow();
    await fx.app.sql(`insert into teaching_assignment (id, created_at, updated_at, school_id, academic_year_id, teacher_id, subject_id, school_class_id, hours_per_week)
      values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, 2)`, [fx.demoSchoolUuid(), fx.demoYearUuid(), await fx.staffUuid('teacher'), subjectUuid, fx.uuidOf(classId)]);
    return { subjectId: toGlobalId('Subject', subjectUuid), classId, from: '2025-09-01', to: '2025-10-31' };
  }

  return [
    { field: 'Query.classJournal', requirement: 'R-ROLE-2..5', allowed: [...STAFF_ADMIN, ...TEACHING],
      document: `query($i: ClassJournalInput!) { classJournal(input: $i) { readOnly lessons { id } rows { student { id } average } } }`,
      variables: async () => ({ i: await page() }) },
    { field: 'Query.classAttendance', requirement: 'R-ROLE-5', allowed: [...STAFF_ADMIN, 'classteacher'],
      document: `query($c: ID!) { classAttendance(classId: $c, from: "2025-09-01", to: "2025-09-30") { id status reason } }`,
      variables: async () => ({ c: await fx.newLedClass() }) },
    { field: 'Query.studentMarks', requirement: 'R-DIARY-2', allowed: EVERY_USER, hidden: ['analyst'],
      document: `query($s: ID!) { studentMarks(studentId: $s, from: "2025-09-01", to: "2025-12-31") { subject { id } marks { value } average } }`,
      variables: async ({ actor }) => ({ s: (await fx.studentFor(actor)).studentId }) },
    { field: 'Query.workTypes', requirement: 'R-JOUR-3', allowed: EVERY_USER,
      // Not `name`: the demo work type «Тест» is also a test user's name, which the analyst's content scan looks for.
      document: `query($s: ID!) { workTypes(schoolId: $s) { id kind weight } }`,
      variables: () => ({ s: fx.schoolId() }),
      check: (r) => expect(r.data.workTypes.length).toBeGreaterThan(5) },

    { field: 'Mutation.lessonContentSet', requirement: 'R-JOUR-1', allowed: TEACHING,
      document: `mutation($i: LessonContentSetInput!) { lessonContentSet(input: $i) { lesson { id topic } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { lessonId: (await lesson(await teacherOf(actor))).lessonId, topic: `Тема ${fx.next()}`, workTypeIds: [await workType()] } }) },
    { field: 'Mutation.homeworkSet', requirement: 'R-JOUR-5', allowed: TEACHING,
      document: `mutation($i: HomeworkSetInput!) { homeworkSet(input: $i) { homework { id text } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { lessonId: (await lesson(await teacherOf(actor))).lessonId, text: 'Упр. 1' } }) },
    { field: 'Mutation.homeworkRemove', requirement: 'R-JOUR-5', allowed: TEACHING,
      document: `mutation($i: HomeworkRemoveInput!) { homeworkRemove(input: $i) { lesson { id } ${ERR} } }`,
      variables: async ({ actor }) => {
        const l = await lesson(await teacherOf(actor));
        await fx.app.sql(`insert into homework (id, created_at, updated_at, school_id, lesson_id, text, entered_at, due_at)
          values (gen_random_uuid(), now(), now(), $1, $2, 'Упр. 2', now(), now())`, [fx.demoSchoolUuid(), l.lessonUuid]);
        return { i: { lessonId: l.lessonId } };
      } },
    { field: 'Mutation.attendanceSet', requirement: 'R-JOUR-2', allowed: TEACHING,
      document: `mutation($i: AttendanceSetInput!) { attendanceSet(input: $i) { lesson { id attendanceTakenAt } ${ERR} } }`,
      variables: async ({ actor }) => {
        const l = await lesson(await teacherOf(actor));
        return { i: { lessonId: l.lessonId, absences: [{ studentId: l.studentId, status: 'ABSENT', reason: 'ILLNESS' }] } };
      } },
    { field: 'Mutation.marksPost', requirement: 'R-JOUR-3', allowed: TEACHING,
      document: `mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { id value } ${ERR} } }`,
      variables: async ({ actor }) => {
        const l = await lesson(await teacherOf(actor));
        return { i: { lessonId: l.lessonId, marks: [{ studentId: l.studentId, workTypeId: await workType(), value: '5' }] } };
      } },
    { field: 'Mutation.markCorrect', requirement: 'R-JOUR-10', allowed: TEACHING,
      document: `mutation($i: MarkCorrectInput!) { markCorrect(input: $i) { mark { id value } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { markId: await mark(actor), value: '5' } }) },
    { field: 'Mutation.markDelete', requirement: 'R-JOUR-10', allowed: TEACHING,
      document: `mutation($i: MarkDeleteInput!) { markDelete(input: $i) { deletedMarkId ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { markId: await mark(actor) } }) },

    { field: 'Mutation.workTypeCreate', requirement: 'R-JOUR-3', allowed: MANAGERS,
      document: `mutation($i: WorkTypeCreateInput!) { workTypeCreate(input: $i) { workType { id } ${ERR} } }`,
      variables: () => ({ i: { schoolId: fx.schoolId(), name: `Вид работы ${fx.next()}`, kind: 'WRITTEN', weight: 1.5 } }) },
    { field: 'Mutation.workTypeUpdate', requirement: 'R-JOUR-3', allowed: MANAGERS,
      document: `mutation($i: WorkTypeUpdateInput!) { workTypeUpdate(input: $i) { workType { id weight } ${ERR} } }`,
      variables: async () => {
        const [w] = await fx.app.sql(`insert into work_type (id, created_at, updated_at, school_id, name, kind, weight)
          values (gen_random_uuid(), now(), now(), $1, $2, 'CURRENT', 1) returning id`, [fx.demoSchoolUuid(), `Вид ${fx.next()}`]);
        return { i: { workTypeId: toGlobalId('WorkType', w.id), weight: 2 } };
      } },
    { field: 'Mutation.gradingSystemAssign', requirement: 'R-YEAR-2', allowed: MANAGERS,
      document: `mutation($i: GradingSystemAssignInput!) { gradingSystemAssign(input: $i) { assignment { id } ${ERR} } }`,
      variables: async () => {
        const [gs] = await fx.app.sql(`select id from grading_system where school_id = $1 and kind = 'PASS_FAIL' limit 1`, [fx.demoSchoolUuid()]);
        return { i: { academicYearId: fx.yearId(), gradingSystemId: toGlobalId('GradingSystem', gs.id), subjectId: toGlobalId('Subject', await fx.newSubjectRow()) } };
      } },
  ];
}
