import pg from 'pg';
import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { plainAudit } from './helpers/audit';
import { ErasureJobRunner } from '../src/services/erasure.job';
import { workingDaysDeadline } from '../src/services/production-calendar.service';
import { ERASURE_WORKING_DAYS } from '../src/services/erasure.job';

/** R-SEC-4: the erasure deadline of a decision without production-calendar exceptions. */
const erasureDueAt = (decidedOn: string, timeZone: string) => workingDaysDeadline(decidedOn, timeZone, ERASURE_WORKING_DAYS);

let app: TestApp;
const c: Record<string, HttpClient> = {};
let schoolUuid: string;
let yearId: string;
let classA: string; // 5А, led by "classteacher"
let classB: string; // 6Б, led by "teacher"

const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

const REGISTER = `mutation($input: ConsentRegisterInput!) { consentRegister(input: $input) {
  consent { id studentId guardianId decision decidedOn documentRef recordedAt } consentStatus userErrors { code field message } } }`;
const WITHDRAW = `mutation($input: ConsentWithdrawInput!) { consentWithdraw(input: $input) {
  consent { id studentId decision decidedOn } consentStatus erasureJob { id reason dueAt doneAt attempts guardianNotifiedAt } userErrors { code field message } } }`;
const BY_CONSENT = `query($classId: ID!, $status: ConsentStatus!) { studentsByConsent(classId: $classId, status: $status) {
  studentId pseudonym consentStatus decidedOn erasureDueAt erasedAt } }`;

const TABLES = ['student', 'guardian', 'consent', 'erasure_job', 'audit_entry'];
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);

const userWith = async (login: string, role: string) => (await f.user(app, schoolUuid, [role], { login, lastName: 'Фамилия', firstName: 'Имя' })).userId;

async function schoolClass(grade: number, letter: string, leaderLogin: string): Promise<string> {
  const { staffId } = await f.staff(app, schoolUuid, { login: leaderLogin });
  return f.schoolClass(app, schoolUuid, yearId, { grade, letter, classTeacherId: staffId });
}

interface StudentOpts { cls?: string; status?: f.StudentFields['consent']; pd?: boolean; userId?: string | null }
async function student(pseudonym: string, o: StudentOpts = {}): Promise<string> {
  const pd = o.pd ? { lastName: 'Иванов', firstName: 'Иван', birthDate: '2015-03-01', phone: '+7 900 000-00-00' } : {};
  return f.studentRow(app, schoolUuid, { pseudonym, consent: o.status ?? 'NONE', ...pd, userId: o.userId ?? null, classId: o.cls ?? classA, from: '2026-09-01' });
}

async function guardian(lastName: string, ...children: string[]): Promise<string> {
  const id = await f.guardian(app, schoolUuid, { lastName, firstName: 'Мария', phone: '+7 900 111-11-11', email: 'm@example.org' });
  for (const s of children) await f.linkGuardian(app, s, id);
  return id;
}

const studentRow = async (id: string) => (await app.sql('select * from student where id = $1', [id]))[0];
const guardianRow = async (id: string) => (await app.sql('select * from guardian where id = $1', [id]))[0];
const give = (client: HttpClient, studentId: string, extra: Record<string, unknown> = {}) =>
  client.gql(REGISTER, { input: { studentId: gid('Student', studentId), decision: 'GIVEN', decidedOn: '2026-09-01', documentRef: 'Заявление № 1', ...extra } });
const withdraw = (client: HttpClient, studentId: string, decidedOn: string, extra: Record<string, unknown> = {}) =>
  client.gql(WITHDRAW, { input: { studentId: gid('Student', studentId), decidedOn, documentRef: 'Отзыв согласия № 7', ...extra } });

beforeAll(async () => {
  app = await startTestApp({ ERASURE_POLL_SECONDS: '0' });
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  // This file's dates are in the school year 2026/2027 (R-SEC-3: access follows the class's year).
  app.clock.pin('2026-11-25T09:00:00Z');
  yearId = await f.academicYear(app, schoolUuid, '2026-09-01', '2027-05-31', { name: '2026/2027' });
  classA = await schoolClass(5, 'А', 'classteacher');
  classB = await schoolClass(6, 'Б', 'teacher');
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-4 no personal data without consent (database guarantee)', () => {
  test('R-SEC-4: a student without consent cannot hold personal data, whatever writes it', async () => {
    await expect(app.sql(`insert into student (id, created_at, updated_at, school_id, pseudonym, consent_status, last_name)
      values (gen_random_uuid(), now(), now(), $1, 'SQL-1', 'NONE', 'Петров')`, [schoolUuid])).rejects.toMatchObject({ code: '23514' });
    const refused = await student('SQL-2', { status: 'REFUSED' });
    await expect(app.sql(`update student set email = 'x@example.org' where id = $1`, [refused])).rejects.toMatchObject({ code: '23514', constraint: 'student_personal_data_consent_check' });
    const given = await student('SQL-3', { status: 'GIVEN', pd: true });
    await expect(app.sql(`update student set consent_status = 'REFUSED' where id = $1`, [given])).rejects.toMatchObject({ code: '23514' });
    // A withdrawal keeps the data until the erasure job runs, never after it.
    await app.sql(`update student set consent_status = 'WITHDRAWN' where id = $1`, [given]);
    await expect(app.sql(`update student set erased_at = now() where id = $1`, [given])).rejects.toMatchObject({ code: '23514' });
    await app.sql(`update student set erased_at = now(), last_name = null, first_name = null, birth_date = null, phone = null where id = $1`, [given]);
    await expect(app.sql(`update student set last_name = 'Петров' where id = $1`, [given])).rejects.toMatchObject({ code: '23514' });
  });
});

describe('R-SEC-4 registering consent', () => {
  test('R-SEC-4: the class teacher registers consent given by a guardian; history and audit are written', async () => {
    const s = await student('REG-1');
    const g = await guardian('Регина', s);
    const r = await c.classteacher.ok(REGISTER, { input: { studentId: gid('Student', s), guardianId: gid('Guardian', g), decision: 'GIVEN', decidedOn: '2026-09-02', documentRef: '  Заявление № 12  ' } });
    expect(r.consentRegister.userErrors).toEqual([]);
    expect(r.consentRegister.consentStatus).toBe('GIVEN');
    expect(r.consentRegister.consent).toMatchObject({ studentId: gid('Student', s), guardianId: gid('Guardian', g), decision: 'GIVEN', decidedOn: '2026-09-02', documentRef: 'Заявление № 12' });
    expect((await studentRow(s)).consent_status).toBe('GIVEN');
    // Personal data may now be entered.
    await app.sql(`update student set last_name = 'Регинов' where id = $1`, [s]);
    const audit = await plainAudit(app, `select entity_type, action, operation, actor_login from audit_entry where operation = 'consentRegister' and entity_id in ($1, $2) order by entity_type`,
      [s, (await app.sql('select id from consent where student_id = $1', [s]))[0].id]);
    expect(audit.map((a: any) => [a.entity_type, a.action, a.actor_login])).toEqual([['Consent', 'CREATE', 'classteacher'], ['Student', 'UPDATE', 'classteacher']]);
  });

  test('R-SEC-4: a refusal by a student of age (no guardian) is registered by the deputy; the student stays an opaque record', async () => {
    const s = await student('REG-2');
    const r = await c.deputy.ok(REGISTER, { input: { studentId: gid('Student', s), decision: 'REFUSED', decidedOn: '2026-09-03', documentRef: 'Отказ № 3' } });
    expect(r.consentRegister).toMatchObject({ consentStatus: 'REFUSED', consent: { guardianId: null, decision: 'REFUSED' }, userErrors: [] });
    await expect(app.sql(`update student set first_name = 'Иван' where id = $1`, [s])).rejects.toMatchObject({ code: '23514' });
    const again = await c.admin.ok(REGISTER, { input: { studentId: gid('Student', s), decision: 'GIVEN', decidedOn: '2026-09-10', documentRef: 'Согласие № 4' } });
    expect(again.consentRegister.consentStatus).toBe('GIVEN');
    expect(await app.sql('select decision from consent where student_id = $1 order by created_at', [s])).toEqual([{ decision: 'REFUSED' }, { decision: 'GIVEN' }]);
  });

  test('R-SEC-4: invalid input comes back as userErrors and changes nothing', async () => {
    const s = await student('REG-3', { status: 'GIVEN', pd: true });
    const stranger = await guardian('Чужая');
    await unchanged(async () => {
      expect((await give(c.classteacher, s, { decidedOn: '2099-01-01' })).data.consentRegister.userErrors[0]).toMatchObject({ code: 'DATE_INVALID', field: ['input', 'decidedOn'] });
      expect((await give(c.classteacher, s, { documentRef: '   ' })).data.consentRegister.userErrors[0]).toMatchObject({ code: 'REQUIRED', field: ['input', 'documentRef'] });
      expect((await give(c.classteacher, s, { guardianId: gid('Guardian', stranger) })).data.consentRegister.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'guardianId'] });
      const refuse = await give(c.classteacher, s, { decision: 'REFUSED' });
      expect(refuse.data.consentRegister).toMatchObject({ consent: null, consentStatus: null, userErrors: [{ code: 'INVALID', field: ['input', 'decision'] }] });
      const none = await student('REG-4');
      await unchanged(async () => {
        expect((await withdraw(c.classteacher, none, '2026-11-20')).data.consentWithdraw.userErrors[0]).toMatchObject({ code: 'NO_CONSENT' });
      });
      await app.sql('delete from class_membership where student_id = $1', [none]);
      await app.sql('delete from student where id = $1', [none]);
    });
  });
});

describe('R-ROLE-5, R-SEC-3 who registers consent', () => {
  test.each([
    ['teacher', 'NOT_FOUND'], // leads another class: the student is not theirs
    ['director', 'FORBIDDEN'],
    ['student', 'FORBIDDEN'],
    ['parent', 'FORBIDDEN'],
  ])('R-ROLE-5: %s cannot register or withdraw consent (%s) and nothing changes', async (login, code) => {
    const s = await student(`ROLE-${login}`);
    const g = await student(`ROLE-${login}-G`, { status: 'GIVEN' });
    await unchanged(async () => {
      expect(errorCode(await give(c[login], s))).toBe(code);
      expect(errorCode(await withdraw(c[login], g, '2026-11-20'))).toBe(code);
    });
  });

  test('R-ROLE-5, R-SEC-3: a former class teacher (the student moved to another class) no longer finds the student', async () => {
    const s = await student('ROLE-MOVED', { cls: classB });
    // "teacher" leads 6Б and sees the student; "classteacher" led none of the student's classes.
    expect(errorCode(await give(c.classteacher, s))).toBe('NOT_FOUND');
    await app.sql(`update class_membership set to_date = '2026-10-01' where student_id = $1`, [s]);
    await f.enrol(app, s, classA, '2026-10-02');
    // Access follows participation today: the old class teacher's ended with the transfer.
    expect(errorCode(await give(c.teacher, s))).toBe('NOT_FOUND');
    expect((await give(c.classteacher, s)).data.consentRegister.consentStatus).toBe('GIVEN');
  });

  test('anonymous callers are UNAUTHENTICATED', async () => {
    expect(errorCode(await give(app.anon(), await student('ROLE-ANON')))).toBe('UNAUTHENTICATED');
  });
});

describe('R-SEC-4 listing students by consent state', () => {
  test('R-SEC-4: the class teacher and the deputy list their class by consent; others are refused', async () => {
    const cls = await schoolClass(7, 'В', 'classteacher');
    const a = await student('LST-2', { cls, status: 'GIVEN' });
    await student('LST-1', { cls, status: 'REFUSED' });
    const b = await student('LST-3', { cls, status: 'GIVEN' });
    for (const who of ['classteacher', 'deputy', 'admin']) {
      const r = await c[who].ok(BY_CONSENT, { classId: gid('SchoolClass', cls), status: 'GIVEN' });
      expect(r.studentsByConsent.map((x: any) => x.studentId)).toEqual([gid('Student', a), gid('Student', b)]);
    }
    expect((await c.deputy.ok(BY_CONSENT, { classId: gid('SchoolClass', cls), status: 'REFUSED' })).studentsByConsent).toEqual([
      { studentId: expect.any(String), pseudonym: 'LST-1', consentStatus: 'REFUSED', decidedOn: null, erasureDueAt: null, erasedAt: null },
    ]);
    expect(errorCode(await c.teacher.gql(BY_CONSENT, { classId: gid('SchoolClass', cls), status: 'GIVEN' }))).toBe('FORBIDDEN');
    for (const who of ['student', 'parent', 'director']) {
      expect(errorCode(await c[who].gql(BY_CONSENT, { classId: gid('SchoolClass', cls), status: 'GIVEN' }))).toBe('FORBIDDEN');
    }
  });
});

describe('R-SEC-4 withdrawal and erasure', () => {
  test('R-SEC-4: the erasure deadline is the end of the third working day in the school\'s time zone', () => {
    // Friday → Wednesday 23:59:59 Moscow time (UTC+3).
    expect(erasureDueAt('2026-11-20', 'Europe/Moscow').toISOString()).toBe('2026-11-25T20:59:59.000Z');
    // Monday → Thursday; Saturday → Wednesday.
    expect(erasureDueAt('2026-11-23', 'Europe/Moscow').toISOString()).toBe('2026-11-26T20:59:59.000Z');
    expect(erasureDueAt('2026-11-21', 'Europe/Moscow').toISOString()).toBe('2026-11-25T20:59:59.000Z');
    expect(erasureDueAt('2026-11-20', 'Asia/Vladivostok').toISOString()).toBe('2026-11-25T13:59:59.000Z');
  });

  test('R-SEC-4: a Friday withdrawal is erased after the Wednesday deadline: PD gone, pseudonym kept, diary blocked, guardians notified', async () => {
    const kidUser = await userWith('kid.erase', 'STUDENT');
    const s = await student('ERA-1', { status: 'GIVEN', pd: true, userId: kidUser });
    const sibling = await student('ERA-2', { status: 'GIVEN', pd: true });
    const onlyChildMother = await guardian('Одна', s);
    const sharedFather = await guardian('Общий', s, sibling);
    const kid = await app.as('kid.erase');
    expect(errorCode(await kid.gql('{ me { id } }'))).toBeUndefined();

    const r = await c.classteacher.ok(WITHDRAW, { input: { studentId: gid('Student', s), guardianId: gid('Guardian', onlyChildMother), decidedOn: '2026-11-20', documentRef: 'Отзыв № 7' } });
    expect(r.consentWithdraw.userErrors).toEqual([]);
    expect(r.consentWithdraw).toMatchObject({
      consentStatus: 'WITHDRAWN',
      consent: { decision: 'WITHDRAWN', decidedOn: '2026-11-20' },
      erasureJob: { reason: 'WITHDRAWAL', dueAt: '2026-11-25T20:59:59.000Z', doneAt: null, attempts: 0, guardianNotifiedAt: null },
    });
    // The data stay until the job runs; a second withdrawal finds no consent.
    expect((await studentRow(s)).last_name).toBe('Иванов');
    expect((await withdraw(c.classteacher, s, '2026-11-20')).data.consentWithdraw.userErrors[0].code).toBe('NO_CONSENT');
    expect((await give(c.classteacher, s)).data.consentRegister.userErrors[0].code).toBe('INVALID');
    expect((await c.classteacher.ok(BY_CONSENT, { classId: gid('SchoolClass', classA), status: 'WITHDRAWN' })).studentsByConsent)
      .toContainEqual(expect.objectContaining({ pseudonym: 'ERA-1', decidedOn: '2026-11-20', erasureDueAt: '2026-11-25T20:59:59.000Z', erasedAt: null }));

    const [{ id: jobId }] = await app.sql('select id from erasure_job where student_id = $1', [s]);
    expect(r.consentWithdraw.erasureJob.id).toBe(gid('ErasureJob', jobId));
    const runner = new ErasureJobRunner(app.orm);
    expect((await runner.runDue(new Date('2026-11-25T20:59:58Z'))).done).not.toContain(jobId);
    expect((await studentRow(s)).erased_at).toBeNull();
    const run = await runner.runDue(new Date('2026-11-25T21:00:00Z'));
    expect(run.done).toContain(jobId);

    const row = await studentRow(s);
    expect(row).toMatchObject({ pseudonym: 'ERA-1', last_name: null, first_name: null, middle_name: null, birth_date: null, sex: null, phone: null, email: null, enrolment_number: null, consent_status: 'WITHDRAWN' });
    expect(row.erased_at.toISOString()).toBe('2026-11-25T21:00:00.000Z');
    const job = (await app.sql('select * from erasure_job where id = $1', [jobId]))[0];
    expect(job.done_at.toISOString()).toBe('2026-11-25T21:00:00.000Z');
    expect(job.guardian_notified_at.toISOString()).toBe('2026-11-25T21:00:00.000Z');
    // The mother has no other child with consent: erased; the father still has one: kept.
    expect(await guardianRow(onlyChildMother)).toMatchObject({ last_name: null, first_name: null, phone: null, email: null });
    expect((await guardianRow(onlyChildMother)).erased_at).not.toBeNull();
    expect(await guardianRow(sharedFather)).toMatchObject({ last_name: 'Общий', phone: '+7 900 111-11-11', erased_at: null });
    expect((await studentRow(sibling)).last_name).toBe('Иванов');
    // No electronic diary: blocked, sessions revoked, old token refused, login refused.
    const [u] = await app.sql('select blocked_at, blocked_reason, last_name from app_user where id = $1', [kidUser]);
    expect(u).toMatchObject({ blocked_reason: 'consent withdrawn', last_name: 'ERA-1' });
    expect(await app.sql('select 1 from auth_session where user_id = $1 and revoked_at is null', [kidUser])).toEqual([]);
    expect(errorCode(await kid.gql('{ me { id } }'))).toBeDefined();
    await expect(app.as('kid.erase')).rejects.toThrow();
    // Audit: withdrawal by the class teacher, erasure by the job.
    const ops = await plainAudit(app, `select operation, entity_type, actor_login from audit_entry where entity_id in ($1, $2, $3, $4) order by id`, [s, jobId, onlyChildMother, kidUser]);
    expect(ops).toEqual(expect.arrayContaining([
      { operation: 'consentWithdraw', entity_type: 'Student', actor_login: 'classteacher' },
      { operation: 'consentWithdraw', entity_type: 'ErasureJob', actor_login: 'classteacher' },
      { operation: 'erasureJob', entity_type: 'Student', actor_login: null },
      { operation: 'erasureJob', entity_type: 'ErasureJob', actor_login: null },
      { operation: 'erasureJob', entity_type: 'Guardian', actor_login: null },
      { operation: 'erasureJob', entity_type: 'User', actor_login: null },
    ]));
    // Done jobs do not run again.
    expect((await runner.runDue(new Date('2027-01-01T00:00:00Z'))).done).not.toContain(jobId);
  });

  test('R-SEC-4: a job claimed by one runner is skipped by another (for update skip locked); concurrent runners do it once', async () => {
    const s1 = await student('LCK-1', { status: 'GIVEN', pd: true });
    const s2 = await student('LCK-2', { status: 'GIVEN', pd: true });
    for (const s of [s1, s2]) expect((await withdraw(c.deputy, s, '2026-11-23')).data.consentWithdraw.userErrors).toEqual([]);
    const [{ id: job1 }] = await app.sql('select id from erasure_job where student_id = $1', [s1]);
    const [{ id: job2 }] = await app.sql('select id from erasure_job where student_id = $1', [s2]);
    const at = new Date('2026-11-26T21:00:00Z');

    const holder = new pg.Client({ connectionString: app.databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from erasure_job where id = $1 for update', [job1]);
      const other = await new ErasureJobRunner(app.orm).runDue(at);
      expect(other.done).not.toContain(job1);
      expect((await studentRow(s1)).erased_at).toBeNull();
      await holder.query('rollback');
    } finally {
      await holder.end();
    }

    const [a, b] = await Promise.all([new ErasureJobRunner(app.orm).runDue(at), new ErasureJobRunner(app.orm).runDue(at)]);
    const done = [...a.done, ...b.done];
    expect(done.filter((id) => id === job1)).toHaveLength(1);
    expect(done).not.toContain(job2); // done by the first runner already
    const erasures = await app.sql(`select count(*)::int as n from audit_entry where entity_id = $1 and operation = 'erasureJob'`, [job1]);
    expect(erasures[0].n).toBe(1);
  });

  test('R-SEC-4: a failed erasure keeps the job pending with its error and attempts, and is retried at the next poll', async () => {
    const s = await student('FAIL-1', { status: 'GIVEN', pd: true });
    await withdraw(c.classteacher, s, '2026-11-23');
    await app.sql(`create function consent_test_fail() returns trigger language plpgsql as $$ begin raise exception 'disk on fire'; end $$`);
    await app.sql(`create trigger consent_test_fail before update on student for each row when (old.pseudonym = 'FAIL-1') execute function consent_test_fail()`);
    const [{ id: jobId }] = await app.sql('select id from erasure_job where student_id = $1', [s]);
    const runner = new ErasureJobRunner(app.orm);
    const first = await runner.runDue(new Date('2026-11-26T21:00:00Z'));
    expect(first.failed).toContain(jobId);
    expect((await app.sql('select attempts, last_error, done_at from erasure_job where id = $1', [jobId]))[0]).toMatchObject({ attempts: 1, done_at: null, last_error: expect.stringContaining('disk on fire') });
    expect((await studentRow(s)).last_name).toBe('Иванов');
    await app.sql('drop trigger consent_test_fail on student');
    const second = await runner.runDue(new Date('2026-11-26T21:01:00Z'));
    expect(second.done).toContain(jobId);
    expect((await app.sql('select attempts, last_error from erasure_job where id = $1', [jobId]))[0]).toEqual({ attempts: 2, last_error: null });
    expect((await studentRow(s)).last_name).toBeNull();
  });
});
