import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startTestApp, TestApp, LOGIN, HttpClient, errorCode, wsExecute, onClosed, GqlResult } from './helpers/app';
import { authCounts } from './helpers/db';
import { grantRole, user } from './helpers/factories';
import { plainAudit } from './helpers/audit';
import { toGlobalId } from '../src/schema/node';

let app: TestApp;
let demoSchoolId: string;
let otherSchoolId: string;
beforeAll(async () => {
  app = await startTestApp({ LOGIN_MAX_FAILURES_PER_ADDRESS: '1000', LOGIN_MAX_FAILURES_PER_LOGIN: '1000' });
  demoSchoolId = (await app.sql(`select id from school order by created_at limit 1`))[0].id;
  [{ id: otherSchoolId }] = await app.sql(
    `insert into school (id, created_at, updated_at, name, time_zone) values (gen_random_uuid(), now(), now(), 'Гимназия № 2', 'Asia/Yekaterinburg') returning id`,
  );
  await newUser('adminb', ['ADMIN'], otherSchoolId);
  await newUser('directorb', ['DIRECTOR'], otherSchoolId);
  await newUser('deputyb', ['DEPUTY'], otherSchoolId);
});
afterAll(async () => { await app?.stop(); });

const ME = `{ me { id login } }`;
const RESET = `mutation R($input: PasswordResetInput!) {
  passwordReset(input: $input) { oneTimePassword user { id login mustChangePassword } userErrors { code field message } }
}`;
const BLOCK = `mutation B($input: UserBlockInput!) {
  userBlock(input: $input) { user { id blockedAt blockedReason } userErrors { code field message } }
}`;
const UNBLOCK = `mutation U($input: UserUnblockInput!) {
  userUnblock(input: $input) { user { id blockedAt blockedReason } userErrors { code field message } }
}`;
const PASSWORD_CHANGE = `mutation P($input: PasswordChangeInput!) {
  passwordChange(input: $input) { user { id mustChangePassword } userErrors { code field message } }
}`;
const REFRESH = `mutation R($input: TokenRefreshInput!) { tokenRefresh(input: $input) { accessToken userErrors { code } } }`;
const USERS = `query Users($schoolId: ID!, $role: Role, $search: String, $first: Int, $after: String) {
  users(schoolId: $schoolId, role: $role, search: $search, first: $first, after: $after) {
    edges { cursor node { id login lastName firstName } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

let seq = 0;
/** A fresh user with `roles` in a school (the demo school by default), password demo1234; returns the login. */
async function newUser(login = `acc${++seq}_${Date.now().toString(36)}`, roles = ['TEACHER'], schoolId = demoSchoolId, lastName = 'Тестов', firstName = login): Promise<string> {
  await user(app, schoolId, roles, { login, lastName, firstName });
  return login;
}

const userGid = async (login: string) => toGlobalId('User', (await app.sql(`select id from app_user where login = $1`, [login]))[0].id);

/** Counts that a refused call must leave unchanged. */
const dbState = () => authCounts(app);

const unauthReason = (r: GqlResult) => [errorCode(r), r.errors?.[0]?.extensions?.reason];

describe('R-ROLE-1 passwordReset', () => {
  test('R-ROLE-1: an admin issues a one-time password; the user must change it before anything else', async () => {
    const login = await newUser(undefined, ['DIRECTOR']);
    const victim = await app.as(login);
    const ws = app.ws(victim.token);
    await wsExecute(ws, ME);
    const closed = onClosed(ws);
    const admin = await app.as('admin');

    const r = (await admin.ok(RESET, { input: { userId: victim.userId } })).passwordReset;
    expect(r.userErrors).toEqual([]);
    expect(r.user).toEqual({ id: victim.userId, login, mustChangePassword: true });
    expect(r.oneTimePassword).toMatch(/^[a-km-z2-9]{5}-[a-km-z2-9]{5}$/);
    expect((await closed).code).toBe(4401);

    // Every old session ended; the old password no longer works.
    expect(unauthReason(await victim.gql(ME))).toEqual(['UNAUTHENTICATED', 'REVOKED']);
    expect((await app.anon().ok(REFRESH, { input: { refreshToken: victim.refreshToken } })).tokenRefresh.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    expect((await app.anon().ok(LOGIN, { input: { login, password: 'demo1234' } })).login.userErrors[0].code).toBe('INVALID_CREDENTIALS');

    // With the one-time password: `me` and passwordChange only.
    const otp = await app.as(login, r.oneTimePassword);
    expect((await otp.ok(`{ me { login mustChangePassword } }`)).me).toEqual({ login, mustChangePassword: true });
    const refused = await otp.gql(USERS, { schoolId: toGlobalId('School', demoSchoolId) });
    expect(refused.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PASSWORD_CHANGE_REQUIRED' });
    const refusedBlock = await otp.gql(BLOCK, { input: { userId: await userGid('teacher'), reason: 'x' } });
    expect(refusedBlock.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PASSWORD_CHANGE_REQUIRED' });
    const reuseOtp = (await otp.ok(PASSWORD_CHANGE, { input: { currentPassword: r.oneTimePassword, newPassword: r.oneTimePassword } })).passwordChange;
    expect(reuseOtp.userErrors[0].code).toBe('WEAK_PASSWORD');

    const changed = (await otp.ok(PASSWORD_CHANGE, { input: { currentPassword: r.oneTimePassword, newPassword: 'мой новый пароль' } })).passwordChange;
    expect(changed).toEqual({ user: { id: victim.userId, mustChangePassword: false }, userErrors: [] });
    // The same session may now do what the director may do.
    expect((await otp.ok(USERS, { schoolId: toGlobalId('School', demoSchoolId) })).users.nodes.length).toBeGreaterThan(0);

    const [audit] = await plainAudit(
      app,
      `select * from audit_entry where entity_type = 'User' and entity_id = $1 and operation = 'passwordReset'`,
      [(await app.sql(`select id from app_user where login = $1`, [login]))[0].id],
    );
    expect(audit.actor_login).toBe('admin');
    expect(audit.changes.passwordHash.after).toBe('[redacted]');
    expect(audit.changes.mustChangePassword).toEqual({ before: false, after: true });
    expect(JSON.stringify(audit.changes)).not.toContain(r.oneTimePassword);
  });

  test('R-ROLE-1: one-time passwords differ each time', async () => {
    const admin = await app.as('admin');
    const userId = await userGid(await newUser());
    const a = (await admin.ok(RESET, { input: { userId } })).passwordReset.oneTimePassword;
    const b = (await admin.ok(RESET, { input: { userId } })).passwordReset.oneTimePassword;
    expect(a).not.toBe(b);
  });

  test('R-ROLE-1: only an admin of a school the user belongs to may reset; others change nothing', async () => {
    const target = await userGid(await newUser());
    const director = await app.as('director');
    const teacher = await app.as('teacher');
    const adminB = await app.as('adminb');
    const admin = await app.as('admin');
    const before = await dbState();
    expect(errorCode(await director.gql(RESET, { input: { userId: target } }))).toBe('FORBIDDEN');
    expect(errorCode(await teacher.gql(RESET, { input: { userId: target } }))).toBe('FORBIDDEN');
    expect(errorCode(await app.anon().gql(RESET, { input: { userId: target } }))).toBe('UNAUTHENTICATED');
    // An admin of another school does not see the user; an unknown id looks the same.
    const notMine = await adminB.gql(RESET, { input: { userId: target } });
    expect(errorCode(notMine)).toBe('NOT_FOUND');
    const unknown = await admin.gql(RESET, { input: { userId: toGlobalId('User', randomUUID()) } });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].message).toBe(notMine.errors![0].message);
    expect(errorCode(await admin.gql(RESET, { input: { userId: 'garbage' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await admin.gql(RESET, { input: { userId: toGlobalId('School', demoSchoolId) } }))).toBe('BAD_USER_INPUT');
    expect(await dbState()).toEqual(before);
  });

  test('R-ROLE-1: a user who belongs to two schools can be reset by the admin of either', async () => {
    const login = await newUser(undefined, ['PARENT']);
    const [{ id }] = await app.sql(`select id from app_user where login = $1`, [login]);
    await grantRole(app, id, otherSchoolId, 'PARENT');
    const adminB = await app.as('adminb');
    const r = (await adminB.ok(RESET, { input: { userId: toGlobalId('User', id) } })).passwordReset;
    expect(r.userErrors).toEqual([]);
    expect(r.oneTimePassword).toBeTruthy();
  });
});

describe('R-SEC-6 userBlock / userUnblock', () => {
  test('R-SEC-6: blocking ends every session at once: HTTP refused, sockets closed with 4403, no login, no refresh', async () => {
    const login = await newUser();
    const a = await app.as(login);
    const b = await app.as(login);
    const wsA = app.ws(a.token);
    const wsB = app.ws(b.token);
    await Promise.all([wsExecute(wsA, ME), wsExecute(wsB, ME)]);
    const closed = Promise.all([onClosed(wsA), onClosed(wsB)]);
    const director = await app.as('director');

    const r = (await director.ok(BLOCK, { input: { userId: a.userId, reason: '  Пароль стал известен третьим лицам  ' } })).userBlock;
    expect(r.userErrors).toEqual([]);
    expect(r.user.id).toBe(a.userId);
    expect(r.user.blockedReason).toBe('Пароль стал известен третьим лицам');
    expect(Date.now() - new Date(r.user.blockedAt).getTime()).toBeLessThan(60_000);
    expect((await closed).map((c) => c.code)).toEqual([4403, 4403]);

    for (const c of [a, b]) expect(unauthReason(await c.gql(ME))).toEqual(['UNAUTHENTICATED', 'BLOCKED']);
    expect((await app.anon().ok(LOGIN, { input: { login, password: 'demo1234' } })).login.userErrors[0].code).toBe('ACCOUNT_BLOCKED');
    expect((await app.anon().ok(REFRESH, { input: { refreshToken: a.refreshToken } })).tokenRefresh.userErrors[0].code).toBe('ACCOUNT_BLOCKED');
    // A new socket is refused too.
    const late = app.ws(a.token);
    expect((await onClosed(late)).code).toBe(4403);

    const sessions = await app.sql(`select s.revoked_reason from auth_session s join app_user u on u.id = s.user_id where u.login = $1`, [login]);
    expect(sessions.map((s) => s.revoked_reason)).toEqual(['blocked', 'blocked']);
    const audit = await plainAudit(
      app,
      `select entity_type, action, actor_login from audit_entry where operation = 'userBlock' and (entity_id = $1 or entity_type = 'AuthSession') order by id`,
      [(await app.sql(`select id from app_user where login = $1`, [login]))[0].id],
    );
    expect(audit).toEqual(expect.arrayContaining([
      { entity_type: 'User', action: 'UPDATE', actor_login: 'director' },
      { entity_type: 'AuthSession', action: 'UPDATE', actor_login: 'director' },
    ]));
  });

  test('R-SEC-6: unblocking lets the user log in again but does not restore old sessions', async () => {
    const login = await newUser();
    const old = await app.as(login);
    const admin = await app.as('admin');
    await admin.ok(BLOCK, { input: { userId: old.userId, reason: 'проверка' } });
    const r = (await admin.ok(UNBLOCK, { input: { userId: old.userId } })).userUnblock;
    expect(r).toEqual({ user: { id: old.userId, blockedAt: null, blockedReason: null }, userErrors: [] });

    expect(unauthReason(await old.gql(ME))).toEqual(['UNAUTHENTICATED', 'REVOKED']);
    expect((await app.anon().ok(REFRESH, { input: { refreshToken: old.refreshToken } })).tokenRefresh.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    const fresh = await app.as(login);
    expect((await fresh.ok(ME)).me.login).toBe(login);
    const [audit] = await plainAudit(app, `select changes, actor_login from audit_entry where operation = 'userUnblock' and entity_type = 'User' and entity_id = $1`,
      [(await app.sql(`select id from app_user where login = $1`, [login]))[0].id]);
    expect(audit.actor_login).toBe('admin');
    expect(audit.changes.blockedReason).toEqual({ before: 'проверка', after: null });
  });

  test('R-SEC-6: block/unblock business failures are userErrors and change nothing', async () => {
    const director = await app.as('director');
    const blocked = await newUser();
    await director.ok(BLOCK, { input: { userId: await userGid(blocked), reason: 'утечка' } });
    const active = await userGid(await newUser());
    const before = await dbState();
    const cases: [string, Record<string, unknown>, string, string[]][] = [
      [BLOCK, { userId: director.userId, reason: 'сам себя' }, 'CANNOT_BLOCK_SELF', ['input', 'userId']],
      [BLOCK, { userId: active, reason: '   ' }, 'REQUIRED', ['input', 'reason']],
      [BLOCK, { userId: active, reason: 'я'.repeat(501) }, 'TOO_LONG', ['input', 'reason']],
      [BLOCK, { userId: await userGid(blocked), reason: 'ещё раз' }, 'ALREADY_BLOCKED', ['input', 'userId']],
      [UNBLOCK, { userId: active }, 'NOT_BLOCKED', ['input', 'userId']],
    ];
    for (const [mutation, input, code, field] of cases) {
      const r = await director.ok(mutation, { input });
      const p = r.userBlock ?? r.userUnblock;
      expect(p.user).toBeNull();
      expect(p.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(await dbState()).toEqual(before);
  });

  test('R-SEC-6: only an admin or director of a school the user belongs to may block or unblock', async () => {
    const targetLogin = await newUser();
    const target = await userGid(targetLogin);
    const clients = {
      deputy: await app.as('deputy'), teacher: await app.as('teacher'), student: await app.as('student'), parent: await app.as('parent'),
      directorB: await app.as('directorb'), adminB: await app.as('adminb'), admin: await app.as('admin'),
    };
    const before = await dbState();
    for (const c of [clients.deputy, clients.teacher, clients.student, clients.parent]) {
      expect(errorCode(await c.gql(BLOCK, { input: { userId: target, reason: 'x' } }))).toBe('FORBIDDEN');
      expect(errorCode(await c.gql(UNBLOCK, { input: { userId: target } }))).toBe('FORBIDDEN');
    }
    for (const c of [clients.directorB, clients.adminB]) {
      expect(errorCode(await c.gql(BLOCK, { input: { userId: target, reason: 'x' } }))).toBe('NOT_FOUND');
      expect(errorCode(await c.gql(UNBLOCK, { input: { userId: target } }))).toBe('NOT_FOUND');
    }
    expect(errorCode(await clients.admin.gql(BLOCK, { input: { userId: toGlobalId('User', randomUUID()), reason: 'x' } }))).toBe('NOT_FOUND');
    expect(errorCode(await clients.admin.gql(BLOCK, { input: { userId: 'bm9wZQ', reason: 'x' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.anon().gql(BLOCK, { input: { userId: target, reason: 'x' } }))).toBe('UNAUTHENTICATED');
    expect(await dbState()).toEqual(before);
    // The target was never blocked.
    expect((await app.as(targetLogin)).token).toBeTruthy();
  });
});

describe('R-SEC-6 races with account changes', () => {
  /** Runs `change` in an open transaction, starts `racer` and commits once the racer waits for the row lock. */
  async function raceWith<T>(change: string, params: unknown[], racer: () => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(change, params);
      const pending = racer();
      for (let i = 0; ; i++) {
        const waiting = await app.sql(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        if (waiting.length) break;
        if (i > 200) throw new Error('the racer never waited for the lock');
        await new Promise((r) => setTimeout(r, 25));
      }
      await client.query('commit');
      return await pending;
    } finally {
      await client.end();
    }
  }

  test('R-SEC-6: a login that verified the password while the account was being blocked gets no session', async () => {
    const login = await newUser();
    const before = await dbState();
    const r = await raceWith(`update app_user set blocked_at = now(), blocked_reason = 'race' where login = $1`, [login],
      () => app.anon().ok(LOGIN, { input: { login, password: 'demo1234' } }));
    expect(r.login.accessToken).toBeNull();
    expect(r.login.userErrors[0].code).toBe('ACCOUNT_BLOCKED');
    expect((await dbState()).sessions).toBe(before.sessions);
  });

  test('R-SEC-1: a login racing with a password reset gets no session with the old password', async () => {
    const login = await newUser();
    const before = await dbState();
    const r = await raceWith(`update app_user set password_hash = 'reset', must_change_password = true where login = $1`, [login],
      () => app.anon().ok(LOGIN, { input: { login, password: 'demo1234' } }));
    expect(r.login.accessToken).toBeNull();
    expect(r.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    expect((await dbState()).sessions).toBe(before.sessions);
  });

  test('R-SEC-6: a refresh racing with a block issues no usable token', async () => {
    const login = await newUser();
    const c = await app.as(login);
    const r = await raceWith(`update app_user set blocked_at = now(), blocked_reason = 'race' where login = $1`, [login],
      () => app.anon().ok(REFRESH, { input: { refreshToken: c.refreshToken } }));
    expect(r.tokenRefresh.accessToken).toBeNull();
    expect(r.tokenRefresh.userErrors[0].code).toBe('ACCOUNT_BLOCKED');
  });
});

describe('R-SEC-6 User.blockedAt visibility', () => {
  const STATUS = `query Users($schoolId: ID!, $search: String) { users(schoolId: $schoolId, search: $search) { nodes { login blockedAt blockedReason } } }`;

  test('R-SEC-6: the account status is seen by the user, and by the admin and director of their school only', async () => {
    const login = await newUser(undefined, ['TEACHER'], demoSchoolId, 'Статусова');
    const admin = await app.as('admin');
    await admin.ok(BLOCK, { input: { userId: await userGid(login), reason: 'на проверке' } });
    const school = toGlobalId('School', demoSchoolId);
    for (const who of ['admin', 'director']) {
      const r = await (await app.as(who)).ok(STATUS, { schoolId: school, search: 'Статусова' });
      expect(r.users.nodes).toEqual([{ login, blockedAt: expect.any(String), blockedReason: 'на проверке' }]);
    }
    // A deputy may list users but not see why they are blocked.
    const deputy = await app.as('deputy');
    const denied = await deputy.gql(STATUS, { schoolId: school, search: 'Статусова' });
    expect(denied.data!.users.nodes).toEqual([{ login, blockedAt: null, blockedReason: null }]);
    expect(denied.errors!.map((e) => [e.path!.join('.'), e.extensions!.code])).toEqual([
      ['users.nodes.0.blockedAt', 'FORBIDDEN'], ['users.nodes.0.blockedReason', 'FORBIDDEN'],
    ]);
    const plain = await deputy.gql(`query Q($s: ID!, $q: String) { users(schoolId: $s, search: $q) { nodes { login fullName } } }`, { s: school, q: 'Статусова' });
    expect(plain.errors).toBeUndefined();

    // The user themself (not blocked) reads their own status; a teacher reads `me` without error.
    const teacher = await app.as('teacher');
    const own = await teacher.gql(`{ me { blockedAt blockedReason } }`);
    expect(own).toMatchObject({ data: { me: { blockedAt: null, blockedReason: null } } });
    expect(own.errors).toBeUndefined();
  });

  test('R-SEC-6: a user in two schools: the director of either sees the status', async () => {
    const login = await newUser(undefined, ['PARENT'], demoSchoolId, 'Двушкольная');
    const [{ id }] = await app.sql(`select id from app_user where login = $1`, [login]);
    await grantRole(app, id, otherSchoolId, 'PARENT');
    const directorB = await app.as('directorb');
    const r = await directorB.gql(STATUS, { schoolId: toGlobalId('School', otherSchoolId), search: 'Двушкольная' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.users.nodes).toEqual([{ login, blockedAt: null, blockedReason: null }]);
  });
});

describe('R-ROLE users', () => {
  test('R-ROLE-1: the admin lists the users of the school in name order, page by page', async () => {
    const admin = await app.as('admin');
    const school = toGlobalId('School', demoSchoolId);
    // Same family and given name: the id breaks the tie, across a page boundary.
    await newUser(undefined, ['STUDENT'], demoSchoolId, 'Яковлев', 'Иван');
    await newUser(undefined, ['STUDENT'], demoSchoolId, 'Яковлев', 'Иван');
    await newUser(undefined, ['STUDENT'], demoSchoolId, 'Яковлев', 'Иван');
    const expected = (await app.sql(
      `select u.id from app_user u where exists (select 1 from role_assignment r where r.user_id = u.id and r.school_id = $1)
        order by u.last_name, u.first_name, u.id`,
      [demoSchoolId],
    )).map((r) => toGlobalId('User', r.id));
    expect(expected.length).toBeGreaterThan(10);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: any = (await admin.ok(USERS, { schoolId: school, first: 3, after })).users;
      pages++;
      expect(r.nodes.map((n: any) => n.id)).toEqual(r.edges.map((e: any) => e.node.id));
      expect(r.pageInfo.hasPreviousPage).toBe(false);
      expect(r.pageInfo.startCursor).toBe(r.edges[0]?.cursor ?? null);
      expect(r.pageInfo.endCursor).toBe(r.edges.at(-1)?.cursor ?? null);
      seen.push(...r.nodes.map((n: any) => n.id));
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 3));
    // Users of the other school are not listed.
    expect(seen).not.toContain(await userGid('adminb'));

    const all = (await admin.ok(USERS, { schoolId: school, first: 100 })).users;
    expect(all.nodes.map((n: any) => n.id)).toEqual(expected);
    expect(all.pageInfo.hasNextPage).toBe(false);
  });

  test('R-ROLE-3: filters by role and by words of the name or login', async () => {
    const deputy = await app.as('deputy');
    const school = toGlobalId('School', demoSchoolId);
    const teachers = (await deputy.ok(USERS, { schoolId: school, role: 'TEACHER', first: 100 })).users.nodes.map((n: any) => n.id);
    const expectedTeachers = (await app.sql(
      `select distinct u.id, u.last_name, u.first_name from app_user u join role_assignment r on r.user_id = u.id
        where r.school_id = $1 and r.role = 'TEACHER' order by u.last_name, u.first_name, u.id`, [demoSchoolId],
    )).map((r) => toGlobalId('User', r.id));
    expect(teachers).toEqual(expectedTeachers);
    expect(teachers).toContain(await userGid('teacher'));
    expect(teachers).not.toContain(await userGid('student'));

    const byName = (await deputy.ok(USERS, { schoolId: school, search: 'волк' })).users.edges.map((e: any) => e.node.login);
    expect(byName).toEqual(['teacher']);
    const twoWords = (await deputy.ok(USERS, { schoolId: school, search: ' Морозов   Кирилл ' })).users.edges.map((e: any) => e.node.login);
    expect(twoWords).toEqual(['student']);
    const yo = await newUser(undefined, ['PARENT'], demoSchoolId, 'Семёнова', 'Алёна');
    expect((await deputy.ok(USERS, { schoolId: school, search: 'СЕМЕНОВА алена' })).users.edges.map((e: any) => e.node.login)).toEqual([yo]);
    expect((await deputy.ok(USERS, { schoolId: school, search: 'семёнова' })).users.edges.map((e: any) => e.node.login)).toEqual([yo]);
    const byLogin = (await deputy.ok(USERS, { schoolId: school, search: 'CLASSTEACH' })).users.edges.map((e: any) => e.node.login);
    expect(byLogin).toEqual(['classteacher']);
    // LIKE wildcards are taken literally.
    expect((await deputy.ok(USERS, { schoolId: school, search: '%' })).users.nodes).toEqual([]);
    expect((await deputy.ok(USERS, { schoolId: school, search: 'a_c' })).users.nodes).toEqual([]);
    expect((await deputy.ok(USERS, { schoolId: school, role: 'ANALYST' })).users.nodes).toEqual([]);
  });

  test('R-ROLE: teachers, students and parents may not list users; other schools are NOT_FOUND', async () => {
    const school = toGlobalId('School', demoSchoolId);
    for (const who of ['teacher', 'classteacher', 'student', 'parent']) {
      const r = await (await app.as(who)).gql(USERS, { schoolId: school });
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    }
    expect(errorCode(await app.anon().gql(USERS, { schoolId: school }))).toBe('UNAUTHENTICATED');
    for (const who of ['adminb', 'directorb', 'deputyb']) {
      const c = await app.as(who);
      expect(errorCode(await c.gql(USERS, { schoolId: school }))).toBe('NOT_FOUND');
      const [{ n }] = await app.sql(`select count(distinct user_id)::int as n from role_assignment where school_id = $1`, [otherSchoolId]);
      expect((await c.ok(USERS, { schoolId: toGlobalId('School', otherSchoolId), first: 100 })).users.nodes.length).toBe(n);
    }
    const admin = await app.as('admin');
    expect(errorCode(await admin.gql(USERS, { schoolId: toGlobalId('School', randomUUID()) }))).toBe('NOT_FOUND');
  });

  test('R-ROLE: bad arguments of users are BAD_USER_INPUT', async () => {
    const admin = await app.as('admin');
    const school = toGlobalId('School', demoSchoolId);
    const bad: Record<string, unknown>[] = [
      { schoolId: 'nope' },
      { schoolId: toGlobalId('User', demoSchoolId) },
      { schoolId: school, first: 0 },
      { schoolId: school, first: 101 },
      { schoolId: school, after: 'not-a-cursor' },
      { schoolId: school, after: Buffer.from(JSON.stringify(['a', 'b', 'c'])).toString('base64url') },
      { schoolId: school, search: 'x'.repeat(101) },
    ];
    for (const vars of bad) {
      const r = await admin.gql(USERS, vars);
      expect([JSON.stringify(vars), errorCode(r)]).toEqual([JSON.stringify(vars), 'BAD_USER_INPUT']);
    }
  });
});

describe('R-SEC-6 account changes reach only the intended sockets', () => {
  test('R-SEC-6: blocking one user leaves other users\' sockets open', async () => {
    const victim = await app.as(await newUser());
    const bystander = await app.as(await newUser());
    const wsVictim = app.ws(victim.token);
    const wsBystander = app.ws(bystander.token);
    await Promise.all([wsExecute(wsVictim, ME), wsExecute(wsBystander, ME)]);
    const closed = onClosed(wsVictim);
    await (await app.as('admin')).ok(BLOCK, { input: { userId: victim.userId, reason: 'проверка' } });
    expect((await closed).code).toBe(4403);
    expect((await wsExecute(wsBystander, ME)).data.me.id).toBe(bystander.userId);
    expect((await new HttpClient(app.url, bystander.token).ok(ME)).me.id).toBe(bystander.userId);
  });
});
