import { startTestApp, TestApp } from './helpers/app';
import { collect, collectLive, Received } from './helpers/live';

/*
 * Issue 9 §1: open subscriptions are capped per WebSocket connection and per user; the count
 * returns when a subscription completes or its socket closes. Caps lowered for the test.
 */

const PER_SOCKET = 3;
const PER_USER = 5;
const TEACHER_EVENTS = 'subscription { teacherEvents { cursor kind } }';

let app: TestApp;
let teacher: Awaited<ReturnType<TestApp['as']>>;
/** account ids as the server counts them (raw, not global IDs) */
const accountId = async (login: string) => (await app.sql(`select id from app_user where login = $1`, [login]))[0].id as string;
let teacherId: string;

beforeAll(async () => {
  app = await startTestApp({ SUBSCRIPTIONS_PER_SOCKET: String(PER_SOCKET), SUBSCRIPTIONS_PER_USER: String(PER_USER) });
  teacher = await app.as('teacher');
  teacherId = await accountId('teacher');
});
afterAll(async () => { await app?.stop(); });

async function waitFor(pred: () => boolean, what: string) {
  const started = Date.now();
  while (!pred()) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function open(client: ReturnType<TestApp['ws']>, n: number): Promise<Received[]> {
  const subs: Received[] = [];
  for (let i = 0; i < n; i++) subs.push(await collectLive(app.server.events, client, TEACHER_EVENTS));
  return subs;
}

async function refused(client: ReturnType<TestApp['ws']>, scope: 'socket' | 'user', limit: number) {
  const before = app.server.events.registered;
  const r = collect(client, TEACHER_EVENTS);
  await r.until((x) => x.completed || x.errors.length > 0);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', reason: 'SUBSCRIPTION_LIMIT', scope, limit } });
  expect(r.errors[0].message).toMatch(new RegExp(`at most ${limit} per ${scope === 'socket' ? 'connection' : 'user'}`));
  expect(app.server.events.registered).toBe(before); // nothing was registered for it
}

describe('ISSUE-9 §1: subscription caps', () => {
  test('ISSUE-9 §1: the subscription past the per-socket cap is refused with RATE_LIMITED; completing one makes room', async () => {
    const ws = app.ws(teacher.token!);
    const subs = await open(ws, PER_SOCKET);
    expect(app.server.connections.openSubscriptions(teacherId)).toBe(PER_SOCKET);
    await refused(ws, 'socket', PER_SOCKET);
    expect(app.server.events.size).toBe(PER_SOCKET);

    subs[0].unsubscribe();
    await waitFor(() => app.server.connections.openSubscriptions(teacherId) === PER_SOCKET - 1, 'the completed subscription to be released');
    subs[0] = await collectLive(app.server.events, ws, TEACHER_EVENTS);
    expect(subs[0].errors).toEqual([]);
    expect(app.server.connections.openSubscriptions(teacherId)).toBe(PER_SOCKET);
    // queries and mutations over the socket are not subscriptions: they still run
    const q = collect(ws, '{ me { login } }');
    await q.until((x) => x.completed);
    expect(q.data).toEqual([{ me: { login: 'teacher' } }]);

    await ws.dispose();
    await waitFor(() => app.server.connections.openSubscriptions() === 0 && app.server.events.size === 0, 'counts to return to zero');
  });

  test('ISSUE-9 §1: the per-user cap holds across two sockets; another user is not affected; counts return to zero after close', async () => {
    const rss0 = process.memoryUsage().rss;
    const a = app.ws(teacher.token!);
    const b = app.ws(teacher.token!);
    await open(a, PER_SOCKET);
    await open(b, PER_USER - PER_SOCKET);
    await refused(b, 'user', PER_USER);
    await refused(a, 'socket', PER_SOCKET);

    const other = await app.as('classteacher');
    const c = app.ws(other.token!);
    await open(c, PER_SOCKET);
    expect(app.server.connections.openSubscriptions(await accountId('classteacher'))).toBe(PER_SOCKET);
    expect(app.server.connections.openSubscriptions()).toBe(PER_USER + PER_SOCKET);

    await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
    await waitFor(() => app.server.connections.openSubscriptions() === 0 && app.server.events.size === 0 && app.server.connections.size === 0, 'counts to return to zero');
    expect(app.server.connections.openSubscriptions(teacherId)).toBe(0);
    // eslint-disable-next-line no-console
    console.log(`RSS ${Math.round(rss0 / 2 ** 20)} MB before, ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB after`);

    // a fresh socket of the same user may subscribe again up to its cap
    const d = app.ws(teacher.token!);
    await open(d, PER_SOCKET);
    await refused(d, 'socket', PER_SOCKET);
    await d.dispose();
  });
});
