import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient, Client as WsClient } from 'graphql-ws';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig, AppConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { withDatabase } from '../../src/db/embedded';
import { initOrm, migrate } from '../../src/db/orm';
import { seedDemo } from '../../src/db/seed/demo';
import { startServer, AppServer } from '../../src/server';
import { DEMO_PASSWORD } from '../../src/db/seed/demo';
import { clock } from '../../src/clock';

/**
 * The school-calendar instant every test app starts at: a Tuesday inside the demo year 2025/2026
 * (tests pin DEMO_YEAR=2025), in the second quarter, 12:00 in Moscow. Tests move it with `app.clock.pin()`.
 */
export const TEST_NOW = '2025-11-25T09:00:00Z';

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
  status: number;
}

/** A GraphQL client over HTTP with an optional bearer token. */
export class HttpClient {
  constructor(readonly url: string, public token: string | null = null, readonly headers: Record<string, string> = {}) {}

  async gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...this.headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body: any;
    try { body = JSON.parse(text); } catch { body = { errors: [{ message: text }] }; }
    return { ...body, status: res.status };
  }

  /** Runs an operation that must succeed without errors and returns its data. */
  async ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const r = await this.gql<T>(query, variables);
    if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  }
}

export const errorCode = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

export const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id login } userErrors { code field message } }
}`;

export interface TestApp {
  url: string;
  wsUrl: string;
  orm: MikroORM;
  server: AppServer;
  config: AppConfig;
  databaseUrl: string;
  /** The server's school-calendar clock (pinned to TEST_NOW at start). */
  clock: typeof clock;
  anon(): HttpClient;
  /** Logs in (demo password by default) and returns a client carrying the access token. */
  as(login: string, password?: string): Promise<HttpClient & { refreshToken: string; userId: string }>;
  ws(token: string | null, extraParams?: Record<string, unknown>): WsClient;
  /** Plain SQL on the test database (for assertions and tampering). */
  sql<R = any>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs `fn` in one transaction of its own connection (COMMIT unless it throws). */
  tx<T>(fn: (sql: <R = any>(text: string, params?: unknown[]) => Promise<R[]>) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/** A database of its own for one test file: a clone of the migrated, seeded template. */
export interface TestDatabase {
  databaseUrl: string;
  /** Drops the database (connections still open to it are closed). */
  drop(): Promise<void>;
}

/**
 * Creates a database for a test file as a clone of the shared template, which is built (migrated,
 * foundation seed step only) by whichever test file gets here first.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.OTMETKA_TEST_ADMIN_URL!;
  const template = process.env.OTMETKA_TEST_TEMPLATE!;
  const dbName = `otmetka_t_${template.split('_').slice(2).join('_')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(hashtext($1))', [template]);
    try {
      const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
      if (exists.rowCount === 0) {
        await admin.query(`create database "${template}"`);
        const tplOrm = await initOrm(withDatabase(adminUrl, template), 2);
        try {
          await migrate(tplOrm);
          // Tests build the roster they need; the full demo roster is tested on its own (seed test).
          await seedDemo(tplOrm, ['foundation', 'journal-setup']);
        } finally {
          await tplOrm.close();
        }
      }
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [template]);
    }
    await admin.query(`create database "${dbName}" template "${template}"`);
  } finally {
    await admin.end();
  }
  return {
    databaseUrl: withDatabase(adminUrl, dbName),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`drop database if exists "${dbName}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

/**
 * Starts the real server on its own database (a clone of the migrated, seeded template).
 * `env` overrides configuration variables (e.g. limits) for this app only.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const { databaseUrl } = database;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  clock.pin(TEST_NOW);
  const orm = await initOrm(databaseUrl, 5, config.budgets.interactiveMs);
  const server = await startServer({ config, orm, log: createLogger(config.logLevel), databaseUrl, port: 0, host: '127.0.0.1' });
  const sqlPool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  // An idle connection ended by the server must not crash the test file; the next query reconnects.
  sqlPool.on('error', () => undefined);
  const wsClients: WsClient[] = [];
  const app: TestApp = {
    url: server.url,
    wsUrl: server.wsUrl,
    orm,
    server,
    config,
    databaseUrl,
    clock,
    anon: () => new HttpClient(server.url),
    async as(login, password = DEMO_PASSWORD) {
      const r = await new HttpClient(server.url).gql(LOGIN, { input: { login, password } });
      const p = r.data?.login;
      if (!p?.accessToken) throw new Error(`login ${login} failed: ${JSON.stringify(r)}`);
      return Object.assign(new HttpClient(server.url, p.accessToken), { refreshToken: p.refreshToken as string, userId: p.user.id as string });
    },
    ws(token, extraParams = {}) {
      const c = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraParams },
        onNonLazyError: () => undefined,
      });
      wsClients.push(c);
      return c;
    },
    async sql(text, params) {
      return (await sqlPool.query(text, params as unknown[])).rows;
    },
    async tx(fn) {
      const c = await sqlPool.connect();
      try {
        await c.query('begin');
        const result = await fn(async (text, params) => (await c.query(text, params as unknown[])).rows);
        await c.query('commit');
        return result;
      } catch (e) {
        await c.query('rollback').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    async stop() {
      await Promise.all(wsClients.map((c) => c.dispose()));
      await server.stop();
      await orm.close();
      await sqlPool.end();
      await database.drop();
    },
  };
  return app;
}

/** Runs a single operation over graphql-ws and resolves with its result (or rejects on close). */
export function wsExecute<T = any>(client: WsClient, query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: any[] }> {
  return new Promise((resolve, reject) => {
    let result: any;
    client.subscribe({ query, variables }, {
      next: (v) => { result = v; },
      error: (e) => {
        if (Array.isArray(e)) resolve({ errors: e });
        else reject(e);
      },
      complete: () => resolve(result),
    });
  });
}

/** Resolves with the close event of the client's socket. */
export function onClosed(client: WsClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    client.on('closed', (e: any) => resolve({ code: e.code, reason: e.reason }));
  });
}
