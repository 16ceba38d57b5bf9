import net from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startTestApp, TestApp, LOGIN, wsExecute, onClosed } from './helpers/app';
import { DEMO_PASSWORD } from '../src/db/seed/demo';
import { initOrm } from '../src/db/orm';
import { createLogger } from '../src/logger';
import { startServer, AppServer } from '../src/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOGIN_INPUT = { input: { login: 'admin', password: DEMO_PASSWORD } };

/** A TCP relay to PostgreSQL that the test can cut (database unreachable) and restore. */
class DatabaseLink {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and drops open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe('OPS: health and readiness', () => {
  let app: TestApp;
  let link: DatabaseLink;
  let linkedOrm: MikroORM;
  let linked: AppServer;
  let linkedBase: string;

  beforeAll(async () => {
    // The pool's driver prints dropped idle connections to the console when the link is cut.
    const log = console.log;
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { if (!String(args[0]).includes('Connection Error')) log(...args); });
    app = await startTestApp();
    // A second server on the same database whose ORM reaches PostgreSQL only through `link`.
    const dbUrl = new URL(app.databaseUrl);
    link = new DatabaseLink({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    await link.open();
    const linkedUrl = new URL(app.databaseUrl);
    linkedUrl.hostname = '127.0.0.1';
    linkedUrl.port = String(link.port);
    linkedOrm = await initOrm(linkedUrl.toString(), 2);
    linked = await startServer({ config: app.config, orm: linkedOrm, log: createLogger('silent'), databaseUrl: app.databaseUrl, port: 0, host: '127.0.0.1' });
    linkedBase = `http://127.0.0.1:${linked.port}`;
  });
  afterAll(async () => {
    await linked?.stop();
    await link?.cut();
    await linkedOrm?.close(true);
    await app?.stop();
    jest.restoreAllMocks();
  });

  const base = () => app.url.replace(/\/graphql$/, '');

  test('OPS: GET /healthz answers 200', async () => {
    expect(await get(`${base()}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  test('OPS: GET /readyz answers 200 with a live database', async () => {
    expect(await get(`${base()}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await get(`${linkedBase}/readyz`)).status).toBe(200);
  });

  test('OPS: /readyz reports an unreachable database with 503, /healthz stays 200, and readiness returns with the database', async () => {
    await link.cut();
    const t0 = Date.now();
    expect(await get(`${linkedBase}/readyz`)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'database unreachable' } });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await get(`${linkedBase}/healthz`)).status).toBe(200);
    await link.open();
    expect((await get(`${linkedBase}/readyz`)).status).toBe(200);
  });
});

describe('OPS: graceful stop', () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp(); });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.stop();
  });

  test('OPS: stop() lets an in-flight HTTP request finish, closes open graphql-ws sockets, then refuses new requests', async () => {
    const admin = await app.as('admin');
    const ws = app.ws(admin.token!);
    expect((await wsExecute(ws, '{ me { login } }')).data.me.login).toBe('admin');
    const wsClosed = onClosed(ws);

    // A login that takes at least 300 ms, so it is certainly still running when stop() begins.
    const auth = app.server.services.auth;
    const login = auth.login.bind(auth);
    let loggedInAt = 0;
    jest.spyOn(auth, 'login').mockImplementation(async (...args: Parameters<typeof auth.login>) => {
      await sleep(300);
      const result = await login(...args);
      loggedInAt = Date.now();
      return result;
    });
    const received = new Promise((resolve) => app.server.httpServer.once('request', resolve));
    const inFlight = app.anon().gql(LOGIN, LOGIN_INPUT);
    await received;
    await sleep(20);
    await app.server.stop();
    const stoppedAt = Date.now();

    expect(loggedInAt).toBeGreaterThan(0);
    expect(loggedInAt).toBeLessThanOrEqual(stoppedAt);
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.data.login.accessToken).toEqual(expect.any(String));
    expect(await wsClosed).toMatchObject({ code: 1001 });
    expect(app.server.connections.size).toBe(0);
    await expect(fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).rejects.toThrow();
  });
});

describe('OPS: unexpected errors', () => {
  let app: TestApp;
  const SECRET = 'connect ECONNREFUSED 10.1.2.3:5432 password=hunter2';
  beforeAll(async () => { app = await startTestApp({ NODE_ENV: 'production' }); });
  afterEach(() => { jest.restoreAllMocks(); });
  afterAll(async () => { await app?.stop(); });

  test('OPS: in production an unexpected exception is INTERNAL_SERVER_ERROR without message or stack trace on HTTP', async () => {
    jest.spyOn(app.server.services.auth, 'login').mockRejectedValue(new Error(SECRET));
    const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LOGIN, variables: LOGIN_INPUT }) });
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/stacktrace|\.ts:\d+|at .*\(/);
    const body = JSON.parse(text);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([{ message: expect.stringMatching(/^Internal server error \(request [0-9a-f-]{36}\)$/), path: ['login'], locations: [expect.any(Object)], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) } }]);
  });

  test('OPS: in production an unexpected exception is INTERNAL_SERVER_ERROR without message or stack trace on WebSocket', async () => {
    const admin = await app.as('admin');
    jest.spyOn(app.server.services.auth, 'login').mockRejectedValue(new Error(SECRET));
    const r = await wsExecute(app.ws(admin.token!), LOGIN, LOGIN_INPUT);
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(r.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Internal server error \(request /), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) } })]);
  });

  test('OPS: in production validation errors give no schema suggestions ("Did you mean …?"), on HTTP and WebSocket', async () => {
    const admin = await app.as('admin');
    const r = await admin.gql(`{ mee { id } }`);
    expect(r.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.errors![0].message).toBe('Cannot query field "mee" on type "Query".');
    const w = await wsExecute(app.ws(admin.token!), `{ mee { id } }`);
    expect(w.errors![0].message).toBe('Cannot query field "mee" on type "Query".');
    expect(JSON.stringify([r, w])).not.toContain('Did you mean');
  });

  test('OPS: a malformed JSON body is a 400 JSON error with BAD_USER_INPUT', async () => {
    const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
