import { startTestApp, TestApp, HttpClient, errorCode, wsExecute } from './helpers/app';
import { authCounts, expectUnchanged } from './helpers/db';
import { formatError } from '../src/server';
import { createLogger } from '../src/logger';

/** Bad input gets a clear error and nothing else: no SQL, bound values or stack traces, in any mode. */
let app: TestApp;
let admin: HttpClient;
let schoolId: string;

const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.as('admin');
  [{ id: schoolId }] = await app.sql(`select id from school limit 1`);
  schoolId = Buffer.from(`School:${schoolId}`).toString('base64url');
});
afterAll(async () => { await app?.stop(); });

/** Nothing in the response that belongs in the server's log. */
function expectClean(r: unknown): void {
  const text = JSON.stringify(r);
  for (const leak of ['select ', 'insert ', 'stacktrace', ' at ', 'node_modules', '0x00']) expect(text).not.toContain(leak);
}

describe('NUL characters are bad input (R-SEC-5: nothing half-written)', () => {
  test('a NUL in a variable (users.search) is BAD_USER_INPUT with reason NUL_CHARACTER, on HTTP and WebSocket', async () => {
    const q = `query($sc: ID!, $s: String) { users(schoolId: $sc, first: 5, search: $s) { edges { node { id } } } }`;
    const r = await admin.gql(q, { sc: schoolId, s: 'ab\u0000c' });
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0].extensions!.reason).toBe('NUL_CHARACTER');
    expect(r.errors![0].message).toContain('$s');
    expectClean(r);
    const ws = app.ws(admin.token);
    const w = await wsExecute(ws, q, { sc: schoolId, s: 'x\u0000' });
    expect(w.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(w.errors?.[0]?.extensions?.reason).toBe('NUL_CHARACTER');
  });

  test('a NUL in a literal argument of a mutation is refused before it runs, and nothing changes', async () => {
    const r = await expectUnchanged(app, ['subject', 'audit_entry'], () => admin.gql(
      `mutation { subjectCreate(input: { schoolId: "${schoolId}", name: "Физика\\u0000", component: FEDERAL }) { subject { id } userErrors { code } } }`));
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0].extensions!.reason).toBe('NUL_CHARACTER');
    expectClean(r);
  });

  test('a forged cursor holding NUL is a bad cursor, not an internal error', async () => {
    const r = await admin.gql(`query($sc: ID!, $a: String) { users(schoolId: $sc, first: 5, after: $a) { edges { node { id } } } }`, { sc: schoolId, a: cursorOf(['ab\u0000', 'x']) });
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0].message).toContain('cursor');
    expectClean(r);
  });
});

describe('schema suggestions', () => {
  test('outside production a mistyped field gets graphql-js\'s suggestion (production hides it: see ops.e2e)', async () => {
    const r = await admin.gql(`{ mee { id } }`);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0].message).toContain('Did you mean "me"?');
  });
});

describe('unexpected errors', () => {
  test('an unexpected error reaches the client as INTERNAL_SERVER_ERROR with a request id only, in every mode', () => {
    const fmt = formatError(createLogger('silent'));
    const dbError = Object.assign(new Error('insert into "subject" ("name") values ($1) - invalid byte sequence for encoding "UTF8": 0x00'), { stack: 'Error: x\n    at Foo (/app/node_modules/pg/lib/client.js:1:1)' });
    const formatted = fmt({ message: dbError.message, path: ['subjectCreate'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: dbError.stack!.split('\n') } }, dbError);
    expect(formatted.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(formatted.message).toBe(`Internal server error (request ${formatted.extensions!.requestId})`);
    expectClean(formatted);
  });

  test('known errors keep their code and message but never a stack trace', () => {
    const fmt = formatError(createLogger('silent'));
    const formatted = fmt({ message: 'Student not found', extensions: { code: 'NOT_FOUND', stacktrace: ['at x'] } }, new Error('Student not found'));
    expect(formatted).toEqual({ message: 'Student not found', extensions: { code: 'NOT_FOUND' } });
  });
});

describe('subscriptions over HTTP (issue 9 §3)', () => {
  const SUB = 'subscription { teacherEvents { cursor } }';
  const expectRefused = (r: { status: number; body: any }) => {
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toEqual([{
      message: expect.stringMatching(/WebSocket.*graphql-transport-ws/), locations: [{ line: 1, column: 1 }],
      extensions: { code: 'BAD_USER_INPUT', reason: 'SUBSCRIPTION_OVER_HTTP' },
    }]);
    expectClean(r.body);
  };

  test('a subscription sent by POST is a 400 BAD_USER_INPUT pointing to the WebSocket, whatever the Accept, not a 500', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${admin.token}` }, body: JSON.stringify({ query: SUB }) });
      expectRefused({ status: res.status, body: await res.json() });
    }
  });

  test('a subscription sent by GET gets the same answer (not a 405 that points to POST)', async () => {
    const res = await fetch(`${app.url}?query=${encodeURIComponent(SUB)}`, { headers: { authorization: `Bearer ${admin.token}`, 'apollo-require-preflight': 'true' } });
    expect(res.headers.get('allow')).toBeNull();
    expectRefused({ status: res.status, body: await res.json() });
  });
});

describe('argument validation (issue 9 §3): BAD_USER_INPUT with field and message, no class-validator internals', () => {
  const INTERNALS = ['validationErrors', 'constraints', 'target', 'children', 'Argument Validation Error'];
  /** The one error of `r`, with exactly code and field in its extensions. */
  const expectArgError = (r: { errors?: any[]; data?: any }, field: string, message: string) => {
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(r.errors![0].message).toBe(message);
    for (const internal of INTERNALS) expect(JSON.stringify(r)).not.toContain(internal);
  };
  const STAFF = `query($sc: ID!, $n: Int!) { staff(schoolId: $sc, first: $n) { edges { node { id } } } }`;

  test('connection `first` over the cap, zero and negative (literal and variable)', async () => {
    expectArgError(await admin.gql(`{ staff(schoolId: "${schoolId}", first: 101) { edges { node { id } } } }`), 'first', '"first" must not be greater than 100');
    expectArgError(await admin.gql(STAFF, { sc: schoolId, n: 0 }), 'first', '"first" must not be less than 1');
    expectArgError(await admin.gql(STAFF, { sc: schoolId, n: -5 }), 'first', '"first" must not be less than 1');
    expect((await admin.gql(STAFF, { sc: schoolId, n: 100 })).errors).toBeUndefined();
  });

  test('a too-long string in a filter and in args: the argument path is the field', async () => {
    const long = 'x'.repeat(101);
    expectArgError(await admin.gql(`query($sc: ID!, $t: String) { auditLog(schoolId: $sc, filter: { entityType: $t }) { edges { cursor } } }`, { sc: schoolId, t: long }),
      'filter.entityType', '"filter.entityType" must be shorter than or equal to 100 characters');
    expectArgError(await admin.gql(`query($sc: ID!, $s: String) { users(schoolId: $sc, search: $s) { edges { cursor } } }`, { sc: schoolId, s: long }),
      'search', '"search" must be shorter than or equal to 100 characters');
    // Two arguments at fault: one error, for the first declared.
    expectArgError(await admin.gql(`query($sc: ID!, $s: String) { users(schoolId: $sc, first: 0, search: $s) { edges { cursor } } }`, { sc: schoolId, s: long }),
      'first', '"first" must not be less than 1');
  });

  test('a too-long login or password: input.<field>, the value is never echoed, nothing is written', async () => {
    const secret = `Пароль-${'s'.repeat(300)}`;
    const before = await authCounts(app);
    const r = await expectUnchanged(app, ['audit_entry', 'auth_session'], () => admin.gql(
      `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }`, { i: { login: 'admin', password: secret } }));
    expectArgError(r, 'input.password', '"input.password" must be shorter than or equal to 200 characters');
    expect(JSON.stringify(r)).not.toContain('sss');
    expect(await authCounts(app)).toEqual(before);
    expectArgError(await admin.gql(`mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, { i: { login: 'a'.repeat(101), password: 'x' } }),
      'input.login', '"input.login" must be shorter than or equal to 100 characters');
  });

  test('the same error over graphql-ws', async () => {
    const w = await wsExecute(app.ws(admin.token), STAFF, { sc: schoolId, n: 101 });
    expect(w.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(w.errors?.[0]?.message).toBe('"first" must not be greater than 100');
    expect(JSON.stringify(w)).not.toContain('validationErrors');
  });
});
