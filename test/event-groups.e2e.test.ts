import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { collectLive, Received } from './helpers/live';
import { insertLesson } from './helpers/db';
import { assignment, demo, gid, guardianAccount, schoolClass, staff, student, subject, user } from './helpers/factories';

/**
 * Issue 10 §3, R-SEC-3, R-DIARY-3: an event's selection is executed once per group of subscribers
 * that provably receive the same bytes (same selection, stream, rights and access decision), and
 * per subscriber where the execution asks who the viewer is. Either way, each subscriber gets
 * exactly what the same query over HTTP gives them.
 *
 * The people: two parents with the same rights (guardians of X only), a third parent who is also
 * the guardian of X's classmate Y, and two administrators.
 */
let app: TestApp;
let deputy: HttpClient;
let schoolId: string;
let yearId: string;
let lessonId: string;
let x: { studentId: string; pd: { lastName: string } };
let y: { studentId: string; pd: { lastName: string; guardianPhone: string } };
const viewers: Record<string, HttpClient> = {};
const PARENTS = ['parentOfX1', 'parentOfX2', 'parentOfXY'];
const ADMINS = ['admin1', 'admin2'];

/** What the README shows (no identity read), with a field only the administration may read. */
const LESSON_FIELDS = 'id status date lessonNumber subject { name } conductingTeacher { fullName user { login } }';
/** The class's students: a parent sees only their own children in it, so the result depends on who asks. */
const CLASS_FIELDS = 'id schoolClass { name studentCount students { id fullName } }';
const diary = (fields: string) => `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) {
  cursor kind ... on LessonCancelledEvent { lesson { ${fields} } } ... on LessonRestoredEvent { lesson { ${fields} } } } }`;

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '200' });
  ({ schoolId, yearId } = await demo(app));
  deputy = await app.as('deputy');
  const classId = await schoolClass(app, schoolId, yearId);
  const subjectId = await subject(app, schoolId);
  const teacher = await staff(app, schoolId);
  await assignment(app, { schoolId, yearId, teacherId: teacher.staffId, subjectId, classId });
  const parents: Record<string, { userId: string; login: string }> = {};
  for (const name of PARENTS) parents[name] = await user(app, schoolId, ['PARENT']);
  for (const name of ADMINS) viewers[name] = await app.as((await user(app, schoolId, ['ADMIN'])).login);
  x = await student(app, schoolId, { classId, guardianUserId: parents.parentOfX1.userId });
  y = await student(app, schoolId, { classId, guardianUserId: parents.parentOfXY.userId });
  await guardianAccount(app, schoolId, x.studentId, parents.parentOfX2.login);
  await guardianAccount(app, schoolId, x.studentId, parents.parentOfXY.login);
  for (const name of PARENTS) viewers[name] = await app.as(parents[name].login);
  lessonId = await insertLesson(app, { schoolId, yearId, subjectId, teacherId: teacher.staffId, classId, date: '2025-11-28', n: 2 });
});
afterAll(async () => {
  await app?.stop();
});

/** Everyone subscribes to X's diary with `query`, each with a different `after`-free start; then `change` runs. */
async function deliver(query: string, kind: string, change: () => Promise<unknown>) {
  const names = [...PARENTS, ...ADMINS];
  const streams: Record<string, Received> = {};
  for (const name of names) streams[name] = await collectLive(app.server.events, app.ws(viewers[name].token), query, { s: gid('Student', x.studentId) });
  const before = app.server.events.stats;
  await change();
  await app.server.events.flush();
  for (const name of names) await streams[name].until((r) => r.data.some((d) => d.diaryEvents.kind === kind) || r.errors.length > 0);
  const after = app.server.events.stats;
  const got: Record<string, { lesson: unknown; errors: unknown[] }> = {};
  for (const name of names) {
    const event = streams[name].data.find((d) => d.diaryEvents.kind === kind).diaryEvents;
    got[name] = { lesson: event.lesson, errors: streams[name].errors.map((e) => ({ code: e.extensions?.code, path: e.path.slice(2) })) };
    streams[name].unsubscribe();
  }
  return { got, executions: { group: after.groupExecutions - before.groupExecutions, member: after.memberExecutions - before.memberExecutions } };
}

/** The lesson as `node(id)` gives it to `name` over HTTP, with its field errors by code and path. */
async function overHttp(name: string, fields: string) {
  const r = await viewers[name].gql(`query($id: ID!) { node(id: $id) { ... on Lesson { ${fields} } } }`, { id: gid('Lesson', lessonId) });
  return { lesson: r.data?.node ?? null, errors: (r.errors ?? []).map((e) => ({ code: e.extensions?.code, path: (e.path ?? []).slice(1) })) };
}

const mutate = (doc: string, i: Record<string, unknown>) => deputy.ok(doc, { i }).then((d) => {
  expect((Object.values(d)[0] as { userErrors: unknown[] }).userErrors).toEqual([]);
});

describe('issue 10 §3: one execution per group that receives the same bytes', () => {
  test('issue 10 §3, R-SEC-3: the README selection runs once for the three parents and once for the two administrators; each gets exactly its HTTP view, and the groups differ by rights', async () => {
    const { got, executions } = await deliver(diary(LESSON_FIELDS), 'LESSON_CANCELLED', () =>
      mutate('mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { userErrors { code } } }', { lessonId: gid('Lesson', lessonId), reason: 'карантин' }));
    expect(executions).toEqual({ group: 2, member: 0 });
    for (const name of [...PARENTS, ...ADMINS]) expect({ name, ...got[name] }).toEqual({ name, ...(await overHttp(name, LESSON_FIELDS)) });
    // The parents' group and the administrators' group got different payloads: the teacher's login is the administration's only.
    expect(JSON.stringify(got.admin1)).toContain('"login"');
    expect(got.parentOfX1.errors).toEqual([{ code: 'FORBIDDEN', path: ['conductingTeacher', 'user'] }]);
    expect(got.parentOfX1).toEqual(got.parentOfX2);
    expect(got.parentOfX1).toEqual(got.parentOfXY);
    expect(got.admin1).toEqual(got.admin2);
    expect(got.admin1).not.toEqual(got.parentOfX1);
  });

  test('issue 10 §3, R-SEC-3: a selection whose result depends on who asks (the class\'s students) is executed per subscriber: parents with equal roles get different payloads, each its HTTP view', async () => {
    const { got, executions } = await deliver(diary(CLASS_FIELDS), 'LESSON_RESTORED', () =>
      mutate('mutation($i: LessonRestoreInput!) { lessonRestore(input: $i) { userErrors { code } } }', { lessonId: gid('Lesson', lessonId) }));
    // The group executions asked who the viewer is: thrown away, every subscriber executed on their own.
    expect(executions.member).toBe(5);
    expect(executions.group).toBeLessThanOrEqual(2);
    for (const name of [...PARENTS, ...ADMINS]) expect({ name, ...got[name] }).toEqual({ name, ...(await overHttp(name, CLASS_FIELDS)) });
    const text = (name: string) => JSON.stringify(got[name]);
    expect(text('parentOfXY')).toContain(y.pd.lastName);
    expect(text('parentOfXY')).toContain(x.pd.lastName);
    for (const name of ['parentOfX1', 'parentOfX2']) {
      expect(text(name)).toContain(x.pd.lastName);
      expect(text(name)).not.toContain(y.pd.lastName);
      expect(text(name)).not.toContain(y.pd.guardianPhone);
    }
    expect(text('admin1')).toContain(y.pd.lastName);
  });

  test('issue 10 §3, R-SEC-3: streams of different students share one execution when it reads neither whose stream nor who asks; selecting `studentId` splits them, each stream its own student', async () => {
    const X = gid('Student', x.studentId);
    const Y = gid('Student', y.studentId);
    const subscribe = async (fields: string, extra: string) => {
      const query = `subscription($s: ID!) { diaryEvents(studentId: $s) { kind ${extra} ... on LessonCancelledEvent { lesson { ${fields} } } ... on LessonRestoredEvent { lesson { ${fields} } } } }`;
      const who: [string, string][] = [['parentOfX1', X], ['parentOfX2', X], ['parentOfXY', Y], ['admin1', X], ['admin2', Y]];
      // One at a time: collectLive waits for the hub's count of registrations to move.
      const subs: { name: string; s: string; stream: Received }[] = [];
      for (const [name, s] of who) subs.push({ name, s, stream: await collectLive(app.server.events, app.ws(viewers[name].token), query, { s }) });
      return subs;
    };
    const run = async (subs: Awaited<ReturnType<typeof subscribe>>, kind: string, change: () => Promise<unknown>) => {
      const before = app.server.events.stats;
      await change();
      await app.server.events.flush();
      for (const { stream } of subs) await stream.until((r) => r.data.some((d) => d.diaryEvents.kind === kind) || r.errors.length > 0);
      const after = app.server.events.stats;
      const got = Object.fromEntries(subs.map(({ name, stream }) => [name, stream.data.find((d) => d.diaryEvents.kind === kind).diaryEvents]));
      for (const { stream } of subs) stream.unsubscribe();
      return { got, shared: after.sharedExecutions - before.sharedExecutions, group: after.groupExecutions - before.groupExecutions };
    };

    // Without studentId: one execution for the parents and one for the administrators, on whichever
    // stream comes first; the other stream's parent and administrator reuse them (same rights, same decision).
    const cancel = await run(await subscribe(LESSON_FIELDS, ''), 'LESSON_CANCELLED', () =>
      mutate('mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { userErrors { code } } }', { lessonId: gid('Lesson', lessonId), reason: 'снова карантин' }));
    expect(cancel.group).toBe(2);
    expect(cancel.shared).toBe(2);
    for (const name of [...PARENTS, ...ADMINS]) expect({ name, lesson: cancel.got[name].lesson }).toEqual({ name, lesson: (await overHttp(name, LESSON_FIELDS)).lesson });
    expect(cancel.got.parentOfXY).toEqual(cancel.got.parentOfX1);
    expect(cancel.got.admin2).not.toEqual(cancel.got.parentOfXY);

    // With studentId: the parents' execution read the stream, so nothing is shared; each stream names its own student.
    const restore = await run(await subscribe(LESSON_FIELDS, 'studentId'), 'LESSON_RESTORED', () =>
      mutate('mutation($i: LessonRestoreInput!) { lessonRestore(input: $i) { userErrors { code } } }', { lessonId: gid('Lesson', lessonId) }));
    expect(restore.shared).toBe(0);
    expect([restore.got.parentOfX1.studentId, restore.got.parentOfX2.studentId, restore.got.parentOfXY.studentId, restore.got.admin1.studentId, restore.got.admin2.studentId])
      .toEqual([X, X, Y, X, Y]);
  });
});
