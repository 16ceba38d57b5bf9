import { GraphQLObjectType } from 'graphql';
import { startTestApp, TestApp, HttpClient, GqlResult, LOGIN } from './helpers/app';
import { ACTORS, Actor, DENIED_CODES, EVERY_USER, MatrixEnv, MatrixOp, STAFF_ADMIN } from './helpers/matrix';
import { buildBaseSchema } from '../src/schema/build-schema';
import { toGlobalId } from '../src/schema/node';

/**
 * R-ROLE / R-SEC-2: every root operation run as every role. Allowed callers pass the permission
 * layer (and, for mutations, change something that is audited); everyone else is refused with
 * FORBIDDEN/UNAUTHENTICATED and nothing is written, not even an audit entry.
 */
let app: TestApp;
const clients = new Map<Actor, HttpClient>();
let schoolId: string;
let yearId: string;
let counter = 0;
let demoHash: string;

const MANAGERS: Actor[] = ['admin', 'deputy'];
const ALL: Actor[] = ['anonymous', ...EVERY_USER];

beforeAll(async () => {
  app = await startTestApp();
  for (const actor of ACTORS) clients.set(actor, actor === 'anonymous' ? app.anon() : await app.as(actor));
  const [s] = await app.sql(`select id from school limit 1`);
  schoolId = toGlobalId('School', s.id);
  const [y] = await app.sql(`select id from academic_year limit 1`);
  demoHash = (await app.sql(`select password_hash from app_user where login = 'admin'`))[0].password_hash;
  yearId = toGlobalId('AcademicYear', y.id);
});
afterAll(async () => { await app?.stop(); });

const next = () => ++counter;
/** Builds the targets of update/delete calls (as the deputy). */
const setup = () => clients.get('deputy')!;

/** A fresh academic year far in the future (years of a school may not overlap). */
async function newYear(): Promise<string> {
  return (await newYearWithStart()).id;
}
async function newYearWithStart(): Promise<{ id: string; y: number }> {
  const y = 2200 + next();
  const r = await setup().ok(`mutation($i: AcademicYearCreateInput!) { academicYearCreate(input: $i) { academicYear { id } userErrors { message } } }`,
    { i: { schoolId, name: `${y}/${y + 1}`, startDate: `${y}-09-01`, endDate: `${y + 1}-05-31` } });
  return { id: r.academicYearCreate.academicYear.id, y };
}
async function newPeriod(): Promise<{ yearId: string; periodId: string; y: number }> {
  const { id: yearGid, y } = await newYearWithStart();
  const r = await setup().ok(`mutation($i: StudyPeriodCreateInput!) { studyPeriodCreate(input: $i) { studyPeriod { id } userErrors { message } } }`,
    { i: { academicYearId: yearGid, name: 'P', kind: 'QUARTER', grades: [5], startDate: `${y}-09-01`, endDate: `${y}-10-31` } });
  return { yearId: yearGid, periodId: r.studyPeriodCreate.studyPeriod.id, y };
}
async function newHoliday(): Promise<string> {
  const { id: yearGid, y } = await newYearWithStart();
  const r = await setup().ok(`mutation($i: HolidayCreateInput!) { holidayCreate(input: $i) { holiday { id } userErrors { message } } }`,
    { i: { academicYearId: yearGid, name: 'H', startDate: `${y}-11-01`, endDate: `${y}-11-05` } });
  return r.holidayCreate.holiday.id;
}
const VALUES = [{ code: 'зач', label: 'зачтено', passing: true }, { code: 'незач', label: 'не зачтено', passing: false }];
async function newGradingSystem(): Promise<string> {
  const r = await setup().ok(`mutation($i: GradingSystemCreateInput!) { gradingSystemCreate(input: $i) { gradingSystem { id } userErrors { message } } }`,
    { i: { schoolId, name: `Система ${next()}`, kind: 'PASS_FAIL', values: VALUES } });
  return r.gradingSystemCreate.gradingSystem.id;
}
/** A user of the demo school to reset or block (not a demo login, which other calls still need). */
async function newVictim(blocked = false): Promise<string> {
  const n = next();
  const [u] = await app.sql(
    `insert into app_user (id, created_at, updated_at, login, password_hash, last_name, first_name, must_change_password, blocked_at, blocked_reason)
     select gen_random_uuid(), now(), now(), 'victim' || $1::text, password_hash, 'Жертва', 'Тест', false, $2, $3 from app_user where login = 'admin' returning id`,
    [n, blocked ? new Date() : null, blocked ? 'test' : null]);
  await app.sql(`insert into role_assignment (id, created_at, updated_at, user_id, school_id, role)
    select gen_random_uuid(), now(), now(), $1, id, 'STUDENT' from school limit 1`, [u.id]);
  return toGlobalId('User', u.id);
}

const loginOf = (actor: Actor) => (actor === 'anonymous' ? 'admin' : actor);

const OPS: MatrixOp[] = [
  // accounts and sessions
  { field: 'Query.me', requirement: 'R-SEC-1', allowed: EVERY_USER, document: `{ me { id login } }` },
  { field: 'Mutation.login', requirement: 'R-SEC-1', allowed: ALL,
    document: LOGIN, variables: ({ actor }) => ({ input: { login: loginOf(actor), password: 'demo1234' } }) },
  { field: 'Mutation.tokenRefresh', requirement: 'R-SEC-1', allowed: ALL,
    document: `mutation($i: TokenRefreshInput!) { tokenRefresh(input: $i) { accessToken userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { refreshToken: (await app.as(loginOf(actor))).refreshToken } }) },
  { field: 'Mutation.logout', requirement: 'R-SEC-1', allowed: EVERY_USER, freshSession: true,
    document: `mutation { logout { loggedOut userErrors { code message } } }` },
  { field: 'Mutation.passwordChange', requirement: 'R-SEC-1', allowed: EVERY_USER, freshSession: true,
    document: `mutation($i: PasswordChangeInput!) { passwordChange(input: $i) { user { id } userErrors { code message } } }`,
    variables: () => ({ i: { currentPassword: 'demo1234', newPassword: `Новый-пароль-${next()}` } }),
    // keep the demo password, and a live session (a password change ends the others), for the calls that follow
    after: async ({ actor }) => {
      if (actor === 'anonymous') return;
      await app.sql(`update app_user set password_hash = $2 where login = $1`, [actor, demoHash]);
      clients.set(actor, await app.as(actor));
    } },
  { field: 'Mutation.passwordReset', requirement: 'R-ROLE-1', allowed: ['admin'],
    document: `mutation($i: PasswordResetInput!) { passwordReset(input: $i) { oneTimePassword userErrors { code message } } }`,
    variables: async () => ({ i: { userId: await newVictim() } }) },
  { field: 'Mutation.userBlock', requirement: 'R-SEC-6', allowed: ['admin', 'director'],
    document: `mutation($i: UserBlockInput!) { userBlock(input: $i) { user { id } userErrors { code message } } }`,
    variables: async () => ({ i: { userId: await newVictim(), reason: 'утечка пароля' } }) },
  { field: 'Mutation.userUnblock', requirement: 'R-SEC-6', allowed: ['admin', 'director'],
    document: `mutation($i: UserUnblockInput!) { userUnblock(input: $i) { user { id } userErrors { code message } } }`,
    variables: async () => ({ i: { userId: await newVictim(true) } }) },
  { field: 'Query.users', requirement: 'R-ROLE-1', allowed: STAFF_ADMIN,
    document: `query($s: ID!) { users(schoolId: $s, first: 5) { nodes { id } } }`, variables: () => ({ s: schoolId }) },
  // school-year structure
  { field: 'Query.schools', requirement: 'R-YEAR-1', allowed: EVERY_USER, document: `{ schools { id name } }` },
  { field: 'Query.school', requirement: 'R-YEAR-1', allowed: EVERY_USER,
    document: `query($s: ID!) { school(id: $s) { name academicYears { name } gradingSystems { name values { code } } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.academicYear', requirement: 'R-YEAR-1', allowed: EVERY_USER,
    document: `query($y: ID!) { academicYear(id: $y) { name periods { name finalMarkDeadline } holidays { name } } }`, variables: () => ({ y: yearId }) },
  { field: 'Mutation.schoolUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: SchoolUpdateInput!) { schoolUpdate(input: $i) { school { name } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, name: `Школа № ${next()}` } }) },
  { field: 'Mutation.academicYearCreate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: AcademicYearCreateInput!) { academicYearCreate(input: $i) { academicYear { id } userErrors { code message } } }`,
    variables: () => { const y = 2600 + next(); return { i: { schoolId, name: `${y}/${y + 1}`, startDate: `${y}-09-01`, endDate: `${y + 1}-05-31` } }; } },
  { field: 'Mutation.academicYearUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: AcademicYearUpdateInput!) { academicYearUpdate(input: $i) { academicYear { id } userErrors { code message } } }`,
    variables: async () => ({ i: { academicYearId: await newYear(), name: `Год ${next()}` } }) },
  { field: 'Mutation.academicYearDelete', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: AcademicYearDeleteInput!) { academicYearDelete(input: $i) { deletedAcademicYearId userErrors { code message } } }`,
    variables: async () => ({ i: { academicYearId: await newYear() } }) },
  { field: 'Mutation.studyPeriodCreate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: StudyPeriodCreateInput!) { studyPeriodCreate(input: $i) { studyPeriod { id } userErrors { code message } } }`,
    variables: async () => {
      const { yearId: y, y: yy } = await newPeriod();
      return { i: { academicYearId: y, name: 'Q2', kind: 'QUARTER', grades: [5], startDate: `${yy}-11-03`, endDate: `${yy}-12-26` } };
    } },
  { field: 'Mutation.studyPeriodUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: StudyPeriodUpdateInput!) { studyPeriodUpdate(input: $i) { studyPeriod { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studyPeriodId: (await newPeriod()).periodId, name: `Четверть ${next()}` } }) },
  { field: 'Mutation.studyPeriodDelete', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: StudyPeriodDeleteInput!) { studyPeriodDelete(input: $i) { deletedStudyPeriodId userErrors { code message } } }`,
    variables: async () => ({ i: { studyPeriodId: (await newPeriod()).periodId } }) },
  { field: 'Mutation.holidayCreate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: HolidayCreateInput!) { holidayCreate(input: $i) { holiday { id } userErrors { code message } } }`,
    variables: async () => {
      const { yearId: y, y: yy } = await newPeriod();
      return { i: { academicYearId: y, name: 'Каникулы', startDate: `${yy}-11-01`, endDate: `${yy}-11-05` } };
    } },
  { field: 'Mutation.holidayUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: HolidayUpdateInput!) { holidayUpdate(input: $i) { holiday { id } userErrors { code message } } }`,
    variables: async () => ({ i: { holidayId: await newHoliday(), name: `Каникулы ${next()}` } }) },
  { field: 'Mutation.holidayDelete', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: HolidayDeleteInput!) { holidayDelete(input: $i) { deletedHolidayId userErrors { code message } } }`,
    variables: async () => ({ i: { holidayId: await newHoliday() } }) },
  { field: 'Mutation.gradingSystemCreate', requirement: 'R-YEAR-2', allowed: MANAGERS,
    document: `mutation($i: GradingSystemCreateInput!) { gradingSystemCreate(input: $i) { gradingSystem { id } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, name: `Шкала ${next()}`, kind: 'PASS_FAIL', values: VALUES } }) },
  { field: 'Mutation.gradingSystemUpdate', requirement: 'R-YEAR-2', allowed: MANAGERS,
    document: `mutation($i: GradingSystemUpdateInput!) { gradingSystemUpdate(input: $i) { gradingSystem { id } userErrors { code message } } }`,
    variables: async () => ({ i: { gradingSystemId: await newGradingSystem(), name: `Шкала ${next()}` } }) },
  { field: 'Mutation.gradingSystemDelete', requirement: 'R-YEAR-2', allowed: MANAGERS,
    document: `mutation($i: GradingSystemDeleteInput!) { gradingSystemDelete(input: $i) { deletedGradingSystemId userErrors { code message } } }`,
    variables: async () => ({ i: { gradingSystemId: await newGradingSystem() } }) },
  // audit trail and node lookup
  { field: 'Query.auditLog', requirement: 'R-SEC-5', allowed: STAFF_ADMIN,
    document: `query($s: ID!) { auditLog(schoolId: $s, first: 5) { nodes { seq operation } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.auditVerify', requirement: 'R-SEC-5', allowed: STAFF_ADMIN,
    document: `query($s: ID!) { auditVerify(schoolId: $s) { ok checkedEntries } }`, variables: () => ({ s: schoolId }),
    check: (r) => expect(r.data.auditVerify.ok).toBe(true) },
  { field: 'Query.node', requirement: 'R-SEC-2', allowed: EVERY_USER,
    document: `query($s: ID!) { node(id: $s) { id ... on School { name } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.nodes', requirement: 'R-SEC-2', allowed: EVERY_USER,
    document: `query($s: ID!) { nodes(ids: [$s]) { id } }`, variables: () => ({ s: schoolId }) },
];

const auditCount = async () => Number((await app.sql(`select count(*)::int as n from audit_entry`))[0].n);

test('R-SEC-2: the matrix covers every root operation of the schema', async () => {
  const schema = await buildBaseSchema();
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((t): t is GraphQLObjectType => !!t)
    .flatMap((t) => Object.keys(t.getFields()).map((f) => `${t.name}.${f}`));
  expect(OPS.map((o) => o.field).sort()).toEqual(roots.sort());
});

describe.each(OPS.map((op) => [`${op.requirement}: ${op.field}`, op] as const))('%s', (_name, op) => {
  test.each(ACTORS.map((a) => [a, op.allowed.includes(a) ? 'allowed' : 'refused'] as const))('%s is %s', async (actor, expected) => {
    const env: MatrixEnv = {
      app, schoolId, unique: String(next()), actor,
      client: op.freshSession && actor !== 'anonymous' ? await app.as(actor) : clients.get(actor)!,
    };
    const variables = op.variables ? await op.variables(env) : undefined;
    const before = await auditCount();
    const r: GqlResult = await env.client.gql(op.document, variables);
    const after = await auditCount();
    await op.after?.(env);
    const isMutation = op.field.startsWith('Mutation.');
    if (expected === 'refused') {
      expect(DENIED_CODES).toContain(r.errors?.[0]?.extensions?.code);
      expect(r.data?.[op.field.split('.')[1]] ?? null).toBeNull();
      expect(after).toBe(before); // R-SEC-5: refused operations leave no audit entry
      return;
    }
    const denied = (r.errors ?? []).filter((e) => DENIED_CODES.includes(e.extensions?.code));
    expect(denied).toEqual([]);
    expect(r.errors ?? []).toEqual([]);
    if (op.check) op.check(r, env);
    if (isMutation) {
      const payload = r.data[op.field.split('.')[1]];
      expect(payload.userErrors).toEqual([]);
      expect(after).toBeGreaterThan(before); // R-SEC-5: every mutation is audited
    } else {
      expect(after).toBe(before);
    }
  });
});
