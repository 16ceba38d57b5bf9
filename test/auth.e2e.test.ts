import { startTestApp, TestApp, LOGIN, HttpClient, errorCode, wsExecute, onClosed } from './helpers/app';
import { authCounts } from './helpers/db';
import { user } from './helpers/factories';
import { plainAudit } from './helpers/audit';

let app: TestApp;
// Many tests here fail logins on purpose; throttling has its own file.
beforeAll(async () => { app = await startTestApp({ LOGIN_MAX_FAILURES_PER_ADDRESS: '1000', LOGIN_MAX_FAILURES_PER_LOGIN: '1000' }); });
afterAll(async () => { await app?.stop(); });

const REFRESH = `mutation R($input: TokenRefreshInput!) {
  tokenRefresh(input: $input) { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt user { id login } userErrors { code field message } }
}`;
const LOGOUT = `mutation { logout { loggedOut userErrors { code message } } }`;
const PASSWORD_CHANGE = `mutation P($input: PasswordChangeInput!) {
  passwordChange(input: $input) { user { id login mustChangePassword } userErrors { code field message } }
}`;
const ME = `{ me { id login } }`;

let seq = 0;
/** A fresh user holding `role` in the demo school, password demo1234. */
async function newUser(role = 'TEACHER'): Promise<string> {
  const login = `u${++seq}_${Date.now().toString(36)}`;
  const [school] = await app.sql(`select id from school order by created_at limit 1`);
  await user(app, school.id, [role], { login, lastName: 'Тестов', firstName: login });
  return login;
}

/** Counts that a refused call must leave unchanged. */
const dbState = () => authCounts(app, { usedTokens: true });

const sessionOf = async (accessTokenHashSource: string) =>
  (await app.sql(
    `select s.* from auth_session s join auth_token t on t.session_id = s.id where t.hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`,
    [accessTokenHashSource],
  ))[0];

describe('R-SEC-1 login', () => {
  test('R-SEC-1: a demo user logs in and reads `me` with roles', async () => {
    const admin = await app.as('admin');
    const me = await admin.ok(`{ me { login fullName roles { role school { name } } } }`);
    expect(me.me.login).toBe('admin');
    expect(me.me.roles[0].role).toBe('ADMIN');
  });

  test('R-SEC-1: wrong password is a userError and issues no token', async () => {
    const before = await dbState();
    const r = await app.anon().ok(LOGIN, { input: { login: 'admin', password: 'wrong' } });
    expect(r.login.accessToken).toBeNull();
    expect(r.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    expect(await dbState()).toEqual(before);
  });

  test('R-SEC-1: the login is case-insensitive and an unknown login gives the same error as a wrong password', async () => {
    const r = await app.anon().ok(LOGIN, { input: { login: '  ADMIN ', password: 'demo1234' } });
    expect(r.login.user.login).toBe('admin');
    const unknown = await app.anon().ok(LOGIN, { input: { login: 'nobody-here', password: 'demo1234' } });
    expect(unknown.login.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS', field: ['input'], message: 'Wrong login or password' }]);
  });

  test('R-SEC-1: a login creates one audited session', async () => {
    const before = await dbState();
    const teacher = await app.as('teacher');
    const after = await dbState();
    expect(after.sessions).toBe(before.sessions + 1);
    const session = await sessionOf(teacher.token!);
    const audit = await plainAudit(app, `select * from audit_entry where entity_type = 'AuthSession' and entity_id = $1`, [session.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ operation: 'login', action: 'CREATE', actor_login: 'teacher', session_id: session.id });
  });
});

describe('R-SEC-1 tokenRefresh', () => {
  test('R-SEC-1: a refresh token gives a new token pair in the same session, and is marked used', async () => {
    const c = await app.as(await newUser());
    const sessionBefore = await sessionOf(c.token!);
    const before = await dbState();
    const r = await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } });
    const p = r.tokenRefresh;
    expect(p.userErrors).toEqual([]);
    expect(p.accessToken).toMatch(/^otm_at_/);
    expect(p.refreshToken).toMatch(/^otm_rt_/);
    expect(p.accessToken).not.toBe(c.token);
    expect(p.refreshToken).not.toBe(c.refreshToken);
    expect(p.user.id).toBe(c.userId);
    expect(new Date(p.refreshTokenExpiresAt).getTime()).toBeGreaterThan(new Date(p.accessTokenExpiresAt).getTime());

    const after = await dbState();
    expect(after.sessions).toBe(before.sessions);
    expect(after.tokens).toBe(before.tokens + 2);
    expect(after.used).toBe(before.used + 1);
    const sessionAfter = await sessionOf(p.accessToken);
    expect(sessionAfter.id).toBe(sessionBefore.id);
    expect(sessionAfter.last_refreshed_at).not.toBeNull();

    // The refresh is audited as the session's user.
    const audit = await app.sql(`select * from audit_entry where entity_type = 'AuthSession' and entity_id = $1 and operation = 'tokenRefresh'`, [sessionAfter.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'UPDATE', actor_id: sessionAfter.user_id, session_id: sessionAfter.id });
    expect(Object.keys(audit[0].changes)).toEqual(['lastRefreshedAt']);

    const me = await new HttpClient(app.url, p.accessToken).ok(ME);
    expect(me.me.id).toBe(c.userId);
    // The new refresh token works once more.
    const again = await app.anon().ok(REFRESH, { input: { refreshToken: p.refreshToken } });
    expect(again.tokenRefresh.userErrors).toEqual([]);
  });

  test('R-SEC-1: reusing a used refresh token ends the whole session and closes its sockets', async () => {
    const login = await newUser();
    const c = await app.as(login);
    const other = await app.as(login);
    const first = (await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })).tokenRefresh;
    const ws = app.ws(first.accessToken);
    expect((await wsExecute(ws, ME)).data.me.id).toBe(c.userId);
    const closed = onClosed(ws);

    const reuse = (await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })).tokenRefresh;
    expect(reuse.accessToken).toBeNull();
    expect(reuse.refreshToken).toBeNull();
    expect(reuse.user).toBeNull();
    expect(reuse.userErrors).toEqual([expect.objectContaining({ code: 'REFRESH_TOKEN_REUSED', field: ['input', 'refreshToken'] })]);

    // The revocation was committed although the call failed.
    const session = await sessionOf(first.accessToken);
    expect(session.revoked_at).not.toBeNull();
    expect(session.revoked_reason).toBe('refresh_token_reused');
    expect((await closed).code).toBe(4401);

    // Every token of the family stops working: the old and new access tokens, the newest refresh token.
    for (const token of [c.token!, first.accessToken]) {
      const r = await new HttpClient(app.url, token).gql(ME);
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
      expect(r.errors![0].extensions!.reason).toBe('REVOKED');
    }
    const latest = (await app.anon().ok(REFRESH, { input: { refreshToken: first.refreshToken } })).tokenRefresh;
    expect(latest.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    // A second reuse changes nothing more.
    const before = await dbState();
    const again = (await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })).tokenRefresh;
    expect(again.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    expect(await dbState()).toEqual(before);

    // Other sessions of the same user are untouched.
    expect((await other.ok(ME)).me.id).toBe(c.userId);
    expect((await app.anon().ok(REFRESH, { input: { refreshToken: other.refreshToken } })).tokenRefresh.userErrors).toEqual([]);
  });

  test('R-SEC-1: concurrent uses of one refresh token: exactly one succeeds', async () => {
    const c = await app.as(await newUser());
    const results = await Promise.all([1, 2, 3].map(() => app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })));
    const ok = results.filter((r) => r.tokenRefresh.userErrors.length === 0);
    expect(ok).toHaveLength(1);
    // The others were reuses: the session is ended.
    expect(results.filter((r) => r.tokenRefresh.userErrors[0]?.code === 'REFRESH_TOKEN_REUSED').length).toBeGreaterThanOrEqual(1);
    expect((await sessionOf(c.token!)).revoked_at).not.toBeNull();
  });

  test('R-SEC-1: unknown, access, expired and ended-session tokens are INVALID_REFRESH_TOKEN and change nothing', async () => {
    const c = await app.as(await newUser());
    const expired = await app.as(await newUser());
    await app.sql(`update auth_token set expires_at = now() - interval '1 second' where session_id = $1 and kind = 'REFRESH'`, [(await sessionOf(expired.token!)).id]);
    const loggedOut = await app.as(await newUser());
    await loggedOut.ok(LOGOUT);

    const before = await dbState();
    for (const refreshToken of ['otm_rt_nonsense', c.token!, expired.refreshToken, loggedOut.refreshToken]) {
      const r = (await app.anon().ok(REFRESH, { input: { refreshToken } })).tokenRefresh;
      expect(r.accessToken).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_REFRESH_TOKEN', field: ['input', 'refreshToken'] })]);
    }
    expect(await dbState()).toEqual(before);
    // The valid one still works afterwards.
    expect((await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })).tokenRefresh.userErrors).toEqual([]);
  });

  test('R-SEC-1: an empty or oversized refresh token is BAD_USER_INPUT', async () => {
    for (const refreshToken of ['', 'x'.repeat(201)]) {
      const r = await app.anon().gql(REFRESH, { input: { refreshToken } });
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
    }
  });

  test('R-SEC-6: a blocked user cannot refresh: ACCOUNT_BLOCKED, nothing changes', async () => {
    const login = await newUser();
    const c = await app.as(login);
    await app.sql(`update app_user set blocked_at = now(), blocked_reason = 'test' where login = $1`, [login]);
    const before = await dbState();
    const r = (await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })).tokenRefresh;
    expect(r.accessToken).toBeNull();
    expect(r.userErrors[0].code).toBe('ACCOUNT_BLOCKED');
    expect(await dbState()).toEqual(before);
  });
});

describe('R-SEC-1 logout', () => {
  test('R-SEC-1: logout ends the current session only and closes its socket (4401)', async () => {
    const login = await newUser();
    const c = await app.as(login);
    const other = await app.as(login);
    const ws = app.ws(c.token);
    const otherWs = app.ws(other.token);
    await wsExecute(ws, ME);
    await wsExecute(otherWs, ME);
    const closed = onClosed(ws);

    const r = await c.ok(LOGOUT);
    expect(r.logout).toEqual({ loggedOut: true, userErrors: [] });
    expect((await closed).code).toBe(4401);

    const me = await c.gql(ME);
    expect(errorCode(me)).toBe('UNAUTHENTICATED');
    expect(me.errors![0].extensions!.reason).toBe('REVOKED');
    const refresh = (await app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } })).tokenRefresh;
    expect(refresh.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');

    const session = await sessionOf(c.token!);
    expect(session.revoked_reason).toBe('logout');
    const audit = await plainAudit(app, `select * from audit_entry where entity_type = 'AuthSession' and entity_id = $1 and operation = 'logout'`, [session.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_login).toBe(login);

    // The other session of the same user and its socket live on.
    expect((await other.ok(ME)).me.login).toBe(login);
    expect((await wsExecute(otherWs, ME)).data.me.login).toBe(login);
  });

  test('R-SEC-1: logout without a valid token is UNAUTHENTICATED and changes nothing', async () => {
    const before = await dbState();
    expect(errorCode(await app.anon().gql(LOGOUT))).toBe('UNAUTHENTICATED');
    expect(errorCode(await new HttpClient(app.url, 'otm_at_bogus').gql(LOGOUT))).toBe('UNAUTHENTICATED');
    expect(await dbState()).toEqual(before);
  });
});

describe('R-SEC-1 passwordChange', () => {
  test('R-SEC-1: changing the password ends the other sessions and keeps the current one', async () => {
    const login = await newUser();
    const c = await app.as(login);
    const other = await app.as(login);
    const otherWs = app.ws(other.token);
    await wsExecute(otherWs, ME);
    const closed = onClosed(otherWs);

    const r = await c.ok(PASSWORD_CHANGE, { input: { currentPassword: 'demo1234', newPassword: 'Новый-пароль-42' } });
    expect(r.passwordChange).toEqual({ user: { id: c.userId, login, mustChangePassword: false }, userErrors: [] });
    expect((await closed).code).toBe(4401);

    expect((await c.ok(ME)).me.login).toBe(login);
    const otherMe = await other.gql(ME);
    expect(otherMe.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED' });
    expect((await sessionOf(other.token!)).revoked_reason).toBe('password_changed');

    const old = await app.anon().ok(LOGIN, { input: { login, password: 'demo1234' } });
    expect(old.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    await app.as(login, 'Новый-пароль-42');

    // Audited without revealing the hash.
    const [audit] = await plainAudit(
      app,
      `select a.* from audit_entry a join app_user u on a.entity_id = u.id::text where u.login = $1 and a.operation = 'passwordChange' and a.entity_type = 'User'`,
      [login],
    );
    expect(audit.changes.passwordHash).toEqual({ before: '[redacted]', after: '[redacted]' });
    expect(audit.actor_login).toBe(login);
  });

  test('R-SEC-1: a wrong current password is INVALID_CREDENTIALS, changes nothing and counts as a failed login', async () => {
    const login = await newUser();
    const c = await app.as(login);
    const other = await app.as(login);
    const before = await dbState();
    // The failures counted for the login (from all addresses), summed over the keyed counters.
    const failures = async () => Number((await app.sql(`select coalesce(sum(points), 0) as n from login_throttle where key like 'login:%'`))[0].n);
    const attemptsBefore = await failures();
    const r = await c.ok(PASSWORD_CHANGE, { input: { currentPassword: 'not-it', newPassword: 'something-long' } });
    expect(r.passwordChange.user).toBeNull();
    expect(r.passwordChange.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS', field: ['input', 'currentPassword'] })]);
    expect(await dbState()).toEqual(before);
    expect(await failures()).toBe(attemptsBefore + 1);
    expect((await other.ok(ME)).me.login).toBe(login);
  });

  test.each([
    ['too short', 'short7!'],
    ['too long', 'x'.repeat(201)],
    ['the same as the current one', 'demo1234'],
    ['the login', '__LOGIN__'],
    ['the login in other case', '__LOGIN_UPPER__'],
  ])('R-SEC-1: a new password that is %s is WEAK_PASSWORD and changes nothing', async (_name, pw) => {
    const login = await newUser();
    const c = await app.as(login);
    const newPassword = pw === '__LOGIN__' ? login : pw === '__LOGIN_UPPER__' ? login.toUpperCase() : pw;
    const before = await dbState();
    const r = await c.ok(PASSWORD_CHANGE, { input: { currentPassword: 'demo1234', newPassword } });
    expect(r.passwordChange.user).toBeNull();
    expect(r.passwordChange.userErrors).toEqual([expect.objectContaining({ code: 'WEAK_PASSWORD', field: ['input', 'newPassword'] })]);
    expect(await dbState()).toEqual(before);
    await app.as(login);
  });

  test('R-SEC-1: passwords of 8 and 200 characters are accepted', async () => {
    for (const newPassword of ['12345678', 'п'.repeat(200)]) {
      const login = await newUser();
      const c = await app.as(login);
      const r = await c.ok(PASSWORD_CHANGE, { input: { currentPassword: 'demo1234', newPassword } });
      expect(r.passwordChange.userErrors).toEqual([]);
    }
  });

  test('R-SEC-1: passwordChange needs a session', async () => {
    const before = await dbState();
    const r = await app.anon().gql(PASSWORD_CHANGE, { input: { currentPassword: 'demo1234', newPassword: 'whatever-long' } });
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
    expect(await dbState()).toEqual(before);
  });
});
