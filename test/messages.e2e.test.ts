import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { collectLive } from './helpers/live';
import { countQueries, expectUnchanged, insertLesson } from './helpers/db';
import { assignment, demo, gid, guardian, linkGuardian, schoolClass, staff, student, subject, user } from './helpers/factories';
import { clock } from '../src/clock';

/**
 * Messages and acknowledgments (issue 13 §3): threads between teachers, guardians and students with
 * unread counts and live delivery (R-JOUR-12, R-DIARY-3), the class teacher's message to a class,
 * the same access over time as the rest of the diary (R-SEC-3), and guardians' acknowledgments with
 * the report of who has and has not acknowledged (R-DIARY-5) — through the real server.
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
const START = `mutation($i: MessageThreadStartInput!) { messageThreadStart(input: $i) {
  thread { id kind topic student { id } schoolClass { id } lesson { id } staff { id } } message { id body authorKind mine } ${ERR} } }`;
const SEND = `mutation($i: MessageSendInput!) { messageSend(input: $i) { message { id body authorKind mine authorGuardian { id } authorStudent { id } authorStaff { id } } ${ERR} } }`;
const READ = `mutation($i: MessageThreadReadInput!) { messageThreadRead(input: $i) { thread { id unreadCount } ${ERR} } }`;
const THREADS = `query($s: ID, $c: ID) { messageThreads(studentId: $s, classId: $c, first: 20) { nodes { id kind topic unreadCount lastMessage { body } } } }`;
const THREAD = `query($id: ID!) { node(id: $id) { ... on MessageThread { id topic unreadCount messages(first: 10) { nodes { body authorKind mine } } } } }`;
const ACK_WEEK = `mutation($i: DiaryAcknowledgeInput!) { diaryAcknowledge(input: $i) { acknowledgments { id kind weekStart acknowledgedAt student { id } guardian { id } } ${ERR} } }`;
const ACK_MARK = `mutation($i: MarkAcknowledgeInput!) { markAcknowledge(input: $i) { acknowledgments { id kind markId } ${ERR} } }`;
const ACK_MESSAGE = `mutation($i: MessageAcknowledgeInput!) { messageAcknowledge(input: $i) { acknowledgments { id kind messageId student { id } } ${ERR} } }`;
const REPORT = `query($i: AcknowledgmentsInput!) { acknowledgments(input: $i) { kind weekStart acknowledgedCount pendingCount
  rows { student { id } guardian { id fullName } hasAccount acknowledgment { id acknowledgedAt } } } }`;
const TABLES = ['message_thread', 'message', 'message_read', 'acknowledgment', 'audit_entry'];

interface Fixture {
  classId: string; subjectId: string; lessonId: string;
  classTeacher: { staffId: string; login: string; userId: string }; ct: HttpClient;
  teacher: { staffId: string; login: string; userId: string }; t: HttpClient;
  kid: Awaited<ReturnType<typeof student>>; parent: HttpClient; parentUser: { userId: string; login: string }; studentClient: HttpClient;
  classmate: Awaited<ReturnType<typeof student>>; parent2: HttpClient;
  other: { classId: string; kid: Awaited<ReturnType<typeof student>>; parent: HttpClient };
}

/**
 * A class with its class teacher and a subject teacher (a lesson today), two students each with a
 * parent account (the first also with a student account), and another class of the school with a
 * student and a parent account, which neither teacher teaches.
 */
async function fixture(): Promise<Fixture> {
  const classTeacher = await staff(app, schoolId);
  const classId = await schoolClass(app, schoolId, yearId, { grade: 6, classTeacherId: classTeacher.staffId });
  const subjectId = await subject(app, schoolId);
  const teacher = await staff(app, schoolId);
  await assignment(app, { schoolId, yearId, teacherId: teacher.staffId, subjectId, classId });
  const parentUser = await user(app, schoolId, ['PARENT']);
  const studentUser = await user(app, schoolId, ['STUDENT']);
  const kid = await student(app, schoolId, { classId, guardianUserId: parentUser.userId, studentUserId: studentUser.userId });
  const parent2User = await user(app, schoolId, ['PARENT']);
  const classmate = await student(app, schoolId, { classId, guardianUserId: parent2User.userId });
  const lessonId = gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId, teacherId: teacher.staffId, classId, date: '2025-11-25', n: 3 }));
  const otherClassId = await schoolClass(app, schoolId, yearId, { grade: 6 });
  const otherParent = await user(app, schoolId, ['PARENT']);
  const otherKid = await student(app, schoolId, { classId: otherClassId, guardianUserId: otherParent.userId });
  return {
    classId, subjectId, lessonId, classTeacher, ct: await app.as(classTeacher.login), teacher, t: await app.as(teacher.login),
    kid, parent: await app.as(parentUser.login), parentUser, studentClient: await app.as(studentUser.login),
    classmate, parent2: await app.as(parent2User.login),
    other: { classId: otherClassId, kid: otherKid, parent: await app.as(otherParent.login) },
  };
}

const S = (id: string) => gid('Student', id);
const C = (id: string) => gid('SchoolClass', id);

describe('R-JOUR-12: threads about a student', () => {
  test('R-JOUR-12: a teacher writes a recommendation on a student\'s lesson; the guardian and the student read it, both reply; unread counts follow each reader', async () => {
    const f = await fixture();
    const started = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), lessonId: f.lessonId, topic: 'Рекомендации по уроку', body: 'Повторите дроби, пожалуйста.' } });
    expect(started.messageThreadStart.userErrors).toEqual([]);
    const thread = started.messageThreadStart.thread;
    expect(thread).toMatchObject({ kind: 'STUDENT', topic: 'Рекомендации по уроку', student: { id: S(f.kid.studentId) }, lesson: { id: f.lessonId }, staff: { id: gid('Staff', f.teacher.staffId) } });
    expect(started.messageThreadStart.message).toMatchObject({ body: 'Повторите дроби, пожалуйста.', authorKind: 'STAFF', mine: true });

    // The guardian and the student each see it with one unread message; the teacher has none unread (their own).
    for (const c of [f.parent, f.studentClient]) {
      const r = await c.ok(THREADS, { s: S(f.kid.studentId) });
      expect(r.messageThreads.nodes).toEqual([{ id: thread.id, kind: 'STUDENT', topic: 'Рекомендации по уроку', unreadCount: 1, lastMessage: { body: 'Повторите дроби, пожалуйста.' } }]);
    }
    expect((await f.t.ok(THREAD, { id: thread.id })).node.unreadCount).toBe(0);
    expect((await f.parent.ok(`{ messageUnreadCount }`)).messageUnreadCount).toBe(1);

    const reply = await f.parent.ok(SEND, { i: { threadId: thread.id, body: 'Спасибо, позанимаемся.' } });
    expect(reply.messageSend.userErrors).toEqual([]);
    expect(reply.messageSend.message).toMatchObject({ authorKind: 'GUARDIAN', mine: true, authorGuardian: { id: gid('Guardian', f.kid.guardianId) }, authorStaff: null });
    const fromStudent = await f.studentClient.ok(SEND, { i: { threadId: thread.id, body: 'Я понял.' } });
    expect(fromStudent.messageSend.message).toMatchObject({ authorKind: 'STUDENT', authorStudent: { id: S(f.kid.studentId) } });

    // The teacher: two unread; reading the thread clears them for the teacher only.
    const seen = await f.t.ok(THREAD, { id: thread.id });
    expect(seen.node.unreadCount).toBe(2);
    expect(seen.node.messages.nodes.map((m: any) => [m.authorKind, m.mine])).toEqual([['STUDENT', false], ['GUARDIAN', false], ['STAFF', true]]);
    const read = await f.t.ok(READ, { i: { threadId: thread.id } });
    expect(read.messageThreadRead).toEqual({ thread: { id: thread.id, unreadCount: 0 }, userErrors: [] });
    expect((await f.parent.ok(THREAD, { id: thread.id })).node.unreadCount).toBe(2);
    expect((await f.studentClient.ok(THREAD, { id: thread.id })).node.unreadCount).toBe(2);

    // Pages of messages, the newest first.
    const page1 = await f.t.ok(`query($id: ID!) { node(id: $id) { ... on MessageThread { messages(first: 2) { nodes { body } pageInfo { hasNextPage endCursor } } } } }`, { id: thread.id });
    expect(page1.node.messages.nodes.map((m: any) => m.body)).toEqual(['Я понял.', 'Спасибо, позанимаемся.']);
    expect(page1.node.messages.pageInfo.hasNextPage).toBe(true);
    const page2 = await f.t.ok(`query($id: ID!, $a: String) { node(id: $id) { ... on MessageThread { messages(first: 2, after: $a) { nodes { body } pageInfo { hasNextPage } } } } }`,
      { id: thread.id, a: page1.node.messages.pageInfo.endCursor });
    expect(page2.node.messages).toEqual({ nodes: [{ body: 'Повторите дроби, пожалуйста.' }], pageInfo: { hasNextPage: false } });
  });

  test('R-JOUR-12, R-SEC-3: a classmate\'s parent, another teacher of the student and the analyst see nothing of the thread', async () => {
    const f = await fixture();
    const otherTeacher = await staff(app, schoolId);
    await assignment(app, { schoolId, yearId, teacherId: otherTeacher.staffId, subjectId: await subject(app, schoolId), classId: f.classId });
    const analyst = await app.as((await user(app, schoolId, ['ANALYST'])).login);
    const r = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: 'Поведение', body: 'Просьба зайти в школу.' } });
    const threadId = r.messageThreadStart.thread.id;
    const messageId = r.messageThreadStart.message.id;
    for (const c of [f.parent2, await app.as(otherTeacher.login), f.ct, analyst]) {
      const list = await c.gql(THREADS, {});
      expect(JSON.stringify(list.data ?? {})).not.toContain(threadId);
      const node = await c.gql(`query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }`, { a: threadId, b: messageId });
      expect(node.data).toEqual({ a: null, b: null });
      expect(node.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
      // Members who are not participants: NOT_FOUND, as for no such thread; the analyst is refused by role. Nothing written.
      const send = await expectUnchanged(app, TABLES, () => c.gql(SEND, { i: { threadId, body: 'чужое' } }));
      expect({ data: send.data ?? null, code: send.errors?.[0]?.extensions?.code }).toEqual({ data: null, code: c === analyst ? 'FORBIDDEN' : 'NOT_FOUND' });
    }
    expect((await analyst.gql(THREADS, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('R-JOUR-12: a guardian writes to a teacher of their child, who answers; to a staff member who does not teach the child: NOT_PARTICIPANT, nothing written', async () => {
    const f = await fixture();
    const stranger = await staff(app, schoolId);
    const refused = await expectUnchanged(app, TABLES, () => f.parent.ok(START, {
      i: { studentId: S(f.kid.studentId), teacherId: gid('Staff', stranger.staffId), topic: 'Вопрос', body: 'Здравствуйте!' } }));
    expect(refused.messageThreadStart).toEqual({ thread: null, message: null, userErrors: [{ code: 'NOT_PARTICIPANT', field: ['input', 'teacherId'], message: expect.any(String) }] });

    const ok = await f.parent.ok(START, { i: { studentId: S(f.kid.studentId), teacherId: gid('Staff', f.teacher.staffId), topic: 'Вопрос', body: 'Какие задачи решать?' } });
    expect(ok.messageThreadStart.userErrors).toEqual([]);
    expect(ok.messageThreadStart.message.authorKind).toBe('GUARDIAN');
    const threadId = ok.messageThreadStart.thread.id;
    const answer = await f.t.ok(SEND, { i: { threadId, body: '№ 312–315.' } });
    expect(answer.messageSend.message.authorKind).toBe('STAFF');
    expect((await f.parent.ok(THREAD, { id: threadId })).node.messages.nodes.map((m: any) => m.body)).toEqual(['№ 312–315.', 'Какие задачи решать?']);
    // The student is a participant too (both may correspond).
    expect((await f.studentClient.ok(THREAD, { id: threadId })).node.messages.nodes).toHaveLength(2);
  });
});

describe('CONVENTIONS: a list of threads with their messages', () => {
  test('R-JOUR-12, CONVENTIONS: reading 2 or 6 threads with their messages costs the same statements; pages follow their cursors, per thread', async () => {
    const f = await fixture();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: `Тема ${i}`, body: `Первое ${i}` } });
      ids.push(t.messageThreadStart.thread.id);
      for (let k = 0; k < 3; k++) await f.parent.ok(SEND, { i: { threadId: t.messageThreadStart.thread.id, body: `Ответ ${i}.${k}` } });
    }
    const LIST = `query($n: Int!) { messageThreads(first: $n) { nodes { id topic messages(first: 2) { nodes { body } pageInfo { hasNextPage endCursor } } } } }`;
    let two: any;
    let six: any;
    const nTwo = await countQueries(app, async () => { two = await f.parent.ok(LIST, { n: 2 }); });
    const nSix = await countQueries(app, async () => { six = await f.parent.ok(LIST, { n: 6 }); });
    expect(two.messageThreads.nodes).toHaveLength(2);
    expect(six.messageThreads.nodes).toHaveLength(6);
    expect(nSix).toBe(nTwo);
    // Each thread its own newest two, and the next page from its own cursor.
    const newest = six.messageThreads.nodes.find((t: any) => t.id === ids[3]).messages;
    expect(newest).toEqual({ nodes: [{ body: 'Ответ 3.2' }, { body: 'Ответ 3.1' }], pageInfo: { hasNextPage: true, endCursor: expect.any(String) } });
    const next = await f.parent.ok(`query($id: ID!, $a: String) { node(id: $id) { ... on MessageThread { messages(first: 5, after: $a) { nodes { body } pageInfo { hasNextPage } } } } }`,
      { id: ids[3], a: newest.pageInfo.endCursor });
    expect(next.node.messages).toEqual({ nodes: [{ body: 'Ответ 3.0' }, { body: 'Первое 3' }], pageInfo: { hasNextPage: false } });
    // A cursor that is not one of ours is refused, not sent to the database.
    const bad = Buffer.from(JSON.stringify(['x|y', 'z'])).toString('base64url');
    expect((await f.parent.gql(`query($id: ID!, $a: String) { node(id: $id) { ... on MessageThread { messages(first: 5, after: $a) { nodes { body } } } } }`,
      { id: ids[3], a: bad })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('R-JOUR-12: refused input writes nothing', () => {
  test('R-JOUR-12: a message to a guardian of another class is refused (NOT_FOUND for its student, NOT_CLASS_TEACHER for its class), nothing written', async () => {
    const f = await fixture();
    // The subject teacher does not teach the other class's student: the student does not exist for them.
    const toStudent = await expectUnchanged(app, TABLES, () => f.t.gql(START, { i: { studentId: S(f.other.kid.studentId), topic: 'Тема', body: 'Текст' } }));
    expect(toStudent.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(toStudent.data?.messageThreadStart ?? null).toBeNull();
    // The class teacher of one class writes to all guardians of another.
    const toClass = await expectUnchanged(app, TABLES, () => f.ct.ok(START, { i: { classId: C(f.other.classId), topic: 'Собрание', body: 'Родительское собрание в пятницу.' } }));
    expect(toClass.messageThreadStart).toEqual({ thread: null, message: null, userErrors: [{ code: 'NOT_CLASS_TEACHER', field: ['input', 'classId'], message: expect.stringContaining('class teacher') }] });
    // A subject teacher is not the class teacher of their class either.
    const notLead = await expectUnchanged(app, TABLES, () => f.t.ok(START, { i: { classId: C(f.classId), topic: 'Собрание', body: 'Текст' } }));
    expect(notLead.messageThreadStart.userErrors.map((e: any) => e.code)).toEqual(['NOT_CLASS_TEACHER']);
    // The other class's parent reads nothing new.
    expect((await f.other.parent.ok(THREADS, {})).messageThreads.nodes).toEqual([]);
  });

  test('R-SEC-4, R-JOUR-12: no message about a student without consent — a new thread and a reply are refused with NO_CONSENT, nothing written', async () => {
    const f = await fixture();
    const started = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: 'До отзыва', body: 'Текст' } });
    expect(started.messageThreadStart.userErrors).toEqual([]);
    await app.sql(`update student set consent_status = 'WITHDRAWN' where id = $1`, [f.kid.studentId]);
    const fresh = await expectUnchanged(app, TABLES, () => f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: 'После отзыва', body: 'Текст' } }));
    expect(fresh.messageThreadStart).toEqual({ thread: null, message: null, userErrors: [{ code: 'NO_CONSENT', field: ['input', 'studentId'], message: expect.stringContaining('consent') }] });
    const reply = await expectUnchanged(app, TABLES, () => f.parent.ok(SEND, { i: { threadId: started.messageThreadStart.thread.id, body: 'Ответ после отзыва' } }));
    expect(reply.messageSend).toEqual({ message: null, userErrors: [{ code: 'NO_CONSENT', field: ['input', 'threadId'], message: expect.stringContaining('consent') }] });
    // With consent given again, the thread goes on.
    await app.sql(`update student set consent_status = 'GIVEN' where id = $1`, [f.kid.studentId]);
    expect((await f.parent.ok(SEND, { i: { threadId: started.messageThreadStart.thread.id, body: 'Ответ' } })).messageSend.userErrors).toEqual([]);
  });

  test('R-JOUR-12: empty or over-long text, a lesson the teacher does not conduct or without the student: userErrors, nothing written', async () => {
    const f = await fixture();
    const bad = await expectUnchanged(app, TABLES, () => f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: '  ', body: 'x'.repeat(4001) } }));
    expect(bad.messageThreadStart.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['REQUIRED', 'input.topic'], ['TOO_LONG', 'input.body']]);
    // A lesson of the class conducted by someone else.
    const otherLesson = gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId: f.subjectId, teacherId: f.classTeacher.staffId, classId: f.classId, date: '2025-11-25', n: 5 }));
    const notMine = await expectUnchanged(app, TABLES, () => f.t.ok(START, { i: { studentId: S(f.kid.studentId), lessonId: otherLesson, topic: 'Урок', body: 'Текст' } }));
    expect(notMine.messageThreadStart.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['NOT_TEACHER', 'input.lessonId']]);
    // A lesson of the teacher for a student who is not in it: the deputy sees every student, but the lesson is not theirs either.
    const outsider = await student(app, schoolId, { classId: f.other.classId });
    await assignment(app, { schoolId, yearId, teacherId: f.teacher.staffId, subjectId: f.subjectId, classId: f.other.classId });
    const notIn = await expectUnchanged(app, TABLES, () => f.t.ok(START, { i: { studentId: S(outsider.studentId), lessonId: f.lessonId, topic: 'Урок', body: 'Текст' } }));
    expect(notIn.messageThreadStart.userErrors.map((e: any) => [e.code, e.field.join('.')])).toEqual([['NOT_IN_LESSON', 'input.lessonId']]);
    // A reply of nothing.
    const t = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: 'Тема', body: 'Текст' } });
    const empty = await expectUnchanged(app, TABLES, () => f.parent.ok(SEND, { i: { threadId: t.messageThreadStart.thread.id, body: '   ' } }));
    expect(empty.messageSend.userErrors.map((e: any) => e.code)).toEqual(['REQUIRED']);
    // Neither or both of studentId and classId.
    const neither = await f.t.gql(START, { i: { topic: 'Тема', body: 'Текст' } });
    expect(neither.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('R-JOUR-12: the class teacher writes to all guardians of the class', () => {
  test('R-JOUR-12: every guardian of the class reads it, not the students nor another class\'s guardians; guardians do not reply (REPLIES_CLOSED) but acknowledge', async () => {
    const f = await fixture();
    const r = await f.ct.ok(START, { i: { classId: C(f.classId), topic: 'Родительское собрание', body: 'Собрание в пятницу в 18:00.' } });
    expect(r.messageThreadStart.userErrors).toEqual([]);
    const threadId = r.messageThreadStart.thread.id;
    expect(r.messageThreadStart.thread).toMatchObject({ kind: 'CLASS', schoolClass: { id: C(f.classId) }, student: null });
    for (const c of [f.parent, f.parent2]) {
      expect((await c.ok(THREADS, { c: C(f.classId) })).messageThreads.nodes.map((t: any) => [t.id, t.unreadCount])).toEqual([[threadId, 1]]);
    }
    for (const c of [f.studentClient, f.other.parent]) expect((await c.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: threadId })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const reply = await expectUnchanged(app, TABLES, () => f.parent.ok(SEND, { i: { threadId, body: 'Придём.' } }));
    expect(reply.messageSend.userErrors.map((e: any) => e.code)).toEqual(['REPLIES_CLOSED']);
    // The class teacher adds to it.
    expect((await f.ct.ok(SEND, { i: { threadId, body: 'Кабинет 12.' } })).messageSend.userErrors).toEqual([]);

    const ack = await f.parent.ok(ACK_MESSAGE, { i: { messageId: r.messageThreadStart.message.id } });
    expect(ack.messageAcknowledge.userErrors).toEqual([]);
    expect(ack.messageAcknowledge.acknowledgments).toEqual([{ id: expect.any(String), kind: 'MESSAGE', messageId: r.messageThreadStart.message.id, student: { id: S(f.kid.studentId) } }]);
    const report = await f.ct.ok(REPORT, { i: { messageId: r.messageThreadStart.message.id } });
    expect(report.acknowledgments).toMatchObject({ kind: 'MESSAGE', acknowledgedCount: 1, pendingCount: 1 });
    const byStudent = Object.fromEntries(report.acknowledgments.rows.map((row: any) => [row.student.id, !!row.acknowledgment]));
    expect(byStudent).toEqual({ [S(f.kid.studentId)]: true, [S(f.classmate.studentId)]: false });
  });
});

describe('R-SEC-3: access to threads over time', () => {
  test('R-SEC-3, R-JOUR-12: a removed guardian link, a teacher no longer teaching the student, a student who left lose the thread; a new guardian gets it', async () => {
    const f = await fixture();
    const r = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: 'Успеваемость', body: 'Есть вопросы по контрольной.' } });
    const threadId = r.messageThreadStart.thread.id;
    const sees = async (c: HttpClient) => (await c.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: threadId })).data?.node != null;
    expect(await sees(f.parent)).toBe(true);

    // A new guardian linked today takes part from now on.
    const stepUser = await user(app, schoolId, ['PARENT']);
    const step = await app.as(stepUser.login);
    expect(await sees(step)).toBe(false);
    await linkGuardian(app, f.kid.studentId, await guardian(app, schoolId, { lastName: 'Отчимов', userId: stepUser.userId }), 'GUARDIAN');
    expect(await sees(step)).toBe(true);

    // The first guardian's link is removed: the thread is gone for them, and they cannot write in it.
    await app.sql(`update student_guardian set removed_at = now() where guardian_id = $1`, [f.kid.guardianId]);
    expect(await sees(f.parent)).toBe(false);
    expect((await f.parent.gql(SEND, { i: { threadId, body: 'Ещё вопрос' } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await f.parent.ok(THREADS, {})).messageThreads.nodes).toEqual([]);

    // The teacher's assignment is limited to the first quarter, which ended before today: they no longer teach the student.
    expect(await sees(f.t)).toBe(true);
    const ended = await app.sql(`update teaching_assignment ta set period_id = (select p.id from study_period p
        where p.academic_year_id = ta.academic_year_id and p.end_date < '2025-11-25' and 6 = any(p.grades) order by p.end_date limit 1)
      where ta.teacher_id = $1 returning period_id`, [f.teacher.staffId]);
    expect(ended[0].period_id).not.toBeNull();
    expect(await sees(f.t)).toBe(false);
    expect((await f.t.gql(SEND, { i: { threadId, body: 'Ответ' } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // The student leaves the school: their own and their guardians' access ends after the last day.
    expect(await sees(f.studentClient)).toBe(true);
    await app.sql(`update student set left_on = '2025-11-24' where id = $1`, [f.kid.studentId]);
    expect(await sees(f.studentClient)).toBe(false);
    expect(await sees(step)).toBe(false);
  });
});

describe('R-DIARY-5: acknowledgments', () => {
  test('R-DIARY-5: a guardian acknowledges a week of the diary once; the class teacher and the deputy see who has and has not; a subject teacher may not', async () => {
    const f = await fixture();
    const input = { studentId: S(f.kid.studentId), week: '2025-11-26' };
    const first = await f.parent.ok(ACK_WEEK, { i: input });
    expect(first.diaryAcknowledge.userErrors).toEqual([]);
    expect(first.diaryAcknowledge.acknowledgments).toEqual([{
      id: expect.any(String), kind: 'DIARY_WEEK', weekStart: '2025-11-24', acknowledgedAt: expect.any(String),
      student: { id: S(f.kid.studentId) }, guardian: { id: gid('Guardian', f.kid.guardianId) },
    }]);
    // Again (another day of the same week): the same acknowledgment, nothing written.
    const again = await expectUnchanged(app, TABLES, () => f.parent.ok(ACK_WEEK, { i: { ...input, week: '2025-11-24' } }));
    expect(again.diaryAcknowledge.acknowledgments.map((a: any) => a.id)).toEqual([first.diaryAcknowledge.acknowledgments[0].id]);

    for (const c of [f.ct, await app.as('deputy')]) {
      const r = await c.ok(REPORT, { i: { classId: C(f.classId), week: '2025-11-27' } });
      expect(r.acknowledgments).toMatchObject({ kind: 'DIARY_WEEK', weekStart: '2025-11-24', acknowledgedCount: 1, pendingCount: 1 });
      expect(r.acknowledgments.rows.map((row: any) => [row.student.id, row.guardian.id, row.hasAccount, row.acknowledgment?.id ?? null]).sort()).toEqual([
        [S(f.kid.studentId), gid('Guardian', f.kid.guardianId), true, first.diaryAcknowledge.acknowledgments[0].id],
        [S(f.classmate.studentId), gid('Guardian', f.classmate.guardianId), true, null],
      ].sort());
      // The class teacher and the deputy read the guardians' names (R-ROLE-5).
      expect(JSON.stringify(r)).toContain(f.kid.pd.guardianLastName);
    }
    expect((await f.t.gql(REPORT, { i: { classId: C(f.classId), week: '2025-11-27' } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await f.ct.gql(REPORT, { i: { classId: C(f.other.classId), week: '2025-11-27' } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('R-DIARY-5, R-JOUR-12: the same acknowledgment and read receipt sent at once from several devices: every answer is the one row, written once, audited once', async () => {
    const f = await fixture();
    const input = { studentId: S(f.kid.studentId), week: '2025-11-25' };
    const [{ n: auditBefore }] = await app.sql(`select count(*)::int as n from audit_entry where entity_type = 'Acknowledgment'`);
    const answers = await Promise.all(Array.from({ length: 6 }, () => f.parent.ok(ACK_WEEK, { i: input })));
    for (const a of answers) expect(a.diaryAcknowledge.userErrors).toEqual([]);
    const ids = new Set(answers.map((a) => a.diaryAcknowledge.acknowledgments.map((x: any) => x.id).join()));
    expect(ids.size).toBe(1);
    const rows = await app.sql(`select id from acknowledgment where student_id = $1 and kind = 'DIARY_WEEK'`, [f.kid.studentId]);
    expect(rows.map((r) => gid('Acknowledgment', r.id))).toEqual([...ids]);
    const [{ n: auditAfter }] = await app.sql(`select count(*)::int as n from audit_entry where entity_type = 'Acknowledgment'`);
    expect(auditAfter - auditBefore).toBe(1);
    // Read receipts: the first read of a thread from several devices at once.
    const thread = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), lessonId: f.lessonId, topic: 'Одновременно', body: 'Текст' } });
    const threadId = thread.messageThreadStart.thread.id;
    const reads = await Promise.all(Array.from({ length: 6 }, () => f.parent.ok(READ, { i: { threadId } })));
    for (const r of reads) expect(r.messageThreadRead).toEqual({ thread: { id: threadId, unreadCount: 0 }, userErrors: [] });
    const raw = Buffer.from(threadId, 'base64url').toString('utf8').split(':')[1];
    expect(await app.sql(`select 1 from message_read where user_id = $1 and thread_id = $2`, [f.parentUser.userId, raw])).toHaveLength(1);
  });

  test('R-DIARY-5: refused acknowledgments write nothing — a week not begun, another family\'s child, the student, one\'s own message', async () => {
    const f = await fixture();
    const future = await expectUnchanged(app, TABLES, () => f.parent.ok(ACK_WEEK, { i: { studentId: S(f.kid.studentId), week: '2025-12-01' } }));
    expect(future.diaryAcknowledge).toEqual({ acknowledgments: [], userErrors: [{ code: 'DATE_INVALID', field: ['input', 'week'], message: expect.any(String) }] });
    const notMine = await expectUnchanged(app, TABLES, () => f.parent.gql(ACK_WEEK, { i: { studentId: S(f.classmate.studentId), week: '2025-11-24' } }));
    expect(notMine.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const byStudent = await expectUnchanged(app, TABLES, () => f.studentClient.gql(ACK_WEEK, { i: { studentId: S(f.kid.studentId), week: '2025-11-24' } }));
    expect(byStudent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const own = await f.parent.ok(START, { i: { studentId: S(f.kid.studentId), teacherId: gid('Staff', f.teacher.staffId), topic: 'Вопрос', body: 'Текст' } });
    const ownAck = await expectUnchanged(app, TABLES, () => f.parent.ok(ACK_MESSAGE, { i: { messageId: own.messageThreadStart.message.id } }));
    expect(ownAck.messageAcknowledge.userErrors.map((e: any) => e.code)).toEqual(['INVALID']);
  });

  test('R-DIARY-5: a guardian acknowledges a mark; the teacher who posted it and the class teacher see it in the mark\'s report', async () => {
    const f = await fixture();
    const [w] = await app.sql(`select id from work_type where school_id = $1 and name = 'Ответ на уроке'`, [schoolId]);
    const post = await f.t.ok(`mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { id } ${ERR} } }`,
      { i: { lessonId: f.lessonId, marks: [{ studentId: S(f.kid.studentId), workTypeId: gid('WorkType', w.id), value: '5' }] } });
    const markId = post.marksPost.marks[0].id;
    const ack = await f.parent.ok(ACK_MARK, { i: { markId } });
    expect(ack.markAcknowledge).toEqual({ acknowledgments: [{ id: expect.any(String), kind: 'MARK', markId }], userErrors: [] });
    expect((await f.parent2.gql(ACK_MARK, { i: { markId } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    for (const c of [f.t, f.ct]) {
      const r = await c.ok(REPORT, { i: { markId } });
      expect(r.acknowledgments).toMatchObject({ kind: 'MARK', acknowledgedCount: 1, pendingCount: 0 });
    }
    // The teacher who posted it reads the report while they teach the student (as of today), not after.
    await app.sql(`update teaching_assignment set teacher_id = $1 where teacher_id = $2`, [(await staff(app, schoolId)).staffId, f.teacher.staffId]);
    const after = await f.t.gql(REPORT, { i: { markId } });
    expect({ data: after.data ?? null, code: after.errors?.[0]?.extensions?.code }).toEqual({ data: null, code: 'FORBIDDEN' });
    // R-JOUR-10: deleting the mark deletes its acknowledgment with an audit entry, not silently.
    const ackId = Buffer.from(ack.markAcknowledge.acknowledgments[0].id, 'base64url').toString().split(':')[1];
    await f.t.ok(`mutation($i: MarkDeleteInput!) { markDelete(input: $i) { deletedMarkId ${ERR} } }`, { i: { markId } });
    expect(await app.sql(`select count(*)::int as n from acknowledgment where id = $1`, [ackId])).toEqual([{ n: 0 }]);
    expect((await app.sql(`select action from audit_entry where entity_type = 'Acknowledgment' and entity_id = $1 order by seq`, [ackId])).map((r: any) => r.action))
      .toEqual(['CREATE', 'DELETE']);
  });
});

describe('R-DIARY-3: live delivery', () => {
  test('R-DIARY-3, R-JOUR-12: a message reaches the thread\'s participants live (the guardian\'s diary stream, the teacher\'s teacherEvents), not another teacher of the same student; an acknowledgment reaches the class teacher', async () => {
    const f = await fixture();
    const otherTeacher = await staff(app, schoolId);
    await assignment(app, { schoolId, yearId, teacherId: otherTeacher.staffId, subjectId: await subject(app, schoolId), classId: f.classId });
    const other = await app.as(otherTeacher.login);
    const DIARY = `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { kind ... on MessagePostedEvent { threadId message { body authorKind } }
      ... on AcknowledgedEvent { acknowledgment { kind weekStart guardian { id } } } } }`;
    const TEACHER = `subscription { teacherEvents { kind ... on MessagePostedEvent { threadId message { body } } ... on AcknowledgedEvent { acknowledgment { kind } } } }`;
    const parentLive = await collectLive(app.server.events, app.ws(f.parent.token), DIARY, { s: S(f.kid.studentId) });
    const otherLive = await collectLive(app.server.events, app.ws(other.token), DIARY, { s: S(f.kid.studentId) });
    const teacherLive = await collectLive(app.server.events, app.ws(f.t.token), TEACHER);
    const ctLive = await collectLive(app.server.events, app.ws(f.ct.token), TEACHER);
    try {
      const r = await f.t.ok(START, { i: { studentId: S(f.kid.studentId), topic: 'Домашняя работа', body: 'Не сдана тетрадь.' } });
      const threadId = r.messageThreadStart.thread.id;
      await f.parent.ok(SEND, { i: { threadId, body: 'Завтра принесём.' } });
      await f.parent.ok(ACK_WEEK, { i: { studentId: S(f.kid.studentId), week: '2025-11-24' } });
      const messageAck = await f.parent.ok(ACK_MESSAGE, { i: { messageId: r.messageThreadStart.message.id } });
      await app.server.events.flush();
      const kinds = (l: typeof parentLive) => l.data.map((d: any) => (d.diaryEvents ?? d.teacherEvents).kind);
      await parentLive.until((l) => kinds(l).length >= 4);
      await teacherLive.until((l) => kinds(l).length >= 2);
      await ctLive.until((l) => kinds(l).includes('ACKNOWLEDGED'));
      expect(parentLive.data.map((d: any) => d.diaryEvents)).toEqual([
        { kind: 'MESSAGE_POSTED', threadId, message: { body: 'Не сдана тетрадь.', authorKind: 'STAFF' } },
        { kind: 'MESSAGE_POSTED', threadId, message: { body: 'Завтра принесём.', authorKind: 'GUARDIAN' } },
        { kind: 'ACKNOWLEDGED', acknowledgment: { kind: 'DIARY_WEEK', weekStart: '2025-11-24', guardian: { id: gid('Guardian', f.kid.guardianId) } } },
        { kind: 'ACKNOWLEDGED', acknowledgment: { kind: 'MESSAGE', weekStart: null, guardian: { id: gid('Guardian', f.kid.guardianId) } } },
      ]);
      expect(teacherLive.data.map((d: any) => d.teacherEvents)).toEqual([
        { kind: 'MESSAGE_POSTED', threadId, message: { body: 'Не сдана тетрадь.' } },
        { kind: 'MESSAGE_POSTED', threadId, message: { body: 'Завтра принесём.' } },
      ]);
      expect(ctLive.data.map((d: any) => d.teacherEvents)).toEqual([{ kind: 'ACKNOWLEDGED', acknowledgment: { kind: 'DIARY_WEEK' } }]);
      // Another teacher of the student, on the same diary stream: the week's acknowledgment, but neither a
      // message of a thread they are not in nor its acknowledgment — not over HTTP either.
      await otherLive.until((l) => kinds(l).includes('ACKNOWLEDGED'));
      await new Promise((res) => setTimeout(res, 400));
      expect(otherLive.data.map((d: any) => d.diaryEvents)).toEqual([{ kind: 'ACKNOWLEDGED', acknowledgment: { kind: 'DIARY_WEEK', weekStart: '2025-11-24', guardian: { id: gid('Guardian', f.kid.guardianId) } } }]);
      const ackNode = `query($id: ID!) { node(id: $id) { id } }`;
      expect((await other.gql(ackNode, { id: messageAck.messageAcknowledge.acknowledgments[0].id })).data?.node ?? null).toBeNull();
      expect((await f.parent.ok(ackNode, { id: messageAck.messageAcknowledge.acknowledgments[0].id })).node).toEqual({ id: messageAck.messageAcknowledge.acknowledgments[0].id });
      expect(parentLive.errors).toEqual([]);

      // Replayed from a cursor after a reconnect: the same limits (the other teacher again gets no message).
      const [{ seq }] = await app.sql(`select min(seq)::int - 1 as seq from outbox_event where kind = 'MESSAGE_POSTED' and details->>'threadId' = $1`, [threadId]);
      const parentAgain = await collectLive(app.server.events, app.ws(f.parent.token), DIARY, { s: S(f.kid.studentId), after: String(seq) });
      const otherAgain = await collectLive(app.server.events, app.ws(other.token), DIARY, { s: S(f.kid.studentId), after: String(seq) });
      try {
        await parentAgain.until((l) => kinds(l).length >= 4);
        await otherAgain.until((l) => kinds(l).includes('ACKNOWLEDGED'));
        await new Promise((res) => setTimeout(res, 400));
        expect(kinds(parentAgain)).toEqual(['MESSAGE_POSTED', 'MESSAGE_POSTED', 'ACKNOWLEDGED', 'ACKNOWLEDGED']);
        expect(kinds(otherAgain)).toEqual(['ACKNOWLEDGED']);
      } finally {
        parentAgain.unsubscribe();
        otherAgain.unsubscribe();
      }
    } finally {
      for (const l of [parentLive, otherLive, teacherLive, ctLive]) l.unsubscribe();
    }
  });
});
