import { startTestApp, TestApp } from './helpers/app';
import { plainAudit } from './helpers/audit';
import { parseGlobalId, toGlobalId } from '../src/schema/node';
import { School } from '../src/entities/school.entity';
import { Role, RoleAssignment, User } from '../src/entities/user.entity';
import { AcademicYear, Holiday, StudyPeriod } from '../src/entities/academic-year.entity';
import { GradingValue } from '../src/entities/grading-system.entity';
import { AuditActor, runAsActor, systemActor } from '../src/services/audit-context';
import { DEMO_SCHOOL_NAME } from '../src/db/seed/demo';

let app: TestApp;
let schoolId: string;
let adminId: string;

const NIL = '00000000-0000-0000-0000-000000000000';
const actor = (): AuditActor => ({ actorId: adminId, actorLogin: 'admin', sessionId: null, ip: '192.0.2.7', operation: 'subscriberTest' });

/** Entries written since `afterId` (audit_entry.id), oldest first, personal values decrypted. */
const entriesSince = (afterId: string) => plainAudit(app, 'select * from audit_entry where id > $1 order by id', [afterId]);
const lastId = async () => (await app.sql<{ id: string }>('select coalesce(max(id), 0)::text as id from audit_entry'))[0].id;

beforeAll(async () => {
  app = await startTestApp();
  const em = app.orm.em.fork();
  schoolId = (await em.findOneOrFail(School, { name: DEMO_SCHOOL_NAME })).id;
  adminId = (await em.findOneOrFail(User, { login: 'admin' })).id;
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-5 audit subscriber', () => {
  test('R-SEC-5: updating a School records exactly {name: {before, after}} in the school\'s chain, linked to its head', async () => {
    const [head] = await app.sql('select last_seq::text as seq, last_hash from audit_chain where chain_id = $1', [schoolId]);
    const since = await lastId();
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      const school = await em.findOneOrFail(School, schoolId);
      school.name = 'Школа № 17 (переименована)';
      await em.flush();
    });
    const rows = await entriesSince(since);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      chain_id: schoolId, school_id: schoolId, entity_type: 'School', entity_id: schoolId, action: 'UPDATE',
      actor_id: adminId, actor_login: 'admin', ip: '192.0.2.7', operation: 'subscriberTest',
      seq: String(Number(head.seq) + 1), prev_hash: head.last_hash,
    });
    expect(rows[0].changes).toEqual({ name: { before: DEMO_SCHOOL_NAME, after: 'Школа № 17 (переименована)' } });
  });

  test('R-SEC-5: an update that changes nothing (same values, or only updatedAt) writes no entry', async () => {
    const since = await lastId();
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      const school = await em.findOneOrFail(School, schoolId);
      school.name = `${school.name}`;
      const period = await em.findOneOrFail(StudyPeriod, { school: schoolId, kind: 'QUARTER' as never });
      period.grades = [...period.grades];
      period.startDate = `${period.startDate}`;
      await em.flush();
      school.updatedAt = new Date(Date.now() + 60_000);
      await em.flush();
    });
    expect(await entriesSince(since)).toHaveLength(0);
  });

  test('R-JOUR-10: arrays and dates are recorded as values, not in their database form', async () => {
    const since = await lastId();
    let periodId = '';
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      const period = await em.findOneOrFail(StudyPeriod, { school: schoolId, kind: 'QUARTER' as never }, { orderBy: { startDate: 'asc' } });
      periodId = period.id;
      period.grades = [5, 6];
      period.finalMarkDeadline = '2025-10-20';
      await em.flush();
    });
    const [row] = await entriesSince(since);
    expect(row).toMatchObject({ entity_type: 'StudyPeriod', entity_id: periodId, chain_id: schoolId, action: 'UPDATE' });
    expect(Object.keys(row.changes).sort()).toEqual(['finalMarkDeadline', 'grades']);
    expect(row.changes.grades).toEqual({ before: [1, 2, 3, 4, 5, 6, 7, 8, 9], after: [5, 6] });
    expect(row.changes.finalMarkDeadline.after).toBe('2025-10-20');
    expect(row.changes.finalMarkDeadline.before).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('R-SEC-5: a grading value (school reached through its grading system, not loaded) goes into the school\'s chain', async () => {
    const since = await lastId();
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      const value = await em.findOneOrFail(GradingValue, { code: '5', gradingSystem: { name: 'Пятибалльная' } });
      expect(value.gradingSystem.isInitialized()).toBe(false);
      value.label = 'превосходно';
      await em.flush();
    });
    const [row] = await entriesSince(since);
    expect(row).toMatchObject({ entity_type: 'GradingValue', chain_id: schoolId, school_id: schoolId });
    expect(row.changes).toEqual({ label: { before: 'отлично', after: 'превосходно' } });
  });

  test('R-SEC-5: created and deleted records are recorded with their values and relations as ids', async () => {
    const since = await lastId();
    let holidayId = '';
    let yearId = '';
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      const year = await em.findOneOrFail(AcademicYear, { school: schoolId });
      yearId = year.id;
      const holiday = em.create(Holiday, { school: schoolId, academicYear: year, name: 'Дополнительные каникулы', startDate: '2026-02-16', endDate: '2026-02-22', grades: [1] });
      holidayId = holiday.id;
      await em.flush();
      em.remove(holiday);
      await em.flush();
    });
    const rows = await entriesSince(since);
    expect(rows.map((r: any) => [r.entity_type, r.entity_id, r.action, r.chain_id])).toEqual([
      ['Holiday', holidayId, 'CREATE', schoolId],
      ['Holiday', holidayId, 'DELETE', schoolId],
    ]);
    const values = { school: schoolId, academicYear: yearId, name: 'Дополнительные каникулы', startDate: '2026-02-16', endDate: '2026-02-22', grades: [1] };
    expect(rows[0].changes).toEqual(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { before: null, after: v }])));
    expect(rows[1].changes).toEqual(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { before: v, after: null }])));
  });

  test('R-SEC-5: changes of one flush share their time and take consecutive seqs; a role goes to the school chain', async () => {
    const since = await lastId();
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      const user = await em.findOneOrFail(User, { login: 'teacher' });
      em.create(RoleAssignment, { user, school: schoolId, role: Role.DEPUTY });
      const school = await em.findOneOrFail(School, schoolId);
      school.timeZone = 'Europe/Samara';
      await em.flush();
    });
    const rows = await entriesSince(since);
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r: any) => r.occurred_at.toISOString())).size).toBe(1);
    expect(rows.map((r: any) => r.chain_id)).toEqual([schoolId, schoolId]);
    expect(Math.abs(Number(rows[0].seq) - Number(rows[1].seq))).toBe(1);
    const role = rows.find((r: any) => r.entity_type === 'RoleAssignment');
    expect(role.changes).toMatchObject({ school: { before: null, after: schoolId }, role: { before: null, after: 'DEPUTY' } });
  });

  test('R-SEC-5: users belong to the global chain; password hashes are redacted, dates recorded as ISO strings', async () => {
    const since = await lastId();
    const blockedAt = new Date('2026-01-15T10:00:00.000Z');
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      // passwordHash is lazy: not loaded here, yet its change must still be recorded (redacted).
      const user = await em.findOneOrFail(User, { login: 'parent' });
      user.passwordHash = 'new-hash';
      user.blockedAt = blockedAt;
      await em.flush();
      const created = em.create(User, { login: 'newcomer', passwordHash: 'secret-hash', lastName: 'Новиков', firstName: 'Иван' });
      await em.flush();
      expect(created.id).toBeTruthy();
    });
    const rows = await entriesSince(since);
    expect(rows.map((r: any) => [r.entity_type, r.action, r.chain_id, r.school_id])).toEqual([
      ['User', 'UPDATE', NIL, null],
      ['User', 'CREATE', NIL, null],
    ]);
    expect(rows[0].changes).toEqual({
      passwordHash: { before: '[redacted]', after: '[redacted]' },
      blockedAt: { before: null, after: blockedAt.toISOString() },
    });
    expect(rows[1].changes.passwordHash).toEqual({ before: null, after: '[redacted]' });
    expect(rows[1].changes.login).toEqual({ before: null, after: 'newcomer' });
    expect(JSON.stringify(rows)).not.toMatch(/secret-hash|new-hash/);
  });

  test('R-SEC-5: the entries are written in the transaction of the change: a rollback leaves none', async () => {
    const since = await lastId();
    await expect(runAsActor(actor(), () =>
      app.orm.em.fork().transactional(async (em) => {
        const school = await em.findOneOrFail(School, schoolId);
        school.name = 'Не сохранится';
        await em.flush();
        throw new Error('rolled back');
      }),
    )).rejects.toThrow('rolled back');
    expect(await entriesSince(since)).toHaveLength(0);
    const [school] = await app.sql('select name from school where id = $1', [schoolId]);
    expect(school.name).not.toBe('Не сохранится');
  });

  test('R-SEC-5: a change outside any operation is refused and nothing is written', async () => {
    const since = await lastId();
    const em = app.orm.em.fork();
    const school = await em.findOneOrFail(School, schoolId);
    school.name = 'Без автора';
    await expect(em.flush()).rejects.toThrow(/Unattributed change of School/);
    expect(await entriesSince(since)).toHaveLength(0);
    const [row] = await app.sql('select name from school where id = $1', [schoolId]);
    expect(row.name).not.toBe('Без автора');
  });

  test('R-SEC-5: system jobs are recorded without an actor under their job name', async () => {
    const since = await lastId();
    await runAsActor(systemActor('job:test'), async () => {
      const em = app.orm.em.fork();
      const school = await em.findOneOrFail(School, schoolId);
      school.timeZone = 'Europe/Moscow';
      await em.flush();
    });
    const [row] = await entriesSince(since);
    expect(row).toMatchObject({ operation: 'job:test', actor_id: null, actor_login: null, session_id: null, ip: null });
  });

  test('R-JOUR-10: a mutation through the API is recorded with its name, the acting user, session and address', async () => {
    const admin = await app.as('admin');
    const since = await lastId();
    const r = await admin.ok(`mutation U($input: SchoolUpdateInput!) { schoolUpdate(input: $input) { userErrors { code message } } }`,
      { input: { schoolId: toGlobalId('School', schoolId), name: 'Школа № 17 имени API' } });
    expect(r.schoolUpdate.userErrors).toEqual([]);
    const rows = await entriesSince(since);
    expect(rows).toHaveLength(1);
    const [session] = await app.sql('select id from auth_session where user_id = $1 order by created_at desc limit 1', [adminId]);
    expect(rows[0]).toMatchObject({ operation: 'schoolUpdate', actor_id: adminId, actor_login: 'admin', session_id: session.id, entity_type: 'School', chain_id: schoolId });
    expect(rows[0].ip).toMatch(/127\.0\.0\.1/);
    expect(Object.keys(rows[0].changes)).toEqual(['name']);
    const log = await admin.ok(`query L($s: ID!) { auditLog(schoolId: $s, first: 1) { edges { node { operation actor { id login } entityId changes } } } }`,
      { s: toGlobalId('School', schoolId) });
    expect(log.auditLog.edges[0].node).toMatchObject({ operation: 'schoolUpdate', actor: { id: admin.userId, login: 'admin' }, entityId: toGlobalId('School', schoolId) });
    expect(parseGlobalId(admin.userId)!.id).toBe(adminId);
  });
});
