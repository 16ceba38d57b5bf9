import { startTestApp, TestApp, HttpClient, errorCode, wsExecute } from './helpers/app';
import { expectUnchanged } from './helpers/db';
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
