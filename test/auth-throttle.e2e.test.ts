import { startTestApp, TestApp, LOGIN, errorCode, GqlResult } from './helpers/app';

let app: TestApp;
beforeAll(async () => { app = await startTestApp({ LOGIN_MAX_FAILURES_PER_LOGIN: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '6' }); });
afterAll(async () => { await app?.stop(); });
// Every test starts with a clean throttling record (all requests come from 127.0.0.1).
beforeEach(async () => { await app.sql('delete from login_attempt'); });

const login = (name: string, password: string) => app.anon().gql(LOGIN, { input: { login: name, password } });

async function state() {
  const [row] = await app.sql(
    `select (select count(*) from login_attempt)::int as attempts,
            (select count(*) from auth_session)::int as sessions,
            (select count(*) from audit_entry)::int as audit`,
  );
  return row;
}

function expectRateLimited(r: GqlResult) {
  expect(errorCode(r)).toBe('RATE_LIMITED');
  const retry = r.errors![0].extensions!.retryAfterSeconds;
  expect(Number.isInteger(retry)).toBe(true);
  expect(retry).toBeGreaterThan(0);
  expect(retry).toBeLessThanOrEqual(app.config.auth.loginThrottleWindowSeconds);
  expect(r.data?.login ?? null).toBeNull();
}

describe('R-SEC-1 login throttling', () => {
  test('R-SEC-1: after 3 failures for a login even the correct password is refused, and the refusal changes nothing', async () => {
    for (let i = 0; i < 3; i++) expect((await login('teacher', `wrong-${i}`)).data!.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    const before = await state();
    const r = await login('teacher', 'demo1234');
    expectRateLimited(r);
    expect(r.errors![0].message).toContain('"teacher"');
    expectRateLimited(await login('TEACHER', 'wrong'));
    expect(await state()).toEqual(before);
    // Another login from the same address is not affected yet (3 < 6).
    expect((await login('deputy', 'demo1234')).data!.login.accessToken).toBeTruthy();
  });

  test('R-SEC-1: after 6 failures from an address every login from it is refused, also a different one', async () => {
    for (let i = 0; i < 2; i++) await login('student', 'wrong');
    for (let i = 0; i < 2; i++) await login('parent', 'wrong');
    for (let i = 0; i < 2; i++) await login('no-such-user', 'wrong');
    const before = await state();
    const r = await login('director', 'demo1234');
    expectRateLimited(r);
    expect(r.errors![0].message).toContain('address');
    expect(await state()).toEqual(before);
  });

  test('R-SEC-1: a successful login resets the count for that login, not for the address', async () => {
    for (let i = 0; i < 2; i++) await login('classteacher', 'wrong');
    expect((await login('classteacher', 'demo1234')).data!.login.accessToken).toBeTruthy();
    for (let i = 0; i < 2; i++) expect((await login('classteacher', 'wrong')).data!.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    // 2 failures since the last success: still allowed.
    expect((await login('classteacher', 'demo1234')).data!.login.accessToken).toBeTruthy();
    // But the address has 4 failures; 2 more from anyone and it is throttled.
    for (let i = 0; i < 2; i++) await login('someone-else', 'wrong');
    expectRateLimited(await login('classteacher', 'demo1234'));
  });

  test('R-SEC-1: a wrong current password in passwordChange counts as a failed login', async () => {
    const c = await app.as('admin');
    const change = (currentPassword: string) => c.gql(
      `mutation P($input: PasswordChangeInput!) { passwordChange(input: $input) { userErrors { code } } }`,
      { input: { currentPassword, newPassword: 'a-new-password' } },
    );
    for (let i = 0; i < 3; i++) expect((await change('wrong')).data!.passwordChange.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    const before = await state();
    expectRateLimited(await change('demo1234'));
    expectRateLimited(await login('admin', 'demo1234'));
    expect(await state()).toEqual(before);
    // The password was not changed.
    await app.sql('delete from login_attempt');
    expect((await login('admin', 'demo1234')).data!.login.accessToken).toBeTruthy();
  });

  test('R-SEC-1: throttling is by recent failures only', async () => {
    for (let i = 0; i < 3; i++) await login('teacher', 'wrong');
    expectRateLimited(await login('teacher', 'demo1234'));
    // Failures older than the window no longer count.
    await app.sql(`update login_attempt set at = at - make_interval(secs => $1)`, [app.config.auth.loginThrottleWindowSeconds + 1]);
    expect((await login('teacher', 'demo1234')).data!.login.accessToken).toBeTruthy();
  });
});
