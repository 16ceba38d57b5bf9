import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { startTestApp, TestApp, HttpClient, errorCode, onClosed, wsExecute } from './helpers/app';
import { collectLive, commitEvent, Received } from './helpers/live';
import { authCounts, insertLesson } from './helpers/db';
import { demo, gid, schoolClass, staff, subject, user } from './helpers/factories';

/**
 * Issue 10 §4 (R-SEC-1, R-SEC-2, R-SEC-3): WebSocket authentication over time. An expired token
 * closes the socket with 4419 (graphql-ws retries it and asks `connectionParams` again), an ended
 * session with 4401 (log in again); `socketAuthRenew` gives an open socket a renewed token of its
 * own session; every event is authorised with the subscriber's roles as they are now.
 */
let app: TestApp;
/** access tokens live TTL seconds here */
let short: TestApp;
const TTL = 5;

beforeAll(async () => {
  [app, short] = await Promise.all([startTestApp({ EVENTS_POLL_MS: '200' }), startTestApp({ ACCESS_TOKEN_TTL_SECONDS: String(TTL), EVENTS_POLL_MS: '200' })]);
});
afterAll(async () => {
  await Promise.all([app?.stop(), short?.stop()]);
});

const ME = '{ me { login } }';
const RENEW = 'mutation($t: String!) { socketAuthRenew(accessToken: $t) { accessTokenExpiresAt userErrors { code field message } } }';
const REFRESH = 'mutation($i: TokenRefreshInput!) { tokenRefresh(input: $i) { accessToken refreshToken accessTokenExpiresAt userErrors { code } } }';
const TEACHER_EVENTS = 'subscription { teacherEvents { cursor kind } }';
const EXPIRED = { code: 4419, reason: 'Token expired: refresh and reconnect' };
const LOG_IN_AGAIN = { code: 4401, reason: 'Unauthorized: log in again' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const schoolUuid = async (a: TestApp) => (await a.sql(`select id from school limit 1`))[0].id as string;
const expireToken = (a: TestApp, token: string) =>
  a.sql(`update auth_token set expires_at = now() - interval '1 second' where hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`, [token]);

async function refresh(a: TestApp, refreshToken: string): Promise<{ accessToken: string; refreshToken: string; accessTokenExpiresAt: string }> {
  const r = (await a.anon().ok(REFRESH, { i: { refreshToken } })).tokenRefresh;
  expect(r.userErrors).toEqual([]);
  return r;
}

/** Tracks a client's socket: when it closed, with what. */
function watch(client: WsClient) {
  const state: { close: { code: number; reason: string } | null; at: number } = { close: null, at: 0 };
  void onClosed(client).then((c) => { state.close = c; state.at = Date.now(); });
  return state;
}

/** Waits up to `ms` for `pred`. */
async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const started = Date.now();
  while (!pred()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('issue 10 §4: close codes', () => {
  test('R-SEC-1, issue 10 §4: an expiring token closes the socket with 4419, which graphql-ws retries, calling connectionParams again for a refreshed token', async () => {
    const c = await short.as('parent');
    let calls = 0;
    let connects = 0;
    const closes: { code: number; reason: string }[] = [];
    const tokens: string[] = [];
    const client = createClient({
      url: short.wsUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 1,
      retryWait: async () => undefined,
      onNonLazyError: () => undefined,
      // the client's refresh step: the first connection uses the login token, a retry a refreshed one
      connectionParams: async () => {
        calls++;
        const token = calls === 1 ? c.token! : (await refresh(short, c.refreshToken)).accessToken;
        tokens.push(token);
        return { authorization: `Bearer ${token}` };
      },
      on: { connected: () => { connects++; }, closed: (e: any) => { closes.push({ code: e.code, reason: e.reason }); } },
    });
    try {
      const opened = Date.now();
      await until(() => connects === 2, (TTL + 5) * 1000, 'the reconnection');
      expect(closes).toEqual([EXPIRED]);
      expect(Date.now() - opened).toBeGreaterThan((TTL - 1) * 1000);
      expect(calls).toBe(2);
      // the reconnected socket works, with the refreshed token of the same user
      expect((await wsExecute(client, ME)).data!.me.login).toBe('parent');
      expect(tokens[1]).not.toBe(tokens[0]);
    } finally {
      await client.dispose();
    }
  });

  test('R-SEC-2, issue 10 §4: connecting with an expired token closes with 4419; an unknown token, no token or an ended session with 4401, which graphql-ws does not retry', async () => {
    const expired = await app.as('parent');
    await expireToken(app, expired.token!);
    const loggedOut = await app.as('parent');
    await loggedOut.ok('mutation { logout { loggedOut } }');

    const connect = async (token: string | null, expectedCalls: number) => {
      let calls = 0;
      const client = createClient({
        url: app.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 2, retryWait: async () => undefined, onNonLazyError: () => undefined,
        connectionParams: () => { calls++; return token ? { authorization: `Bearer ${token}` } : {}; },
      });
      const closed = await onClosed(client);
      // 4419 is retried (here with the same stale token, so it closes again, twice); 4401 is final
      await until(() => calls >= expectedCalls, 5000, `${expectedCalls} connection attempts`).catch(() => undefined);
      await sleep(300);
      await client.dispose();
      return { ...closed, calls };
    };
    expect(await connect(expired.token!, 3)).toEqual({ ...EXPIRED, calls: 3 });
    expect(await connect('otm_at_not-a-token', 1)).toEqual({ ...LOG_IN_AGAIN, calls: 1 });
    expect(await connect(null, 1)).toEqual({ ...LOG_IN_AGAIN, calls: 1 });
    expect(await connect(loggedOut.token!, 1)).toEqual({ ...LOG_IN_AGAIN, calls: 1 });
  });

  test('R-SEC-1, issue 10 §4: logging out closes the session\'s open socket with 4401 "log in again", not 4419', async () => {
    const c = await app.as('parent');
    const ws = app.ws(c.token);
    expect((await wsExecute(ws, ME)).data!.me.login).toBe('parent');
    const closed = onClosed(ws);
    await c.ok('mutation { logout { loggedOut } }');
    expect(await closed).toEqual(LOG_IN_AGAIN);
  });

  test('R-SEC-1, issue 10 §4: a session ended by a password change elsewhere closes its socket with 4401', async () => {
    const { login } = await user(app, (await demo(app)).schoolId, ['TEACHER']);
    const other = await app.as(login);
    const ws = app.ws(other.token);
    await wsExecute(ws, ME);
    const closed = onClosed(ws);
    const c = await app.as(login);
    const r = await c.ok(`mutation($i: PasswordChangeInput!) { passwordChange(input: $i) { userErrors { code } } }`,
      { i: { currentPassword: 'demo1234', newPassword: 'Новый-пароль-77' } });
    expect(r.passwordChange.userErrors).toEqual([]);
    expect(await closed).toEqual(LOG_IN_AGAIN);
  });
});

describe('issue 10 §4: socketAuthRenew', () => {
  test('R-SEC-1, issue 10 §4: a renewed token keeps the socket open past the old expiry; its subscription keeps receiving events and later operations run with the new token', async () => {
    const c = await short.as('teacher');
    const school = await schoolUuid(short);
    const teacherUuid = (await short.sql(`select id from app_user where login = 'teacher'`))[0].id as string;
    const ws = short.ws(c.token);
    const socket = watch(ws);
    const stream = await collectLive(short.server.events, ws, TEACHER_EVENTS);
    const oldExpiry = (await short.sql(`select expires_at from auth_token where hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`, [c.token]))[0].expires_at as Date;

    await commitEvent(short, school, [], { teacherUserIds: [teacherUuid] });
    await stream.until((x) => x.data.length === 1);

    // the client refreshes half-way and hands the new token to its open socket
    await sleep(TTL * 500);
    const fresh = await refresh(short, c.refreshToken);
    const renewed = (await wsExecute(ws, RENEW, { t: fresh.accessToken })).data!.socketAuthRenew;
    expect(renewed).toEqual({ accessTokenExpiresAt: fresh.accessTokenExpiresAt, userErrors: [] });

    // past the old token's expiry: still open, events still arrive, a new operation is authenticated with the new token
    await sleep(Math.max(0, oldExpiry.getTime() - Date.now()) + 400);
    expect(socket.close).toBeNull();
    await commitEvent(short, school, [], { teacherUserIds: [teacherUuid] });
    await stream.until((x) => x.data.length === 2);
    expect(stream.errors).toEqual([]);
    expect(stream.completed).toBe(false);
    expect(await wsExecute(ws, ME)).toEqual({ data: { me: { login: 'teacher' } } });
    const second = await collectLive(short.server.events, ws, TEACHER_EVENTS);
    await commitEvent(short, school, [], { teacherUserIds: [teacherUuid] });
    await second.until((x) => x.data.length === 1);

    // and it closes when the renewed token expires, with 4419
    await until(() => socket.close !== null, (TTL + 3) * 1000, 'the close at the new expiry');
    expect(socket.close).toEqual(EXPIRED);
    expect(socket.at).toBeGreaterThanOrEqual(new Date(fresh.accessTokenExpiresAt).getTime() - 50);
    expect(stream.completed).toBe(true);
  });

  test('R-SEC-1, issue 10 §4: a token of another session, another user, an ended session, an expired one or garbage is refused; nothing changes and the socket still closes at the old expiry', async () => {
    // the other tokens first: logins take time, the socket's token lives TTL seconds
    const otherSession = await short.as('teacher');
    const otherUser = await short.as('admin');
    const ended = await short.as('teacher');
    await ended.ok('mutation { logout { loggedOut } }');
    const c = await short.as('teacher');
    const ws = short.ws(c.token);
    const socket = watch(ws);
    expect((await wsExecute(ws, ME)).data!.me.login).toBe('teacher');
    const oldExpiry = (await short.sql(`select expires_at from auth_token where hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`, [c.token]))[0].expires_at as Date;
    // a token of this very session, expired
    const sameSession = await refresh(short, c.refreshToken);
    await expireToken(short, sameSession.accessToken);

    const before = await authCounts(short, { usedTokens: true });
    const refused: [string, string][] = [
      [otherSession.token!, 'SESSION_MISMATCH'],
      [otherUser.token!, 'SESSION_MISMATCH'],
      [ended.token!, 'INVALID_ACCESS_TOKEN'],
      [sameSession.accessToken, 'ACCESS_TOKEN_EXPIRED'],
      ['otm_at_garbage', 'INVALID_ACCESS_TOKEN'],
      ['x'.repeat(5000), 'INVALID_ACCESS_TOKEN'],
    ];
    for (const [t, code] of refused) {
      const r = await wsExecute(ws, RENEW, { t });
      expect(r.errors).toBeUndefined();
      expect(r.data!.socketAuthRenew).toEqual({ accessTokenExpiresAt: null, userErrors: [expect.objectContaining({ code, field: ['accessToken'] })] });
      // the refusal does not say whose token it was
      expect(JSON.stringify(r)).not.toMatch(/admin|Кузнецов/);
    }
    expect(await authCounts(short, { usedTokens: true })).toEqual(before);
    // the socket still runs as its own user (the other user's token was not taken) …
    expect((await wsExecute(ws, ME)).data!.me.login).toBe('teacher');
    // … and closes at its old expiry
    await until(() => socket.close !== null, (TTL + 3) * 1000, 'the close at the old expiry');
    expect(socket.close).toEqual(EXPIRED);
    expect(Math.abs(socket.at - oldExpiry.getTime())).toBeLessThan(1000);
  });

  test('R-SEC-2, issue 10 §4: socketAuthRenew over HTTP is refused (BAD_USER_INPUT, WEBSOCKET_ONLY; anonymous: UNAUTHENTICATED) and changes nothing', async () => {
    const c = await app.as('parent');
    const fresh = await refresh(app, c.refreshToken);
    const before = await authCounts(app, { usedTokens: true });
    const r = await c.gql(RENEW, { t: fresh.accessToken });
    expect(r.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'WEBSOCKET_ONLY' }) })]);
    expect(r.data?.socketAuthRenew ?? null).toBeNull();
    const anon = await app.anon().gql(RENEW, { t: fresh.accessToken });
    expect(errorCode(anon)).toBe('UNAUTHENTICATED');
    expect(anon.data?.socketAuthRenew ?? null).toBeNull();
    expect(await authCounts(app, { usedTokens: true })).toEqual(before);
  });
});

describe('issue 10 §4, R-SEC-3: each event is authorised with the subscriber\'s current roles', () => {
  const LESSON = `lesson { id schoolClass { name classTeacher { fullName user { login } } } }`;
  const SUB = `subscription { teacherEvents { cursor kind ... on LessonMovedEvent { ${LESSON} } } }`;

  /** A LESSON_MOVED event of `lessonId` for the teacher accounts given, committed as publishEvent does. */
  async function commitLessonEvent(school: string, lessonId: string, teacherUserIds: string[]): Promise<void> {
    await app.tx(async (sql) => {
      await sql(`insert into outbox_event (school_id, kind, object_type, object_id, student_ids, teacher_user_ids, date_from, date_to, details)
        values ($1, 'LESSON_MOVED', 'Lesson', $2, '{}', $3::uuid[], current_date, current_date, '{}')`, [school, lessonId, teacherUserIds]);
      await sql(`select pg_notify('otmetka_events', '')`);
    });
    await app.server.events.flush();
  }

  /** The lesson over HTTP, as the same viewer: its object and its errors (code, path below the object). */
  async function overHttp(client: HttpClient, lessonId: string) {
    const r = await client.gql(`query($id: ID!) { node(id: $id) { ... on Lesson { ${LESSON.replace(/^lesson \{/, '').replace(/\}$/, '')} } } }`, { id: gid('Lesson', lessonId) });
    return { object: r.data?.node ?? null, errors: (r.errors ?? []).map((e) => ({ code: e.extensions?.code, path: (e.path ?? []).slice(1) })) };
  }
  const eventErrors = (s: Received, from: number) => s.errors.slice(from).map((e) => ({ code: e.extensions?.code, path: (e.path ?? []).slice(2) }));

  test('R-SEC-3, issue 10 §4: a role removed after subscribing is no longer used for the next event — the field it granted is refused, as over HTTP', async () => {
    const { schoolId, yearId } = await demo(app);
    // a teacher who is also a deputy (the administration reads staff accounts) and leads the class of their lesson
    const t = await staff(app, schoolId, { roles: ['TEACHER', 'DEPUTY'] });
    const classId = await schoolClass(app, schoolId, yearId, { classTeacherId: t.staffId });
    const lessonId = await insertLesson(app, { schoolId, yearId, subjectId: await subject(app, schoolId), teacherId: t.staffId, classId, date: '2025-11-27', n: 2 });
    const client = await app.as(t.login);
    const stream = await collectLive(app.server.events, app.ws(client.token), SUB);

    await commitLessonEvent(schoolId, lessonId, [t.userId]);
    await stream.until((x) => x.data.length === 1);
    const first = stream.data[0].teacherEvents;
    expect(first.lesson.schoolClass.classTeacher.user).toEqual({ login: t.login });
    expect(stream.errors).toEqual([]);
    expect({ object: first.lesson, errors: [] }).toEqual(await overHttp(client, lessonId));

    await app.sql(`delete from role_assignment where user_id = $1 and role = 'DEPUTY'`, [t.userId]);
    await commitLessonEvent(schoolId, lessonId, [t.userId]);
    await stream.until((x) => x.data.length === 2);
    const second = stream.data[1].teacherEvents;
    // still a teacher of the lesson: the stream goes on, the account is withheld
    expect(second.kind).toBe('LESSON_MOVED');
    expect(second.lesson.id).toBe(first.lesson.id);
    expect(second.lesson.schoolClass.classTeacher).toBeNull();
    expect(eventErrors(stream, 0)).toEqual([{ code: 'FORBIDDEN', path: ['schoolClass', 'classTeacher', 'user'] }]);
    expect(JSON.stringify(second)).not.toContain(t.login);
    expect(stream.completed).toBe(false);
    expect({ object: second.lesson, errors: eventErrors(stream, 0) }).toEqual(await overHttp(client, lessonId));
  });

  test('R-SEC-3, issue 10 §4: the roles of every subscriber of a batch are read in one query (the batch\'s access check)', async () => {
    const { schoolId } = await demo(app);
    const teachers = await Promise.all([1, 2, 3].map(() => staff(app, schoolId)));
    // One after another: collectLive waits for the hub to register one more subscription.
    const streams = [];
    for (const t of teachers) streams.push(await collectLive(app.server.events, app.ws((await app.as(t.login)).token), TEACHER_EVENTS));
    const conn = app.orm.em.getConnection() as unknown as { logQuery: (...a: unknown[]) => void };
    const original = conn.logQuery;
    let roleQueries = 0;
    const namesAll: boolean[] = [];
    conn.logQuery = function (this: unknown, ...a: unknown[]) {
      // Statements of this delivery that read roles (role_assignment, or live_access_keys(), which
      // reads them with the access check) and whose parameters name these teachers (the
      // subscriptions were registered one after another, so their own checks are logged already).
      const params = JSON.stringify((a[1] as { params?: unknown } | undefined)?.params ?? '');
      if (/role_assignment|live_access_keys/.test(String(a[0])) && teachers.some((t) => params.includes(t.userId))) {
        roleQueries++;
        namesAll.push(teachers.every((t) => params.includes(t.userId)));
      }
      return original.apply(this, a);
    };
    try {
      await commitEvent(app, schoolId, [], { teacherUserIds: teachers.map((t) => t.userId) });
      await app.server.events.flush();
      await Promise.all(streams.map((s) => s.until((x) => x.data.length === 1)));
    } finally {
      conn.logQuery = original;
    }
    expect(roleQueries).toBe(1);
    // …and that one statement reads all three subscribers' roles.
    expect(namesAll).toEqual([true]);
  });
});
