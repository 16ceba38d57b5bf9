import { getIntrospectionQuery } from 'graphql';
import { startTestApp, TestApp, wsExecute, HttpClient } from './helpers/app';
import { DEMO_PASSWORD } from '../src/db/seed/demo';
import { demo, gid, schoolClass, staff, student, subject } from './helpers/factories';
import { ATTACK } from './helpers/attack';

/*
 * Limits are lowered on test servers, so the tests do not depend on the size of the schema.
 * Over-limit documents are refused on HTTP and on graphql-ws with code BAD_USER_INPUT and a
 * `reason`; at-limit documents pass on both.
 */

type Err = { message: string; extensions?: Record<string, any> };

function expectRefused(errors: Err[] | undefined, reason: string, message: RegExp) {
  expect(errors?.length).toBeGreaterThan(0);
  for (const e of errors!) expect(e.extensions?.code).toBe('BAD_USER_INPUT');
  const limit = errors!.find((e) => e.extensions?.reason === reason);
  expect(limit ?? errors).toMatchObject({ extensions: { reason } });
  expect(limit!.message).toMatch(message);
}

async function httpRefused(client: HttpClient, query: string, reason: string, message: RegExp, variables?: Record<string, unknown>) {
  const r = await client.gql(query, variables);
  // No Accept header: application/json, so a refused document is a 200 (GraphQL over HTTP; see graphql-over-http.e2e).
  expect(r.status).toBe(200);
  expect(r.data).toBeUndefined();
  expectRefused(r.errors, reason, message);
}

async function wsRefused(app: TestApp, token: string, query: string, reason: string, message: RegExp, variables?: Record<string, unknown>) {
  const r = await wsExecute(app.ws(token), query, variables);
  expect(r.data).toBeUndefined();
  expectRefused(r.errors, reason, message);
}

async function wsOk(app: TestApp, token: string, query: string, variables?: Record<string, unknown>) {
  const r = await wsExecute(app.ws(token), query, variables);
  expect(r.errors).toBeUndefined();
  return r.data;
}

type Admin = Awaited<ReturnType<TestApp['as']>>;

/** Starts one server with `env` for the enclosing describe block, with an admin logged in. */
function useApp(env: Record<string, string>): { app: TestApp; admin: Admin } {
  const ctx = {} as { app: TestApp; admin: Admin };
  beforeAll(async () => {
    ctx.app = await startTestApp(env);
    ctx.admin = await ctx.app.as('admin');
  });
  afterAll(async () => { await ctx.app?.stop(); });
  return ctx;
}

const ME_ROLES = '{ me { roles { school { name } } } }'; // depth 4
const ME_ROLES_FRAGMENT = '{ me { ...Roles } } fragment Roles on User { roles { school { name } } }'; // depth 4
const LOGIN_DEEP = 'mutation($input: LoginInput!) { login(input: $input) { user { roles { school { name } } } } }'; // depth 5
const LOGIN_INPUT = { input: { login: 'admin', password: DEMO_PASSWORD } };
const FULL_INTROSPECTION = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });

describe('LIMITS: depth and aliases (GRAPHQL_MAX_DEPTH=4, GRAPHQL_MAX_ALIASES=3)', () => {
  const s = useApp({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_ALIASES: '3' });

  test('LIMITS: depth over the limit is refused on HTTP', async () => {
    await httpRefused(s.admin, LOGIN_DEEP, 'MAX_DEPTH', /depth limit of 4 exceeded, found 5/, LOGIN_INPUT);
  });

  test('LIMITS: depth over the limit is refused on WebSocket', async () => {
    await wsRefused(s.app, s.admin.token!, LOGIN_DEEP, 'MAX_DEPTH', /depth limit of 4 exceeded, found 5/, LOGIN_INPUT);
  });

  test('LIMITS: depth at the limit passes on HTTP and WebSocket, written inline or with a fragment', async () => {
    for (const q of [ME_ROLES, ME_ROLES_FRAGMENT]) {
      expect((await s.admin.ok(q)).me.roles[0].school.name).toBeTruthy();
      expect((await wsOk(s.app, s.admin.token!, q)).me.roles[0].school.name).toBeTruthy();
    }
  });

  test('LIMITS: with introspection on, the full standard introspection query passes a small depth limit on HTTP and WebSocket', async () => {
    expect(s.app.config.introspection).toBe(true);
    const http = await s.app.anon().ok(FULL_INTROSPECTION);
    expect(http.__schema.types.some((t: { name: string }) => t.name === 'User')).toBe(true);
    const ws = await wsOk(s.app, s.admin.token!, FULL_INTROSPECTION);
    expect(ws.__schema.queryType.name).toBe('Query');
  });

  test('LIMITS: with introspection on, introspection nested beyond graphql-js\'s cap is still refused', async () => {
    const r = await s.app.anon().gql('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }');
    expect(r.status).toBe(200);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toMatch(/introspection depth/i);
  });

  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} __typename t: __typename }`;

  test('LIMITS: aliases over the limit are refused on HTTP', async () => {
    await httpRefused(s.admin, aliases(4), 'MAX_ALIASES', /Aliases limit of 3 exceeded, found 4/);
  });

  test('LIMITS: aliases over the limit are refused on WebSocket', async () => {
    await wsRefused(s.app, s.admin.token!, aliases(4), 'MAX_ALIASES', /Aliases limit of 3 exceeded, found 4/);
  });

  test('LIMITS: aliases at the limit pass on HTTP and WebSocket (`__typename` aliases are not counted)', async () => {
    expect(Object.keys(await s.admin.ok(aliases(3)))).toHaveLength(5);
    expect(Object.keys(await wsOk(s.app, s.admin.token!, aliases(3)))).toHaveLength(5);
  });
});

describe('LIMITS: tokens (GRAPHQL_MAX_TOKENS=40)', () => {
  const s = useApp({ GRAPHQL_MAX_TOKENS: '40' }); // the login mutation has 34 tokens

  // `{ me {` + n × `id` + `} }`: n + 5 tokens; comments, commas and white space are not tokens.
  const tokens = (n: number) => `# a comment is not a token\n{ me { ${Array(n - 5).fill('id').join(', ')} } }`;
  // graphql-js 16 spells it "more that".
  const message = /Document contains more th(?:an|at) 40 tokens/;

  test('LIMITS: tokens over the limit are refused on HTTP', async () => {
    await httpRefused(s.admin, tokens(41), 'MAX_TOKENS', message);
  });

  test('LIMITS: tokens over the limit are refused on WebSocket', async () => {
    await wsRefused(s.app, s.admin.token!, tokens(41), 'MAX_TOKENS', message);
  });

  test('LIMITS: tokens at the limit pass on HTTP and WebSocket', async () => {
    expect((await s.admin.ok(tokens(40))).me.id).toBe(s.admin.userId);
    expect((await wsOk(s.app, s.admin.token!, tokens(40))).me.id).toBe(s.admin.userId);
  });
});

describe('LIMITS: cost (GRAPHQL_MAX_COST=301)', () => {
  const s = useApp({ GRAPHQL_MAX_COST: '301' });
  let sc: string;
  beforeAll(async () => { sc = gid('School', (await demo(s.app)).schoolId); });

  // 1 per field, lists × their bound (src/schema/cost.ts): users 1 + first × nodes (1 + 2 scalars).
  const atLimit = 'query($s: ID!) { users(schoolId: $s, first: 100) { nodes { id login } } }'; // 301
  const overLimit = 'query($s: ID!) { me { id } users(schoolId: $s, first: 100) { nodes { id login } } }'; // 303
  // users 1 + first × (1 + 3): 301 for 75 users, 305 for 76 — a page size given by a variable counts.
  const page = 'query($s: ID!, $n: Int!) { users(schoolId: $s, first: $n) { nodes { id login fullName } } }';

  test('LIMITS: cost over the limit is refused on HTTP', async () => {
    await httpRefused(s.admin, overLimit, 'COST_LIMIT', /^Cost limit of 301 exceeded, found 303$/, { s: sc });
  });

  test('LIMITS: cost over the limit is refused on WebSocket', async () => {
    await wsRefused(s.app, s.admin.token!, overLimit, 'COST_LIMIT', /^Cost limit of 301 exceeded, found 303$/, { s: sc });
  });

  test('LIMITS: cost at the limit passes on HTTP and WebSocket', async () => {
    expect((await s.admin.ok(atLimit, { s: sc })).users.nodes.length).toBeGreaterThan(0);
    expect((await wsOk(s.app, s.admin.token!, atLimit, { s: sc })).users.nodes.length).toBeGreaterThan(0);
  });

  test('ISSUE-9 §1: `first` given by a variable multiplies the cost, on HTTP and WebSocket', async () => {
    expect((await s.admin.ok(page, { s: sc, n: 75 })).users.nodes.length).toBeGreaterThan(0);
    expect(await wsOk(s.app, s.admin.token!, page, { s: sc, n: 75 })).toHaveProperty('users');
    await httpRefused(s.admin, page, 'COST_LIMIT', /^Cost limit of 301 exceeded, found 305$/, { s: sc, n: 76 });
    await wsRefused(s.app, s.admin.token!, page, 'COST_LIMIT', /^Cost limit of 301 exceeded, found 305$/, { s: sc, n: 76 });
  });
});

describe('ISSUE-9 §1: the class teacher\'s list-multiplying query (default limits)', () => {
  const s = useApp({});
  let teacher: Awaited<ReturnType<TestApp['as']>>;
  let classId: string;
  const legit = `query($id: ID!) { schoolClass(id: $id) { name studentCount students { id pseudonym fullName birthDate guardians { id kind guardian { id fullName phone } } } } }`;

  beforeAll(async () => {
    const { schoolId, yearId } = await demo(s.app);
    const [row] = await s.app.sql(`select s.id from staff s join app_user u on u.id = s.user_id where u.login = 'classteacher'`);
    const staffId = row?.id ?? (await staff(s.app, schoolId, { userId: (await s.app.sql(`select id from app_user where login = 'classteacher'`))[0].id })).staffId;
    const c = await schoolClass(s.app, schoolId, yearId, { classTeacherId: staffId });
    for (let i = 0; i < 3; i++) await student(s.app, schoolId, { classId: c });
    classId = gid('SchoolClass', c);
    teacher = await s.app.as('classteacher');
  });

  test('ISSUE-9 §1: 15 aliases of class → students → class → students → class → students are refused before running, on HTTP', async () => {
    const r = await teacher.gql(ATTACK, { id: classId });
    // A request error: 200 for application/json (GraphQL over HTTP), 400 for graphql-response+json (below).
    expect(r.status).toBe(200);
    expect(r.data).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ message: 'Cost limit of 100000 exceeded, found 1969230', extensions: { code: 'BAD_USER_INPUT', reason: 'COST_LIMIT', cost: 1969230, limit: 100000 } });
    expect(JSON.stringify(r)).not.toMatch(/Фамилиев/); // no student's name leaked
    const strict = await new HttpClient(teacher.url, teacher.token, { accept: 'application/graphql-response+json' }).gql(ATTACK, { id: classId });
    expect(strict.status).toBe(400);
    expect(strict.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT' });
  });

  test('ISSUE-9 §1: the same query is refused on WebSocket, and the socket serves the next operation', async () => {
    const ws = s.app.ws(teacher.token!);
    const r = await wsExecute(ws, ATTACK, { id: classId });
    expect(r.data).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ message: 'Cost limit of 100000 exceeded, found 1969230', extensions: { code: 'BAD_USER_INPUT', reason: 'COST_LIMIT' } });
    expect((await wsExecute(ws, legit, { id: classId })).data.schoolClass.students).toHaveLength(3);
  });

  test('ISSUE-9 §1: the class teacher\'s real class screen passes on HTTP and WebSocket', async () => {
    expect((await teacher.ok(legit, { id: classId })).schoolClass.students).toHaveLength(3);
    expect((await wsOk(s.app, teacher.token!, legit, { id: classId })).schoolClass.studentCount).toBe(3);
  });
});

describe('LIMITS: introspection disabled and body size (GRAPHQL_INTROSPECTION=false, GRAPHQL_BODY_LIMIT_BYTES=2048)', () => {
  const LIMIT = 2048;
  const s = useApp({ GRAPHQL_INTROSPECTION: 'false', GRAPHQL_BODY_LIMIT_BYTES: String(LIMIT) });

  const schemaQuery = '{ __schema { types { name } } }';
  const typeQuery = '{ __type(name: "User") { name } }';
  const disabled = /introspection has been disabled/;

  test('LIMITS: introspection is refused on HTTP when disabled', async () => {
    await httpRefused(s.app.anon(), schemaQuery, 'INTROSPECTION_DISABLED', disabled);
    await httpRefused(s.admin, typeQuery, 'INTROSPECTION_DISABLED', disabled);
    await httpRefused(s.admin, getIntrospectionQuery(), 'INTROSPECTION_DISABLED', disabled);
  });

  test('LIMITS: introspection is refused on WebSocket when disabled', async () => {
    await wsRefused(s.app, s.admin.token!, schemaQuery, 'INTROSPECTION_DISABLED', disabled);
    await wsRefused(s.app, s.admin.token!, typeQuery, 'INTROSPECTION_DISABLED', disabled);
    expect((await wsExecute(s.app.ws(s.admin.token!), schemaQuery)).errors).toHaveLength(1); // one per document, not one per field
  });

  test('LIMITS: with introspection disabled, ordinary queries and `__typename` pass on HTTP and WebSocket', async () => {
    const q = '{ __typename me { __typename id } }';
    expect((await s.admin.ok(q)).me.__typename).toBe('User');
    expect((await wsOk(s.app, s.admin.token!, q)).me.__typename).toBe('User');
  });

  /** `{ me { id } }` padded with white space so that `frame(query)` is exactly `bytes` long. */
  const padded = (bytes: number, frame: (query: string) => string) => {
    const base = '{ me { id } }';
    return base + ' '.repeat(bytes - frame(base).length);
  };
  const httpBody = (query: string) => JSON.stringify({ query });
  // graphql-ws's subscribe message; the client's ids are 36-character UUIDs.
  const wsMessage = (query: string) => JSON.stringify({ id: 'x'.repeat(36), type: 'subscribe', payload: { query } });

  test('LIMITS: an HTTP body over the limit is refused with 413 and BAD_USER_INPUT', async () => {
    const query = padded(LIMIT + 1, httpBody);
    expect(Buffer.byteLength(httpBody(query))).toBe(LIMIT + 1);
    const r = await s.admin.gql(query);
    expect(r.status).toBe(413);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toBe(`Request body larger than ${LIMIT} bytes`);
  });

  test('LIMITS: an HTTP body at the limit passes', async () => {
    const query = padded(LIMIT, httpBody);
    expect(Buffer.byteLength(httpBody(query))).toBe(LIMIT);
    expect((await s.admin.ok(query)).me.id).toBe(s.admin.userId);
  });

  test('LIMITS: a WebSocket message over the limit closes the socket with 1009', async () => {
    const query = padded(LIMIT + 1, wsMessage);
    expect(Buffer.byteLength(wsMessage(query))).toBe(LIMIT + 1);
    const client = s.app.ws(s.admin.token!);
    await expect(wsExecute(client, query)).rejects.toMatchObject({ code: 1009 });
  });

  test('LIMITS: a WebSocket message at the limit passes', async () => {
    const query = padded(LIMIT, wsMessage);
    expect(Buffer.byteLength(wsMessage(query))).toBe(LIMIT);
    expect((await wsOk(s.app, s.admin.token!, query)).me.id).toBe(s.admin.userId);
  });
});

describe('LIMITS: default limits', () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp(); });
  afterAll(async () => { await app?.stop(); });

  test('LIMITS: the default limits accept realistic client queries on HTTP and WebSocket', async () => {
    const login = await app.anon().ok(
      `mutation Login($input: LoginInput!) {
        login(input: $input) {
          accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt
          user { ...Viewer }
          userErrors { code field message }
        }
      }
      fragment Viewer on User { __typename id login fullName mustChangePassword roles { __typename id role school { __typename id name timeZone } } }`,
      LOGIN_INPUT,
    );
    expect(login.login.user.roles[0].school.name).toBeTruthy();
    const token = login.login.accessToken as string;
    const me = '{ me { id login lastName firstName middleName fullName roles { role school { id name timeZone } } } }';
    expect((await new HttpClient(app.url, token).ok(me)).me.login).toBe('admin');
    expect((await wsOk(app, token, me)).me.login).toBe('admin');
  });

  test('LIMITS: the default limits let GraphiQL introspect in development', async () => {
    expect((await app.anon().ok(FULL_INTROSPECTION)).__schema.mutationType.name).toBe('Mutation');
  });
});

describe('issues 12, 13: the journal\'s largest screens pass the default limits; the cost bomb still fails', () => {
  const s = useApp({});
  const PAGE = `query($i: ClassJournalInput!) { classJournal(input: $i) { readOnly from to subject { name } schoolClass { name }
    lessons { id date lessonNumber startsAt topic notes plannedTopic { title } workTypes { name } homework { text pages exercises links estimatedMinutes late } }
    rows { student { id fullName } joinedOn leftOn average
      marks { id value comment late numericValue workType { name weight } lesson { id } }
      attendance { status reason minutesLate lesson { id } } } } }`;
  const MONTH = `query($s: ID!) { studentDiary(studentId: $s, from: "2025-11-01", to: "2025-11-30") { date holiday { name } controlWorks { form title }
    lessons { id lessonNumber startsAt endsAt status topic subject { name } teacher { fullName } room { name }
      homework { text pages exercises links estimatedMinutes } marks(studentId: $s) { value comment workType { name } } attendance(studentId: $s) { status reason } } } }`;

  test('issue 12, LIMITS: a class journal page over 120 days with every column, and a month of the diary with marks, pass on HTTP and WebSocket', async () => {
    const { schoolId, yearId } = await demo(s.app);
    const classId = await schoolClass(s.app, schoolId, yearId);
    const kid = await student(s.app, schoolId, { classId });
    const i = { subjectId: gid('Subject', await subject(s.app, schoolId)), classId: gid('SchoolClass', classId), from: '2025-09-01', to: '2025-12-29' };
    expect((await s.admin.ok(PAGE, { i })).classJournal.rows).toHaveLength(1);
    expect((await wsOk(s.app, s.admin.token!, PAGE, { i })).classJournal.readOnly).toBe(true);
    expect((await s.admin.ok(MONTH, { s: gid('Student', kid.studentId) })).studentDiary).toHaveLength(30);
    expect((await wsOk(s.app, s.admin.token!, MONTH, { s: gid('Student', kid.studentId) })).studentDiary).toHaveLength(30);
  });

  test('issue 13, LIMITS: a class\'s summary sheet (cells naming their subject and period by ID, as the sheet\'s header lists them), and a student\'s final marks of the year, pass on HTTP and WebSocket', async () => {
    const { schoolId, yearId } = await demo(s.app);
    const classId = await schoolClass(s.app, schoolId, yearId);
    const kid = await student(s.app, schoolId, { classId });
    const SHEET = `query($c: ID!) { classSummarySheet(classId: $c) { schoolClass { name } periods { id name startDate endDate finalMarkDeadline } subjects { id name }
      rows { student { id fullName } leftOn finalMarks { id kind value late dueOn postponedUntil postponeReason setAt subject { id } studyPeriod { id } } } } }`;
    const FINALS = `query($s: ID!, $y: ID!) { studentFinalMarks(studentId: $s, academicYearId: $y) { id kind value late dueOn subject { name } studyPeriod { name } setBy { fullName } } }`;
    expect((await s.admin.ok(SHEET, { c: gid('SchoolClass', classId) })).classSummarySheet.rows).toHaveLength(1);
    expect((await wsOk(s.app, s.admin.token!, SHEET, { c: gid('SchoolClass', classId) })).classSummarySheet.rows).toHaveLength(1);
    expect((await s.admin.ok(FINALS, { s: gid('Student', kid.studentId), y: gid('AcademicYear', yearId) })).studentFinalMarks).toEqual([]);
  });

  test('issue 12, LIMITS: the same month asking every student\'s marks per lesson (no studentId) is refused by cost before running', async () => {
    const { schoolId, yearId } = await demo(s.app);
    const kid = await student(s.app, schoolId, { classId: await schoolClass(s.app, schoolId, yearId) });
    const r = await s.admin.gql(MONTH.replace('marks(studentId: $s) { value comment workType { name } }', 'marks { value comment student { fullName } workType { name } }'), { s: gid('Student', kid.studentId) });
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT' });
  });
});

