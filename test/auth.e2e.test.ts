import { startTestApp, TestApp, LOGIN } from './helpers/app';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app?.stop(); });

describe('R-SEC-1 login', () => {
  test('R-SEC-1: a demo user logs in and reads `me` with roles', async () => {
    const admin = await app.as('admin');
    const me = await admin.ok(`{ me { login fullName roles { role school { name } } } }`);
    expect(me.me.login).toBe('admin');
    expect(me.me.roles[0].role).toBe('ADMIN');
  });

  test('R-SEC-1: wrong password is a userError and issues no token', async () => {
    const r = await app.anon().ok(LOGIN, { input: { login: 'admin', password: 'wrong' } });
    expect(r.login.accessToken).toBeNull();
    expect(r.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
  });
});
