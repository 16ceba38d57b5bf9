import { cleanEnv, str, port, bool, num, url, EnvError, EnvMissingError } from 'envalid';
import { compileTrust, type TrustProxy } from './client-address';

/** Runtime configuration, read from environment variables and validated once at start. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  seedDemo: boolean;
  logLevel: string;
  introspection: boolean;
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
    bodyLimitBytes: number;
  };
  auth: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    loginMaxFailuresPerLogin: number;
    loginMaxFailuresPerAddress: number;
    loginThrottleWindowSeconds: number;
    /** cap of the delay that slows a login with many recent failures from all addresses together */
    loginSlowdownMaxSeconds: number;
  };
  /** proxies trusted to report the client's address in X-Forwarded-For (see src/client-address.ts) */
  trustProxy: TrustProxy;
  dbPoolMax: number;
  /** poll interval of the erasure job runner; 0 = off */
  erasurePollSeconds: number;
  events: {
    /** fallback poll of the event outbox (a lost notification delays delivery by at most this) */
    pollMs: number;
    /** bytes a subscriber's socket may hold unsent before its subscription is ended as too slow (it resumes from its cursor) */
    maxBufferedBytes: number;
    /** days events are kept for resuming by cursor; older ones are pruned (src/subscriptions/outbox-retention.ts); 0 = for ever */
    retentionDays: number;
  };
  /** time budgets in milliseconds (src/schema/budgets.ts); jobs and migrations have none */
  budgets: { interactiveMs: number; reportMs: number; subscriptionEventMs: number };
  /** open subscriptions allowed per WebSocket connection and per user (in one server process) */
  subscriptions: { perSocket: number; perUser: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const positive = (desc: string, def: number) =>
  num({ default: def, desc });

/**
 * Reads and validates the configuration. Every bad value is reported with its variable name and
 * what was expected; nothing starts with a half-valid configuration.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const invalid = new Set<string>();
  const e = cleanEnv(
    env,
    {
      NODE_ENV: str({ choices: ['development', 'production', 'test'], default: 'development' }),
      PORT: port({ default: 4000, desc: 'HTTP and WebSocket port' }),
      HOST: str({ default: '0.0.0.0' }),
      DATABASE_URL: url({ default: undefined, desc: 'postgres://user:pass@host:port/db; unset = embedded PostgreSQL' }),
      DATA_DIR: str({ default: '.data', desc: 'where the embedded PostgreSQL keeps its data' }),
      SEED_DEMO: bool({ default: undefined, desc: 'seed the demo school once (default: only with the embedded database)' }),
      LOG_LEVEL: str({ choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }),
      GRAPHQL_INTROSPECTION: bool({ default: undefined, desc: 'default: on unless NODE_ENV=production' }),
      GRAPHQL_MAX_DEPTH: positive('maximum selection depth', 8),
      GRAPHQL_MAX_ALIASES: positive('maximum aliases per document', 15),
      GRAPHQL_MAX_TOKENS: positive('maximum lexical tokens per document', 1000),
      GRAPHQL_MAX_COST: positive('maximum cost per operation: field values it can produce, lists counted at their bound', 100000),
      GRAPHQL_BODY_LIMIT_BYTES: positive('maximum HTTP request body in bytes', 102400),
      ACCESS_TOKEN_TTL_SECONDS: positive('access token lifetime', 900),
      REFRESH_TOKEN_TTL_SECONDS: positive('refresh token lifetime', 30 * 24 * 3600),
      LOGIN_MAX_FAILURES_PER_LOGIN: positive('failed logins of one login from one address within the window before that pair is refused; from all addresses together, before the login is slowed', 5),
      LOGIN_MAX_FAILURES_PER_ADDRESS: positive('failed logins per client address within the window before throttling', 20),
      LOGIN_THROTTLE_WINDOW_SECONDS: positive('throttling window', 900),
      LOGIN_SLOWDOWN_MAX_SECONDS: positive('longest delay before verifying the password of a login with many failures from all addresses', 3),
      TRUST_PROXY: str({ default: 'false', desc: 'false, the number of proxies in front of the server, or their addresses/subnets (comma-separated)' }),
      DB_POOL_MAX: positive('database connection pool size', 10),
      ERASURE_POLL_SECONDS: num({ default: 60, desc: 'erasure job poll interval in seconds; 0 = off' }),
      EVENTS_POLL_MS: positive('fallback poll of the event outbox in milliseconds (NOTIFY wakes delivery at once)', 1000),
      EVENTS_MAX_BUFFERED_BYTES: positive('bytes a subscriber\'s socket may hold unsent (it reads too slowly) before its subscriptions are ended', 4 * 1024 * 1024),
      EVENTS_RETENTION_DAYS: num({ default: 30, desc: 'days live events are kept for clients resuming with a cursor; older ones are deleted; 0 = keep for ever' }),
      BUDGET_INTERACTIVE_MS: positive('time budget of a query or mutation in milliseconds (also the database statement timeout)', 5000),
      BUDGET_REPORT_MS: positive('time budget of a report query in milliseconds', 30000),
      BUDGET_SUBSCRIPTION_EVENT_MS: positive('time budget of one subscription event in milliseconds', 5000),
      SUBSCRIPTIONS_PER_SOCKET: positive('open subscriptions per WebSocket connection', 50),
      SUBSCRIPTIONS_PER_USER: positive('open subscriptions per user across their connections to one server process', 200),
    },
    {
      reporter: ({ errors }) => {
        for (const [name, err] of Object.entries(errors)) {
          invalid.add(name);
          if (err instanceof EnvMissingError) problems.push(`${name}: required but not set`);
          else if (err instanceof EnvError || err instanceof Error) problems.push(`${name}: ${err.message}`);
        }
      },
    },
  );
  const intKeys = [
    'GRAPHQL_MAX_DEPTH', 'GRAPHQL_MAX_ALIASES', 'GRAPHQL_MAX_TOKENS', 'GRAPHQL_MAX_COST', 'GRAPHQL_BODY_LIMIT_BYTES',
    'ACCESS_TOKEN_TTL_SECONDS', 'REFRESH_TOKEN_TTL_SECONDS', 'LOGIN_MAX_FAILURES_PER_LOGIN',
    'LOGIN_MAX_FAILURES_PER_ADDRESS', 'LOGIN_THROTTLE_WINDOW_SECONDS', 'LOGIN_SLOWDOWN_MAX_SECONDS', 'DB_POOL_MAX', 'EVENTS_POLL_MS', 'EVENTS_MAX_BUFFERED_BYTES',
    'SUBSCRIPTIONS_PER_SOCKET', 'SUBSCRIPTIONS_PER_USER', 'BUDGET_INTERACTIVE_MS', 'BUDGET_REPORT_MS', 'BUDGET_SUBSCRIPTION_EVENT_MS',
  ] as const;
  for (const k of intKeys) {
    if (invalid.has(k)) continue; // envalid's result throws when a variable that failed is read
    const v = (e as Record<string, unknown>)[k];
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 1)) {
      problems.push(`${k}: must be a positive integer, got "${env[k]}"`);
    }
  }
  if (!invalid.has('ERASURE_POLL_SECONDS') && (!Number.isInteger(e.ERASURE_POLL_SECONDS) || e.ERASURE_POLL_SECONDS < 0)) {
    problems.push(`ERASURE_POLL_SECONDS: must be a whole number ≥ 0, got "${env.ERASURE_POLL_SECONDS}"`);
  }
  if (!invalid.has('EVENTS_RETENTION_DAYS') && (!Number.isInteger(e.EVENTS_RETENTION_DAYS) || e.EVENTS_RETENTION_DAYS < 0)) {
    problems.push(`EVENTS_RETENTION_DAYS: must be a whole number ≥ 0, got "${env.EVENTS_RETENTION_DAYS}"`);
  }
  if (!invalid.has('DATABASE_URL') && e.DATABASE_URL && !/^postgres(ql)?:\/\//.test(e.DATABASE_URL)) {
    problems.push(`DATABASE_URL: must start with postgres:// or postgresql://`);
  }
  const trustProxy = invalid.has('TRUST_PROXY') ? false : parseTrustProxy(e.TRUST_PROXY, problems);
  if (problems.length) throw new ConfigError(problems);
  const production = e.NODE_ENV === 'production';
  return {
    nodeEnv: e.NODE_ENV as AppConfig['nodeEnv'],
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: e.DATA_DIR,
    seedDemo: e.SEED_DEMO ?? !e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    introspection: e.GRAPHQL_INTROSPECTION ?? !production,
    limits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST,
      bodyLimitBytes: e.GRAPHQL_BODY_LIMIT_BYTES,
    },
    auth: {
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      loginMaxFailuresPerLogin: e.LOGIN_MAX_FAILURES_PER_LOGIN,
      loginMaxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      loginThrottleWindowSeconds: e.LOGIN_THROTTLE_WINDOW_SECONDS,
      loginSlowdownMaxSeconds: e.LOGIN_SLOWDOWN_MAX_SECONDS,
    },
    trustProxy,
    dbPoolMax: e.DB_POOL_MAX,
    erasurePollSeconds: e.ERASURE_POLL_SECONDS,
    events: { pollMs: e.EVENTS_POLL_MS, maxBufferedBytes: e.EVENTS_MAX_BUFFERED_BYTES, retentionDays: e.EVENTS_RETENTION_DAYS },
    budgets: { interactiveMs: e.BUDGET_INTERACTIVE_MS, reportMs: e.BUDGET_REPORT_MS, subscriptionEventMs: e.BUDGET_SUBSCRIPTION_EVENT_MS },
    subscriptions: { perSocket: e.SUBSCRIPTIONS_PER_SOCKET, perUser: e.SUBSCRIPTIONS_PER_USER },
  };
}

/**
 * TRUST_PROXY: `false` (or `0`), a hop count (`1` = one proxy in front), or a comma-separated list
 * of proxy addresses and subnets. `true` is refused: it meant "trust every X-Forwarded-For entry",
 * which let a client choose its own address.
 */
export function parseTrustProxy(raw: string, problems: string[]): TrustProxy {
  const value = raw.trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') {
    problems.push('TRUST_PROXY: "true" would trust any address a client writes in X-Forwarded-For; give the number of proxies in front of the server (e.g. 1) or their addresses (e.g. 10.0.0.0/8,127.0.0.1)');
    return false;
  }
  if (/^[0-9]+$/.test(value)) return Number(value);
  const list = value.split(',').map((a) => a.trim());
  try {
    if (list.some((a) => !a)) throw new TypeError('empty entry in the list');
    compileTrust(list);
  } catch (err) {
    problems.push(`TRUST_PROXY: expected false, a number of proxies or a list of proxy addresses/subnets, got "${raw}" (${(err as Error).message})`);
    return false;
  }
  return list;
}
