import { startTestApp, TestApp, HttpClient, errorCode, onClosed, TEST_NOW } from './helpers/app';
import { collectLive, commitEvent, type Received } from './helpers/live';
import { insertLesson } from './helpers/db';
import * as f from './helpers/factories';

/**
 * R-SEC-3, R-ROLE-4, R-ROLE-5: access follows participation over time. Personal data (names,
 * birth date, contacts, guardians, the current diary) only while the participation holds today in
 * the school's time zone; journal records (lessons) for those who took part on the record's date.
 * Each case is checked before and after, over HTTP and on an open subscription.
 */
let app: TestApp;
let demo: f.Demo;
let deputy: HttpClient;
let admin: HttpClient;
let subjectId: string;

const gid = f.gid;
const PD = `query($id: ID!) { student(id: $id) { id fullName birthDate phone guardians { guardian { fullName phone } } } }`;
const DIARY = `query($id: ID!, $from: LocalDate!, $to: LocalDate!) { studentDiary(studentId: $id, from: $from, to: $to) { date lessons { id } } }`;
const LESSON = `query($id: ID!) { node(id: $id) { id ... on Lesson { date } } }`;
const DIARY_EVENTS = `subscription($id: ID!) { diaryEvents(studentId: $id) { cursor kind } }`;
const TEACHER_EVENTS = `subscription { teacherEvents { cursor kind } }`;

const login = (l: string) => app.as(l);

/** The viewer reads the student's personal data and current diary (and the response carries them). */
async function expectSees(client: HttpClient, studentId: string, pd: f.PersonalData): Promise<void> {
  const r = await client.gql(PD, { id: gid('Student', studentId) });
  expect(r.errors).toBeUndefined();
  expect(r.data.student).toMatchObject({ birthDate: pd.birthDate, phone: pd.phone });
  expect(JSON.stringify(r.data)).toContain(pd.guardianPhone);
  const d = await client.gql(DIARY, { id: gid('Student', studentId), from: '2025-11-24', to: '2025-11-30' });
  expect(d.errors).toBeUndefined();
}

/**
 * NOT_FOUND for the student and the diary (FORBIDDEN for an account left without any role), and no
 * personal datum anywhere in the responses.
 */
async function expectBlind(client: HttpClient, studentId: string, pd: f.PersonalData, codes = ['NOT_FOUND']): Promise<void> {
  const r = await client.gql(PD, { id: gid('Student', studentId) });
  expect(codes).toContain(errorCode(r));
  const d = await client.gql(DIARY, { id: gid('Student', studentId), from: '2025-11-24', to: '2025-11-30' });
  expect(codes).toContain(errorCode(d));
  const text = JSON.stringify([r, d]);
  for (const v of Object.values(pd)) expect(text).not.toContain(v);
}

/** Whether the viewer reads the lesson (a lesson they may not see is NOT_FOUND). */
async function seesLesson(client: HttpClient, lessonId: string): Promise<boolean> {
  const r = await client.gql(LESSON, { id: gid('Lesson', lessonId) });
  if (r.errors) {
    expect(errorCode(r)).toBe('NOT_FOUND');
    return false;
  }
  return r.data.node?.id === gid('Lesson', lessonId);
}

const lesson = (classId: string, teacherId: string, date: string, n = 1, yearId = demo.yearId) =>
  insertLesson(app, { schoolId: demo.schoolId, yearId, subjectId, teacherId, classId, date, n });

/** Commits an event for the students (or teacher accounts) and waits until the open subscription received it. */
async function eventFor(studentIds: string[], sub: Received, o: { teacherUserIds?: string[] } = {}): Promise<void> {
  const before = sub.data.length;
  await commitEvent(app, demo.schoolId, studentIds, o);
  await sub.until((r) => r.data.length > before);
}

/** Commits an event for the students; the open subscription must end with ACCESS_REVOKED instead of receiving it. */
async function expectRevokedAtNextEvent(studentIds: string[], sub: Received): Promise<void> {
  const before = sub.data.length;
  await commitEvent(app, demo.schoolId, studentIds);
  await sub.until((r) => r.completed);
  expect(revoked(sub)).toBe(true);
  expect(sub.data).toHaveLength(before);
}

const revoked = (sub: Received) => sub.completed && sub.errors.some((e) => e.extensions?.code === 'FORBIDDEN' && e.extensions?.reason === 'ACCESS_REVOKED');

beforeAll(async () => {
  app = await startTestApp({ ERASURE_POLL_SECONDS: '0' });
  demo = await f.demo(app);
  deputy = await login('deputy');
  admin = await login('admin');
  subjectId = await f.subject(app, demo.schoolId);
});
afterAll(async () => { await app?.stop(); });
afterEach(() => app.clock.pin(TEST_NOW));

describe('R-SEC-3 access follows participation over time', () => {
  test('R-SEC-3, R-ROLE-4, R-ROLE-5: a transfer ends the old class\'s teachers\' access to personal data at the school\'s midnight; their past lessons stay', async () => {
    const ctA = await f.staff(app, demo.schoolId);
    const ctB = await f.staff(app, demo.schoolId);
    const tA = await f.staff(app, demo.schoolId);
    const classA = await f.schoolClass(app, demo.schoolId, demo.yearId, { classTeacherId: ctA.staffId });
    const classB = await f.schoolClass(app, demo.schoolId, demo.yearId, { classTeacherId: ctB.staffId });
    await f.assignment(app, { schoolId: demo.schoolId, yearId: demo.yearId, teacherId: tA.staffId, subjectId, classId: classA });
    const s = await f.student(app, demo.schoolId, { classId: classA });
    const lessonA = await lesson(classA, tA.staffId, '2025-11-20');
    const lessonB = await lesson(classB, ctB.staffId, '2025-12-01');
    const [t, ct, newCt] = [await login(tA.login), await login(ctA.login), await login(ctB.login)];

    // Before: the old class's teachers see everything; the new class teacher nothing.
    await expectSees(t, s.studentId, s.pd);
    await expectSees(ct, s.studentId, s.pd);
    await expectBlind(newCt, s.studentId, s.pd);
    expect(await seesLesson(t, lessonA)).toBe(true);
    expect(await seesLesson(t, lessonB)).toBe(false);
    const sub = await collectLive(app.server.events, app.ws(t.token), DIARY_EVENTS, { id: gid('Student', s.studentId) });
    await eventFor([s.studentId], sub);
    expect(sub.data).toHaveLength(1);

    const r = await deputy.ok(`mutation($i: StudentTransferInput!) { studentTransfer(input: $i) { userErrors { code message } } }`,
      { i: { studentId: gid('Student', s.studentId), toClassId: gid('SchoolClass', classB), date: '2025-11-26' } });
    expect(r.studentTransfer.userErrors).toEqual([]);
    // The last day in the old class is today: nothing changes before midnight.
    app.clock.pin('2025-11-25T20:59:00Z');
    await expectSees(t, s.studentId, s.pd);

    // After midnight in Moscow (21:00 UTC).
    app.clock.pin('2025-11-25T21:00:00Z');
    await expectBlind(t, s.studentId, s.pd);
    await expectBlind(ct, s.studentId, s.pd);
    await expectSees(newCt, s.studentId, s.pd);
    // Journal records: the lesson of a day they took part in stays; the new class's does not come.
    expect(await seesLesson(t, lessonA)).toBe(true);
    expect(await seesLesson(ct, lessonA)).toBe(true);
    expect(await seesLesson(t, lessonB)).toBe(false);
    expect(await seesLesson(newCt, lessonB)).toBe(true);
    // The open subscription ends at its next event.
    await expectRevokedAtNextEvent([s.studentId], sub);
    // And a new one is refused.
    const again = await collectLive(app.server.events, app.ws(t.token), DIARY_EVENTS, { id: gid('Student', s.studentId) });
    await again.until((x) => x.completed);
    expect(again.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(again.data).toEqual([]);
  });

  test('R-SEC-3, R-SEC-8: leaving the school ends the class teacher\'s access to personal data the next day; the journal of the days before stays', async () => {
    const ct = await f.staff(app, demo.schoolId);
    const cls = await f.schoolClass(app, demo.schoolId, demo.yearId, { classTeacherId: ct.staffId });
    const s = await f.student(app, demo.schoolId, { classId: cls });
    const past = await lesson(cls, ct.staffId, '2025-11-21');
    const client = await login(ct.login);
    await expectSees(client, s.studentId, s.pd);
    const sub = await collectLive(app.server.events, app.ws(client.token), DIARY_EVENTS, { id: gid('Student', s.studentId) });
    await eventFor([s.studentId], sub);
    expect(sub.data).toHaveLength(1);

    const r = await deputy.ok(`mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { userErrors { code message } } }`,
      { i: { studentId: gid('Student', s.studentId), date: '2025-11-25', reason: 'Переезд' } });
    expect(r.studentLeave.userErrors).toEqual([]);
    await expectSees(client, s.studentId, s.pd);

    app.clock.pin('2025-11-26T06:00:00Z');
    await expectBlind(client, s.studentId, s.pd);
    expect(await seesLesson(client, past)).toBe(true);
    await expectRevokedAtNextEvent([s.studentId], sub);
  });

  test('R-SEC-3: an assignment of a past year grants nothing today; last year\'s lessons stay readable', async () => {
    const lastYear = await f.academicYear(app, demo.schoolId, '2024-09-01', '2025-05-31');
    const t = await f.staff(app, demo.schoolId);
    const oldClass = await f.schoolClass(app, demo.schoolId, lastYear, { grade: 6 });
    const newClass = await f.schoolClass(app, demo.schoolId, demo.yearId, { grade: 7 });
    await f.assignment(app, { schoolId: demo.schoolId, yearId: lastYear, teacherId: t.staffId, subjectId, classId: oldClass });
    const s = await f.student(app, demo.schoolId, { classId: oldClass, from: '2024-09-01', to: '2025-08-31' });
    await f.enrol(app, s.studentId, newClass, '2025-09-01');
    const old = await lesson(oldClass, t.staffId, '2025-03-10', 1, lastYear);
    const client = await login(t.login);

    // Before: during last year the assignment held.
    app.clock.pin('2025-03-10T09:00:00Z');
    await expectSees(client, s.studentId, s.pd);
    const sub = await collectLive(app.server.events, app.ws(client.token), DIARY_EVENTS, { id: gid('Student', s.studentId) });
    await eventFor([s.studentId], sub);
    expect(sub.data).toHaveLength(1);

    // After: this year, nothing but the journal of last year.
    app.clock.pin(TEST_NOW);
    await expectBlind(client, s.studentId, s.pd);
    expect(await seesLesson(client, old)).toBe(true);
    await expectRevokedAtNextEvent([s.studentId], sub);
  });

  test('R-YEAR-8, R-ROLE-4: a thematic plan is written by its teacher while the assignment holds today; afterwards they still read it', async () => {
    const lastYear = await f.academicYear(app, demo.schoolId, '2024-09-01', '2025-05-31');
    const t = await f.staff(app, demo.schoolId);
    const cls = await f.schoolClass(app, demo.schoolId, lastYear, { grade: 8 });
    await f.assignment(app, { schoolId: demo.schoolId, yearId: lastYear, teacherId: t.staffId, subjectId, classId: cls });
    const client = await login(t.login);
    const PLAN_REPLACE = `mutation($i: ThematicPlanReplaceInput!) { thematicPlanReplace(input: $i) { thematicPlan { id topics { title } } userErrors { code } } }`;
    const PLAN = `query($y: ID!, $s: ID!, $c: ID) { thematicPlan(academicYearId: $y, subjectId: $s, classId: $c) { id topics { title } } }`;
    const ids = { y: gid('AcademicYear', lastYear), s: gid('Subject', subjectId), c: gid('SchoolClass', cls) };
    const replace = (title: string) => client.gql(PLAN_REPLACE, { i: { academicYearId: ids.y, subjectId: ids.s, classId: ids.c, topics: [{ title, hours: 1 }] } });

    // During that year the teacher writes the plan.
    app.clock.pin('2025-03-10T09:00:00Z');
    const r = await replace('Дроби');
    expect(r.errors).toBeUndefined();
    expect(r.data.thematicPlanReplace.userErrors).toEqual([]);

    // This year: the plan of their past teaching is readable, not writable.
    app.clock.pin(TEST_NOW);
    expect((await client.ok(PLAN, ids)).thematicPlan.topics).toEqual([{ title: 'Дроби' }]);
    const late = await replace('Проценты');
    expect(errorCode(late)).toBe('NOT_FOUND');
    expect((await client.ok(PLAN, ids)).thematicPlan.topics).toEqual([{ title: 'Дроби' }]);
  });

  test('R-SEC-3, R-JOUR-6: a substitute takes part on the day of the lesson only; the lesson they conducted stays theirs to read', async () => {
    const t = await f.staff(app, demo.schoolId);
    const sub = await f.staff(app, demo.schoolId);
    const cls = await f.schoolClass(app, demo.schoolId, demo.yearId);
    const s = await f.student(app, demo.schoolId, { classId: cls });
    const today = await lesson(cls, t.staffId, '2025-11-25', 2);
    const tomorrow = await lesson(cls, t.staffId, '2025-11-26', 2);
    const client = await login(sub.login);
    await expectBlind(client, s.studentId, s.pd);
    const r = await deputy.ok(`mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { userErrors { code message } } }`,
      { i: { lessonId: gid('Lesson', today), substituteTeacherId: gid('Staff', sub.staffId), reason: 'больничный' } });
    expect(r.lessonSubstitute.userErrors).toEqual([]);

    await expectSees(client, s.studentId, s.pd);
    expect(await seesLesson(client, today)).toBe(true);
    expect(await seesLesson(client, tomorrow)).toBe(false);
    const live = await collectLive(app.server.events, app.ws(client.token), DIARY_EVENTS, { id: gid('Student', s.studentId) });
    await eventFor([s.studentId], live);
    expect(live.data).toHaveLength(1);

    app.clock.pin('2025-11-26T09:00:00Z');
    await expectBlind(client, s.studentId, s.pd);
    expect(await seesLesson(client, today)).toBe(true);
    expect(await seesLesson(client, tomorrow)).toBe(false);
    await expectRevokedAtNextEvent([s.studentId], live);
  });

  test('R-SEC-3, R-YEAR-9: the teacher of an individual timetable entry takes part in that student\'s education while the entry is valid', async () => {
    const t = await f.staff(app, demo.schoolId);
    const cls = await f.schoolClass(app, demo.schoolId, demo.yearId);
    const s = await f.student(app, demo.schoolId, { classId: cls });
    const client = await login(t.login);
    await expectBlind(client, s.studentId, s.pd);
    const [{ id: entry }] = await app.sql(`insert into timetable_entry (id, created_at, updated_at, school_id, academic_year_id, weekday, lesson_number, subject_id, teacher_id, student_id, kind, valid_from, valid_to)
      values (gen_random_uuid(), now(), now(), $1, $2, 3, 8, $3, $4, $5, 'MAIN', '2025-09-01', '2025-12-26') returning id`,
    [demo.schoolId, demo.yearId, subjectId, t.staffId, s.studentId]);
    await expectSees(client, s.studentId, s.pd);
    const individual = await insertLesson(app, { schoolId: demo.schoolId, yearId: demo.yearId, subjectId, teacherId: t.staffId, studentId: s.studentId, date: '2025-11-19', n: 8 });
    expect(await seesLesson(client, individual)).toBe(true);
    const live = await collectLive(app.server.events, app.ws(client.token), DIARY_EVENTS, { id: gid('Student', s.studentId) });
    await eventFor([s.studentId], live);
    expect(live.data).toHaveLength(1);

    const ended = await deputy.gql(`mutation($i: TimetableEntryEndInput!) { timetableEntryEnd(input: $i) { userErrors { code message } } }`,
      { i: { id: gid('TimetableEntry', entry), lastDate: '2025-11-25' } });
    expect(ended.errors).toBeUndefined();
    expect(ended.data.timetableEntryEnd.userErrors).toEqual([]);
    app.clock.pin('2025-11-26T09:00:00Z');
    await expectBlind(client, s.studentId, s.pd);
    expect(await seesLesson(client, individual)).toBe(true);
    await expectRevokedAtNextEvent([s.studentId], live);
  });
});

describe('R-SEC-3, R-ROLE-4 staffArchive ends staff access at once', () => {
  test('R-SEC-3: an archived class teacher loses roles, sessions and sockets; a fresh login reads nothing of the old class', async () => {
    const ct = await f.staff(app, demo.schoolId);
    const cls = await f.schoolClass(app, demo.schoolId, demo.yearId, { classTeacherId: ct.staffId });
    const s = await f.student(app, demo.schoolId, { classId: cls });
    const past = await lesson(cls, ct.staffId, '2025-11-20');
    const client = await login(ct.login);
    await expectSees(client, s.studentId, s.pd);
    expect(await seesLesson(client, past)).toBe(true);
    const ws = app.ws(client.token);
    const closed = onClosed(ws);
    const staffStream = await collectLive(app.server.events, ws, TEACHER_EVENTS);
    await eventFor([], staffStream, { teacherUserIds: [ct.userId] });
    expect(staffStream.data).toHaveLength(1);

    const r = await admin.ok(`mutation($i: StaffArchiveInput!) { staffArchive(input: $i) { staff { archivedAt } userErrors { code } } }`,
      { i: { staffId: gid('Staff', ct.staffId) } });
    expect(r.staffArchive.userErrors).toEqual([]);
    expect(await app.sql(`select role from role_assignment where user_id = $1`, [ct.userId])).toEqual([]);
    expect((await closed).code).toBe(4401);
    expect(errorCode(await client.gql(PD, { id: gid('Student', s.studentId) }))).toBe('UNAUTHENTICATED');
    const fresh = await app.anon().gql(`mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, { i: { login: ct.login, password: 'demo1234' } });
    // Without any role left the account may still sign in, and reads nothing of the school.
    const again = new HttpClient(app.url, fresh.data.login.accessToken);
    await expectBlind(again, s.studentId, s.pd, ['FORBIDDEN']);
    expect(errorCode(await again.gql(LESSON, { id: gid('Lesson', past) }))).toBe('NOT_FOUND');
  });

  test('R-SEC-3, R-ROLE-7: a teacher who is also a parent keeps the parent\'s access, socket and child\'s stream; the staff stream ends', async () => {
    const both = await f.staff(app, demo.schoolId, { roles: ['TEACHER', 'PARENT'] });
    const cls = await f.schoolClass(app, demo.schoolId, demo.yearId, { classTeacherId: both.staffId });
    const pupil = await f.student(app, demo.schoolId, { classId: cls });
    const other = await f.schoolClass(app, demo.schoolId, demo.yearId);
    const child = await f.student(app, demo.schoolId, { classId: other, guardianUserId: both.userId });
    const client = await login(both.login);
    await expectSees(client, pupil.studentId, pupil.pd);
    await expectSees(client, child.studentId, child.pd);
    const ws = app.ws(client.token);
    let closedCode: number | null = null;
    void onClosed(ws).then((e) => { closedCode = e.code; });
    const staffStream = await collectLive(app.server.events, ws, TEACHER_EVENTS);
    const childStream = await collectLive(app.server.events, ws, DIARY_EVENTS, { id: gid('Student', child.studentId) });

    const r = await admin.ok(`mutation($i: StaffArchiveInput!) { staffArchive(input: $i) { userErrors { code } } }`, { i: { staffId: gid('Staff', both.staffId) } });
    expect(r.staffArchive.userErrors).toEqual([]);
    expect(await app.sql(`select role::text from role_assignment where user_id = $1`, [both.userId])).toEqual([{ role: 'PARENT' }]);
    await staffStream.until((x) => x.completed);
    expect(revoked(staffStream)).toBe(true);

    await eventFor([child.studentId], childStream);
    expect(childStream.data).toHaveLength(1);
    expect(closedCode).toBeNull();
    await expectSees(client, child.studentId, child.pd);
    await expectBlind(client, pupil.studentId, pupil.pd);
  });
});
