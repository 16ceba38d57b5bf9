import { startTestApp, TestApp, HttpClient, onClosed } from './helpers/app';
import { collect, collectLive, commitEvent } from './helpers/live';
import { insertLesson as insertLessonRow } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { initOrm } from '../src/db/orm';
import { startServer } from '../src/server';
import type { AppServer } from '../src/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

/**
 * R-DIARY-3: live delivery through graphql-ws — durable (outbox in the writer's transaction),
 * replayable from a cursor, ordered, exactly once, across server instances, with access checked at
 * subscribe time and at every event.
 */
let app: TestApp;
let deputy: HttpClient;
let parent: HttpClient;
let schoolUuid: string;
let yearUuid: string;
let subjectUuid: string;
let teacherStaff: string;
let substituteStaff: string;
/** the parent's child (class A), a classmate, a student of class B */
let child: string;
let classmate: string;
let other: string;
let classA: string;
let classB: string;
let lessonNo = 0;

const DIARY = `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind studentId dateFrom dateTo ... on LessonSubstitutedEvent { reason } } }`;
const DIARY_LESSON = `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind ... on LessonSubstitutedEvent { reason lesson { id } } } }`;
const TEACHER = `subscription($after: String) { teacherEvents(after: $after) { cursor kind studentId } }`;
const SUBSTITUTE = `mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { userErrors { code message } } }`;

const sid = (uuid: string) => toGlobalId('Student', uuid);
const uuidOf = (gid: string) => Buffer.from(gid, 'base64url').toString('utf8').split(':')[1];
const cursors = (r: { data: any[] }) => r.data.map((d) => Number(d.diaryEvents?.cursor ?? d.teacherEvents?.cursor));

const insertStudent = (classId: string, pseudonym: string) => f.studentRow(app, schoolUuid, { pseudonym, classId });
const insertClass = (letter: string) => f.schoolClass(app, schoolUuid, yearUuid, { grade: 7, letter });
const staffOf = async (login: string) => (await f.staff(app, schoolUuid, { login })).staffId;
/** A dated lesson of a class, taught by the demo teacher, at a lesson number of its own. */
async function insertLesson(classId: string): Promise<string> {
  const n = (lessonNo++ % 14) + 1;
  const date = `2025-11-${String(10 + Math.floor(lessonNo / 14)).padStart(2, '0')}`;
  return insertLessonRow(app, { schoolId: schoolUuid, yearId: yearUuid, subjectId: subjectUuid, teacherId: teacherStaff, classId, date, n });
}
const substitute = (lessonId: string, reason = 'больничный') =>
  deputy.ok(SUBSTITUTE, { i: { lessonId: toGlobalId('Lesson', lessonId), substituteTeacherId: toGlobalId('Staff', substituteStaff), reason } });

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '300' });
  deputy = await app.as('deputy');
  parent = await app.as('parent');
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  [{ id: yearUuid }] = await app.sql(`select id from academic_year limit 1`);
  subjectUuid = await f.subject(app, schoolUuid, { name: 'Алгебра' });
  teacherStaff = await staffOf('teacher');
  substituteStaff = await staffOf('classteacher');
  classA = await insertClass('Э');
  classB = await insertClass('Ю');
  child = await insertStudent(classA, 'Э-1');
  classmate = await insertStudent(classA, 'Э-2');
  other = await insertStudent(classB, 'Ю-1');
  await f.guardianAccount(app, schoolUuid, child);
});
afterAll(async () => { await app?.stop(); });

describe('R-DIARY-3: subscribing', () => {
  test('R-DIARY-3, R-SEC-3: a parent may subscribe to their own child only; another student is NOT_FOUND', async () => {
    const ws = app.ws(parent.token);
    const r = collect(ws, DIARY, { s: sid(other) });
    await r.until((x) => x.completed);
    expect(r.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(r.data).toEqual([]);
  });

  test('R-DIARY-3: a malformed or future cursor and a malformed student ID are BAD_USER_INPUT', async () => {
    const ws = app.ws(parent.token);
    for (const vars of [{ s: sid(child), after: 'abc' }, { s: sid(child), after: '999999999' }, { s: 'nonsense' }]) {
      const r = collect(ws, DIARY, vars);
      await r.until((x) => x.completed);
      expect(r.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  test('R-DIARY-3: teacherEvents is for staff; a student is refused with FORBIDDEN', async () => {
    const ws = app.ws((await app.as('student')).token);
    const r = collect(ws, TEACHER, {});
    await r.until((x) => x.completed);
    expect(r.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  test('R-SEC-2: a socket without a token is closed with 4401', async () => {
    const ws = app.ws(null);
    const closed = onClosed(ws);
    expect((await closed).code).toBe(4401);
  });

  test('R-SEC-2: a subscription is validated with the same limits as HTTP (aliases)', async () => {
    const ws = app.ws(parent.token);
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: cursor`).join(' ');
    const r = collect(ws, `subscription($s: ID!) { diaryEvents(studentId: $s) { ${aliases} } }`, { s: sid(child) });
    await r.until((x) => x.completed);
    expect(r.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(r.errors[0].message).toMatch(/alias/i);
  });
});

describe('R-DIARY-3: delivery', () => {
  test('R-DIARY-3, R-JOUR-6: a parent receives a substitution in their child\'s class within a second, and never an event of another class', async () => {
    const ws = app.ws(parent.token);
    const r = await collectLive(app.server.events, ws, DIARY_LESSON, { s: sid(child) });
    const otherLesson = await insertLesson(classB);
    const ownLesson = await insertLesson(classA);
    expect((await substitute(otherLesson)).lessonSubstitute.userErrors).toEqual([]);
    const started = Date.now();
    expect((await substitute(ownLesson)).lessonSubstitute.userErrors).toEqual([]);
    await r.until((x) => x.data.length >= 1, 1000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(r.data[0].diaryEvents).toMatchObject({ kind: 'LESSON_SUBSTITUTED', reason: 'больничный', lesson: { id: toGlobalId('Lesson', ownLesson) } });
    // the other class's substitution was committed first and never arrives
    await commitEvent(app, schoolUuid, [child]);
    await r.until((x) => x.data.length >= 2);
    expect(r.data.map((d) => d.diaryEvents.kind)).toEqual(['LESSON_SUBSTITUTED', 'TIMETABLE_CHANGED']);
    r.unsubscribe();
  });

  test('R-DIARY-3: a client that reconnects with its cursor after missing N events receives exactly those N, in order, then live ones', async () => {
    const first = await collectLive(app.server.events, app.ws(parent.token), DIARY, { s: sid(child) });
    await commitEvent(app, schoolUuid, [child]);
    await first.until((x) => x.data.length === 1);
    const cursor = first.data[0].diaryEvents.cursor;
    first.unsubscribe();

    const N = 7;
    for (let i = 0; i < N; i++) {
      await commitEvent(app, schoolUuid, i % 2 ? [child, classmate] : [classmate]); // classmate-only events are not the child's
      await commitEvent(app, schoolUuid, [child]);
    }
    await commitEvent(app, schoolUuid, [other]);
    await app.server.events.flush();
    const expected = (await app.sql(`select seq from outbox_event where $1 = any(student_ids) and seq > $2 order by seq`, [child, cursor])).map((x) => Number(x.seq));
    expect(expected.length).toBe(N + Math.floor(N / 2));

    const again = collect(app.ws(parent.token), DIARY, { s: sid(child), after: cursor });
    await again.until((x) => x.data.length === expected.length);
    expect(cursors(again)).toEqual(expected);
    await commitEvent(app, schoolUuid, [child]);
    await again.until((x) => x.data.length === expected.length + 1);
    const all = cursors(again);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(new Set(all).size).toBe(all.length);
    await new Promise((res) => setTimeout(res, 300));
    expect(again.data.length).toBe(expected.length + 1);
    again.unsubscribe();
  });

  test('R-DIARY-3: an event whose transaction commits after a later one is still delivered to a client resuming from the later one\'s cursor', async () => {
    const r1 = await collectLive(app.server.events, app.ws(parent.token), DIARY, { s: sid(child) });
    // T1 writes first (lower id) and commits last
    const slow = commitEvent(app, schoolUuid, [child], { holdMs: 700 });
    await new Promise((res) => setTimeout(res, 150));
    await commitEvent(app, schoolUuid, [child]);
    await r1.until((x) => x.data.length === 1);
    const cursor = r1.data[0].diaryEvents.cursor;
    r1.unsubscribe();
    await slow;
    const r2 = collect(app.ws(parent.token), DIARY, { s: sid(child), after: cursor });
    await r2.until((x) => x.data.length === 1);
    expect(Number(r2.data[0].diaryEvents.cursor)).toBeGreaterThan(Number(cursor));
    r2.unsubscribe();
  });

  test('R-DIARY-3: with many concurrent writers committing in random order, a client that keeps reconnecting from its cursor receives every event exactly once, in order', async () => {
    const start = Number((await app.sql(`select last_seq from outbox_head`))[0].last_seq);
    const WRITERS = 60;
    const writes = Promise.all(Array.from({ length: WRITERS }, (_, i) =>
      new Promise((res) => setTimeout(res, i * 7)).then(() => commitEvent(app, schoolUuid, [child], { holdMs: Math.floor(Math.random() * 120) }))));
    const received: number[] = [];
    let cursor: string = String(start);
    let done = false;
    void writes.then(() => { done = true; });
    while (!done || received.length < WRITERS) {
      const r = collect(app.ws(parent.token), DIARY, { s: sid(child), after: cursor });
      await new Promise((res) => setTimeout(res, 40 + Math.floor(Math.random() * 60)));
      r.unsubscribe();
      received.push(...cursors(r));
      if (r.data.length) cursor = r.data[r.data.length - 1].diaryEvents.cursor;
      if (done && received.length < WRITERS) await app.server.events.flush();
    }
    const expected = (await app.sql(`select seq from outbox_event where $1 = any(student_ids) and seq > $2 order by seq`, [child, start])).map((x) => Number(x.seq));
    expect(expected.length).toBe(WRITERS);
    expect(received).toEqual(expected);
  });

  test('R-DIARY-3: teacherEvents delivers the events naming the teacher\'s account', async () => {
    const teacher = await app.as('teacher');
    const r = await collectLive(app.server.events, app.ws(teacher.token), TEACHER, {});
    await app.server.events.flush(); // everything committed before is numbered below `head`
    const head = Number((await app.sql(`select last_seq from outbox_head`))[0].last_seq);
    await commitEvent(app, schoolUuid, [other], { teacherUserIds: [uuidOf(teacher.userId)] });
    await commitEvent(app, schoolUuid, [other], { teacherUserIds: [(await app.sql(`select id from app_user where login = 'deputy'`))[0].id] });
    await commitEvent(app, schoolUuid, [other], { teacherUserIds: [uuidOf(teacher.userId)] });
    await r.until((x) => x.data.length === 2);
    // exactly the two events naming the teacher, not the deputy's between them
    const own = (await app.sql(`select seq from outbox_event where $1 = any(teacher_user_ids) and seq > $2 order by seq`, [uuidOf(teacher.userId), head])).map((x) => Number(x.seq));
    expect(own).toHaveLength(2);
    expect(cursors(r)).toEqual(own);
    expect(r.data.map((d) => d.teacherEvents)).toEqual([
      expect.objectContaining({ kind: 'TIMETABLE_CHANGED', studentId: null }),
      expect.objectContaining({ kind: 'TIMETABLE_CHANGED', studentId: null }),
    ]);
    r.unsubscribe();
  });

  test('R-DIARY-3: a lost notification only delays delivery: the fallback poll finds the event', async () => {
    const r = await collectLive(app.server.events, app.ws(parent.token), DIARY, { s: sid(child) });
    await commitEvent(app, schoolUuid, [child], { notify: false });
    await r.until((x) => x.data.length === 1, 3000);
    r.unsubscribe();
  });
});

describe('R-DIARY-3: access ends delivery', () => {
  test('R-SEC-3: a guardian whose link is removed stops receiving at the next event', async () => {
    const guardian = await f.guardianAccount(app, schoolUuid, classmate);
    const r = await collectLive(app.server.events, app.ws(parent.token), DIARY, { s: sid(classmate) });
    await commitEvent(app, schoolUuid, [classmate]);
    await r.until((x) => x.data.length === 1);
    const unlink = await deputy.ok(`mutation($i: GuardianUnlinkInput!) { guardianUnlink(input: $i) { userErrors { code } } }`,
      { i: { studentId: sid(classmate), guardianId: toGlobalId('Guardian', guardian) } });
    expect(unlink.guardianUnlink.userErrors).toEqual([]);
    expect((await app.sql(`select removed_at from student_guardian where guardian_id = $1`, [guardian]))[0].removed_at).not.toBeNull();
    await commitEvent(app, schoolUuid, [classmate]);
    await r.until((x) => x.completed);
    expect(r.data.length).toBe(1);
    expect(r.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCESS_REVOKED' });
  });

  test('R-SEC-6: a blocked user\'s socket closes with 4403 and receives nothing more', async () => {
    const student = await app.as('student');
    await app.sql(`update student set user_id = $1 where id = $2`, [uuidOf(student.userId), other]);
    const ws = app.ws(student.token);
    const r = await collectLive(app.server.events, ws, DIARY, { s: sid(other) });
    await commitEvent(app, schoolUuid, [other]);
    await r.until((x) => x.data.length === 1);
    const closed = onClosed(ws);
    const admin = await app.as('admin');
    const block = await admin.ok(`mutation($i: UserBlockInput!) { userBlock(input: $i) { userErrors { code } } }`, { i: { userId: student.userId, reason: 'test' } });
    expect(block.userBlock.userErrors).toEqual([]);
    expect((await closed).code).toBe(4403);
    await commitEvent(app, schoolUuid, [other]);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.data.length).toBe(1);
    await admin.ok(`mutation($i: UserUnblockInput!) { userUnblock(input: $i) { userErrors { code } } }`, { i: { userId: student.userId } });
  });

  test('R-SEC-1, issue 10 §4: a socket closes with 4419 (refresh and reconnect, not 4401) when its access token expires, ending its subscriptions', async () => {
    const short = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '2' });
    try {
      const c = await short.as('parent');
      const ws = short.ws(c.token);
      const closed = onClosed(ws);
      const opened = Date.now();
      const close = await closed;
      expect(close).toMatchObject({ code: 4419, reason: 'Token expired: refresh and reconnect' });
      expect(Date.now() - opened).toBeGreaterThan(1000);
    } finally {
      await short.stop();
    }
  });
});

describe('R-DIARY-3: several server instances', () => {
  let orm2: MikroORM;
  let server2: AppServer;
  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', EVENTS_POLL_MS: '60000' });
    orm2 = await initOrm(app.databaseUrl, 3);
    server2 = await startServer({ config, orm: orm2, log: createLogger('silent'), databaseUrl: app.databaseUrl, port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server2?.stop();
    await orm2?.close();
  });

  test('R-DIARY-3: a substitution made through one instance reaches a subscriber of another within a second (NOTIFY wake-up)', async () => {
    const ws = createClient({ url: server2.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${parent.token}` }, onNonLazyError: () => undefined });
    try {
      const r = await collectLive(server2.events, ws, DIARY_LESSON, { s: sid(child) });
      const lesson = await insertLesson(classA);
      const started = Date.now();
      expect((await substitute(lesson, 'курсы')).lessonSubstitute.userErrors).toEqual([]);
      await r.until((x) => x.data.length === 1, 1000);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(r.data[0].diaryEvents).toMatchObject({ kind: 'LESSON_SUBSTITUTED', reason: 'курсы', lesson: { id: toGlobalId('Lesson', lesson) } });
    } finally {
      await ws.dispose();
    }
  });
});
