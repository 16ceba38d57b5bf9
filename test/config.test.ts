import { buildSchema, parse, validate } from 'graphql';
import { loadConfig, ConfigError } from '../src/config';
import { limitRules } from '../src/schema/limits';

/** The problems loadConfig reports for `env` (fails the test if it accepts it). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('CONFIG: bad values are refused with the variable named', () => {
  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['GRAPHQL_INTROSPECTION', 'maybe'],
    ['GRAPHQL_MAX_DEPTH', '0'],
    ['GRAPHQL_MAX_DEPTH', '2.5'],
    ['GRAPHQL_MAX_DEPTH', 'abc'],
    ['GRAPHQL_MAX_ALIASES', '-1'],
    ['GRAPHQL_MAX_TOKENS', '0'],
    ['GRAPHQL_MAX_COST', 'lots'],
    ['GRAPHQL_BODY_LIMIT_BYTES', '1.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['TRUST_PROXY', 'sometimes'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1,,127.0.0.1'],
    ['TRUST_PROXY', '-1'],
    ['LOGIN_SLOWDOWN_MAX_SECONDS', '0'],
    ['DB_POOL_MAX', '0'],
  ])('CONFIG: %s=%s is refused', (name, value) => {
    const p = problems({ [name]: value });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^${name}: `));
  });

  test('CONFIG: the error message lists the variable and what was wrong', () => {
    expect(() => loadConfig({ GRAPHQL_MAX_DEPTH: '0' })).toThrow(/Invalid configuration:\n {2}- GRAPHQL_MAX_DEPTH: must be a positive integer, got "0"/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must start with postgres:\/\//);
  });

  test('CONFIG: several bad values are all listed at once', () => {
    const p = problems({
      PORT: 'abc', NODE_ENV: 'staging', GRAPHQL_MAX_DEPTH: 'abc', GRAPHQL_MAX_COST: '0', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud',
    });
    expect(p.map((x) => x.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'GRAPHQL_MAX_COST', 'GRAPHQL_MAX_DEPTH', 'LOG_LEVEL', 'NODE_ENV', 'PORT']);
  });
});

describe('CONFIG: defaults', () => {
  test('CONFIG: development by default, with introspection on', () => {
    const c = loadConfig({});
    expect(c.nodeEnv).toBe('development');
    expect(c.introspection).toBe(true);
    expect(c.port).toBe(4000);
  });

  test('CONFIG: introspection is off in production unless asked for', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test' }).introspection).toBe(true);
  });

  test('CONFIG: the demo school is seeded only with the embedded database unless asked for', () => {
    const url = 'postgres://u:p@db.example:5432/otmetka';
    expect(loadConfig({}).seedDemo).toBe(true);
    expect(loadConfig({ DATABASE_URL: url }).seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: url, SEED_DEMO: 'true' }).seedDemo).toBe(true);
    expect(loadConfig({ SEED_DEMO: 'false' }).seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl).toBe('postgresql://u@h/db');
  });

  test('CONFIG: limits are read from the environment', () => {
    const c = loadConfig({ GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_ALIASES: '4', GRAPHQL_MAX_TOKENS: '50', GRAPHQL_MAX_COST: '60', GRAPHQL_BODY_LIMIT_BYTES: '700' });
    expect(c.limits).toEqual({ maxDepth: 3, maxAliases: 4, maxTokens: 50, maxCost: 60, bodyLimitBytes: 700 });
  });
});

describe('issue 9 §2: TRUST_PROXY is a hop count or a list of proxies, never "trust everything"', () => {
  test('issue 9 §2: unset, false and 0 trust no proxy', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  test('issue 9 §2: a number is the count of proxies in front of the server', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  test('issue 9 §2: a list names the trusted proxies by address, subnet or proxy-addr name', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ TRUST_PROXY: 'loopback,fd00::/8' }).trustProxy).toEqual(['loopback', 'fd00::/8']);
  });

  test('issue 9 §2: "true" is refused with what to write instead', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: "true" would trust any address a client writes in X-Forwarded-For; give the number of proxies/);
  });

  test('issue 9 §2: login slowdown cap', () => {
    expect(loadConfig({}).auth.loginSlowdownMaxSeconds).toBe(3);
    expect(loadConfig({ LOGIN_SLOWDOWN_MAX_SECONDS: '10' }).auth.loginSlowdownMaxSeconds).toBe(10);
  });
});

describe('LIMITS: default limits fit the clients\' documents (sizing in src/schema/limits.ts)', () => {
  // The limit rules look at the document's shape only, so documents of fields still being added can be checked.
  const schema = buildSchema('type Query { placeholder: Int }');
  const limitErrors = (doc: string) => validate(schema, parse(doc, { maxTokens: loadConfig({}).limits.maxTokens }), limitRules(loadConfig({ NODE_ENV: 'production' })))
    .map((e) => `${e.extensions.reason}: ${e.message}`);

  test.each([
    ['the audit log page (depth 7)', '{ auditLog(first: 100) { edges { cursor node { id at operation actor { id fullName roles { role school { name } } } } } pageInfo { hasNextPage endCursor } } }'],
    ['a week of aliased year lookups', `{ ${['mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => `${d}: academicYear(id: "${d}") { periods { id name startDate endDate } holidays { id name } }`).join(' ')} }`],
  ])('LIMITS: the default limits accept %s', (_name, doc) => {
    expect(limitErrors(doc)).toEqual([]);
  });

  // Cost depends on the schema's list bounds and the variables: test/cost.test.ts checks it on the real schema.
  test('LIMITS: the default limits refuse a query one connection hop deeper than any client needs', () => {
    expect(limitErrors('{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }')).toEqual([expect.stringMatching(/^MAX_DEPTH: /)]);
  });
});
