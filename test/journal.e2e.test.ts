import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { collectLive } from './helpers/live';
import { countQueries, insertLesson } from './helpers/db';
import { assignment, demo, gid, schoolClass, staff, student, subject, user } from './helpers/factories';
import { clock } from '../src/clock';
import { LESSON_HAS_JOURNAL_DATA_SQL } from '../src/services/scheduling';

/**
 * The journal, part 1 (issue 12): lesson content (R-JOUR-1, R-JOUR-5), attendance (R-JOUR-2),
 * marks (R-JOUR-3, R-JOUR-4, R-JOUR-7, R-SEC-4), the class journal page and the diary with marks
 * (R-ROLE-5, R-DIARY-2), live delivery (R-DIARY-1, R-DIARY-3) — through the real server.
 */
let app: TestApp;
let schoolId: string;
let yearId: string;

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '200' });
  ({ schoolId, yearId } = await demo(app));
});
afterAll(async () => {
  clock.pin('2025-11-25T09:00:00Z');
  await app?.stop();
});
afterEach(() => clock.pin('2025-11-25T09:00:00Z'));

const ERR = 'userErrors { code field message }';
const POST = `mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { id value late dueAt comment workType { name kind } student { id } } ${ERR} } }`;
const ATTEND = `mutation($i: AttendanceSetInput!) { attendanceSet(input: $i) { lesson { id attendanceTakenAt attendanceLate attendance { status reason student { id } } } ${ERR} } }`;
const HOMEWORK = `mutation($i: HomeworkSetInput!) { homeworkSet(input: $i) { homework { id text pages links estimatedMinutes late dueAt } ${ERR} } }`;
const CONTENT = `mutation($i: LessonContentSetInput!) { lessonContentSet(input: $i) { lesson { id topic notes contentLate plannedTopic { id title } workTypes { name } } ${ERR} } }`;

async function workType(name: string): Promise<string> {
  const [r] = await app.sql(`select w.id from work_type w join school s on s.id = w.school_id where w.name = $1 limit 1`, [name]);
  return gid('WorkType', r.id);
}

interface Fixture {
  classId: string; subjectId: string; teacher: { staffId: string; login: string }; t: HttpClient;
  kids: Awaited<ReturnType<typeof student>>[]; parent: { userId: string; login: string }; lessonId: string;
}

/** A class with `n` students (the first with a parent account), its subject teacher and a lesson on `date`. */
async function fixture(o: { n?: number; date?: string; classTeacherId?: string } = {}): Promise<Fixture> {
  const classId = await schoolClass(app, schoolId, yearId, { grade: 6, classTeacherId: o.classTeacherId ?? null });
  const subjectId = await subject(app, schoolId);
  const teacher = await staff(app, schoolId);
  await assignment(app, { schoolId, yearId, teacherId: teacher.staffId, subjectId, classId });
  const parent = await user(app, schoolId, ['PARENT']);
  const kids = [];
  for (let i = 0; i < (o.n ?? 2); i++) kids.push(await student(app, schoolId, { classId, guardianUserId: i === 0 ? parent.userId : undefined }));
  const lessonId = gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId, teacherId: teacher.staffId, classId, date: o.date ?? '2025-11-25', n: 2 }));
  return { classId, subjectId, teacher, t: await app.as(teacher.login), kids, parent, lessonId };
}

const auditCount = async () => Number((await app.sql('select count(*)::int as n from audit_entry'))[0].n);
const markCount = async () => Number((await app.sql('select count(*)::int as n from mark'))[0].n);

describe('R-JOUR-3, R-JOUR-4: marks', () => {
  test('R-JOUR-3: the conducting teacher posts several marks of a lesson at once, on the grading system; the parent reads their child\'s only', async () => {
    const f = await fixture({ n: 3 });
    const answer = await workType('Ответ на уроке');
    const homeworkChecked = await workType('Домашняя работа');
    const r = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5', comment: 'молодец' },
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: homeworkChecked, value: '4' },
      { studentId: gid('Student', f.kids[1].studentId), workTypeId: answer, value: '3' },
    ] } });
    expect(r.marksPost.userErrors).toEqual([]);
    expect(r.marksPost.marks.map((m: any) => [m.value, m.late, m.workType.kind])).toEqual([['5', false, 'CURRENT'], ['4', false, 'CURRENT'], ['3', false, 'CURRENT']]);
    // Due at the end of the lesson's day in Moscow: 2025-11-25 24:00 MSK = 21:00 UTC.
    expect(r.marksPost.marks[0].dueAt).toBe('2025-11-25T21:00:00.000Z');

    const parent = await app.as(f.parent.login);
    const diary = await parent.ok(`query($s: ID!) { studentDiary(studentId: $s, from: "2025-11-25", to: "2025-11-25") { lessons { id all: marks { value } marks(studentId: $s) { value comment student { id } workType { name } } } } }`,
      { s: gid('Student', f.kids[0].studentId) });
    const lesson = diary.studentDiary[0].lessons.find((l: any) => l.id === f.lessonId);
    // Only their own child's marks, though the lesson has marks of another student too (R-SEC-3), with or without the filter.
    expect(lesson.marks.map((m: any) => m.value).sort()).toEqual(['4', '5']);
    expect(lesson.all.map((m: any) => m.value).sort()).toEqual(['4', '5']);
    expect(lesson.marks.every((m: any) => m.student.id === gid('Student', f.kids[0].studentId))).toBe(true);
    expect(JSON.stringify(diary)).not.toContain(f.kids[1].pd.lastName);

    const marks = await parent.ok(`query($s: ID!) { studentMarks(studentId: $s, from: "2025-09-01", to: "2025-12-31") { subject { id } marks { value } average } }`,
      { s: gid('Student', f.kids[0].studentId) });
    // Both current work types weigh 1: (5 + 4) / 2.
    expect(marks.studentMarks).toHaveLength(1);
    expect(marks.studentMarks[0].subject).toEqual({ id: gid('Subject', f.subjectId) });
    expect(marks.studentMarks[0].marks.map((m: any) => m.value).sort()).toEqual(['4', '5']);
    expect(marks.studentMarks[0].average).toBe(4.5);
  });

  test('R-JOUR-3, R-YEAR-2: one value off the scale refuses the whole post, naming the scale, and writes nothing', async () => {
    const f = await fixture();
    const answer = await workType('Ответ на уроке');
    const [marksBefore, auditBefore] = [await markCount(), await auditCount()];
    const r = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' },
      { studentId: gid('Student', f.kids[1].studentId), workTypeId: answer, value: '6' },
    ] } });
    expect(r.marksPost.marks).toEqual([]);
    expect(r.marksPost.userErrors).toEqual([{ code: 'NOT_ON_SCALE', field: ['input', 'marks', '1', 'value'], message: expect.stringContaining('Пятибалльная') }]);
    expect(await markCount()).toBe(marksBefore);
    expect(await auditCount()).toBe(auditBefore);
    // A final-only value («осв») is no current mark either.
    const osv = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: 'осв' }] } });
    expect(osv.marksPost.userErrors.map((e: any) => e.code)).toEqual(['NOT_ON_SCALE']);
  });

  test('R-YEAR-2: the grading system assigned to the subject and class validates its marks', async () => {
    const f = await fixture();
    const deputy = await app.as('deputy');
    const [ps] = await app.sql(`select id from grading_system where name = 'Зачёт/незачёт' limit 1`);
    const a = await deputy.ok(`mutation($i: GradingSystemAssignInput!) { gradingSystemAssign(input: $i) { assignment { id gradingSystem { name } subject { id } schoolClass { id } } ${ERR} } }`,
      { i: { academicYearId: gid('AcademicYear', yearId), gradingSystemId: gid('GradingSystem', ps.id), subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId) } });
    expect(a.gradingSystemAssign.userErrors).toEqual([]);
    expect(a.gradingSystemAssign.assignment.gradingSystem.name).toBe('Зачёт/незачёт');
    const answer = await workType('Ответ на уроке');
    const five = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' }] } });
    expect(five.marksPost.userErrors).toEqual([{ code: 'NOT_ON_SCALE', field: ['input', 'marks', '0', 'value'], message: expect.stringContaining('Зачёт/незачёт') }]);
    const pass = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: 'зач' }] } });
    expect(pass.marksPost.userErrors).toEqual([]);
    expect(pass.marksPost.marks[0].value).toBe('зач');
  });

  test('R-YEAR-2: a grading system declares which values pass and which count as quality; quality only for a passing current value', async () => {
    const deputy = await app.as('deputy');
    const CREATE = `mutation($i: GradingSystemCreateInput!) { gradingSystemCreate(input: $i) { gradingSystem { values { code passing quality } } ${ERR} } }`;
    const values = [
      { code: 'A', label: 'отлично', numericValue: 5, passing: true, quality: true },
      { code: 'C', label: 'удовлетворительно', numericValue: 3, passing: true },
      { code: 'F', label: 'неудовлетворительно', numericValue: 2, passing: false },
    ];
    const ok = await deputy.ok(CREATE, { i: { schoolId: gid('School', schoolId), name: 'Буквенная', kind: 'CUSTOM', values } });
    expect(ok.gradingSystemCreate).toEqual({ gradingSystem: { values: [
      { code: 'A', passing: true, quality: true }, { code: 'C', passing: true, quality: false }, { code: 'F', passing: false, quality: false },
    ] }, userErrors: [] });
    const bad = await deputy.ok(CREATE, { i: { schoolId: gid('School', schoolId), name: 'Неверная', kind: 'CUSTOM', values: [values[0], { ...values[2], quality: true }] } });
    expect(bad.gradingSystemCreate.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['INVALID', 'input.values.1.quality']]);
    // The demo's five-point scale: 4 and 5 count as quality.
    const demoScale = await app.sql(`select v.code from grading_value v join grading_system s on s.id = v.grading_system_id
      where s.school_id = $1 and s.kind = 'FIVE_POINT' and v.quality order by v.code`, [schoolId]);
    expect(demoScale.map((r: any) => r.code)).toEqual(['4', '5']);
  });

  test('R-JOUR-3, R-SEC-4: a student of another class, a student without consent — refused with their codes, nothing written', async () => {
    const f = await fixture();
    const other = await fixture();
    await app.sql(`update student set consent_status = 'WITHDRAWN' where id = $1`, [f.kids[1].studentId]);
    const answer = await workType('Ответ на уроке');
    const before = await markCount();
    const r = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' },
      { studentId: gid('Student', other.kids[0].studentId), workTypeId: answer, value: '5' },
      { studentId: gid('Student', f.kids[1].studentId), workTypeId: answer, value: '4' },
    ] } });
    expect(r.marksPost.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([
      ['NOT_IN_LESSON', 'input.marks.1.studentId'], ['NO_CONSENT', 'input.marks.2.studentId'],
    ]);
    expect(await markCount()).toBe(before);
  });

  test('R-ROLE-4, R-JOUR-6: a teacher who does not conduct the lesson, and a substitute after the substitution was withdrawn, are refused', async () => {
    const f = await fixture();
    const answer = await workType('Ответ на уроке');
    const stranger = await staff(app, schoolId);
    const s = await app.as(stranger.login);
    const mark = { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' }] };
    // Not theirs to see: NOT_FOUND (R-SEC-3).
    expect((await s.gql(POST, { i: mark })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const deputy = await app.as('deputy');
    const sub = await deputy.ok(`mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { ${ERR} } }`,
      { i: { lessonId: f.lessonId, substituteTeacherId: gid('Staff', stranger.staffId), reason: 'больничный' } });
    expect(sub.lessonSubstitute.userErrors).toEqual([]);
    // The substitute may post; the timetable teacher may not while the substitute conducts it.
    expect((await s.ok(POST, { i: mark })).marksPost.userErrors).toEqual([]);
    expect((await f.t.gql(POST, { i: mark })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const removed = await deputy.ok(`mutation($i: LessonSubstitutionRemoveInput!) { lessonSubstitutionRemove(input: $i) { ${ERR} } }`, { i: { lessonId: f.lessonId } });
    expect(removed.lessonSubstitutionRemove.userErrors).toEqual([]);
    const before = await markCount();
    const after = await s.gql(POST, { i: mark });
    expect(after.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|NOT_FOUND/);
    expect(await markCount()).toBe(before);
    expect((await f.t.ok(POST, { i: mark })).marksPost.userErrors).toEqual([]);
  });

  test('R-JOUR-3, R-JOUR-4: deadlines in the school\'s time zone — just before and just after midnight; control works 3 days, written work a week', async () => {
    const f = await fixture();
    const answer = await workType('Ответ на уроке');
    const dictation = await workType('Диктант');
    const one = (value: string, workTypeId = answer, k = 0) => ({ lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[k].studentId), workTypeId, value }] });
    // 23:59 in Moscow on the lesson's day (20:59 UTC): on time.
    clock.pin('2025-11-25T20:59:00Z');
    expect((await f.t.ok(POST, { i: one('5') })).marksPost.marks[0].late).toBe(false);
    // 00:01 the next day in Moscow (21:01 UTC, still the 25th in UTC): late, but accepted.
    clock.pin('2025-11-25T21:01:00Z');
    const late = (await f.t.ok(POST, { i: one('4') })).marksPost;
    expect(late.userErrors).toEqual([]);
    expect(late.marks[0].late).toBe(true);
    // A dictation (written work) two days later is on time.
    clock.pin('2025-11-27T10:00:00Z');
    const written = (await f.t.ok(POST, { i: one('3', dictation, 1) })).marksPost.marks[0];
    expect([written.late, written.dueAt]).toEqual([false, '2025-12-02T21:00:00.000Z']);
  });

  test('R-JOUR-4: a control-work mark belongs to the control work of the lesson; without one it is refused', async () => {
    const f = await fixture();
    const control = await workType('Контрольная работа');
    const mark = { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: control, value: '4' }] };
    const refused = await f.t.ok(POST, { i: mark });
    expect(refused.marksPost.userErrors.map((e: any) => e.code)).toEqual(['NO_CONTROL_WORK']);
    const [cw] = await app.sql(`insert into control_work (id, created_at, updated_at, school_id, academic_year_id, date, lesson_number, subject_id, school_class_id, form)
      values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-25', 2, $3, $4, 'CONTROL_WORK') returning id`, [schoolId, yearId, f.subjectId, f.classId]);
    const ok = await f.t.ok(`mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { value dueAt controlWork { id } } ${ERR} } }`, { i: mark });
    expect(ok.marksPost.userErrors).toEqual([]);
    expect(ok.marksPost.marks[0]).toEqual({ value: '4', dueAt: '2025-11-28T21:00:00.000Z', controlWork: { id: gid('ControlWork', cw.id) } });
  });

  test('R-JOUR-7: a missed topic is credited later with the protocol; the absence stays recorded; without an absence it is refused', async () => {
    const f = await fixture();
    const answer = await workType('Ответ на уроке');
    expect((await f.t.ok(ATTEND, { i: { lessonId: f.lessonId, absences: [{ studentId: gid('Student', f.kids[0].studentId), status: 'ABSENT', reason: 'ILLNESS' }] } })).attendanceSet.userErrors).toEqual([]);
    clock.pin('2025-12-10T09:00:00Z');
    const credit = { basis: 'COMMISSION', protocolDate: '2025-12-10', protocolNumber: '7' };
    const r = await f.t.ok(`mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { value late creditBasis creditProtocolNumber } ${ERR} } }`,
      { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '4', credit }] } });
    expect(r.marksPost).toEqual({ marks: [{ value: '4', late: false, creditBasis: 'COMMISSION', creditProtocolNumber: '7' }], userErrors: [] });
    const lesson = await f.t.ok(`query($id: ID!) { node(id: $id) { ... on Lesson { attendance { status student { id } } } } }`, { id: f.lessonId });
    expect(lesson.node.attendance).toEqual([{ status: 'ABSENT', student: { id: gid('Student', f.kids[0].studentId) } }]);
    const noAbsence = await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[1].studentId), workTypeId: answer, value: '4', credit }] } });
    expect(noAbsence.marksPost.userErrors.map((e: any) => e.code)).toEqual(['CREDIT_WITHOUT_ABSENCE']);
  });

  test('R-JOUR-10: a correction and a deletion are audited with old and new value', async () => {
    const f = await fixture();
    const answer = await workType('Ответ на уроке');
    const posted = (await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '3' }] } })).marksPost.marks[0];
    const c = await f.t.ok(`mutation($i: MarkCorrectInput!) { markCorrect(input: $i) { mark { id value } ${ERR} } }`, { i: { markId: posted.id, value: '4' } });
    expect(c.markCorrect).toEqual({ mark: { id: posted.id, value: '4' }, userErrors: [] });
    const offScale = await f.t.ok(`mutation($i: MarkCorrectInput!) { markCorrect(input: $i) { mark { id } ${ERR} } }`, { i: { markId: posted.id, value: '7' } });
    expect(offScale.markCorrect.userErrors.map((e: any) => e.code)).toEqual(['NOT_ON_SCALE']);
    const d = await f.t.ok(`mutation($i: MarkDeleteInput!) { markDelete(input: $i) { deletedMarkId ${ERR} } }`, { i: { markId: posted.id } });
    expect(d.markDelete).toEqual({ deletedMarkId: posted.id, userErrors: [] });
    const raw = Buffer.from(posted.id, 'base64url').toString().split(':')[1];
    const trail = await app.sql(`select action, changes from audit_entry where entity_type = 'Mark' and entity_id = $1 order by id`, [raw]);
    expect(trail.map((e: any) => e.action)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
    expect(JSON.stringify(trail[1].changes)).toContain('"3"');
    expect(JSON.stringify(trail[1].changes)).toContain('"4"');
  });
});

describe('R-JOUR-1, R-JOUR-2, R-JOUR-5: content, attendance, homework', () => {
  test('R-JOUR-1: topic from the thematic plan, work types, notes (staff only); entering again changes nothing', async () => {
    const f = await fixture();
    const [plan] = await app.sql(`insert into thematic_plan (id, created_at, updated_at, school_id, academic_year_id, subject_id, school_class_id)
      values (gen_random_uuid(), now(), now(), $1, $2, $3, $4) returning id`, [schoolId, yearId, f.subjectId, f.classId]);
    const [topic] = await app.sql(`insert into planned_topic (id, created_at, updated_at, plan_id, position, title, hours)
      values (gen_random_uuid(), now(), now(), $1, 1, 'Десятичные дроби', 2) returning id`, [plan.id]);
    const input = { lessonId: f.lessonId, plannedTopicId: gid('PlannedTopic', topic.id), workTypeIds: [await workType('Ответ на уроке'), await workType('Диктант')], notes: 'повторить' };
    const r = await f.t.ok(CONTENT, { i: input });
    expect(r.lessonContentSet).toEqual({ lesson: { id: f.lessonId, topic: 'Десятичные дроби', notes: 'повторить', contentLate: false,
      plannedTopic: { id: gid('PlannedTopic', topic.id), title: 'Десятичные дроби' }, workTypes: [{ name: 'Диктант' }, { name: 'Ответ на уроке' }] }, userErrors: [] });
    const audit = await auditCount();
    expect((await f.t.ok(CONTENT, { i: input })).lessonContentSet.userErrors).toEqual([]);
    expect(await auditCount()).toBe(audit);
    const parent = await app.as(f.parent.login);
    // The plan's topic counts as covered, on the lesson's date.
    const covered = await f.t.ok(`query($id: ID!) { node(id: $id) { ... on Lesson { plannedTopic { title coveredOn } } } }`, { id: f.lessonId });
    expect(covered.node.plannedTopic).toEqual({ title: 'Десятичные дроби', coveredOn: ['2025-11-25'] });
    const seen = await parent.ok(`query($id: ID!) { node(id: $id) { ... on Lesson { topic notes } } }`, { id: f.lessonId });
    expect(seen.node).toEqual({ topic: 'Десятичные дроби', notes: null });
    // A topic of another class's plan is refused.
    const other = await fixture();
    const bad = await other.t.ok(CONTENT, { i: { lessonId: other.lessonId, plannedTopicId: gid('PlannedTopic', topic.id) } });
    expect(bad.lessonContentSet.userErrors.map((e: any) => e.code)).toEqual(['INVALID']);
  });

  test('R-JOUR-2: attendance in bulk; taken with nobody absent is recorded; a student of another class refuses all of it', async () => {
    const f = await fixture({ n: 3 });
    const none = await f.t.ok(ATTEND, { i: { lessonId: f.lessonId, absences: [] } });
    expect(none.attendanceSet.lesson.attendanceTakenAt).not.toBeNull();
    expect(none.attendanceSet.lesson.attendance).toEqual([]);
    const other = await fixture();
    const bad = await f.t.ok(ATTEND, { i: { lessonId: f.lessonId, absences: [
      { studentId: gid('Student', f.kids[0].studentId), status: 'ABSENT', reason: 'ILLNESS' },
      { studentId: gid('Student', other.kids[0].studentId), status: 'LATE', reason: 'UNEXCUSED' },
    ] } });
    expect(bad.attendanceSet.userErrors.map((e: any) => e.code)).toEqual(['NOT_IN_LESSON']);
    expect(await app.sql('select 1 from attendance a join lesson l on l.id = a.lesson_id where l.id = $1', [Buffer.from(f.lessonId, 'base64url').toString().split(':')[1]])).toEqual([]);
    const ok = await f.t.ok(ATTEND, { i: { lessonId: f.lessonId, absences: [
      { studentId: gid('Student', f.kids[0].studentId), status: 'ABSENT', reason: 'ILLNESS' },
      { studentId: gid('Student', f.kids[1].studentId), status: 'LATE', reason: 'UNEXCUSED', minutesLate: 10 },
    ] } });
    expect(ok.attendanceSet.userErrors).toEqual([]);
    expect(ok.attendanceSet.lesson.attendance.map((a: any) => a.status).sort()).toEqual(['ABSENT', 'LATE']);
    // Taken again the next day: the list replaces the old one, and it is flagged late.
    clock.pin('2025-11-26T08:00:00Z');
    const again = await f.t.ok(ATTEND, { i: { lessonId: f.lessonId, absences: [{ studentId: gid('Student', f.kids[1].studentId), status: 'ABSENT', reason: 'EXCUSED' }] } });
    expect(again.attendanceSet.lesson.attendanceLate).toBe(true);
    expect(again.attendanceSet.lesson.attendance).toEqual([{ status: 'ABSENT', reason: 'EXCUSED', student: { id: gid('Student', f.kids[1].studentId) } }]);
  });

  test('R-JOUR-5: homework due 1.5 h after the class\'s last lesson (bell schedule, school time); later entry flagged; bad links refused', async () => {
    const f = await fixture();
    const bad = await f.t.ok(HOMEWORK, { i: { lessonId: f.lessonId, text: 'с. 45', links: ['javascript:alert(1)'] } });
    expect(bad.homeworkSet.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['INVALID', 'input.links.0']]);
    const r = await f.t.ok(HOMEWORK, { i: { lessonId: f.lessonId, text: 'Упр. 312', pages: 'с. 45–47', links: ['https://example.org/a'], estimatedMinutes: 20 } });
    expect(r.homeworkSet.userErrors).toEqual([]);
    const hw = r.homeworkSet.homework;
    expect([hw.text, hw.pages, hw.links, hw.estimatedMinutes, hw.late]).toEqual(['Упр. 312', 'с. 45–47', ['https://example.org/a'], 20, false]);
    // The class has no bell schedule: due at the end of the lesson's day in Moscow (21:00 UTC).
    expect(hw.dueAt).toBe('2025-11-25T21:00:00.000Z');
    clock.pin(new Date(new Date(hw.dueAt).getTime() + 60_000));
    const late = await f.t.ok(HOMEWORK, { i: { lessonId: f.lessonId, text: 'Упр. 313' } });
    expect(late.homeworkSet.homework.late).toBe(true);
  });

  test('R-JOUR-5, R-YEAR-6: with a bell schedule, homework is due 1.5 h after the end of the class\'s last lesson that day, whichever lesson it was given in', async () => {
    const f = await fixture();
    // The class's own bell schedule: lesson 2 ends 10:15, lesson 5 ends 12:55 (Moscow).
    const [b] = await app.sql(`insert into bell_schedule (id, created_at, updated_at, school_id, academic_year_id, name, school_class_id)
      values (gen_random_uuid(), now(), now(), $1, $2, 'Звонки', $3) returning id`, [schoolId, yearId, f.classId]);
    for (const [n, start, end] of [[2, '09:30', '10:15'], [5, '12:10', '12:55']]) {
      await app.sql(`insert into bell_slot (id, created_at, updated_at, bell_schedule_id, lesson_number, starts_at, ends_at)
        values (gen_random_uuid(), now(), now(), $1, $2, $3, $4)`, [b.id, n, start, end]);
    }
    // The class's last lesson that day is number 5, of another subject: 12:55 + 1:30 = 14:25 MSK = 11:25 UTC.
    await insertLesson(app, { schoolId, yearId, subjectId: await subject(app, schoolId), teacherId: (await staff(app, schoolId)).staffId, classId: f.classId, date: '2025-11-25', n: 5 });
    clock.pin('2025-11-25T11:24:00Z');
    const onTime = (await f.t.ok(HOMEWORK, { i: { lessonId: f.lessonId, text: 'Упр. 1' } })).homeworkSet.homework;
    expect([onTime.dueAt, onTime.late]).toEqual(['2025-11-25T11:25:00.000Z', false]);
    clock.pin('2025-11-25T11:26:00Z');
    expect((await f.t.ok(HOMEWORK, { i: { lessonId: f.lessonId, text: 'Упр. 2' } })).homeworkSet.homework.late).toBe(true);
  });
});

describe('R-ROLE-5: the class journal page', () => {
  test('R-ROLE-5: the teacher writes, the class teacher and the administration read it; a student who left keeps their row; other teachers are refused', async () => {
    const ct = await staff(app, schoolId);
    const f = await fixture({ n: 3, classTeacherId: ct.staffId });
    // The third student left the class on 2025-11-20.
    await app.sql(`update class_membership set to_date = '2025-11-20' where student_id = $1`, [f.kids[2].studentId]);
    const answer = await workType('Ответ на уроке');
    const dictation = await workType('Диктант');
    await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' },
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: dictation, value: '3' },
    ] } });
    const Q = `query($i: ClassJournalInput!) { classJournal(input: $i) { readOnly lessons { id } rows { student { id } leftOn average marks { value } } } }`;
    const input = { subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), from: '2025-11-01', to: '2025-11-30' };
    const own = (await f.t.ok(Q, { i: input })).classJournal;
    expect(own.readOnly).toBe(false);
    expect(own.lessons).toEqual([{ id: f.lessonId }]);
    expect(own.rows).toHaveLength(3);
    const row0 = own.rows.find((r: any) => r.student.id === gid('Student', f.kids[0].studentId));
    // (5 × 1 + 3 × 1.5) / 2.5 = 3.8
    expect(row0.average).toBe(3.8);
    expect(own.rows.find((r: any) => r.student.id === gid('Student', f.kids[2].studentId)).leftOn).toBe('2025-11-20');
    const classTeacher = await app.as(ct.login);
    expect((await classTeacher.ok(Q, { i: input })).classJournal.readOnly).toBe(true);
    expect((await (await app.as('deputy')).ok(Q, { i: input })).classJournal.readOnly).toBe(true);
    const stranger = await app.as((await staff(app, schoolId)).login);
    expect((await stranger.gql(Q, { i: input })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const parent = await app.as(f.parent.login);
    expect((await parent.gql(Q, { i: input })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The class teacher reads but does not write another teacher's subject.
    const w = await classTeacher.gql(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[1].studentId), workTypeId: answer, value: '5' }] } });
    expect(w.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('issue 12: a page\'s marks carry every field a client selects (the page reads fewer columns only when the selection needs no more), through fragments too', async () => {
    const f = await fixture({ n: 1 });
    const posted = (await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [
      { studentId: gid('Student', f.kids[0].studentId), workTypeId: await workType('Ответ на уроке'), value: '4', comment: 'у доски' },
    ] } })).marksPost.marks[0];
    const input = { subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), from: '2025-11-01', to: '2025-11-30' };
    const FULL = 'id value comment late dueAt postedAt creditBasis creditProtocolDate creditProtocolNumber numericValue controlWork { id } postedBy { id } student { id } lesson { id } workType { name }';
    const marksOf = async (selection: string, fragments = '') =>
      (await f.t.ok(`query($i: ClassJournalInput!) { classJournal(input: $i) { rows { marks { ${selection} } } } } ${fragments}`, { i: input })).classJournal.rows[0].marks;
    const [full] = await marksOf(FULL);
    expect(full).toMatchObject({ id: posted.id, value: '4', comment: 'у доски', late: posted.late, dueAt: posted.dueAt, numericValue: 4,
      controlWork: null, postedBy: { id: gid('Staff', f.teacher.staffId) }, student: { id: gid('Student', f.kids[0].studentId) }, lesson: { id: f.lessonId } });
    expect(typeof full.postedAt).toBe('string');
    expect(await marksOf('id value ...M', `fragment M on Mark { comment ... on Mark { postedAt } }`)).toEqual([{ id: posted.id, value: '4', comment: 'у доски', postedAt: full.postedAt }]);
    expect(await marksOf('id value numericValue student { id } lesson { id } workType { name }')).toEqual([
      { id: posted.id, value: '4', numericValue: 4, student: full.student, lesson: full.lesson, workType: full.workType },
    ]);
  });

  test('R-ROLE-5, R-JOUR-2: the class teacher reads the week\'s absences of the class in every subject; a subject teacher and a parent may not', async () => {
    const ct = await staff(app, schoolId);
    const f = await fixture({ n: 2, classTeacherId: ct.staffId });
    await f.t.ok(ATTEND, { i: { lessonId: f.lessonId, absences: [{ studentId: gid('Student', f.kids[0].studentId), status: 'ABSENT', reason: 'ILLNESS' }] } });
    const Q = `query($c: ID!) { classAttendance(classId: $c, from: "2025-11-24", to: "2025-11-30") { status reason student { id } lesson { id } } }`;
    const classTeacher = await app.as(ct.login);
    expect((await classTeacher.ok(Q, { c: gid('SchoolClass', f.classId) })).classAttendance)
      .toEqual([{ status: 'ABSENT', reason: 'ILLNESS', student: { id: gid('Student', f.kids[0].studentId) }, lesson: { id: f.lessonId } }]);
    expect((await f.t.gql(Q, { c: gid('SchoolClass', f.classId) })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await (await app.as(f.parent.login)).gql(Q, { c: gid('SchoolClass', f.classId) })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooLong = await classTeacher.gql(`query($c: ID!) { classAttendance(classId: $c, from: "2025-11-01", to: "2025-12-15") { status } }`, { c: gid('SchoolClass', f.classId) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RANGE_TOO_LONG' });
  });

  test('issue 12: statements per class journal page are constant as the page grows (3 vs 12 students, 2 vs 8 lessons)', async () => {
    const measure = async (n: number, lessons: number) => {
      const f = await fixture({ n });
      const answer = await workType('Ответ на уроке');
      const ids = [f.lessonId];
      for (let i = 1; i < lessons; i++) {
        ids.push(gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId: f.subjectId, teacherId: f.teacher.staffId, classId: f.classId, date: `2025-11-${String(3 + i).padStart(2, '0')}`, n: 2 })));
      }
      for (const lessonId of ids) {
        await f.t.ok(POST, { i: { lessonId, marks: f.kids.map((k) => ({ studentId: gid('Student', k.studentId), workTypeId: answer, value: '4' })) } });
      }
      const Q = `query($i: ClassJournalInput!) { classJournal(input: $i) { lessons { id date topic homework { text } workTypes { name } }
        rows { student { id fullName } average marks { value workType { name } } attendance { status } } } }`;
      return countQueries(app, () => f.t.ok(Q, { i: { subjectId: gid('Subject', f.subjectId), classId: gid('SchoolClass', f.classId), from: '2025-11-01', to: '2025-11-30' } }));
    };
    expect(await measure(12, 8)).toBe(await measure(3, 2));
  });
});

describe('R-DIARY-1, R-DIARY-3: live', () => {
  test('R-DIARY-1: a parent\'s subscription receives a mark posted for their child, and not one posted for another child', async () => {
    const f = await fixture();
    const parent = await app.as(f.parent.login);
    const stream = await collectLive(app.server.events, app.ws(parent.token!),
      `subscription($s: ID!) { diaryEvents(studentId: $s) { kind ... on MarkPostedEvent { mark { value student { id } lesson { id } } } ... on HomeworkSetEvent { homework { text } } } }`,
      { s: gid('Student', f.kids[0].studentId) });
    const answer = await workType('Ответ на уроке');
    await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[1].studentId), workTypeId: answer, value: '2' }] } });
    await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' }] } });
    await f.t.ok(HOMEWORK, { i: { lessonId: f.lessonId, text: 'Выучить стихотворение' } });
    await app.server.events.flush();
    await stream.until((r) => r.data.length >= 2);
    stream.unsubscribe();
    expect(stream.errors).toEqual([]);
    expect(stream.data.map((d) => d.diaryEvents.kind)).toEqual(['MARK_POSTED', 'HOMEWORK_SET']);
    expect(stream.data[0].diaryEvents.mark).toEqual({ value: '5', student: { id: gid('Student', f.kids[0].studentId) }, lesson: { id: f.lessonId } });
    expect(stream.data[1].diaryEvents.homework).toEqual({ text: 'Выучить стихотворение' });
  });
});

describe('R-DIARY-1, R-DIARY-3: live, without help', () => {
  test('R-DIARY-1: a mark reaches the parent within a second of the post (no forced delivery); after a drop, resuming with the last cursor delivers exactly the marks posted meanwhile, in order', async () => {
    const f = await fixture();
    const parent = await app.as(f.parent.login);
    const s = gid('Student', f.kids[0].studentId);
    const answer = await workType('Ответ на уроке');
    const post = (value: string) => f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: s, workTypeId: answer, value }] } });
    const SUB = `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind ... on MarkPostedEvent { mark { value } } } }`;
    const first = await collectLive(app.server.events, app.ws(parent.token!), SUB, { s });
    await post('5');
    await first.until((r) => r.data.length === 1, 1000);
    const cursor = first.data[0].diaryEvents.cursor;
    first.unsubscribe();
    await post('4');
    await post('3');
    const resumed = await collectLive(app.server.events, app.ws(parent.token!), SUB, { s, after: cursor });
    await resumed.until((r) => r.data.length >= 2, 3000);
    await post('2');
    await resumed.until((r) => r.data.length >= 3, 3000);
    resumed.unsubscribe();
    expect(resumed.data.map((d) => d.diaryEvents.mark.value)).toEqual(['4', '3', '2']);
  });
});

describe('issue 12 §0: foundations the journal relies on', () => {
  test('R-JOUR-10, R-YEAR-9: a lesson with any journal record (work types, homework, attendance taken, a mark, notes) counts as having journal data, so regeneration never deletes it', async () => {
    const f = await fixture();
    const raw = (g: string) => Buffer.from(g, 'base64url').toString().split(':')[1];
    const has = async (lessonGid: string) => (await app.sql(`select ${LESSON_HAS_JOURNAL_DATA_SQL} as j from lesson l where l.id = $1`, [raw(lessonGid)]))[0].j;
    const fresh = async () => gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId: f.subjectId, teacherId: f.teacher.staffId, classId: f.classId, date: '2025-11-26', n: 3 + Math.floor(Math.random() * 8) }));
    expect(await has(f.lessonId)).toBe(false);
    const answer = await workType('Ответ на уроке');
    const writes: [string, (lessonId: string) => Promise<unknown>][] = [
      ['work types', (lessonId) => f.t.ok(CONTENT, { i: { lessonId, workTypeIds: [answer] } })],
      ['notes', (lessonId) => f.t.ok(CONTENT, { i: { lessonId, notes: 'заметка' } })],
      ['homework', (lessonId) => f.t.ok(HOMEWORK, { i: { lessonId, text: 'Упр. 1' } })],
      ['attendance taken', (lessonId) => f.t.ok(ATTEND, { i: { lessonId, absences: [] } })],
      ['a mark', (lessonId) => f.t.ok(POST, { i: { lessonId, marks: [{ studentId: gid('Student', f.kids[0].studentId), workTypeId: answer, value: '5' }] } })],
    ];
    for (const [what, writeIt] of writes) {
      const lessonId = what === 'work types' ? f.lessonId : await fresh();
      await writeIt(lessonId);
      expect([what, await has(lessonId)]).toEqual([what, true]);
    }
  });

  test('issue 12 §0: after a write every loader of the request forgets what it cached — a later field of the same operation sees the change', async () => {
    const f = await fixture();
    const answer = await workType('Ответ на уроке');
    const s = gid('Student', f.kids[0].studentId);
    const posted = (await f.t.ok(POST, { i: { lessonId: f.lessonId, marks: [{ studentId: s, workTypeId: answer, value: '3' }] } })).marksPost.marks[0];
    // One operation: read the lesson's marks (cached by the request's loader), correct the mark, read them again.
    const r = await f.t.ok(`mutation($l: ID!, $m: ID!) {
      a: lessonContentSet(input: { lessonId: $l, notes: "до" }) { lesson { marks { value } homework { text } } }
      b: markCorrect(input: { markId: $m, value: "5" }) { mark { value } }
      c: homeworkSet(input: { lessonId: $l, text: "Новое" }) { homework { id } }
      d: lessonContentSet(input: { lessonId: $l, notes: "после" }) { lesson { marks { value } homework { text } } }
    }`, { l: f.lessonId, m: posted.id });
    expect(r.a.lesson).toEqual({ marks: [{ value: '3' }], homework: null });
    expect(r.d.lesson).toEqual({ marks: [{ value: '5' }], homework: { text: 'Новое' } });
  });
});
