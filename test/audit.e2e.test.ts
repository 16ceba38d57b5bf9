import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp, LOGIN, HttpClient, errorCode } from './helpers/app';
import { plainAudit } from './helpers/audit';
import { parseGlobalId, toGlobalId } from '../src/schema/node';
import { School } from '../src/entities/school.entity';
import { Role, RoleAssignment, User } from '../src/entities/user.entity';
import { runAsActor } from '../src/services/audit-context';
import { DEMO_SCHOOL_NAME } from '../src/db/seed/demo';

let app: TestApp;
let admin: HttpClient & { userId: string };
let schoolId: string;
let schoolGid: string;

const NIL = '00000000-0000-0000-0000-000000000000';
/** `app.as()` gives the user's global ID; the tables hold the raw uuid. */
const rawId = (globalId: string) => parseGlobalId(globalId)!.id;

const AUDIT_LOG = `query Log($schoolId: ID!, $filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(schoolId: $schoolId, filter: $filter, first: $first, after: $after) {
    edges { cursor node { seq occurredAt actorLogin ip operation entityType entityId action changes prevHash hash actor { id login } } }
    nodes { seq }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const VERIFY = `query V($schoolId: ID!) { auditVerify(schoolId: $schoolId) { ok checkedEntries firstBrokenSeq reason } }`;

const chainCount = async (chain: string) =>
  Number((await app.sql<{ n: string }>('select count(*) as n from audit_entry where chain_id = $1', [chain]))[0].n);

/** Reads the whole chain through the API, `first` at a time. */
async function readAll(client: HttpClient, first: number, filter?: Record<string, unknown>) {
  const seqs: string[] = [];
  const entries: any[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const r: any = await client.ok(AUDIT_LOG, { schoolId: schoolGid, filter, first, after });
    const c = r.auditLog;
    expect(c.edges.length).toBeLessThanOrEqual(first);
    expect(c.nodes.map((n: any) => n.seq)).toEqual(c.edges.map((e: any) => e.node.seq));
    for (const e of c.edges) { seqs.push(e.node.seq); entries.push(e.node); }
    if (!c.pageInfo.hasNextPage) break;
    expect(c.edges.length).toBe(first);
    after = c.pageInfo.endCursor;
  }
  return { seqs, entries };
}

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.as('admin');
  const school = await app.orm.em.fork().findOneOrFail(School, { name: DEMO_SCHOOL_NAME });
  schoolId = school.id;
  schoolGid = toGlobalId('School', school.id);
  // A change with a known actor, for the actor/operation filters.
  await runAsActor({ actorId: rawId(admin.userId), actorLogin: 'admin', sessionId: null, ip: '10.0.0.1', operation: 'testRename' }, async () => {
    const em = app.orm.em.fork();
    const s = await em.findOneOrFail(School, school.id);
    s.name = `${DEMO_SCHOOL_NAME} (renamed)`;
    await em.flush();
    s.name = DEMO_SCHOOL_NAME;
    await em.flush();
  });
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-5 what is recorded', () => {
  test('R-SEC-5: login writes an AuthSession CREATE entry with actor, session, ip and operation "login"', async () => {
    const teacher = await app.as('teacher');
    const [session] = await app.sql('select id, ip from auth_session where user_id = $1 order by created_at desc limit 1', [rawId(teacher.userId)]);
    const rows = await plainAudit(app, "select * from audit_entry where entity_type = 'AuthSession' and entity_id = $1", [session.id]);
    expect(rows).toHaveLength(1);
    const e = rows[0];
    expect(e).toMatchObject({
      action: 'CREATE', operation: 'login', actor_id: rawId(teacher.userId), actor_login: 'teacher',
      session_id: session.id, ip: session.ip, chain_id: NIL, school_id: null,
    });
    expect(e.ip).toMatch(/127\.0\.0\.1/);
    expect(e.changes.user).toEqual({ before: null, after: rawId(teacher.userId) });
    expect(e.changes.ip).toEqual({ before: null, after: session.ip });
    expect(e.seq).not.toBeNull();
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('R-SEC-5: a failed login writes no audit entry', async () => {
    const [{ n: before }] = await app.sql('select count(*) as n from audit_entry');
    const r = await app.anon().ok(LOGIN, { input: { login: 'teacher', password: 'wrong-password' } });
    expect(r.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    const [{ n: after }] = await app.sql('select count(*) as n from audit_entry');
    expect(after).toBe(before);
  });

  test('R-SEC-5: the demo seed\'s changes are recorded with operation "seed:foundation" and no actor', async () => {
    const r = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { operation: 'seed:foundation', entityType: 'School' } });
    expect(r.auditLog.edges).toHaveLength(1);
    const e = r.auditLog.edges[0].node;
    expect(e).toMatchObject({ seq: '1', action: 'CREATE', entityType: 'School', entityId: schoolGid, actor: null, actorLogin: null, operation: 'seed:foundation' });
    expect(e.changes.name).toEqual({ before: null, after: DEMO_SCHOOL_NAME });
    expect(e.prevHash).toBe('0'.repeat(64));
    const seeded = await app.sql("select entity_type, count(*)::int as n from audit_entry where operation = 'seed:foundation' group by 1 order by 1");
    const byType = Object.fromEntries(seeded.map((s: any) => [s.entity_type, s.n]));
    expect(byType).toMatchObject({ School: 1, AcademicYear: 1, User: 7, RoleAssignment: 7 });
    expect(byType.StudyPeriod).toBeGreaterThan(0);
    expect(byType.GradingValue).toBeGreaterThan(0);
    // Users belong to no school: the global chain; grading values to their system's school.
    const chains = await app.sql("select entity_type, array_agg(distinct chain_id::text) as chains from audit_entry where operation = 'seed:foundation' group by 1");
    for (const c of chains) expect(c.chains).toEqual([c.entity_type === 'User' ? NIL : schoolId]);
  });

  test('R-SEC-5: relations are recorded as ids, the global entityId decodes to the record', async () => {
    const r = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { entityType: 'RoleAssignment', operation: 'seed:foundation' }, first: 1 });
    const e = r.auditLog.edges[0].node;
    expect(e.changes.school).toEqual({ before: null, after: schoolId });
    expect(e.changes.user.after).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.changes.role.after).toEqual(expect.any(String));
    expect(e.changes).not.toHaveProperty('id');
    expect(e.changes).not.toHaveProperty('createdAt');
    const byId = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { entityId: e.entityId } });
    expect(byId.auditLog.edges.map((x: any) => x.node.seq)).toEqual([e.seq]);
  });
});

describe('R-SEC-5 auditLog', () => {
  test('R-SEC-5: pages of first/after cover the chain newest first, without duplicates, in a stable order', async () => {
    const total = await chainCount(schoolId);
    const { seqs } = await readAll(admin, 7);
    expect(seqs).toHaveLength(total);
    expect(new Set(seqs).size).toBe(total);
    expect(seqs.map(Number)).toEqual(Array.from({ length: total }, (_, i) => total - i));
    const again = await readAll(admin, 13);
    expect(again.seqs).toEqual(seqs);
    const first = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, first: 3 });
    expect(first.auditLog.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.auditLog.pageInfo.startCursor).toBe(first.auditLog.edges[0].cursor);
    expect(first.auditLog.pageInfo.endCursor).toBe(first.auditLog.edges[2].cursor);
  });

  test('R-SEC-5: filters by entity type, entity, actor, operation, action and time', async () => {
    const { entries: periods } = await readAll(admin, 100, { entityType: 'StudyPeriod' });
    const [{ n }] = await app.sql("select count(*)::int as n from audit_entry where chain_id = $1 and entity_type = 'StudyPeriod'", [schoolId]);
    expect(periods).toHaveLength(n);
    expect(periods.every((e: any) => e.entityType === 'StudyPeriod')).toBe(true);

    const school = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { entityId: schoolGid } });
    expect(school.auditLog.edges.map((e: any) => e.node.action)).toEqual(['UPDATE', 'UPDATE', 'CREATE']);

    const byActor = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { actor: admin.userId } });
    const renames = byActor.auditLog.edges.map((e: any) => e.node);
    expect(renames).toHaveLength(2);
    expect(renames[0]).toMatchObject({ operation: 'testRename', actorLogin: 'admin', ip: '10.0.0.1', actor: { login: 'admin' }, entityType: 'School', action: 'UPDATE' });
    expect(renames[0].changes).toEqual({ name: { before: `${DEMO_SCHOOL_NAME} (renamed)`, after: DEMO_SCHOOL_NAME } });
    expect(renames[1].changes).toEqual({ name: { before: DEMO_SCHOOL_NAME, after: `${DEMO_SCHOOL_NAME} (renamed)` } });

    const byOp = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { operation: 'testRename', action: 'UPDATE' } });
    expect(byOp.auditLog.edges).toHaveLength(2);
    const creates = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { operation: 'testRename', action: 'CREATE' } });
    expect(creates.auditLog.edges).toHaveLength(0);

    const at = new Date(renames[1].occurredAt).getTime();
    const from = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { from: new Date(at).toISOString() } });
    expect(from.auditLog.edges.map((e: any) => e.node.operation)).toEqual(['testRename', 'testRename']);
    const to = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { to: new Date(at).toISOString(), operation: 'testRename' } });
    expect(to.auditLog.edges).toHaveLength(0);
    const none = await admin.ok(AUDIT_LOG, { schoolId: schoolGid, filter: { entityId: toGlobalId('School', randomUUID()) } });
    expect(none.auditLog.edges).toHaveLength(0);
  });

  test('R-SEC-5: malformed arguments are BAD_USER_INPUT', async () => {
    const cases: Record<string, unknown>[] = [
      { schoolId: 'nonsense' },
      { schoolId: admin.userId },
      { schoolId: schoolGid, after: 'not-a-cursor' },
      { schoolId: schoolGid, first: 101 },
      { schoolId: schoolGid, first: 0 },
      { schoolId: schoolGid, filter: { actor: schoolGid } },
      { schoolId: schoolGid, filter: { entityType: 'User', entityId: schoolGid } },
      { schoolId: schoolGid, filter: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } },
    ];
    for (const v of cases) {
      const r = await admin.gql(AUDIT_LOG, v);
      expect([JSON.stringify(v), errorCode(r)]).toEqual([JSON.stringify(v), 'BAD_USER_INPUT']);
    }
  });

  test('R-ROLE-2, R-ROLE-3: the director and the deputy read the audit trail too', async () => {
    for (const login of ['director', 'deputy']) {
      const c = await app.as(login);
      const r = await c.ok(AUDIT_LOG, { schoolId: schoolGid, first: 1 });
      expect(r.auditLog.edges).toHaveLength(1);
      expect((await c.ok(VERIFY, { schoolId: schoolGid })).auditVerify.ok).toBe(true);
    }
  });

  test('R-SEC-2: teachers, students and parents are FORBIDDEN, anonymous callers UNAUTHENTICATED', async () => {
    for (const login of ['teacher', 'classteacher', 'student', 'parent']) {
      const c = await app.as(login);
      expect(errorCode(await c.gql(AUDIT_LOG, { schoolId: schoolGid }))).toBe('FORBIDDEN');
      expect(errorCode(await c.gql(VERIFY, { schoolId: schoolGid }))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.anon().gql(AUDIT_LOG, { schoolId: schoolGid }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.anon().gql(VERIFY, { schoolId: schoolGid }))).toBe('UNAUTHENTICATED');
  });

  test('R-SEC-2: a school where the viewer is no administrator is NOT_FOUND', async () => {
    const other = toGlobalId('School', randomUUID());
    const r = await admin.gql(AUDIT_LOG, { schoolId: other });
    expect(errorCode(r)).toBe('NOT_FOUND');
    expect(r.data).toBeNull();
    expect(errorCode(await admin.gql(VERIFY, { schoolId: other }))).toBe('NOT_FOUND');
  });
});

describe('R-SEC-5 integrity', () => {
  test('R-SEC-5: UPDATE, DELETE and TRUNCATE of audit_entry are rejected by the database', async () => {
    await expect(app.sql("update audit_entry set operation = 'x' where seq = 1")).rejects.toThrow(/append-only/);
    await expect(app.sql('delete from audit_entry where seq = 1')).rejects.toThrow(/append-only/);
    await expect(app.sql('truncate audit_entry')).rejects.toThrow(/append-only/);
    expect(await chainCount(schoolId)).toBeGreaterThan(0);
  });

  test('R-SEC-5: auditVerify reports an intact chain as ok', async () => {
    const r = await admin.ok(VERIFY, { schoolId: schoolGid });
    expect(r.auditVerify).toEqual({ ok: true, checkedEntries: await chainCount(schoolId), firstBrokenSeq: null, reason: null });
  });

  test('R-SEC-5: the hash of every entry links to the previous one', async () => {
    const rows = await app.sql('select seq, prev_hash, hash, audit_entry_hash(a) = hash as valid from audit_entry a where chain_id = $1 order by seq', [schoolId]);
    rows.forEach((r: any, i: number) => {
      expect(r.valid).toBe(true);
      expect(r.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1].hash);
    });
  });
});

describe('Relay node lookup', () => {
  const NODE = `query N($id: ID!) { node(id: $id) { __typename id ... on School { name } ... on User { login } ... on GradingValue { code } } }`;
  const NODES = `query N($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
  let otherSchoolGid: string;
  let otherUserGid: string;
  let yearGid: string;
  let valueGid: string;
  let teacher: HttpClient & { userId: string };

  beforeAll(async () => {
    teacher = await app.as('teacher');
    const [year] = await app.sql('select id from academic_year where school_id = $1', [schoolId]);
    yearGid = toGlobalId('AcademicYear', year.id);
    const [value] = await app.sql('select v.id from grading_value v join grading_system s on s.id = v.grading_system_id where s.school_id = $1 limit 1', [schoolId]);
    valueGid = toGlobalId('GradingValue', value.id);
    await runAsActor({ actorId: null, actorLogin: null, sessionId: null, ip: null, operation: 'test:otherSchool' }, async () => {
      const em = app.orm.em.fork();
      const school = em.create(School, { name: 'Другая школа', timeZone: 'Asia/Yekaterinburg' });
      const user = em.create(User, { login: 'stranger', passwordHash: 'x', lastName: 'Чужой', firstName: 'Пётр' });
      em.create(RoleAssignment, { user, school, role: Role.TEACHER });
      await em.flush();
      otherSchoolGid = school.globalId;
      otherUserGid = user.globalId;
    });
  });

  test('R-SEC-2: node() returns records of the viewer\'s school', async () => {
    expect((await teacher.ok(NODE, { id: schoolGid })).node).toMatchObject({ __typename: 'School', id: schoolGid, name: DEMO_SCHOOL_NAME });
    expect((await teacher.ok(NODE, { id: yearGid })).node).toMatchObject({ __typename: 'AcademicYear', id: yearGid });
    expect((await teacher.ok(NODE, { id: valueGid })).node).toMatchObject({ __typename: 'GradingValue', id: valueGid });
  });

  test('R-SEC-2: a user is visible to themself and to the administration of their school only', async () => {
    const teacherGid = teacher.userId;
    const adminGid = admin.userId;
    expect((await teacher.ok(NODE, { id: teacherGid })).node).toMatchObject({ __typename: 'User', login: 'teacher' });
    expect(errorCode(await teacher.gql(NODE, { id: adminGid }))).toBe('NOT_FOUND');
    expect((await admin.ok(NODE, { id: teacherGid })).node).toMatchObject({ login: 'teacher' });
    expect(errorCode(await admin.gql(NODE, { id: otherUserGid }))).toBe('NOT_FOUND');
  });

  test('R-SEC-2: records of another school, unknown records and non-Node types are NOT_FOUND', async () => {
    for (const id of [otherSchoolGid, toGlobalId('School', randomUUID()), toGlobalId('Nonsense', randomUUID())]) {
      const r = await teacher.gql(NODE, { id });
      expect(errorCode(r)).toBe('NOT_FOUND');
    }
    const [ra] = await app.sql('select id from role_assignment limit 1');
    expect(errorCode(await admin.gql(NODE, { id: toGlobalId('RoleAssignment', ra.id) }))).toBe('NOT_FOUND');
  });

  test('R-SEC-2: nodes() keeps the order and returns null for what is not visible', async () => {
    const ids = [schoolGid, otherSchoolGid, yearGid, teacher.userId, admin.userId, valueGid, schoolGid];
    const r = await teacher.ok(NODES, { ids });
    expect(r.nodes.map((n: any) => n && n.id)).toEqual([schoolGid, null, yearGid, teacher.userId, null, valueGid, schoolGid]);
    expect((await teacher.ok(NODES, { ids: [] })).nodes).toEqual([]);
  });

  test('R-SEC-2: malformed ids and too many ids are BAD_USER_INPUT; anonymous callers UNAUTHENTICATED', async () => {
    expect(errorCode(await teacher.gql(NODE, { id: 'garbage' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await teacher.gql(NODE, { id: Buffer.from('School:not-a-uuid').toString('base64url') }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await teacher.gql(NODES, { ids: [schoolGid, 'garbage'] }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await teacher.gql(NODES, { ids: Array.from({ length: 101 }, () => schoolGid) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.anon().gql(NODE, { id: schoolGid }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.anon().gql(NODES, { ids: [schoolGid] }))).toBe('UNAUTHENTICATED');
  });
});
