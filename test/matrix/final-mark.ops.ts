import { toGlobalId } from '../../src/schema/node';
import { clock } from '../../src/clock';
import { EVERY_USER, STAFF_ADMIN, type Actor, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

const TEACHING: Actor[] = ['teacher', 'classteacher'];
const REOPENERS: Actor[] = ['director', 'deputy'];
const ERR = 'userErrors { code message }';
const TODAY = '2025-11-25T09:00:00Z';

/**
 * Matrix entries of the journal's part 2 (R-JOUR-8..11): final marks are set by a teacher of the
 * subject in the student's class (TEACHER, by relation); a closed journal is reopened and closed
 * by the deputy or director; the summary sheet is read by the administration and the class
 * teacher; final marks and cell histories by those who may see the student.
 */
export function finalMarkOps(fx: MatrixFixtures): MatrixOp[] {
  const teacherOf = (actor: Actor) => fx.staffUuid(TEACHING.includes(actor) ? actor : 'teacher');
  const period = async (name: string) => {
    const [p] = await fx.app.sql(`select id from study_period where academic_year_id = $1 and name = $2 and 5 = any (grades)`, [fx.demoYearUuid(), name]);
    return toGlobalId('StudyPeriod', p.id);
  };
  /** A consenting student of a new grade-5 class, whose new subject the actor's teacher teaches there. */
  async function taught(actor: Actor): Promise<{ studentId: string; subjectId: string; classUuid: string; subjectUuid: string; studentUuid: string }> {
    const classUuid = await fx.newClassRow();
    const studentUuid = await fx.newStudentRow(classUuid);
    await fx.app.sql(`update student set consent_status = 'GIVEN' where id = $1`, [studentUuid]);
    const subjectUuid = await fx.newSubjectRow();
    await fx.app.sql(`insert into teaching_assignment (id, created_at, updated_at, school_id, academic_year_id, teacher_id, subject_id, school_class_id, hours_per_week)
      values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, 2)`, [fx.demoSchoolUuid(), fx.demoYearUuid(), await teacherOf(actor), subjectUuid, classUuid]);
    return { studentId: toGlobalId('Student', studentUuid), subjectId: toGlobalId('Subject', subjectUuid), classUuid, subjectUuid, studentUuid };
  }

  return [
    { field: 'Mutation.finalMarkSet', requirement: 'R-JOUR-8', allowed: TEACHING,
      document: `mutation($i: FinalMarkSetInput!) { finalMarkSet(input: $i) { finalMark { id value } warnings { code } ${ERR} } }`,
      variables: async ({ actor }) => {
        const t = await taught(actor);
        const periodId = await period('2 четверть');
        clock.pin('2025-12-22T09:00:00Z'); // the quarter's last week
        return { i: { studentId: t.studentId, subjectId: t.subjectId, periodId, value: '5' } };
      },
      after: async () => { clock.pin(TODAY); } },
    { field: 'Mutation.finalMarkPostpone', requirement: 'R-JOUR-8', allowed: TEACHING,
      document: `mutation($i: FinalMarkPostponeInput!) { finalMarkPostpone(input: $i) { finalMark { id kind postponedUntil } ${ERR} } }`,
      variables: async ({ actor }) => {
        const t = await taught(actor);
        return { i: { studentId: t.studentId, subjectId: t.subjectId, periodId: await period('2 четверть'), until: '2026-01-20', reason: 'болел' } };
      } },
    { field: 'Mutation.journalReopen', requirement: 'R-JOUR-9', allowed: REOPENERS,
      document: `mutation($i: JournalReopenInput!) { journalReopen(input: $i) { reopening { id reason } ${ERR} } }`,
      variables: async () => {
        await fx.staffUuid('director');
        await fx.staffUuid('deputy');
        return { i: { periodId: await period('1 четверть'), subjectId: toGlobalId('Subject', await fx.newSubjectRow()),
          classId: toGlobalId('SchoolClass', await fx.newClassRow()), reason: 'Ошибка в отметке' } };
      } },
    { field: 'Mutation.journalClose', requirement: 'R-JOUR-9', allowed: REOPENERS,
      document: `mutation($i: JournalCloseInput!) { journalClose(input: $i) { reopening { id closedAt } ${ERR} } }`,
      variables: async () => {
        await fx.staffUuid('director');
        const [r] = await fx.app.sql(`insert into journal_reopening (id, created_at, updated_at, school_id, study_period_id, subject_id, school_class_id, reason, reopened_by_id, reopened_at)
          values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, 'Ошибка', $5, now()) returning id`,
        [fx.demoSchoolUuid(), fx.uuidOf(await period('1 четверть')), await fx.newSubjectRow(), await fx.newClassRow(), await fx.staffUuid('deputy')]);
        return { i: { reopeningId: toGlobalId('JournalReopening', r.id) } };
      } },

    { field: 'Query.classSummarySheet', requirement: 'R-JOUR-11', allowed: [...STAFF_ADMIN, 'classteacher'],
      document: `query($c: ID!) { classSummarySheet(classId: $c) { periods { id } subjects { id } rows { student { id fullName } finalMarks { value } } } }`,
      variables: async () => ({ c: await fx.newLedClass() }) },
    { field: 'Query.studentFinalMarks', requirement: 'R-JOUR-8, R-DIARY-2', allowed: EVERY_USER, hidden: ['analyst'],
      document: `query($s: ID!, $y: ID!) { studentFinalMarks(studentId: $s, academicYearId: $y) { id value kind } }`,
      variables: async ({ actor }) => ({ s: (await fx.studentFor(actor)).studentId, y: fx.yearId() }) },
    { field: 'Query.journalReopenings', requirement: 'R-JOUR-9', allowed: [...STAFF_ADMIN, ...TEACHING],
      document: `query($p: ID!) { journalReopenings(periodId: $p, openOnly: false) { id reason subject { id } } }`,
      variables: async () => ({ p: await period('1 четверть') }) },
    { field: 'Query.journalCellHistory', requirement: 'R-JOUR-10', allowed: EVERY_USER, hidden: ['analyst'],
      document: `query($l: ID!) { journalCellHistory(lessonId: $l) { occurredAt action entityType changes author { id } } }`,
      variables: async ({ actor }) => {
        const { classId } = await fx.studentFor(actor);
        const [l] = await fx.app.sql(`insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number,
            date, lesson_number, subject_id, teacher_id, school_class_id, kind, topic)
          values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-12', 2, '2025-11-12', 2, $3, $4, $5, 'MAIN', 'Тема') returning id`,
        [fx.demoSchoolUuid(), fx.demoYearUuid(), await fx.newSubjectRow(), await teacherOf(actor), fx.uuidOf(classId)]);
        return { l: toGlobalId('Lesson', l.id) };
      } },
    { field: 'Query.finalMarkHistory', requirement: 'R-JOUR-10', allowed: EVERY_USER, hidden: ['analyst'],
      document: `query($c: FinalMarkCellInput!) { finalMarkHistory(cell: $c) { occurredAt action changes } }`,
      variables: async ({ actor }) => ({ c: { studentId: (await fx.studentFor(actor)).studentId, subjectId: toGlobalId('Subject', await fx.newSubjectRow()), periodId: await period('1 четверть') } }) },
  ];
}
