import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { School } from '../src/entities/school.entity';
import { Role, RoleAssignment, User } from '../src/entities/user.entity';
import { AcademicYear } from '../src/entities/academic-year.entity';
import { runAsActor, systemActor } from '../src/services/audit-context';

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
