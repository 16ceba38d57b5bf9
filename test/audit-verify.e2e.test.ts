import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { School } from '../src/entities/school.entity';
import { Role, RoleAssignment, User } from '../src/entities/user.entity';
import { AcademicYear } from '../src/entities/academic-year.entity';
import { runAsActor, systemActor } from '../src/services/audit-context';
import { AUDIT_HASH_INPUT, AUDIT_UNHASHED } from './helpers/audit-hash';

let app: TestApp;
let admin: HttpClient;

const VERIFY = `query V($schoolId: ID!) { auditVerify(schoolId: $schoolId) { ok checkedEntries firstBrokenSeq reason } }`;

/** A fresh school whose chain has 6 entries (school, the admin's role, four years), administered by `admin`. */
async function freshChain(): Promise<{ id: string; gid: string }> {
  return runAsActor(systemActor('test:chain'), async () => {
    const em = app.orm.em.fork();
    const school = em.create(School, { name: `Школа ${Math.random()}`, timeZone: 'Europe/Moscow' });
    const user = await em.findOneOrFail(User, { login: 'admin' });
    em.create(RoleAssignment, { user, school, role: Role.ADMIN });
    await em.flush();
    for (let i = 0; i < 4; i++) {
      em.create(AcademicYear, { school, name: `20${30 + i}/20${31 + i}`, startDate: `20${30 + i}-09-01`, endDate: `20${31 + i}-06-30` });
      await em.flush();
    }
    return { id: school.id, gid: school.globalId };
  });
}

const YEAR_CREATE = `mutation($i: AcademicYearCreateInput!) { academicYearCreate(input: $i) { academicYear { id } userErrors { code message } } }`;

/**
 * A fresh chain of 8 entries whose 7th is a change by the signed-in administrator through the API
 * (actor, session and the encrypted login and address all filled), followed by one more entry.
 */
async function chainWithSignedInEntry(): Promise<{ id: string; gid: string }> {
  const chain = await freshChain();
  const r = await admin.ok(YEAR_CREATE, { i: { schoolId: chain.gid, name: '2040/2041', startDate: '2040-09-01', endDate: '2041-06-30' } });
  expect(r.academicYearCreate.userErrors).toEqual([]);
  await runAsActor(systemActor('test:chain'), async () => {
    const em = app.orm.em.fork();
    em.create(AcademicYear, { school: chain.id, name: '2041/2042', startDate: '2041-09-01', endDate: '2042-06-30' });
    await em.flush();
  });
  const [e] = await app.sql(`select seq, operation, actor_id, actor_login, session_id, ip from audit_entry where chain_id = $1 and seq = 7`, [chain.id]);
  expect(e).toMatchObject({ operation: 'academicYearCreate', actor_id: expect.any(String), actor_login: expect.stringMatching(/^pd1:/), session_id: expect.any(String), ip: expect.stringMatching(/^pd1:/) });
  return chain;
}

/**
 * One forgery per column of audit_entry that the chain must protect, as an attacker with database
 * access would write it: SQL for `set <column> = …` on the entry (alias `a`), and the reason
 * auditVerify must give. Every hashed column is here, and the hash itself.
 */
const FORGERIES: Record<string, { set: string; reason: RegExp }> = {
  chain_id: { set: 'gen_random_uuid()', reason: /entry 7 is missing/ },
  seq: { set: 'a.seq + 100', reason: /entry 7 is missing/ },
  prev_hash: { set: "repeat('a', 64)", reason: /hash does not match/ },
  occurred_at: { set: "a.occurred_at + interval '1 microsecond'", reason: /hash does not match/ },
  school_id: { set: 'gen_random_uuid()', reason: /hash does not match/ },
  actor_id: { set: "(select id from app_user where login = 'teacher')", reason: /hash does not match/ },
  // Another valid ciphertext: the login of another entry.
  actor_login: { set: "(select b.actor_login from audit_entry b where b.actor_login is not null and b.actor_login <> a.actor_login limit 1)", reason: /hash does not match/ },
  session_id: { set: 'gen_random_uuid()', reason: /hash does not match/ },
  ip: { set: "(select b.ip from audit_entry b where b.ip is not null and b.ip <> a.ip limit 1)", reason: /hash does not match/ },
  operation: { set: "'academicYearUpdate'", reason: /hash does not match/ },
  entity_type: { set: "'School'", reason: /hash does not match/ },
  // The entry pointed at another record.
  entity_id: { set: 'gen_random_uuid()::text', reason: /hash does not match/ },
  action: { set: "'DELETE'", reason: /hash does not match/ },
  changes: { set: `jsonb_set(a.changes, '{name,after}', '"2099/2100"')`, reason: /hash does not match/ },
  hash: { set: "repeat('b', 64)", reason: /hash does not match/ },
};

/** Runs `statement` with the append-only trigger off, as an attacker with database access could. */
const tamper = (statement: string) =>
  app.sql(`alter table audit_entry disable trigger audit_entry_append_only; ${statement}; alter table audit_entry enable trigger audit_entry_append_only`);

const verify = async (gid: string) => (await admin.ok(VERIFY, { schoolId: gid })).auditVerify;

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.as('admin');
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-5 auditVerify', () => {
  test('R-SEC-5: auditVerify reports an intact chain as ok', async () => {
    const chain = await freshChain();
    expect(await verify(chain.gid)).toEqual({ ok: true, checkedEntries: 6, firstBrokenSeq: null, reason: null });
  });

  test('R-SEC-5: auditVerify reports the first tampered entry', async () => {
    const chain = await freshChain();
    await tamper(`update audit_entry set changes = '{"name": {"before": null, "after": "подделка"}}' where chain_id = '${chain.id}' and seq in (3, 5)`);
    expect(await verify(chain.gid)).toMatchObject({ ok: false, checkedEntries: 6, firstBrokenSeq: '3', reason: expect.stringMatching(/hash does not match/) });
  });

  test('R-SEC-5: auditVerify reports a tampered entry whose hash was recomputed at the next link', async () => {
    const chain = await freshChain();
    await tamper(`update audit_entry set actor_login = 'someone' where chain_id = '${chain.id}' and seq = 2;
      update audit_entry a set hash = audit_entry_hash(a) where chain_id = '${chain.id}' and seq = 2`);
    expect(await verify(chain.gid)).toMatchObject({ ok: false, firstBrokenSeq: '3', reason: expect.stringMatching(/prev_hash/) });
  });

  test('R-SEC-5: auditVerify reports a deleted middle entry as a gap', async () => {
    const chain = await freshChain();
    await tamper(`delete from audit_entry where chain_id = '${chain.id}' and seq = 4`);
    expect(await verify(chain.gid)).toMatchObject({ ok: false, checkedEntries: 5, firstBrokenSeq: '4', reason: expect.stringMatching(/entry 4 is missing/) });
  });

  test('R-SEC-5: auditVerify reports a cut-off tail against the chain head', async () => {
    const chain = await freshChain();
    await tamper(`delete from audit_entry where chain_id = '${chain.id}' and seq >= 5`);
    expect(await verify(chain.gid)).toMatchObject({ ok: false, checkedEntries: 4, firstBrokenSeq: '5', reason: expect.stringMatching(/entry 5 is missing.*head is at seq 6/) });
  });

  test('R-SEC-5: auditVerify reports a forged chain head', async () => {
    const chain = await freshChain();
    await app.sql(`update audit_chain set last_hash = repeat('f', 64) where chain_id = $1`, [chain.id]);
    expect(await verify(chain.gid)).toMatchObject({ ok: false, firstBrokenSeq: '6', reason: expect.stringMatching(/head does not match/) });
  });

  test('R-SEC-5: tampering with one school\'s chain leaves the others intact', async () => {
    const broken = await freshChain();
    const intact = await freshChain();
    await tamper(`update audit_entry set operation = 'forged' where chain_id = '${broken.id}' and seq = 1`);
    expect(await verify(broken.gid)).toMatchObject({ ok: false, firstBrokenSeq: '1' });
    expect((await verify(intact.gid)).ok).toBe(true);
  });
});

describe('issue 9 §6, R-SEC-5: auditVerify guards every column', () => {
  test('R-SEC-5: every column of audit_entry is hashed or listed as deliberately unhashed with its reason, and every hashed column has a forgery test', async () => {
    const columns = (await app.sql<{ c: string }>(`select column_name as c from information_schema.columns
      where table_schema = current_schema() and table_name = 'audit_entry' order by ordinal_position`)).map((r) => r.c);
    expect(columns.length).toBeGreaterThanOrEqual(16);
    const hashed = new Set<string>(AUDIT_HASH_INPUT);
    // A new column must be added to the hash (a migration redefining audit_entry_hash, and
    // AUDIT_HASH_INPUT) or to AUDIT_UNHASHED with the reason it needs no protection.
    expect(columns.filter((c) => !hashed.has(c) && !(c in AUDIT_UNHASHED))).toEqual([]);
    expect([...AUDIT_HASH_INPUT, ...Object.keys(AUDIT_UNHASHED)].sort()).toEqual([...columns].sort());
    expect(Object.values(AUDIT_UNHASHED).every((reason) => reason.length > 10)).toBe(true);
    expect(Object.keys(FORGERIES).sort()).toEqual([...AUDIT_HASH_INPUT, 'hash'].sort());
  });

  test.each(Object.keys(FORGERIES))('R-SEC-5: changing only %s of one entry makes auditVerify report that entry', async (column) => {
    const chain = await chainWithSignedInEntry();
    expect(await verify(chain.gid)).toEqual({ ok: true, checkedEntries: 8, firstBrokenSeq: null, reason: null });
    const where = `where chain_id = '${chain.id}' and seq = 7`;
    // As JSON: times keep their microseconds.
    const [{ id, before }] = await app.sql(`select id, to_jsonb(a) as before from audit_entry a ${where}`);
    await tamper(`update audit_entry a set ${column} = ${FORGERIES[column].set} ${where}`);
    const [{ after }] = await app.sql(`select to_jsonb(a) as after from audit_entry a where id = $1`, [id]);
    // Exactly that column of that entry changed.
    expect(Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))).toEqual([column]);
    expect(await verify(chain.gid)).toMatchObject({ ok: false, firstBrokenSeq: '7', reason: expect.stringMatching(FORGERIES[column].reason) });
  });

  test('R-SEC-5: a chain moved under another school\'s id fails at its first entry (chain_id is hashed)', async () => {
    const source = await chainWithSignedInEntry();
    const target = await freshChain();
    await tamper(`delete from audit_entry where chain_id = '${target.id}';
      update audit_entry set chain_id = '${target.id}' where chain_id = '${source.id}';
      update audit_chain t set last_seq = s.last_seq, last_hash = s.last_hash from audit_chain s where s.chain_id = '${source.id}' and t.chain_id = '${target.id}'`);
    expect(await verify(target.gid)).toMatchObject({ ok: false, checkedEntries: 8, firstBrokenSeq: '1', reason: expect.stringMatching(/hash does not match/) });
  });

  test('R-SEC-5: id is outside the hash by design: renumbering the storage key leaves the chain intact', async () => {
    const chain = await chainWithSignedInEntry();
    await tamper(`update audit_entry set id = id + 1000000000 where chain_id = '${chain.id}' and seq = 7`);
    expect(await verify(chain.gid)).toEqual({ ok: true, checkedEntries: 8, firstBrokenSeq: null, reason: null });
  });
});
