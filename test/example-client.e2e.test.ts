import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { collect } from './helpers/live';
import { insertLesson } from './helpers/db';
import { demo, gid, schoolClass, staff, student, subject, user } from './helpers/factories';
import { DEMO_PASSWORD } from '../src/db/seed/demo';
import { createDiaryClient, type DiaryClientError, type DiaryEvent } from '../examples/diary-client/src';

/**
 * Issue 10 §4, R-DIARY-3: the example client (examples/diary-client: Apollo Client + graphql-ws)
 * against the real server, through a TCP proxy that can cut the connection and refuse new ones.
 * Drop the socket, make 3 changes, reconnect: exactly those 3 arrive, in order, then live ones.
 */

/** A TCP proxy to the server: `drop()` cuts every connection and refuses new ones until `restore()`. */
async function startProxy(targetPort: number) {
  let down = false;
  let refused = 0;
  let accepted = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    if (down) {
      refused++;
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of [client, upstream]) { s.on('error', end); s.on('close', end); }
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    port: (server.address() as AddressInfo).port,
    get refused() { return refused; },
    get accepted() { return accepted; },
    drop() {
      down = true;
      for (const p of [...pairs]) { p.client.destroy(); p.upstream.destroy(); }
    },
    restore() { down = false; },
    /** Closes every client socket the way the server would, with a WebSocket close frame (code, reason). */
    closeWith(code: number, reason: string) {
      const r = Buffer.from(reason);
      const frame = Buffer.concat([Buffer.from([0x88, 2 + r.length, code >> 8, code & 0xff]), r]);
      for (const p of [...pairs]) {
        p.upstream.unpipe(p.client);
        p.upstream.destroy();
        p.client.end(frame);
      }
    },
    close: () => new Promise<void>((res) => {
      for (const p of [...pairs]) { p.client.destroy(); p.upstream.destroy(); }
      server.close(() => res());
    }),
  };
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!pred()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

let app: TestApp;
let deputy: HttpClient;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let parentLogin: string;
let parentUserId: string;
let childGid: string;
let substituteGid: string;
const lessons: string[] = [];
/** Clients of the running test, closed after it (a drop or close frame of the proxy reaches every open one). */
const clients: { close(): Promise<void> }[] = [];

const CANCEL = `mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { userErrors { code message } } }`;
const RESTORE = `mutation($i: LessonRestoreInput!) { lessonRestore(input: $i) { userErrors { code message } } }`;
const SUBSTITUTE = `mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { userErrors { code message } } }`;
const mutate = async (doc: string, i: Record<string, unknown>) => {
  const d = await deputy.ok(doc, { i });
  expect((Object.values(d)[0] as { userErrors: unknown[] }).userErrors).toEqual([]);
};
const cancel = (k: number) => mutate(CANCEL, { lessonId: lessons[k], reason: `карантин ${k}` });
const restore = (k: number) => mutate(RESTORE, { lessonId: lessons[k] });
const substitute = (k: number) => mutate(SUBSTITUTE, { lessonId: lessons[k], substituteTeacherId: substituteGid, reason: 'больничный' });

/** The example client as the parent, through the proxy, recording what it receives and reports. */
async function parentClient() {
  const events: DiaryEvent[] = [];
  const errors: DiaryClientError[] = [];
  const connections: string[] = [];
  const client = await createDiaryClient({
    httpUrl: app.url,
    wsUrl: `ws://127.0.0.1:${proxy.port}/graphql`,
    login: parentLogin,
    password: DEMO_PASSWORD,
    webSocketImpl: WebSocket,
    retryWait: () => sleep(100),
    onError: (e) => errors.push(e),
    onConnection: (s) => connections.push(s),
  });
  clients.push(client);
  const registered = app.server.events.registered;
  const stream = client.subscribeDiary(childGid, (e) => events.push(e));
  await until(() => app.server.events.registered > registered, 'the subscription to register');
  return { client, stream, events, errors, connections };
}
const summary = (e: DiaryEvent) => ({ kind: e.kind, lesson: 'lesson' in e ? e.lesson?.id : null });

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '300' });
  proxy = await startProxy(Number(new URL(app.url).port));
  const { schoolId, yearId } = await demo(app);
  deputy = await app.as('deputy');
  const parent = await user(app, schoolId, ['PARENT']);
  parentLogin = parent.login;
  parentUserId = parent.userId;
  const teacher = await staff(app, schoolId);
  substituteGid = gid('Staff', (await staff(app, schoolId)).staffId);
  const classId = await schoolClass(app, schoolId, yearId);
  const subjectId = await subject(app, schoolId);
  const child = await student(app, schoolId, { classId, guardianUserId: parent.userId });
  childGid = gid('Student', child.studentId);
  for (let n = 1; n <= 6; n++) {
    lessons.push(gid('Lesson', await insertLesson(app, { schoolId, yearId, subjectId, teacherId: teacher.staffId, classId, date: '2025-11-27', n })));
  }
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});
afterAll(async () => {
  await proxy?.close();
  await app?.stop();
});

describe('issue 10 §4: the example client resumes after any drop', () => {
  test('issue 10 §4, R-DIARY-3: drop the socket, make 3 changes, reconnect — exactly those 3 arrive, in order, then live ones; a plain graphql-ws retry loses them', async () => {
    const { events, errors, connections } = await parentClient();
    // The same drop seen by a client that relies on graphql-ws's own retry (it resends `after: null`).
    const naive = createClient({ url: `ws://127.0.0.1:${proxy.port}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${(await app.as(parentLogin)).token}` }, retryAttempts: 50, retryWait: () => sleep(100), shouldRetry: () => true });
    clients.push({ close: async () => { await naive.dispose(); } });
    const registered = app.server.events.registered;
    const plain = collect(naive, `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind } }`, { s: childGid });
    await until(() => app.server.events.registered > registered, 'the plain subscription to register');

    const t0 = Date.now();
    await cancel(0);
    await until(() => events.length === 1, 'the first live event');
    const liveMs = Date.now() - t0;
    expect(summary(events[0])).toEqual({ kind: 'LESSON_CANCELLED', lesson: lessons[0] });

    proxy.drop();
    await until(() => connections.includes('disconnected'), 'the client to notice the drop');
    await restore(0);
    await substitute(1);
    await cancel(2);
    await app.server.events.flush();
    const refusedBefore = proxy.refused;
    await until(() => proxy.refused > refusedBefore, 'a reconnect attempt while the server is unreachable');
    expect(events).toHaveLength(1);

    const t1 = Date.now();
    const registeredBeforeRestore = app.server.events.registered;
    proxy.restore();
    await until(() => events.length >= 4, 'the 3 missed events');
    const resumeMs = Date.now() - t1;
    expect(events.slice(1).map(summary)).toEqual([
      { kind: 'LESSON_RESTORED', lesson: lessons[0] },
      { kind: 'LESSON_SUBSTITUTED', lesson: lessons[1] },
      { kind: 'LESSON_CANCELLED', lesson: lessons[2] },
    ]);

    // Both clients have subscribed again (the plain one with `after: null`) before the next change.
    await until(() => app.server.events.registered >= registeredBeforeRestore + 2, 'both clients to subscribe again');
    const t2 = Date.now();
    await restore(2);
    await until(() => events.length >= 5, 'the live event after the resume');
    const liveAfterMs = Date.now() - t2;
    await sleep(600); // anything duplicated or late would arrive by now (poll 300 ms)
    expect(events.map(summary)).toEqual([
      { kind: 'LESSON_CANCELLED', lesson: lessons[0] },
      { kind: 'LESSON_RESTORED', lesson: lessons[0] },
      { kind: 'LESSON_SUBSTITUTED', lesson: lessons[1] },
      { kind: 'LESSON_CANCELLED', lesson: lessons[2] },
      { kind: 'LESSON_RESTORED', lesson: lessons[2] },
    ]);
    expect(new Set(events.map((e) => e.cursor)).size).toBe(5);
    expect(events.every((e) => e.studentId === childGid)).toBe(true);
    expect(errors).toEqual([]);
    expect(connections).toEqual(['connected', 'disconnected', 'connected']);

    // The plain client reconnected too, but lost the 3 changes made while it was away.
    await until(() => plain.data.length >= 2, 'the plain client\'s live events');
    expect(plain.data.map((d) => d.diaryEvents.kind)).toEqual(['LESSON_CANCELLED', 'LESSON_RESTORED']);
    plain.unsubscribe();
    if (process.env.EXAMPLE_TIMINGS) console.info({ liveMs, resumeMs, liveAfterMs });
  });

  test('issue 10 §4: a 4419 close (token expired) makes the client refresh over HTTP, reconnect with the new token and resume from its cursor', async () => {
    const { events, errors, connections } = await parentClient();
    await cancel(3);
    await until(() => events.length === 1, 'a live event');
    const sessions = async () => app.sql(`select count(*)::int as n from auth_session where user_id = $1 and last_refreshed_at is not null`, [parentUserId]);
    const [{ n: refreshedBefore }] = await sessions();

    proxy.closeWith(4419, 'token expired');
    proxy.drop();
    await until(() => connections.includes('disconnected'), 'the close');
    await restore(3);
    proxy.restore();
    await until(() => events.length >= 2, 'the missed event');
    expect(events.map(summary)).toEqual([
      { kind: 'LESSON_CANCELLED', lesson: lessons[3] },
      { kind: 'LESSON_RESTORED', lesson: lessons[3] },
    ]);
    const [{ n: refreshedAfter }] = await sessions();
    expect(refreshedAfter).toBe(refreshedBefore + 1);
    expect(errors).toEqual([]);
  });

  test('issue 10 §4: a 4403 close (account blocked) stops the client: reported once, no reconnect attempts', async () => {
    const { events, errors } = await parentClient();
    const acceptedBefore = proxy.accepted;
    proxy.closeWith(4403, 'Forbidden: account blocked');
    await until(() => errors.length > 0, 'the error report');
    expect(errors).toEqual([{ kind: 'socket', code: 4403, reason: 'Forbidden: account blocked' }]);
    await sleep(500);
    expect(proxy.accepted).toBe(acceptedBefore);
    await cancel(4);
    await sleep(600);
    expect(events).toEqual([]);
  });

});

describe('issue 10 §4: the example client renews its token on the open socket', () => {
  let short: TestApp;
  beforeAll(async () => { short = await startTestApp({ EVENTS_POLL_MS: '300', ACCESS_TOKEN_TTL_SECONDS: '5' }); });
  afterAll(async () => { await short?.stop(); });

  test('issue 10 §4: before the access token expires the client refreshes it and hands it to the open socket (socketAuthRenew): no reconnect, events keep arriving past the old expiry', async () => {
    const { schoolId, yearId } = await demo(short);
    const parent = await user(short, schoolId, ['PARENT']);
    const teacher = await staff(short, schoolId);
    const classId = await schoolClass(short, schoolId, yearId);
    const child = await student(short, schoolId, { classId, guardianUserId: parent.userId });
    const lesson = gid('Lesson', await insertLesson(short, { schoolId, yearId, subjectId: await subject(short, schoolId), teacherId: teacher.staffId, classId, date: '2025-11-27', n: 2 }));
    const events: DiaryEvent[] = [];
    const errors: DiaryClientError[] = [];
    const warnings: string[] = [];
    const connections: string[] = [];
    const client = await createDiaryClient({
      httpUrl: short.url, wsUrl: short.wsUrl, login: parent.login, password: DEMO_PASSWORD, webSocketImpl: WebSocket,
      renewBeforeMs: 2000, retryWait: () => sleep(100),
      onError: (e) => errors.push(e), onWarning: (w) => warnings.push(w), onConnection: (c) => connections.push(c),
    });
    clients.push(client);
    const registered = short.server.events.registered;
    client.subscribeDiary(gid('Student', child.studentId), (e) => events.push(e));
    await until(() => short.server.events.registered > registered, 'the subscription to register');
    const firstExpiry = Date.now() + 5000;

    // Past the first token's expiry (5 s) the socket is still the first one.
    await until(() => Date.now() > firstExpiry + 1500, 'the first token to expire', 10_000);
    const [{ n }] = await short.sql(`select count(*)::int as n from auth_session where user_id = $1 and last_refreshed_at is not null`, [parent.userId]);
    expect(n).toBe(1);
    // The deputy logs in now: their own token of 5 s is long gone.
    await (await short.as('deputy')).ok(`mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { userErrors { code } } }`, { i: { lessonId: lesson, reason: 'карантин' } });
    await until(() => events.length === 1, 'an event on the renewed socket');
    expect(events.map(summary)).toEqual([{ kind: 'LESSON_CANCELLED', lesson }]);
    expect(connections).toEqual(['connected']);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  }, 30_000);
});

describe('issue 10 §4: the example client\'s generated types', () => {
  test('issue 10 §4: examples/diary-client/src/generated/graphql.ts is what `npm run example:codegen` makes from schema.graphql', () => {
    // A child process: the code generator loads ES modules that jest's module system does not.
    const script = `
      const { generate, loadCodegenConfig } = require('@graphql-codegen/cli');
      const fs = require('node:fs');
      (async () => {
        const { config } = await loadCodegenConfig({ configFilePath: 'examples/diary-client/codegen.ts' });
        const out = await generate({ ...config, silent: true }, false);
        process.stdout.write(JSON.stringify(out.map((f) => ({ file: f.filename, fresh: fs.existsSync(f.filename) && fs.readFileSync(f.filename, 'utf8') === f.content }))));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: `${__dirname}/..`, encoding: 'utf8', timeout: 60_000 }));
    expect(out).toEqual([{ file: 'examples/diary-client/src/generated/graphql.ts', fresh: true }]);
  });
});
