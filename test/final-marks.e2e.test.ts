import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { collectLive } from './helpers/live';
import { insertLesson } from './helpers/db';
import { assignment, demo, gid, schoolClass, staff, student, subject, user } from './helpers/factories';
import { clock } from '../src/clock';

/**
 * The journal, part 2 (issue 13 §1, §2): final marks with their window, deadline, postponement and
 * warnings (R-JOUR-8), the summary sheet (R-JOUR-11), the close of a period's journal and its
 * reopening by the administration (R-JOUR-9), the history of every cell (R-JOUR-10) — through the
 * real server. The demo's first quarter runs 2025-09-01 – 2025-10-24 (final marks due 10-22, the
 * window opens 10-18); the school is in Moscow (UTC+3).
 */
let app: TestApp;
let schoolId: string;
let yearId: string;
let q1: string;

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '200' });
  ({ schoolId, yearId } = await demo(app));
  const [p] = await app.sql(`select id from study_period where academic_year_id = $1 and name = '1 четверть' and 6 = any (grades)`, [yearId]);
  q1 = gid('StudyPeriod', p.id);
  // The deputy director is a staff member of the school (the demo roster makes them one).
  await staff(app, schoolId, { login: 'deputy' });
});
afterAll(async () => {
  clock.pin('2025-11-25T09:00:00Z');
  await app?.stop();
});
afterEach(() => clock.pin('2025-11-25T09:00:00Z'));

/** Pins the school clock at noon Moscow time of a date. */
const at = (date: string, time = '09:00:00') => clock.pin(`${date}T${time}Z`);

const ERR = 'userErrors { code field message }';
const SET = `mutation($i: FinalMarkSetInput!) { finalMarkSet(input: $i) {
  finalMark { id kind value late dueOn postponedUntil studyPeriod { id } student { id } subject { id } setBy { id } }
  warnings { code message } average currentMarkCount ${ERR} } }`;
const POSTPONE = `mutation($i: FinalMarkPostponeInput!) { finalMarkPostpone(input: $i) { finalMark { id kind value postponedUntil postponeReason dueOn } ${ERR} } }`;
const POST = `mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { id value } ${ERR} } }`;
const CORRECT = `mutation($i: MarkCorrectInput!) { markCorrect(input: $i) { mark { id value } ${ERR} } }`;
const CONTENT = `mutation($i: LessonContentSetInput!) { lessonContentSet(input: $i) { lesson { id topic } ${ERR} } }`;
const REOPEN = `mutation($i: JournalReopenInput!) { journalReopen(input: $i) { reopening { id reason closedAt reopenedBy { id } student { id } } ${ERR} } }`;
const CLOSE = `mutation($i: JournalCloseInput!) { journalClose(input: $i) { reopening { id closedAt closedBy { id } } ${ERR} } }`;
const HISTORY = `query($l: ID!, $s: ID) { journalCellHistory(lessonId: $l, studentId: $s) {
  occurredAt action entityType entityId author { id } changes reopening { id reason } } }`;

async function workType(name: string): Promise<string> {
  const [r] = await app.sql(`select id from work_type where school_id = $1 and name = $2`, [schoolId, name]);
  return gid('WorkType', r.id);
}

interface Fixture {
  classId: string; subjectId: string; teacher: { staffId: string; login: string }; t: HttpClient;
  kids: string[]; parent: { userId: string; login: string }; lessons: Record<string, string>;
  classTeacher: { staffId: string; login: string };
}

/** A grade-6 class with three consenting students (the first with a parent account), its subject teacher, and lessons on the dates given. */
async function fixture(dates: string[] = ['2025-10-06', '2025-10-13', '2025-10-21']): Promise<Fixture> {
  const classTeacher = await staff(app, schoolId);
  const classId = await schoolClass(app, schoolId, yearId, { grade: 6, classTeacherId: classTeacher.staffId });
  const subjectId = await subject(app, schoolId);
  const teacher = await staff(app, schoolId);
  await assignment(app, { schoolId, yearId, teacherId: teacher.staffId, subjectId, classId });
  const parent = await user(app, schoolId, ['PARENT']);
  const kids: string[] = [];
  for (let i = 0; i < 3; i++) kids.push((await student(app, schoolId, { classId, from: '2025-09-01', guardianUserId: i === 0 ? parent.userId : undefined })).studentId);
  await app.sql(`update student set consent_status = 'GIVEN' where id = any($1::uuid[])`, [kids]);
  const lessons: Record<string, string> = {};
  for (const date of dates) lessons[date] = gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId, teacherId: teacher.staffId, classId, date, n: 3 }));
  return { classId, subjectId, teacher, t: await app.as(teacher.login), kids, parent, lessons, classTeacher };
}

const cell = (f: Fixture, kid: number, extra: Record<string, unknown> = {}) => ({ studentId: gid('Student', f.kids[kid]), subjectId: gid('Subject', f.subjectId), periodId: q1, ...extra });
const count = async (table: string) => Number((await app.sql(`select count(*)::int as n from ${table}`))[0].n);

async function postMarks(f: Fixture, date: string, marks: [number, string, string?][]) {
  const answer = await workType('Ответ на уроке');
  return f.t.ok(POST, { i: { lessonId: f.lessons[date], marks: marks.map(([kid, value, wt]) => ({ studentId: gid('Student', f.kids[kid]), workTypeId: wt ?? answer, value })) } });
}

describe('R-JOUR-8: final marks', () => {
  test('R-JOUR-8: set in the period\'s last week; before it refused with nothing written; after the deadline flagged late; the weighted average and a warning beside it', async () => {
    const f = await fixture();
    at('2025-10-06');
    expect((await postMarks(f, '2025-10-06', [[0, '5'], [0, '4'], [1, '3']])).marksPost.userErrors).toEqual([]);

    at('2025-10-17', '20:59:59'); // 23:59:59 in Moscow: the day before the window opens
    const [fm, audit] = [await count('final_mark'), await count('audit_entry')];
    const early = await f.t.ok(SET, { i: cell(f, 0, { value: '5' }) });
    expect(early.finalMarkSet.finalMark).toBeNull();
    expect(early.finalMarkSet.userErrors).toEqual([{ code: 'OUTSIDE_FINAL_MARK_WINDOW', field: ['input', 'periodId'], message: expect.stringContaining('2025-10-18') }]);
    expect([await count('final_mark'), await count('audit_entry')]).toEqual([fm, audit]);

    at('2025-10-17', '21:00:00'); // midnight in Moscow: the window is open
    const ok = await f.t.ok(SET, { i: cell(f, 0, { value: '5' }) });
    expect(ok.finalMarkSet.userErrors).toEqual([]);
    expect(ok.finalMarkSet.finalMark).toMatchObject({ kind: 'MARK', value: '5', late: false, dueOn: '2025-10-22', studyPeriod: { id: q1 }, setBy: { id: gid('Staff', f.teacher.staffId) } });
    // Two current marks (5, 4) of weight 1: average 4.5, and fewer than the school's minimum of 3.
    expect(ok.finalMarkSet.average).toBe(4.5);
    expect(ok.finalMarkSet.currentMarkCount).toBe(2);
    expect(ok.finalMarkSet.warnings.map((w: any) => w.code)).toEqual(['FEW_MARKS']);

    at('2025-10-22', '20:59:59'); // the deadline's last second in Moscow
    expect((await f.t.ok(SET, { i: cell(f, 1, { value: '3' }) })).finalMarkSet.finalMark.late).toBe(false);
    at('2025-10-22', '21:00:00'); // past the deadline: allowed, flagged
    const late = await f.t.ok(SET, { i: cell(f, 2, { value: 'н/а' }) });
    expect(late.finalMarkSet.finalMark).toMatchObject({ kind: 'NOT_ATTESTED', value: 'н/а', late: true });
    expect(late.finalMarkSet.warnings.map((w: any) => w.code)).toEqual(['FEW_MARKS']);
    expect(late.finalMarkSet.average).toBeNull();
  });

  test('R-JOUR-8, R-YEAR-2: «осв» is recorded as exempt or as mastered; a value off the scale is refused naming it; the year\'s mark', async () => {
    const f = await fixture();
    at('2025-10-20');
    const bare = await f.t.ok(SET, { i: cell(f, 0, { value: 'осв' }) });
    expect(bare.finalMarkSet.userErrors).toEqual([{ code: 'REQUIRED', field: ['input', 'kind'], message: expect.stringContaining('EXEMPT') }]);
    expect((await f.t.ok(SET, { i: cell(f, 0, { value: 'осв', kind: 'MASTERED' }) })).finalMarkSet.finalMark).toMatchObject({ kind: 'MASTERED', value: 'осв' });
    expect((await f.t.ok(SET, { i: cell(f, 1, { value: 'ОСВ', kind: 'EXEMPT' }) })).finalMarkSet.finalMark).toMatchObject({ kind: 'EXEMPT', value: 'осв' });
    const off = await f.t.ok(SET, { i: cell(f, 2, { value: '6' }) });
    expect(off.finalMarkSet.userErrors).toEqual([{ code: 'NOT_ON_SCALE', field: ['input', 'value'], message: expect.stringContaining('Пятибалльная') }]);
    const wrongKind = await f.t.ok(SET, { i: cell(f, 2, { value: '4', kind: 'EXEMPT' }) });
    expect(wrongKind.finalMarkSet.userErrors.map((e: any) => e.code)).toEqual(['INVALID']);
    // Both or neither of periodId and academicYearId: BAD_USER_INPUT.
    const both = await f.t.gql(SET, { i: cell(f, 2, { value: '4', academicYearId: gid('AcademicYear', yearId) }) });
    expect(errorCode(both)).toBe('BAD_USER_INPUT');
    // The year's mark: the window of the grade's last period (4th quarter, ends 2026-05-26).
    const yearEarly = await f.t.ok(SET, { i: { studentId: gid('Student', f.kids[2]), subjectId: gid('Subject', f.subjectId), academicYearId: gid('AcademicYear', yearId), value: '4' } });
    expect(yearEarly.finalMarkSet.userErrors.map((e: any) => e.code)).toEqual(['OUTSIDE_FINAL_MARK_WINDOW']);
    at('2026-05-22');
    const year = await f.t.ok(SET, { i: { studentId: gid('Student', f.kids[2]), subjectId: gid('Subject', f.subjectId), academicYearId: gid('AcademicYear', yearId), value: '4' } });
    expect(year.finalMarkSet.finalMark).toMatchObject({ kind: 'MARK', value: '4', studyPeriod: null, dueOn: '2026-05-24', late: false });
  });

  test('R-JOUR-8: the warning names missing written work where the subject had it', async () => {
    const f = await fixture();
    at('2025-10-13');
    const written = await workType('Самостоятельная работа');
    expect((await postMarks(f, '2025-10-13', [[1, '4', written], [0, '5'], [0, '5'], [0, '4']])).marksPost.userErrors).toEqual([]);
    at('2025-10-20');
    const r = await f.t.ok(SET, { i: cell(f, 0, { value: '5' }) });
    expect(r.finalMarkSet.warnings.map((w: any) => w.code)).toEqual(['NO_WRITTEN_WORK']);
    expect(r.finalMarkSet.currentMarkCount).toBe(3);
  });

  test('R-ROLE-4, R-SEC-3: only a teacher of the subject in the student\'s class sets it; others are refused and nothing is written', async () => {
    const f = await fixture();
    at('2025-10-20');
    const other = await staff(app, schoolId);
    const before = await count('final_mark');
    const r = await (await app.as(other.login)).gql(SET, { i: cell(f, 0, { value: '5' }) });
    // Another teacher may not see the student at all: NOT_FOUND, the same answer as for no such student.
    expect(errorCode(r)).toBe('NOT_FOUND');
    const classTeacher = await (await app.as(f.classTeacher.login)).gql(SET, { i: cell(f, 0, { value: '5' }) });
    expect(errorCode(classTeacher)).toBe('FORBIDDEN');
    const parent = await (await app.as(f.parent.login)).gql(SET, { i: cell(f, 0, { value: '5' }) });
    expect(errorCode(parent)).toBe('FORBIDDEN');
    const deputy = await (await app.as('deputy')).gql(SET, { i: cell(f, 0, { value: '5' }) });
    expect(errorCode(deputy)).toBe('FORBIDDEN');
    expect(await count('final_mark')).toBe(before);
  });

  test('R-JOUR-8, R-JOUR-9, R-YEAR-11: the teacher of the period sets a final mark under a reopening after the student moved to another class (their part in the student\'s education ended); a teacher who never taught them still gets NOT_FOUND', async () => {
    const f = await fixture();
    at('2025-10-27'); // Q1 ended on 10-24
    const otherClass = await schoolClass(app, schoolId, yearId, { grade: 6 });
    await app.sql(`update class_membership set to_date = '2025-10-25' where student_id = $1`, [f.kids[2]]);
    await app.sql(`insert into class_membership (id, created_at, updated_at, student_id, school_class_id, from_date) values (gen_random_uuid(), now(), now(), $1, $2, '2025-10-26')`, [f.kids[2], otherClass]);
    const deputy = await app.as('deputy');
    const reopened = await deputy.ok(REOPEN, { i: { periodId: q1, subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), studentId: gid('Student', f.kids[2]), reason: 'Оценка за четверть после перевода' } });
    expect(reopened.journalReopen.userErrors).toEqual([]);
    // Today the teacher takes no part in the student's education: the student is hidden from reads…
    expect(errorCode(await f.t.gql('query($id: ID!) { student(id: $id) { id } }', { id: gid('Student', f.kids[2]) }))).toBe('NOT_FOUND');
    // …but the period's mark is theirs to set under the reopening.
    const set = await f.t.ok(SET, { i: cell(f, 2, { value: '4' }) });
    expect(set.finalMarkSet.userErrors).toEqual([]);
    expect(set.finalMarkSet.finalMark).toMatchObject({ value: '4', late: true });
    const never = await staff(app, schoolId);
    const before = await count('final_mark');
    expect(errorCode(await (await app.as(never.login)).gql(SET, { i: cell(f, 2, { value: '5' }) }))).toBe('NOT_FOUND');
    expect(await count('final_mark')).toBe(before);
  });

  test('R-JOUR-8: a sick student\'s final mark is postponed to a new date; it may be set after the period\'s end until then, not after', async () => {
    const f = await fixture();
    at('2025-10-20');
    const bad = await f.t.ok(POSTPONE, { i: cell(f, 0, { until: '2026-03-01', reason: 'болел' }) });
    expect(bad.finalMarkPostpone.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['DATE_INVALID', 'input.until']]);
    const p = await f.t.ok(POSTPONE, { i: cell(f, 0, { until: '2025-11-07', reason: 'болел' }) });
    expect(p.finalMarkPostpone.finalMark).toMatchObject({ kind: 'POSTPONED', value: null, postponedUntil: '2025-11-07', postponeReason: 'болел', dueOn: '2025-11-07' });
    expect((await f.t.ok(SET, { i: cell(f, 1, { value: '4' }) })).finalMarkSet.userErrors).toEqual([]);
    const again = await f.t.ok(POSTPONE, { i: cell(f, 1, { until: '2025-11-07', reason: 'болел' }) });
    expect(again.finalMarkPostpone.userErrors.map((e: any) => e.code)).toEqual(['FINAL_MARK_SET']);

    at('2025-11-05'); // the quarter ended on 10-24; the postponed mark is due 11-07
    const set = await f.t.ok(SET, { i: cell(f, 0, { value: '4' }) });
    expect(set.finalMarkSet.userErrors).toEqual([]);
    expect(set.finalMarkSet.finalMark).toMatchObject({ kind: 'MARK', value: '4', dueOn: '2025-11-07', late: false });
    // Another student's final mark of the closed quarter is refused.
    const closed = await f.t.ok(SET, { i: cell(f, 1, { value: '5' }) });
    expect(closed.finalMarkSet.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);

    const g = await fixture();
    at('2025-10-20');
    await g.t.ok(POSTPONE, { i: cell(g, 0, { until: '2025-11-07', reason: 'болел' }) });
    at('2025-11-08');
    const tooLate = await g.t.ok(SET, { i: cell(g, 0, { value: '4' }) });
    expect(tooLate.finalMarkSet.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
  });

  test('R-JOUR-11, R-ROLE-5, R-SEC-3: the summary sheet shows each final mark at once, for the class teacher and the administration only', async () => {
    const f = await fixture();
    at('2025-10-20');
    await f.t.ok(SET, { i: cell(f, 0, { value: '5' }) });
    await f.t.ok(SET, { i: cell(f, 1, { value: 'осв', kind: 'EXEMPT' }) });
    const SHEET = `query($c: ID!) { classSummarySheet(classId: $c) { periods { name } subjects { id } rows { student { id lastName } leftOn finalMarks { kind value subject { id } studyPeriod { id } } } } }`;
    const ct = await app.as(f.classTeacher.login);
    const sheet = (await ct.ok(SHEET, { c: gid('SchoolClass', f.classId) })).classSummarySheet;
    expect(sheet.periods.map((p: any) => p.name)).toEqual(['1 четверть', '2 четверть', '3 четверть', '4 четверть']);
    expect(sheet.subjects).toEqual([{ id: gid('Subject', f.subjectId) }]);
    expect(sheet.rows).toHaveLength(3);
    const byStudent = new Map(sheet.rows.map((r: any) => [r.student.id, r.finalMarks]));
    expect(byStudent.get(gid('Student', f.kids[0]))).toEqual([{ kind: 'MARK', value: '5', subject: { id: gid('Subject', f.subjectId) }, studyPeriod: { id: q1 } }]);
    expect(byStudent.get(gid('Student', f.kids[1]))).toEqual([{ kind: 'EXEMPT', value: 'осв', subject: { id: gid('Subject', f.subjectId) }, studyPeriod: { id: q1 } }]);
    expect(byStudent.get(gid('Student', f.kids[2]))).toEqual([]);
    expect((await (await app.as('deputy')).ok(SHEET, { c: gid('SchoolClass', f.classId) })).classSummarySheet.rows).toHaveLength(3);
    // The subject teacher (not the class teacher) and a parent are refused.
    expect(errorCode(await f.t.gql(SHEET, { c: gid('SchoolClass', f.classId) }))).toBe('FORBIDDEN');
    expect(errorCode(await (await app.as(f.parent.login)).gql(SHEET, { c: gid('SchoolClass', f.classId) }))).toBe('FORBIDDEN');

    // The parent reads their child's final marks; another child's are NOT_FOUND.
    const parent = await app.as(f.parent.login);
    const FINALS = `query($s: ID!, $y: ID!) { studentFinalMarks(studentId: $s, academicYearId: $y) { value kind student { id } } }`;
    expect((await parent.ok(FINALS, { s: gid('Student', f.kids[0]), y: gid('AcademicYear', yearId) })).studentFinalMarks).toEqual([{ value: '5', kind: 'MARK', student: { id: gid('Student', f.kids[0]) } }]);
    expect(errorCode(await parent.gql(FINALS, { s: gid('Student', f.kids[1]), y: gid('AcademicYear', yearId) }))).toBe('NOT_FOUND');
  });

  test('R-DIARY-1, R-JOUR-11: a parent\'s subscription receives their child\'s final mark; the class teacher\'s teacherEvents receive every one of the class', async () => {
    const f = await fixture();
    at('2025-10-20');
    const parent = await app.as(f.parent.login);
    const ws = app.ws(parent.token);
    const ctWs = app.ws((await app.as(f.classTeacher.login)).token);
    try {
      const stream = await collectLive(app.server.events, ws,
        `subscription($s: ID!) { diaryEvents(studentId: $s) { kind ... on FinalMarkSetEvent { finalMark { value kind studyPeriod { id } } } } }`,
        { s: gid('Student', f.kids[0]) });
      const ctStream = await collectLive(app.server.events, ctWs,
        'subscription { teacherEvents { kind studentId ... on FinalMarkSetEvent { finalMark { value student { id } } } } }');
      await f.t.ok(SET, { i: cell(f, 1, { value: '3' }) });
      await f.t.ok(SET, { i: cell(f, 0, { value: '5' }) });
      await stream.until((r) => r.data.length >= 1);
      await ctStream.until((r) => r.data.length >= 2);
      await new Promise((r) => setTimeout(r, 400));
      // Only their own child's: the other student's final mark never reaches this stream.
      expect(stream.data.map((d) => d.diaryEvents)).toEqual([{ kind: 'FINAL_MARK_SET', finalMark: { value: '5', kind: 'MARK', studyPeriod: { id: q1 } } }]);
      // The class teacher (who reads the summary sheet) gets both, with the values.
      expect(ctStream.data.map((d) => d.teacherEvents)).toEqual([
        { kind: 'FINAL_MARK_SET', studentId: null, finalMark: { value: '3', student: { id: gid('Student', f.kids[1]) } } },
        { kind: 'FINAL_MARK_SET', studentId: null, finalMark: { value: '5', student: { id: gid('Student', f.kids[0]) } } },
      ]);
      stream.unsubscribe();
      ctStream.unsubscribe();
    } finally {
      await ws.dispose();
      await ctWs.dispose();
    }
  });
});

describe('R-JOUR-9: close and reopen', () => {
  test('R-JOUR-9: once a student\'s final mark is set, their marks of the period up to that day are read-only; others\' and later lessons stay open until the end', async () => {
    const f = await fixture();
    at('2025-10-06');
    const posted = await postMarks(f, '2025-10-06', [[0, '4'], [1, '4']]);
    at('2025-10-20');
    await f.t.ok(SET, { i: cell(f, 0, { value: '5' }) });
    const [marks, audit] = [await count('mark'), await count('audit_entry')];
    // One locked student in a bulk post refuses all of it.
    const bulk = await postMarks(f, '2025-10-13', [[1, '5'], [0, '5']]);
    expect(bulk.marksPost.marks).toEqual([]);
    expect(bulk.marksPost.userErrors).toEqual([{ code: 'JOURNAL_CLOSED', field: ['input', 'marks', '1', 'studentId'], message: expect.stringContaining('final mark') }]);
    const correct = await f.t.ok(CORRECT, { i: { markId: posted.marksPost.marks[0].id, value: '5' } });
    expect(correct.markCorrect.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect([await count('mark'), await count('audit_entry')]).toEqual([marks, audit]);
    // Another student's marks, the lesson's content, and a lesson after the final mark's day stay open.
    expect((await f.t.ok(CORRECT, { i: { markId: posted.marksPost.marks[1].id, value: '3' } })).markCorrect.userErrors).toEqual([]);
    expect((await f.t.ok(CONTENT, { i: { lessonId: f.lessons['2025-10-13'], topic: 'Повторение' } })).lessonContentSet.userErrors).toEqual([]);
    at('2025-10-21');
    expect((await postMarks(f, '2025-10-21', [[0, '5']])).marksPost.userErrors).toEqual([]);
  });

  test('R-JOUR-9, R-JOUR-10: after the period\'s end the journal is closed; the deputy reopens it for one student with a reason, the teacher corrects, the deputy closes it; every step audited and in the cell\'s history', async () => {
    const f = await fixture();
    at('2025-10-06');
    const posted = await postMarks(f, '2025-10-06', [[0, '3'], [1, '4']]);
    const markId = posted.marksPost.marks[0].id;
    at('2025-10-27'); // the quarter ended on 10-24
    const [marks, audit] = [await count('mark'), await count('audit_entry')];
    expect((await f.t.ok(CORRECT, { i: { markId, value: '4' } })).markCorrect.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect((await postMarks(f, '2025-10-13', [[0, '5']])).marksPost.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect((await f.t.ok(CONTENT, { i: { lessonId: f.lessons['2025-10-06'], topic: 'Исправлено' } })).lessonContentSet.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect((await f.t.ok(SET, { i: cell(f, 0, { value: '4' }) })).finalMarkSet.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect([await count('mark'), await count('audit_entry')]).toEqual([marks, audit]);

    const reopenInput = { periodId: q1, subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), studentId: gid('Student', f.kids[0]), reason: 'Ошибка при выставлении' };
    // A teacher cannot reopen; a reason is required.
    expect(errorCode(await f.t.gql(REOPEN, { i: reopenInput }))).toBe('FORBIDDEN');
    const deputy = await app.as('deputy');
    const noReason = await deputy.ok(REOPEN, { i: { ...reopenInput, reason: '  ' } });
    expect(noReason.journalReopen.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['REQUIRED', 'input.reason']]);
    const reopened = await deputy.ok(REOPEN, { i: reopenInput });
    expect(reopened.journalReopen.userErrors).toEqual([]);
    const reopening = reopened.journalReopen.reopening;
    expect(reopening).toMatchObject({ reason: 'Ошибка при выставлении', closedAt: null, student: { id: gid('Student', f.kids[0]) } });
    expect((await deputy.ok(REOPEN, { i: reopenInput })).journalReopen.userErrors.map((e: any) => e.code)).toEqual(['TAKEN']);

    // Under the reopening: the student's mark and final mark; not another student's, not the lesson's content.
    expect((await f.t.ok(CORRECT, { i: { markId, value: '4' } })).markCorrect.userErrors).toEqual([]);
    expect((await f.t.ok(SET, { i: cell(f, 0, { value: '4' }) })).finalMarkSet.finalMark).toMatchObject({ value: '4', late: true });
    expect((await postMarks(f, '2025-10-13', [[1, '5']])).marksPost.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect((await f.t.ok(CONTENT, { i: { lessonId: f.lessons['2025-10-06'], topic: 'Исправлено' } })).lessonContentSet.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);

    at('2025-10-28');
    const closed = await deputy.ok(CLOSE, { i: { reopeningId: reopening.id } });
    expect(closed.journalClose.reopening.closedAt).toBeTruthy();
    expect((await deputy.ok(CLOSE, { i: { reopeningId: reopening.id } })).journalClose.userErrors.map((e: any) => e.code)).toEqual(['INVALID']);
    expect((await f.t.ok(CORRECT, { i: { markId, value: '5' } })).markCorrect.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);

    // Both the reopening and its close are audited.
    const entries = await app.sql(`select action from audit_entry where entity_type = 'JournalReopening' and entity_id = $1 order by seq`,
      [Buffer.from(reopening.id, 'base64url').toString().split(':')[1]]);
    expect(entries.map((e: any) => e.action)).toEqual(['CREATE', 'UPDATE']);

    // The cell's history: posted 3, corrected to 4 under the reopening, by the teacher.
    const history = (await f.t.ok(HISTORY, { l: f.lessons['2025-10-06'], s: gid('Student', f.kids[0]) })).journalCellHistory;
    expect(history.map((h: any) => [h.action, h.entityType, h.changes.value, h.author?.id, h.reopening?.reason ?? null])).toEqual([
      ['CREATE', 'Mark', { before: null, after: '3' }, gid('Staff', f.teacher.staffId), null],
      ['UPDATE', 'Mark', { before: '3', after: '4' }, gid('Staff', f.teacher.staffId), 'Ошибка при выставлении'],
    ]);
    // The parent reads the same history of their child's cell, without the reopening (the staff's:
    // its reason may name another student); not another child's.
    const parent = await app.as(f.parent.login);
    const seenByParent = (await parent.ok(HISTORY, { l: f.lessons['2025-10-06'], s: gid('Student', f.kids[0]) })).journalCellHistory;
    expect(seenByParent).toEqual(history.map((h: any) => ({ ...h, reopening: null })));
    expect(JSON.stringify(seenByParent)).not.toContain('Ошибка при выставлении');
    expect(errorCode(await parent.gql(HISTORY, { l: f.lessons['2025-10-06'], s: gid('Student', f.kids[1]) }))).toBe('NOT_FOUND');
    // The final mark's history.
    const FM_HISTORY = `query($c: FinalMarkCellInput!) { finalMarkHistory(cell: $c) { action changes reopening { id } } }`;
    const fmh = (await f.t.ok(FM_HISTORY, { c: cell(f, 0) })).finalMarkHistory;
    expect(fmh).toEqual([{ action: 'CREATE', changes: expect.objectContaining({ value: { before: null, after: '4' } }), reopening: { id: reopening.id } }]);
    expect((await parent.ok(FM_HISTORY, { c: cell(f, 0) })).finalMarkHistory).toEqual([{ ...fmh[0], reopening: null }]);

    // The audit chain still verifies.
    const v = await deputy.ok(`query($s: ID!) { auditVerify(schoolId: $s) { ok } }`, { s: gid('School', schoolId) });
    expect(v.auditVerify.ok).toBe(true);
  });

  test('R-JOUR-9, R-YEAR-11: an individual lesson (individual plan) of a closed period is in its student\'s class journal: reopened for the class or for that student, the teacher writes it; closed again, refused', async () => {
    const f = await fixture([]);
    const lessonId = gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId: f.subjectId, teacherId: f.teacher.staffId, studentId: f.kids[2], date: '2025-10-08', n: 7 }));
    const answer = await workType('Ответ на уроке');
    // Its period is that of its student's grade on its day (migration 0027): the quarter of grade 6,
    // not the half-year of grades 10–11 that starts the same day; a grade-10 student's lesson in
    // November is in the half-year, not in the 2nd quarter.
    const periodOf = async (id: string) => (await app.sql(`select p.name from study_period p where p.id = lesson_period($1)`, [id]))[0]?.name;
    expect(await periodOf(Buffer.from(lessonId, 'base64url').toString().split(':')[1])).toBe('1 четверть');
    const senior = await schoolClass(app, schoolId, yearId, { grade: 10 });
    const seniorKid = (await student(app, schoolId, { classId: senior, from: '2025-09-01' })).studentId;
    expect(await periodOf(await insertLesson(app, { schoolId, yearId, subjectId: f.subjectId, teacherId: f.teacher.staffId, studentId: seniorKid, date: '2025-11-10', n: 7 }))).toBe('1 полугодие');
    const post = (value: string) => f.t.ok(POST, { i: { lessonId, marks: [{ studentId: gid('Student', f.kids[2]), workTypeId: answer, value }] } });
    const content = () => f.t.ok(CONTENT, { i: { lessonId, topic: 'Индивидуальное занятие' } });
    at('2025-10-27');
    const before = [await count('mark'), await count('audit_entry')];
    expect((await post('5')).marksPost.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect((await content()).lessonContentSet.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    expect([await count('mark'), await count('audit_entry')]).toEqual(before);
    const deputy = await app.as('deputy');
    // Another student's reopening of the same class does not open it.
    const other = await deputy.ok(REOPEN, { i: { periodId: q1, subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), studentId: gid('Student', f.kids[1]), reason: 'Другой ученик' } });
    expect(other.journalReopen.userErrors).toEqual([]);
    expect((await post('5')).marksPost.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    // Its student's reopening in their class opens the whole lesson: marks and content.
    const own = await deputy.ok(REOPEN, { i: { periodId: q1, subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), studentId: gid('Student', f.kids[2]), reason: 'Индивидуальный план' } });
    expect(own.journalReopen.userErrors).toEqual([]);
    const posted = await post('5');
    expect(posted.marksPost.userErrors).toEqual([]);
    expect((await content()).lessonContentSet.userErrors).toEqual([]);
    const history = (await f.t.ok(HISTORY, { l: lessonId, s: gid('Student', f.kids[2]) })).journalCellHistory;
    expect(history.map((h: any) => [h.action, h.reopening?.reason ?? null])).toEqual([['CREATE', 'Индивидуальный план']]);
    await deputy.ok(CLOSE, { i: { reopeningId: own.journalReopen.reopening.id } });
    expect((await f.t.ok(CORRECT, { i: { markId: posted.marksPost.marks[0].id, value: '4' } })).markCorrect.userErrors.map((e: any) => e.code)).toEqual(['JOURNAL_CLOSED']);
    // The whole class journal reopened covers it too.
    await deputy.ok(REOPEN, { i: { periodId: q1, subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), reason: 'Весь журнал' } });
    expect((await f.t.ok(CORRECT, { i: { markId: posted.marksPost.marks[0].id, value: '4' } })).markCorrect.userErrors).toEqual([]);
  });

  test('R-JOUR-10: a lesson\'s history shows topic and homework changes; its notes only to staff; a deleted mark stays in its cell\'s history', async () => {
    const f = await fixture(['2025-11-20']);
    const lessonId = f.lessons['2025-11-20'];
    at('2025-11-20');
    await f.t.ok(CONTENT, { i: { lessonId, topic: 'Дроби', notes: 'служебная заметка' } });
    await f.t.ok(CONTENT, { i: { lessonId, topic: 'Десятичные дроби' } });
    await f.t.ok(`mutation($i: HomeworkSetInput!) { homeworkSet(input: $i) { ${ERR} } }`, { i: { lessonId, text: '№ 12' } });
    const posted = await postMarks(f, '2025-11-20', [[0, '2']]);
    await f.t.ok(`mutation($i: MarkDeleteInput!) { markDelete(input: $i) { ${ERR} } }`, { i: { markId: posted.marksPost.marks[0].id } });

    const own = (await f.t.ok(HISTORY, { l: lessonId })).journalCellHistory;
    expect(own.map((h: any) => [h.entityType, h.action])).toEqual([['Lesson', 'UPDATE'], ['Lesson', 'UPDATE'], ['Homework', 'CREATE']]);
    expect(own[0].changes).toMatchObject({ topic: { before: null, after: 'Дроби' }, notes: { before: null, after: 'служебная заметка' } });
    expect(own[1].changes.topic).toEqual({ before: 'Дроби', after: 'Десятичные дроби' });
    const parent = await app.as(f.parent.login);
    const seen = (await parent.ok(HISTORY, { l: lessonId })).journalCellHistory;
    expect(seen).toHaveLength(3);
    expect(JSON.stringify(seen)).not.toContain('служебная заметка');

    const markHistory = (await parent.ok(HISTORY, { l: lessonId, s: gid('Student', f.kids[0]) })).journalCellHistory;
    expect(markHistory.map((h: any) => [h.action, h.changes.value])).toEqual([['CREATE', { before: null, after: '2' }], ['DELETE', { before: '2', after: null }]]);
  });
});
