import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { plainAudit } from './helpers/audit';
import { AuditRow, auditEntryHash, auditRows, epochMicros, GENESIS_HASH, hashInput, jsonbText } from './helpers/audit-hash';
import { parseGlobalId, toGlobalId } from '../src/schema/node';
import { isEncrypted } from '../src/db/pd-keys';
import { GLOBAL_CHAIN_ID } from '../src/entities/audit-entry.entity';
import { School } from '../src/entities/school.entity';
import { Role, RoleAssignment, User } from '../src/entities/user.entity';
import { runAsActor, systemActor } from '../src/services/audit-context';

/**
 * Issue 9 §6, R-SEC-5: a known-answer test of the audit chain. Every stored hash is recomputed here
 * with Node's crypto from the documented input (test/helpers/audit-hash.ts), never with the
 * database's `audit_entry_hash`: a column left out of that function, or encoded differently, fails.
 */
let app: TestApp;
let admin: HttpClient & { userId: string };
let schoolId: string;

const YEAR_CREATE = `mutation($i: AcademicYearCreateInput!) { academicYearCreate(input: $i) { academicYear { id } userErrors { code message } } }`;

beforeAll(async () => {
  app = await startTestApp();
  // A login: an AuthSession entry in the global chain with the actor's login, address and the
  // session's address encrypted.
  admin = await app.as('admin');
  // A school of its own, then a change through the API by a signed-in administrator.
  schoolId = await runAsActor(systemActor('test:chain'), async () => {
    const em = app.orm.em.fork();
    const school = em.create(School, { name: 'Школа «Цепочка» — "проверка"\tхэша', timeZone: 'Asia/Vladivostok' });
    em.create(RoleAssignment, { user: await em.findOneOrFail(User, { login: 'admin' }), school, role: Role.ADMIN });
    await em.flush();
    return school.id;
  });
  const r = await admin.ok(YEAR_CREATE, { i: { schoolId: toGlobalId('School', schoolId), name: '2040/2041', startDate: '2040-09-01', endDate: '2041-06-30' } });
  expect(r.academicYearCreate.userErrors).toEqual([]);
});
afterAll(async () => { await app?.stop(); });

/** Every entry of every chain, in chain order, with what the test computes for it. */
async function wholeTrail() {
  const rows = await auditRows(app, 'order by a.chain_id, a.seq');
  const computed = new Map<string, string>();
  const mismatches: { chain: string; seq: string | null; column: 'hash' | 'prev_hash' | 'changes'; stored: string | null; expected: string }[] = [];
  let previous: AuditRow | null = null;
  for (const row of rows) {
    const first = previous === null || previous.chain_id !== row.chain_id;
    const expectedPrev = first ? GENESIS_HASH : computed.get(previous!.id)!;
    const hash = auditEntryHash(row);
    computed.set(row.id, hash);
    if (row.prev_hash !== expectedPrev) mismatches.push({ chain: row.chain_id, seq: row.seq, column: 'prev_hash', stored: row.prev_hash, expected: expectedPrev });
    if (row.hash !== hash) mismatches.push({ chain: row.chain_id, seq: row.seq, column: 'hash', stored: row.hash, expected: hash });
    // The test's own jsonb text must be PostgreSQL's, or the comparison above proves nothing.
    if (jsonbText(row.changes) !== row.changes_text) mismatches.push({ chain: row.chain_id, seq: row.seq, column: 'changes', stored: row.changes_text, expected: jsonbText(row.changes) });
    if (first && row.seq !== '1') mismatches.push({ chain: row.chain_id, seq: row.seq, column: 'prev_hash', stored: row.seq, expected: 'chain starts at seq 1' });
    previous = row;
  }
  return { rows, mismatches };
}

describe('issue 9 §6, R-SEC-5: known-answer test of the chain hash', () => {
  test('R-SEC-5: every stored hash equals SHA-256 of chain_id|seq|prev_hash|occurred_at µs|school_id|actor_id|actor_login|session_id|ip|operation|entity_type|entity_id|action|changes, computed in the test, and links to the previous entry', async () => {
    const { rows, mismatches } = await wholeTrail();
    expect(mismatches).toEqual([]);
    // The trail covers what the rule must hold for: several chains, first entries, null columns,
    // encrypted personal values, non-ASCII and escaped characters, sub-millisecond times.
    const count = (p: (r: AuditRow) => boolean) => rows.filter(p).length;
    expect(new Set(rows.map((r) => r.chain_id)).size).toBeGreaterThanOrEqual(3);
    expect(count((r) => r.seq === '1')).toBeGreaterThanOrEqual(3);
    expect(count((r) => r.school_id === null && r.chain_id === GLOBAL_CHAIN_ID)).toBeGreaterThan(0);
    expect(count((r) => r.actor_id === null && r.actor_login === null && r.session_id === null && r.ip === null)).toBeGreaterThan(0);
    expect(count((r) => isEncrypted(r.actor_login) && isEncrypted(r.ip) && r.session_id !== null)).toBeGreaterThan(0);
    expect(count((r) => Object.values(r.changes as Record<string, { after: unknown }>).some((c) => isEncrypted(c.after)))).toBeGreaterThan(0);
    expect(count((r) => /[^\x00-\x7f]/.test(r.changes_text) && r.changes_text.includes('\\'))).toBeGreaterThan(0);
  });

  test('R-SEC-5: the entries of the example, hashed by hand: a login with encrypted login and address, a first entry with no actor, an administrator\'s change', async () => {
    // The login of beforeAll: global chain, no school, encrypted personal values.
    const [session] = await app.sql('select id from auth_session where user_id = $1 order by created_at desc limit 1', [parseGlobalId(admin.userId)!.id]);
    const [login] = await auditRows(app, `where a.entity_type = 'AuthSession' and a.entity_id = $1`, [session.id]);
    const [plainLogin] = await plainAudit(app, 'select actor_login, ip, changes from audit_entry where id = $1', [login.id]);
    expect(plainLogin.actor_login).toBe('admin');
    expect(isEncrypted(login.actor_login) && isEncrypted(login.ip) && isEncrypted((login.changes as any).ip.after)).toBe(true);
    expect(login).toMatchObject({ chain_id: GLOBAL_CHAIN_ID, school_id: null, operation: 'login', action: 'CREATE' });
    const [beforeLogin] = await auditRows(app, 'where a.chain_id = $1 and a.seq = $2', [GLOBAL_CHAIN_ID, String(BigInt(login.seq!) - 1n)]);
    expect(hashInput(login)).toBe([
      GLOBAL_CHAIN_ID, login.seq, auditEntryHash(beforeLogin), epochMicros(login.occurred_at_iso).toString(), '',
      parseGlobalId(admin.userId)!.id, login.actor_login, session.id, login.ip, 'login', 'AuthSession', session.id, 'CREATE', login.changes_text,
    ].join('|'));
    expect(login.hash).toBe(auditEntryHash(login));

    // The first entry of the new school: no actor, no session, no address; name with quote and tab.
    const [first] = await auditRows(app, 'where a.chain_id = $1 and a.seq = 1', [schoolId]);
    expect(first).toMatchObject({ entity_type: 'School', entity_id: schoolId, actor_id: null, actor_login: null, session_id: null, ip: null, prev_hash: GENESIS_HASH });
    expect(hashInput(first)).toBe([
      schoolId, '1', GENESIS_HASH, epochMicros(first.occurred_at_iso).toString(), schoolId, '', '', '', '', 'test:chain', 'School', schoolId, 'CREATE',
      first.changes_text,
    ].join('|'));
    expect(first.changes_text).toContain('"name": {"after": "Школа «Цепочка» — \\"проверка\\"\\tхэша", "before": null}');
    expect(first.hash).toBe(auditEntryHash(first));

    // The administrator's change through the API: every column filled, linked to the entry before it.
    const rows = await auditRows(app, 'where a.chain_id = $1 order by a.seq', [schoolId]);
    const change = rows.find((r) => r.operation === 'academicYearCreate')!;
    expect(change).toMatchObject({ school_id: schoolId, actor_id: parseGlobalId(admin.userId)!.id, entity_type: 'AcademicYear', action: 'CREATE' });
    expect(isEncrypted(change.actor_login) && isEncrypted(change.ip)).toBe(true);
    expect(change.prev_hash).toBe(auditEntryHash(rows[rows.indexOf(change) - 1]));
    expect(change.hash).toBe(auditEntryHash(change));
  });
});
