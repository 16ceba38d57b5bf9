import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { findInDatabase, plainAudit } from './helpers/audit';
import { collect, commitEvent } from './helpers/live';
import { schoolClass, staff, student, user } from './helpers/factories';
import { ErasureJobRunner } from '../src/services/erasure.job';
import { seedDemo } from '../src/db/seed/demo';
import { clock } from '../src/clock';
import { toGlobalId } from '../src/schema/node';

/**
 * R-SEC-4, R-SEC-5, R-SEC-8: erasure that erases. Personal data in the audit trail are encrypted per
 * data subject and category; erasure destroys the keys, so after it no query of any role and no
 * table of the database holds an erased value, while the hash chain still verifies.
 */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let schoolUuid: string;
let schoolId: string;
let yearId: string;
const NOW = '2025-11-25T09:00:00Z'; // a Tuesday of the demo year
const AFTER_ALL_DEADLINES = new Date('2026-01-31T00:00:00Z');
const ROLES = ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'analyst'];

async function ok(client: HttpClient, query: string, variables: Record<string, unknown>, name: string) {
  const r = await client.ok(query, variables);
  expect(r[name].userErrors ?? []).toEqual([]);
  return r[name];
}

const AUDIT_PAGE = `query($s: ID!, $after: String, $f: AuditLogFilter) { auditLog(schoolId: $s, first: 100, after: $after, filter: $f) {
  edges { node { seq actorLogin ip operation entityType entityId action changes actor { login lastName firstName } } } pageInfo { hasNextPage endCursor } } }`;

/** The whole audit trail of the school as `client` reads it, page by page. */
async function wholeAuditLog(client: HttpClient, filter?: Record<string, unknown>): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const r: any = await client.ok(AUDIT_PAGE, { s: schoolId, after, f: filter ?? null });
    out.push(...r.auditLog.edges.map((e: any) => e.node));
    if (!r.auditLog.pageInfo.hasNextPage) return out;
    after = r.auditLog.pageInfo.endCursor;
  }
}

const PERSON = `
  ... on Student { pseudonym lastName firstName middleName fullName birthDate sex enrolmentNumber phone email erasedAt guardians { guardian { id lastName firstName fullName phone email } } }
  ... on Guardian { lastName firstName middleName fullName phone email erasedAt }
  ... on User { login userLastName: lastName userFirstName: firstName userMiddleName: middleName userFullName: fullName blockedAt }`;

/** Everything every role gets back about the given records: node, nodes, student, users (search), auditLog. */
async function everythingEveryRoleSees(ids: string[], searches: string[], { wholeTrail = true } = {}): Promise<string> {
  const seen: unknown[] = [];
  for (const role of ROLES) {
    const client = c[role];
    seen.push(await client.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id ${PERSON} } }`, { ids }));
    for (const id of ids) seen.push(await client.gql(`query($id: ID!) { node(id: $id) { id ${PERSON} } }`, { id }));
    for (const search of searches) {
      seen.push(await client.gql(`query($s: ID!, $q: String) { users(schoolId: $s, first: 100, search: $q) { edges { node { login lastName firstName fullName } } } }`, { s: schoolId, q: search }));
    }
    seen.push(await client.gql(`query($s: ID!) { users(schoolId: $s, first: 100) { edges { node { login lastName firstName fullName } } } }`, { s: schoolId }));
    if (['admin', 'director', 'deputy'].includes(role)) {
      seen.push(wholeTrail ? await wholeAuditLog(client) : await Promise.all(ids.map((entityId) => wholeAuditLog(client, { entityId }))));
    }
  }
  return JSON.stringify(seen);
}

beforeAll(async () => {
  app = await startTestApp({ ERASURE_POLL_SECONDS: '0' });
  clock.pin(NOW);
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  schoolId = toGlobalId('School', schoolUuid);
  yearId = toGlobalId('AcademicYear', (await app.sql(`select id from academic_year limit 1`))[0].id);
  // R-ROLE-8: an analyst of the demo school (the analyst seed step is not in the test template).
  await user(app, schoolUuid, ['ANALYST'], { login: 'analyst', lastName: 'Аналитиков', firstName: 'Андрей' });
  // The demo roster: the family of Кирилл (the `student` account), Алиса and their mother (`parent`).
  await seedDemo(app.orm, ['roster', 'roster-guardians']);
  for (const login of ROLES) c[login] = await app.as(login);
}, 120_000);
afterAll(async () => {
  clock.pin(null);
  await app?.stop();
});

describe('R-SEC-4 consent withdrawn: identity and diary-service data erased everywhere', () => {
  // Values that occur nowhere else in the database.
  const KID = { lastName: 'Щегловитов', firstName: 'Евстафий', middleName: 'Ипатьевич', birthDate: '2011-02-14', phone: '+7 912 555-01-47', email: 'evst.shch@example.org' };
  const MOTHER = { lastName: 'Щегловитова', firstName: 'Феврония', middleName: 'Ипатьевна', phone: '+7 912 555-02-58', email: 'fevr.shch@example.org' };
  const MOTHER_MESSAGE = 'Евстафий болел ангиной, справка у врача';

  test('R-SEC-4: after erasure no query of any role (auditLog, node, nodes, users search, events) and no table of the database holds the erased surname, login, phone, e-mail or birth date; auditVerify passes', async () => {
    const deputy = c.deputy;
    const cls = await ok(deputy, `mutation($i: ClassCreateInput!) { classCreate(input: $i) { schoolClass { id } userErrors { code message } } }`,
      { i: { academicYearId: yearId, grade: 9, letter: 'Э' } }, 'classCreate');
    const created = await ok(deputy, `mutation($i: StudentCreateInput!) { studentCreate(input: $i) { student { id pseudonym } userErrors { code message } } }`,
      { i: { schoolId } }, 'studentCreate');
    const studentId: string = created.student.id;
    await ok(deputy, `mutation($i: StudentEnrolInput!) { studentEnrol(input: $i) { membership { id } userErrors { code message } } }`,
      { i: { studentId, classId: cls.schoolClass.id, fromDate: '2025-09-01' } }, 'studentEnrol');
    await ok(deputy, `mutation($i: ConsentRegisterInput!) { consentRegister(input: $i) { consentStatus userErrors { code message } } }`,
      { i: { studentId, decision: 'GIVEN', decidedOn: '2025-09-01', documentRef: 'Заявление № 5' } }, 'consentRegister');
    await ok(deputy, `mutation($i: StudentUpdateInput!) { studentUpdate(input: $i) { student { id } userErrors { code message } } }`,
      { i: { studentId, ...KID, sex: 'MALE', enrolmentNumber: 'Щ-77' } }, 'studentUpdate');
    const g = await ok(deputy, `mutation($i: GuardianCreateInput!) { guardianCreate(input: $i) { guardian { id } userErrors { code message } } }`,
      { i: { studentId, kind: 'MOTHER', ...MOTHER } }, 'guardianCreate');
    const guardianId: string = g.guardian.id;
    const ISSUE = `mutation($i: CredentialsIssueInput!) { credentialsIssue(input: $i) { credentials { login oneTimePassword } userErrors { code message } } }`;
    const kidCred = (await ok(c.admin, ISSUE, { i: { studentId } }, 'credentialsIssue')).credentials;
    const motherCred = (await ok(c.admin, ISSUE, { i: { guardianId } }, 'credentialsIssue')).credentials;
    const [{ id: kidUserUuid }] = await app.sql(`select id from app_user where login = $1`, [kidCred.login]);
    const [{ id: motherUserUuid }] = await app.sql(`select id from app_user where login = $1`, [motherCred.login]);
    // Both use their accounts: sessions, login attempts and audit entries with their login and address.
    for (const cred of [kidCred, motherCred]) {
      const first = await app.as(cred.login, cred.oneTimePassword);
      await ok(first, `mutation($i: PasswordChangeInput!) { passwordChange(input: $i) { userErrors { code message } } }`,
        { i: { currentPassword: cred.oneTimePassword, newPassword: 'Новый-пароль-2025' } }, 'passwordChange');
      await app.as(cred.login, 'Новый-пароль-2025');
    }
    const ids = [studentId, guardianId, toGlobalId('User', kidUserUuid), toGlobalId('User', motherUserUuid)];
    // R-JOUR-12: the mother answers the deputy in a thread about her son; what she wrote is her account's data.
    await staff(app, schoolUuid, { login: 'deputy' });
    const thread = await ok(deputy, `mutation($i: MessageThreadStartInput!) { messageThreadStart(input: $i) { thread { id } userErrors { code message } } }`,
      { i: { studentId, topic: 'Пропуски', body: 'Сообщите, пожалуйста, причину пропусков.' } }, 'messageThreadStart');
    const motherClient = await app.as(motherCred.login, 'Новый-пароль-2025');
    await ok(motherClient, `mutation($i: MessageSendInput!) { messageSend(input: $i) { message { id } userErrors { code message } } }`,
      { i: { threadId: thread.thread.id, body: MOTHER_MESSAGE } }, 'messageSend');
    expect((await findInDatabase(app, MOTHER_MESSAGE)).map((x) => x.table)).toEqual(['message']);

    const erased = [
      KID.lastName, KID.firstName, KID.middleName, KID.birthDate, KID.phone, KID.email, kidCred.login,
      MOTHER.lastName, MOTHER.firstName, MOTHER.middleName, MOTHER.phone, MOTHER.email, motherCred.login, MOTHER_MESSAGE,
    ];
    // Before: the administration reads them in the trail (decrypted), the database holds them only
    // in the rows themselves and as ciphertext in the trail.
    const before = JSON.stringify(await wholeAuditLog(c.admin));
    for (const v of [KID.lastName, KID.birthDate, KID.phone, MOTHER.email]) expect(before).toContain(v);
    // Accounts belong to no school: their entries are in the global chain.
    const accountEntries = await plainAudit(app, `select changes from audit_entry where entity_type = 'User' and entity_id = $1 and action = 'CREATE'`, [kidUserUuid]);
    expect(accountEntries[0].changes.login).toEqual({ before: null, after: kidCred.login });
    // (The mother's surname and the account's names contain the student's surname.)
    expect((await findInDatabase(app, KID.lastName)).map((x) => x.table).sort()).toEqual(['app_user', 'guardian', 'student']);
    expect((await findInDatabase(app, kidCred.login)).map((x) => x.table).sort()).toEqual(['app_user']);

    const w = await ok(deputy, `mutation($i: ConsentWithdrawInput!) { consentWithdraw(input: $i) {
        erasureJob { id reason categories dueAt notice } userErrors { code message } } }`,
    { i: { studentId, guardianId, decidedOn: '2025-11-25', documentRef: 'Отзыв согласия № 9' } }, 'consentWithdraw');
    // Tuesday → Friday, the end of the day in Moscow; the written notice names the pseudonym only.
    expect(w.erasureJob).toMatchObject({ reason: 'WITHDRAWAL', categories: ['IDENTITY', 'DIARY_SERVICE'], dueAt: '2025-11-28T20:59:59.000Z' });
    expect(w.erasureJob.notice).toContain(created.student.pseudonym);
    for (const v of erased) expect(w.erasureJob.notice).not.toContain(v);
    const run = await new ErasureJobRunner(app.orm).runDue(AFTER_ALL_DEADLINES);
    expect(run.failed).toEqual([]);

    // Accounts: neutral login, no names, blocked.
    const accounts = await app.sql(`select login, last_name, first_name, middle_name, blocked_at from app_user where id in ($1, $2) order by login`, [kidUserUuid, motherUserUuid]);
    for (const a of accounts) {
      expect(a.login).toMatch(/^erased-[0-9a-f]{10}$/);
      expect(a.blocked_at).not.toBeNull();
      expect(a.middle_name).toBeNull();
    }

    // No query of any role returns an erased value.
    const seen = await everythingEveryRoleSees(ids, [KID.lastName, MOTHER.lastName, kidCred.login, motherCred.login]);
    for (const v of erased) expect(seen).not.toContain(v);
    // The administration still reads the history, with "[erased]" in place of the values.
    const history = await wholeAuditLog(c.admin, { entityId: studentId });
    const update = history.find((e) => e.operation === 'studentUpdate');
    expect(update.changes).toMatchObject({ lastName: { before: null, after: '[erased]' }, birthDate: { before: null, after: '[erased]' }, phone: { before: null, after: '[erased]' } });
    expect(update.actorLogin).toBe('deputy');
    const erasure = history.find((e) => e.operation === 'erasureJob');
    expect(erasure.changes.lastName).toEqual({ before: '[erased]', after: null });
    // The students' and the mother's own actions: login and address erased with their account.
    const own = await plainAudit(app, `select actor_login, ip, operation from audit_entry where actor_id in ($1, $2)`, [kidUserUuid, motherUserUuid]);
    expect(own.length).toBeGreaterThan(0);
    for (const e of own) expect(e).toMatchObject({ actor_login: '[erased]', ip: '[erased]' });

    // Events: a live event about the student carries nothing erased.
    const ws = app.ws(c.deputy.token);
    const head = String((await app.sql(`select last_seq from outbox_head`))[0].last_seq);
    await commitEvent(app, schoolUuid, [(await app.sql(`select id from student where pseudonym = $1`, [created.student.pseudonym]))[0].id], {});
    const events = collect(ws, `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind studentId occurredAt ... on LessonCancelledEvent { reason } ... on LessonSubstitutedEvent { reason } } }`, { s: studentId, after: head });
    await events.until((r) => r.data.length > 0 || r.errors.length > 0);
    events.unsubscribe();
    const eventText = JSON.stringify(events);
    for (const v of erased) expect(eventText).not.toContain(v);

    // The hash chain still verifies: it covers the ciphertext, which stays.
    expect((await c.admin.ok(`query($s: ID!) { auditVerify(schoolId: $s) { ok checkedEntries reason } }`, { s: schoolId })).auditVerify).toMatchObject({ ok: true, reason: null });

    // A scan of every row of every table finds none of the erased values.
    for (const v of erased) expect({ value: v, found: await findInDatabase(app, v) }).toEqual({ value: v, found: [] });
    // Keys: destroyed for the student (both categories), the mother and both accounts; never readable through the API.
    const keys = await app.sql(`select subject_type, category, key is null as gone from pd_key where subject_id in ($1, $2, $3, $4) order by 1, 2`,
      [(await app.sql(`select id from student where pseudonym = $1`, [created.student.pseudonym]))[0].id, Buffer.from(guardianId, 'base64url').toString().split(':')[1], kidUserUuid, motherUserUuid]);
    expect(keys.every((k: any) => k.gone)).toBe(true);
    expect(keys.map((k: any) => `${k.subject_type}:${k.category}`)).toEqual(expect.arrayContaining(['Guardian:DIARY_SERVICE', 'Student:DIARY_SERVICE', 'Student:IDENTITY', 'User:DIARY_SERVICE']));
    // The old login opens nothing, and the failed attempt writes nothing readable back (issue 9:
    // throttling keeps logins only as keyed hashes).
    await expect(app.as(kidCred.login, 'Новый-пароль-2025')).rejects.toThrow();
    expect(await findInDatabase(app, kidCred.login)).toEqual([]);
  }, 60_000);
});

describe('R-SEC-4, R-JOUR-12: what a guardian wrote as guardian is erased with their data, even when their account stays', () => {
  test('R-SEC-4: a mother who is also a teacher of the school keeps her account; her messages and the topic of the thread she started about her son read "[erased]", another author\'s do not', async () => {
    const [{ id: yearUuid }] = await app.sql(`select id from academic_year limit 1`);
    const classId = await schoolClass(app, schoolUuid, yearUuid, { grade: 8 });
    const mom = await user(app, schoolUuid, ['PARENT', 'TEACHER']);
    const kid = await student(app, schoolUuid, { classId, guardianUserId: mom.userId });
    const deputyStaff = await staff(app, schoolUuid, { login: 'deputy' });
    const [{ id: deputyUser }] = await app.sql(`select id from app_user where login = 'deputy'`);
    const TOPIC = 'Тема мамы Щукиной: ангина';
    const HERS = 'Сын болел ангиной, справка будет в пятницу';
    const REPLY = 'Спасибо, ждём справку';
    const [{ id: threadId }] = await app.sql(`insert into message_thread (id, created_at, updated_at, school_id, kind, student_id, staff_id, started_by_id, topic, last_message_at)
      values (gen_random_uuid(), now(), now(), $1, 'STUDENT', $2, $3, $4, $5, now()) returning id`, [schoolUuid, kid.studentId, deputyStaff.staffId, mom.userId, TOPIC]);
    const message = (author: string, kind: string, by: Record<string, string | null>, body: string, at: string) => app.sql(
      `insert into message (id, created_at, updated_at, school_id, thread_id, author_id, author_kind, author_staff_id, author_guardian_id, body, sent_at)
       values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $6, $7, $8)`, [schoolUuid, threadId, author, kind, by.staff, by.guardian, body, at]);
    await message(mom.userId, 'GUARDIAN', { staff: null, guardian: kid.guardianId }, HERS, '2025-11-20T09:00:00Z');
    await message(deputyUser, 'STAFF', { staff: deputyStaff.staffId, guardian: null }, REPLY, '2025-11-20T10:00:00Z');

    await ok(c.deputy, `mutation($i: ConsentWithdrawInput!) { consentWithdraw(input: $i) { erasureJob { id } userErrors { code message } } }`,
      { i: { studentId: toGlobalId('Student', kid.studentId), guardianId: toGlobalId('Guardian', kid.guardianId), decidedOn: '2025-11-25', documentRef: 'Отзыв № 12' } }, 'consentWithdraw');
    expect((await new ErasureJobRunner(app.orm).runDue(AFTER_ALL_DEADLINES)).failed).toEqual([]);

    // She teaches at the school: her account stays, unblocked; her guardian record is erased.
    expect((await app.sql(`select blocked_at from app_user where id = $1`, [mom.userId]))[0].blocked_at).toBeNull();
    expect((await app.sql(`select erased_at from guardian where id = $1`, [kid.guardianId]))[0].erased_at).not.toBeNull();
    expect((await app.sql(`select topic from message_thread where id = $1`, [threadId]))[0].topic).toBe('[erased]');
    expect((await app.sql(`select body from message where thread_id = $1 order by sent_at`, [threadId])).map((m) => m.body)).toEqual(['[erased]', REPLY]);
    expect(await findInDatabase(app, HERS)).toEqual([]);
    expect(await findInDatabase(app, TOPIC)).toEqual([]);
  });
});

describe('R-SEC-4, R-SEC-8 the demo family: Алиса\'s consent is withdrawn, Кирилл leaves', () => {
  let alisa: string;
  let kirill: string;
  let mother: string;
  let father: string;

  beforeAll(async () => {
    [{ id: alisa }] = await app.sql(`select id from student where first_name = 'Алиса' and last_name = 'Морозова'`);
    [{ id: kirill }] = await app.sql(`select s.id from student s join app_user u on u.id = s.user_id where u.login = 'student'`);
    [{ id: mother }] = await app.sql(`select g.id from guardian g join app_user u on u.id = g.user_id where u.login = 'parent'`);
    [{ id: father }] = await app.sql(`select g.id from guardian g join student_guardian sg on sg.guardian_id = g.id
      where sg.student_id = $1 and g.id <> $2`, [kirill, mother]);
  });

  test('R-SEC-4: Алиса\'s identity is erased from the trail; her mother keeps Кирилл\'s diary, so the mother\'s and the father\'s data stay', async () => {
    const r = await ok(c.deputy, `mutation($i: ConsentWithdrawInput!) { consentWithdraw(input: $i) { erasureJob { id } userErrors { code message } } }`,
      { i: { studentId: toGlobalId('Student', alisa), guardianId: toGlobalId('Guardian', mother), decidedOn: '2025-11-25', documentRef: 'Отзыв № 3' } }, 'consentWithdraw');
    expect(r.erasureJob.id).toBeDefined();
    expect((await new ErasureJobRunner(app.orm).runDue(AFTER_ALL_DEADLINES)).failed).toEqual([]);

    expect((await app.sql(`select last_name, first_name, birth_date, erased_at from student where id = $1`, [alisa]))[0])
      .toMatchObject({ last_name: null, first_name: null, birth_date: null, erased_at: expect.any(Date) });
    for (const g of [mother, father]) {
      expect((await app.sql(`select last_name, phone, erased_at from guardian where id = $1`, [g]))[0]).toMatchObject({ last_name: expect.any(String), phone: expect.any(String), erased_at: null });
    }
    // The mother's account goes on: she reads Кирилл's diary.
    const parent = await app.as('parent');
    const kid = await parent.ok(`query($id: ID!) { student(id: $id) { lastName firstName } }`, { id: toGlobalId('Student', kirill) });
    expect(kid.student).toEqual({ lastName: 'Морозов', firstName: 'Кирилл' });
    // Алиса's history: her CREATE entry of the seed and the erasure's `before` read "[erased]".
    const history = JSON.stringify(await wholeAuditLog(c.admin, { entityId: toGlobalId('Student', alisa) }));
    expect(history).toContain('[erased]');
    expect(history).not.toContain('Алиса');
    expect(history).not.toContain('2017-10-03');
    // Other students of the school are called Алиса too: her name is her first name with her patronymic.
    // (Other students of the school share her birth date: the trail is read for her records.)
    const alisaSeen = await everythingEveryRoleSees([toGlobalId('Student', alisa)], [], { wholeTrail: false });
    expect(alisaSeen).not.toContain('Алиса Дмитриевна');
    expect(alisaSeen).not.toContain('2017-10-03');
    expect((await c.admin.ok(`query($s: ID!) { auditVerify(schoolId: $s) { ok } }`, { s: schoolId })).auditVerify.ok).toBe(true);
  }, 60_000);

  test('R-SEC-8: Кирилл leaves: the diary service ends, its data are destroyed within 3 working days with a written notice; the identity stays on the school records', async () => {
    const [{ phone: fatherPhone }] = await app.sql(`select phone from guardian where id = $1`, [father]);
    const [{ phone: motherPhone, email: motherEmail }] = await app.sql(`select phone, email from guardian where id = $1`, [mother]);
    await ok(c.deputy, `mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { membership { id } userErrors { code message } } }`,
      { i: { studentId: toGlobalId('Student', kirill), date: '2025-11-25', reason: 'Переезд в другой город' } }, 'studentLeave');
    const [job] = await app.sql(`select reason, due_at, notice, done_at from erasure_job where student_id = $1`, [kirill]);
    // Registered on Tuesday 25 November → the end of Friday 28 November, Moscow time.
    expect(job).toMatchObject({ reason: 'LEFT_SCHOOL', done_at: null });
    expect(job.due_at.toISOString()).toBe('2025-11-28T20:59:59.000Z');
    expect(job.notice).toContain('прекращено 25.11.2025');
    expect(job.notice).toContain('28.11.2025');
    expect(job.notice).not.toContain('Морозов');
    // Not before the deadline.
    const runner = new ErasureJobRunner(app.orm);
    await runner.runDue(new Date('2025-11-28T20:59:58Z'));
    expect((await app.sql(`select done_at from erasure_job where student_id = $1`, [kirill]))[0].done_at).toBeNull();
    await runner.runDue(new Date('2025-11-28T21:00:00Z'));
    expect((await app.sql(`select done_at, guardian_notified_at from erasure_job where student_id = $1`, [kirill]))[0]).toMatchObject({ done_at: expect.any(Date), guardian_notified_at: expect.any(Date) });

    // The school's records keep the identity (R-ARCH-3); the diary-service data are gone.
    expect((await app.sql(`select last_name, first_name, to_char(birth_date, 'YYYY-MM-DD') as birth_date, phone, email, erased_at from student where id = $1`, [kirill]))[0])
      .toMatchObject({ last_name: 'Морозов', first_name: 'Кирилл', birth_date: '2014-04-17', phone: null, email: null, erased_at: null });
    // No other child's diary stands now: both guardians' data and both accounts are erased.
    for (const g of [mother, father]) {
      expect((await app.sql(`select last_name, first_name, phone, email, erased_at from guardian where id = $1`, [g]))[0])
        .toMatchObject({ last_name: null, first_name: null, phone: null, email: null, erased_at: expect.any(Date) });
    }
    const users = await app.sql(`select u.login, u.last_name, u.blocked_at from app_user u where u.id in (
      (select user_id from student where id = $1), (select user_id from guardian where id = $2))`, [kirill, mother]);
    expect(users).toHaveLength(2);
    for (const u of users) expect(u).toMatchObject({ login: expect.stringMatching(/^erased-/), blocked_at: expect.any(Date) });
    expect(await app.sql(`select login from app_user where login in ('student', 'parent')`)).toEqual([]);
    await expect(app.as('parent')).rejects.toThrow();

    // The trail: Кирилл's identity stays readable to the administration, the accounts' logins do not.
    const history = await wholeAuditLog(c.admin, { entityId: toGlobalId('Student', kirill) });
    expect(JSON.stringify(history)).toContain('Морозов');
    const seen = await everythingEveryRoleSees([toGlobalId('Guardian', mother), toGlobalId('Guardian', father)], ['Морозова']);
    for (const v of [motherPhone, fatherPhone, motherEmail].filter(Boolean)) expect(seen).not.toContain(v);
    for (const v of [motherPhone, fatherPhone, motherEmail].filter(Boolean)) expect(await findInDatabase(app, v)).toEqual([]);
    const own = await plainAudit(app, `select actor_login from audit_entry where actor_id in (select user_id from guardian where id = $1)`, [mother]);
    for (const e of own) expect(e.actor_login).toBe('[erased]');
    expect((await c.admin.ok(`query($s: ID!) { auditVerify(schoolId: $s) { ok } }`, { s: schoolId })).auditVerify.ok).toBe(true);
  }, 60_000);
});

describe('R-SEC-4, R-SEC-8 one pending erasure per student', () => {
  test('R-SEC-4: a withdrawal after leaving widens the pending diary-service erasure to the identity, keeping the earlier deadline', async () => {
    const [{ id: s }] = await app.sql(`select s.id from student s join class_membership cm on cm.student_id = s.id and cm.to_date is null
      where s.consent_status = 'GIVEN' and s.left_on is null and s.user_id is null order by s.pseudonym limit 1`);
    await ok(c.deputy, `mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { membership { id } userErrors { code message } } }`,
      { i: { studentId: toGlobalId('Student', s), date: '2025-11-24', reason: 'Окончание обучения' } }, 'studentLeave');
    const [left] = await app.sql(`select id, reason, due_at from erasure_job where student_id = $1 and done_at is null`, [s]);
    expect(left.reason).toBe('LEFT_SCHOOL');
    const w = await ok(c.deputy, `mutation($i: ConsentWithdrawInput!) { consentWithdraw(input: $i) { erasureJob { id reason categories dueAt } userErrors { code message } } }`,
      { i: { studentId: toGlobalId('Student', s), decidedOn: '2025-11-25', documentRef: 'Отзыв № 12' } }, 'consentWithdraw');
    expect(w.erasureJob).toMatchObject({ id: toGlobalId('ErasureJob', left.id), reason: 'WITHDRAWAL', categories: ['IDENTITY', 'DIARY_SERVICE'], dueAt: left.due_at.toISOString() });
    expect(await app.sql(`select 1 from erasure_job where student_id = $1`, [s])).toHaveLength(1);
  });
});
