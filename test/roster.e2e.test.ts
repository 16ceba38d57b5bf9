import { startTestApp, TestApp, HttpClient, errorCode, LOGIN } from './helpers/app';
import { expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** Classes and people: R-YEAR-4, R-ROLE-5, R-SEC-1, R-SEC-3, R-SEC-4. */
let app: TestApp;
const c: Record<string, HttpClient & { userId: string }> = {};
let schoolUuid: string;
let schoolId: string;
let yearId: string;
let yearUuid: string;
let staff: { teacher: string; classteacher: string };
let classA: string; // 5А, class teacher = classteacher, taught by teacher
let classB: string; // 6Б, no class teacher, nobody teaches it
const uuid = (gid: string) => Buffer.from(gid, 'base64url').toString('utf8').split(':')[1];

const CLASS_CREATE = `mutation($i: ClassCreateInput!) { classCreate(input: $i) { schoolClass { id name grade letter profile classTeacherName } userErrors { code field message } } }`;
const CLASS_UPDATE = `mutation($i: ClassUpdateInput!) { classUpdate(input: $i) { schoolClass { id name profile classTeacherName } userErrors { code field message } } }`;
const STUDENT_CREATE = `mutation($i: StudentCreateInput!) { studentCreate(input: $i) { student { id pseudonym fullName consentStatus } userErrors { code field message } } }`;
const STUDENT_UPDATE = `mutation($i: StudentUpdateInput!) { studentUpdate(input: $i) { student { id fullName birthDate phone } userErrors { code field message } } }`;
const GUARDIAN_CREATE = `mutation($i: GuardianCreateInput!) { guardianCreate(input: $i) { guardian { id fullName phone } link { kind } userErrors { code field message } } }`;
const GUARDIAN_UPDATE = `mutation($i: GuardianUpdateInput!) { guardianUpdate(input: $i) { guardian { id fullName email } userErrors { code field message } } }`;
const GUARDIAN_LINK = `mutation($i: GuardianLinkInput!) { guardianLink(input: $i) { link { kind removedAt student { pseudonym } } userErrors { code field message } } }`;
const GUARDIAN_UNLINK = `mutation($i: GuardianUnlinkInput!) { guardianUnlink(input: $i) { link { removedAt } userErrors { code field message } } }`;
const CRED_ISSUE = `mutation($i: CredentialsIssueInput!) { credentialsIssue(input: $i) { credentials { holder name login oneTimePassword } userErrors { code field message } } }`;
const CLASS_CRED_ISSUE = `mutation($i: ClassCredentialsIssueInput!) { classCredentialsIssue(input: $i) { issued { holder holderId name login oneTimePassword } userErrors { code field message } } }`;
const SHEET = `query($c: ID!) { classCredentialsSheet(classId: $c) { holder holderId studentPseudonym name hasAccount login canIssue } }`;
const CLASS_STUDENTS = `query($c: ID!) { schoolClass(id: $c) { name studentCount students { id pseudonym fullName birthDate phone
  guardians { kind guardian { id fullName phone } } currentClass { name } } } }`;
const STUDENT = `query($s: ID!) { student(id: $s) { id pseudonym fullName lastName firstName birthDate sex phone email enrolmentNumber guardians { guardian { fullName } } currentClass { name } } }`;

async function auditCount(operation: string): Promise<number> {
  return Number((await app.sql(`select count(*)::int as n from audit_entry where operation = $1`, [operation]))[0].n);
}

const TABLES = ['school_class', 'student', 'guardian', 'student_guardian', 'app_user', 'role_assignment', 'audit_entry'];
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);

/** A student with consent GIVEN and names, enrolled in a class from 2025-09-01. */
async function newStudent(lastName: string, firstName: string, classGid?: string): Promise<string> {
  const r = await c.deputy.ok(STUDENT_CREATE, { i: { schoolId } });
  const id = r.studentCreate.student.id as string;
  await app.sql(`update student set consent_status = 'GIVEN' where id = $1`, [uuid(id)]);
  const u = await c.deputy.ok(STUDENT_UPDATE, { i: { studentId: id, lastName, firstName, birthDate: '2014-03-02', phone: '+7 900 000-00-00' } });
  expect(u.studentUpdate.userErrors).toEqual([]);
  if (classGid) await enrol(id, classGid);
  return id;
}
const enrol = (studentGid: string, classGid: string, from = '2025-09-01', to: string | null = null) => f.enrol(app, uuid(studentGid), uuid(classGid), from, to);

let childA: string; // the demo parent's child, in 5А
let otherA: string; // another student of 5А
let childB: string; // a student of 6Б
let parentGuardian: string;

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  [{ id: yearUuid }] = await app.sql(`select id from academic_year where school_id = $1 limit 1`, [schoolUuid]);
  schoolId = toGlobalId('School', schoolUuid);
  yearId = toGlobalId('AcademicYear', yearUuid);
  const mkStaff = async (login: string) => (await f.staff(app, schoolUuid, { login })).staffId;
  staff = { teacher: await mkStaff('teacher'), classteacher: await mkStaff('classteacher') };
  const a = await c.deputy.ok(CLASS_CREATE, { i: { academicYearId: yearId, grade: 5, letter: 'а', classTeacherId: toGlobalId('Staff', staff.classteacher) } });
  expect(a.classCreate.userErrors).toEqual([]);
  classA = a.classCreate.schoolClass.id;
  classB = (await c.deputy.ok(CLASS_CREATE, { i: { academicYearId: yearId, grade: 6, letter: 'Б' } })).classCreate.schoolClass.id;
  const subjectId = await f.subject(app, schoolUuid, { name: 'Математика (roster)' });
  await f.assignment(app, { schoolId: schoolUuid, yearId: yearUuid, teacherId: staff.teacher, subjectId, classId: uuid(classA), hoursPerWeek: 5 });
  childA = await newStudent('Петров', 'Иван', classA);
  otherA = await newStudent('Антонова', 'Мария', classA);
  childB = await newStudent('Сидоров', 'Олег', classB);
  const g = await c.classteacher.ok(GUARDIAN_CREATE, { i: { studentId: childA, kind: 'MOTHER', lastName: 'Петрова', firstName: 'Анна', phone: '+7 911 111-11-11' } });
  expect(g.guardianCreate.userErrors).toEqual([]);
  parentGuardian = g.guardianCreate.guardian.id;
  await app.sql(`update guardian set user_id = $1 where id = $2`, [uuid(c.parent.userId), uuid(parentGuardian)]);
  // the demo student is childB's account
  await app.sql(`update student set user_id = $1 where id = $2`, [uuid(c.student.userId), uuid(childB)]);
}, 120000);
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-4: classes', () => {
  test('create: letter upper-cased, class teacher name exposed; audited', async () => {
    const r = await c.admin.ok(`query($c: ID!) { schoolClass(id: $c) { name grade letter classTeacherName academicYear { id } } }`, { c: classA });
    expect(r.schoolClass).toEqual({ name: '5А', grade: 5, letter: 'А', classTeacherName: 'Соколова Татьяна Ивановна', academicYear: { id: yearId } });
    expect(await auditCount('classCreate')).toBeGreaterThanOrEqual(2);
  });

  test('grade + letter unique per year (TAKEN), grade 1–11, nothing written', async () => {
    const r = await unchanged(() => c.deputy.ok(CLASS_CREATE, { i: { academicYearId: yearId, grade: 5, letter: 'А' } }));
    expect(r.classCreate.userErrors.map((e: any) => e.code)).toEqual(['TAKEN']);
    const bad = await unchanged(() => c.deputy.ok(CLASS_CREATE, { i: { academicYearId: yearId, grade: 12, letter: ' ' } }));
    expect(bad.classCreate.userErrors.map((e: any) => e.code).sort()).toEqual(['GRADE_INVALID', 'REQUIRED']);
    const up = await unchanged(() => c.deputy.ok(CLASS_UPDATE, { i: { classId: classB, grade: 5, letter: 'А' } }));
    expect(up.classUpdate.userErrors.map((e: any) => e.code)).toEqual(['TAKEN']);
  });

  test('update sets profile and class teacher; audited', async () => {
    const before = await auditCount('classUpdate');
    const r = await c.admin.ok(CLASS_UPDATE, { i: { classId: classB, profile: 'универсальный', classTeacherId: toGlobalId('Staff', staff.teacher) } });
    expect(r.classUpdate).toMatchObject({ userErrors: [], schoolClass: { name: '6Б', profile: 'универсальный', classTeacherName: expect.stringContaining(' ') } });
    await c.admin.ok(CLASS_UPDATE, { i: { classId: classB, classTeacherId: null } });
    expect(await auditCount('classUpdate')).toBe(before + 2);
  });

  test('teachers, students and parents read class names; they may not create classes', async () => {
    for (const who of ['teacher', 'student', 'parent']) {
      const r = await c[who].ok(`query($y: ID!) { classes(academicYearId: $y) { name } }`, { y: yearId });
      expect(r.classes.map((x: any) => x.name)).toEqual(['5А', '6Б']);
      expect(errorCode(await c[who].gql(CLASS_CREATE, { i: { academicYearId: yearId, grade: 7, letter: 'В' } }))).toBe('FORBIDDEN');
    }
  });
});

describe('R-SEC-3: who sees which students', () => {
  const names = async (who: string, cls: string) =>
    (await c[who].ok(CLASS_STUDENTS, { c: cls })).schoolClass.students.map((s: any) => s.fullName);

  test('administration, class teacher and teachers of the class see the whole class, by family name', async () => {
    for (const who of ['admin', 'director', 'deputy', 'classteacher', 'teacher']) {
      expect(await names(who, classA)).toEqual(['Антонова Мария', 'Петров Иван']);
    }
  });

  test('a teacher of 5А sees nobody in 6Б, and gets NOT_FOUND for its student', async () => {
    const r = await c.teacher.ok(CLASS_STUDENTS, { c: classB });
    // R-ROLE-8: the size of the class is no personal data and the same for every viewer; the list is scoped
    expect(r.schoolClass).toMatchObject({ studentCount: 1, students: [] });
    expect(errorCode(await c.teacher.gql(STUDENT, { s: childB }))).toBe('NOT_FOUND');
    expect(errorCode(await c.classteacher.gql(STUDENT, { s: childB }))).toBe('NOT_FOUND');
  });

  test('a parent sees only their own child in the list, with its guardians; other children are NOT_FOUND', async () => {
    const r = await c.parent.ok(CLASS_STUDENTS, { c: classA });
    expect(r.schoolClass.studentCount).toBe(2); // the class's size, not the length of the scoped list
    expect(r.schoolClass.students).toEqual([{ id: childA, pseudonym: expect.stringMatching(/^У-\d{4}$/), fullName: 'Петров Иван', birthDate: '2014-03-02',
      phone: '+7 900 000-00-00', guardians: [{ kind: 'MOTHER', guardian: { id: parentGuardian, fullName: 'Петрова Анна', phone: '+7 911 111-11-11' } }], currentClass: { name: '5А' } }]);
    expect(errorCode(await c.parent.gql(STUDENT, { s: otherA }))).toBe('NOT_FOUND');
    expect(errorCode(await c.parent.gql(STUDENT, { s: childB }))).toBe('NOT_FOUND');
  });

  test('a student sees only themself', async () => {
    expect(await names('student', classB)).toEqual(['Сидоров Олег']);
    expect(await names('student', classA)).toEqual([]);
    expect((await c.student.ok(STUDENT, { s: childB })).student.currentClass).toEqual({ name: '6Б' });
    expect(errorCode(await c.student.gql(STUDENT, { s: childA }))).toBe('NOT_FOUND');
  });

  test('R-SEC-4: without consent or after erasure personal data read as null', async () => {
    await app.sql(`update student set consent_status = 'WITHDRAWN' where id = $1`, [uuid(otherA)]);
    const r = await c.admin.ok(STUDENT, { s: otherA });
    expect(r.student).toMatchObject({ fullName: null, lastName: null, firstName: null, birthDate: null, phone: null, email: null, sex: null });
    await app.sql(`update student set consent_status = 'GIVEN', erased_at = now() where id = $1`, [uuid(otherA)]);
    expect((await c.admin.ok(STUDENT, { s: otherA })).student.fullName).toBeNull();
    await app.sql(`update student set erased_at = null where id = $1`, [uuid(otherA)]);
    expect((await c.admin.ok(STUDENT, { s: otherA })).student.fullName).toBe('Антонова Мария');
  });

  test('membership on a date: a student who left the class is not listed after leaving', async () => {
    const gone = await newStudent('Борисов', 'Глеб');
    await enrol(gone, classA, '2025-09-01', '2025-10-01');
    const on = async (d: string) => (await c.admin.ok(`query($c: ID!, $d: LocalDate) { schoolClass(id: $c) { students(onDate: $d) { id } } }`, { c: classA, d }))
      .schoolClass.students.map((s: any) => s.id);
    expect(await on('2025-09-15')).toContain(gone);
    expect(await on('2025-10-02')).not.toContain(gone);
  });
});

describe('R-SEC-4, R-ROLE-5: students and guardians', () => {
  test('pseudonyms are numbered per school; personal data without consent are refused field by field', async () => {
    const r = await c.deputy.ok(STUDENT_CREATE, { i: { schoolId } });
    const n = Number(r.studentCreate.student.pseudonym.slice(2));
    const r2 = await c.deputy.ok(STUDENT_CREATE, { i: { schoolId } });
    expect(r2.studentCreate.student.pseudonym).toBe(`У-${String(n + 1).padStart(4, '0')}`);
    const bad = await unchanged(() => c.deputy.ok(STUDENT_CREATE, { i: { schoolId, lastName: 'Иванов', birthDate: '2015-01-01' } }));
    expect(bad.studentCreate.userErrors).toEqual([
      { code: 'NO_CONSENT', field: ['input', 'lastName'], message: expect.any(String) },
      { code: 'NO_CONSENT', field: ['input', 'birthDate'], message: expect.any(String) },
    ]);
    const upd = await unchanged(() => c.deputy.ok(STUDENT_UPDATE, { i: { studentId: r.studentCreate.student.id, firstName: 'Пётр' } }));
    expect(upd.studentUpdate.userErrors.map((e: any) => e.code)).toEqual(['NO_CONSENT']);
    expect(await auditCount('studentCreate')).toBeGreaterThanOrEqual(2);
  });

  test('bad input: future birth date, bad e-mail — nothing written', async () => {
    const r = await unchanged(() => c.deputy.ok(STUDENT_UPDATE, { i: { studentId: childA, birthDate: '2999-01-01', email: 'nope' } }));
    expect(r.studentUpdate.userErrors.map((e: any) => e.code).sort()).toEqual(['DATE_INVALID', 'INVALID']);
  });

  test('the class teacher edits students of their class only; a subject teacher edits nobody', async () => {
    const before = await auditCount('studentUpdate');
    const ok = await c.classteacher.ok(STUDENT_UPDATE, { i: { studentId: childA, phone: '+7 900 123-45-67' } });
    expect(ok.studentUpdate).toMatchObject({ userErrors: [], student: { phone: '+7 900 123-45-67' } });
    expect(await auditCount('studentUpdate')).toBe(before + 1);
    expect(errorCode(await unchanged(() => c.classteacher.gql(STUDENT_UPDATE, { i: { studentId: childB, phone: '+7 1' } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.teacher.gql(STUDENT_UPDATE, { i: { studentId: childA, phone: '+7 900 000-00-01' } })))).toBe('FORBIDDEN');
    expect(errorCode(await c.parent.gql(STUDENT_UPDATE, { i: { studentId: childA, phone: '+7 900 000-00-01' } }))).toBe('FORBIDDEN');
  });

  test('guardians: update, link, duplicate link, unlink ends the parent\'s access', async () => {
    const u = await c.classteacher.ok(GUARDIAN_UPDATE, { i: { guardianId: parentGuardian, email: 'anna@example.org' } });
    expect(u.guardianUpdate).toMatchObject({ userErrors: [], guardian: { fullName: 'Петрова Анна', email: 'anna@example.org' } });
    expect(errorCode(await c.teacher.gql(GUARDIAN_UPDATE, { i: { guardianId: parentGuardian, email: 'x@example.org' } }))).toBe('FORBIDDEN');
    const link = await c.deputy.ok(GUARDIAN_LINK, { i: { studentId: otherA, guardianId: parentGuardian, kind: 'GUARDIAN' } });
    expect(link.guardianLink).toMatchObject({ userErrors: [], link: { kind: 'GUARDIAN', removedAt: null } });
    expect((await c.parent.ok(CLASS_STUDENTS, { c: classA })).schoolClass.students).toHaveLength(2);
    const dup = await unchanged(() => c.deputy.ok(GUARDIAN_LINK, { i: { studentId: otherA, guardianId: parentGuardian, kind: 'MOTHER' } }));
    expect(dup.guardianLink.userErrors.map((e: any) => e.code)).toEqual(['ALREADY_MEMBER']);
    const un = await c.classteacher.ok(GUARDIAN_UNLINK, { i: { studentId: otherA, guardianId: parentGuardian } });
    expect(un.guardianUnlink.userErrors).toEqual([]);
    expect(un.guardianUnlink.link.removedAt).not.toBeNull();
    expect(errorCode(await c.parent.gql(STUDENT, { s: otherA }))).toBe('NOT_FOUND');
    const again = await unchanged(() => c.classteacher.ok(GUARDIAN_UNLINK, { i: { studentId: otherA, guardianId: parentGuardian } }));
    expect(again.guardianUnlink.userErrors.map((e: any) => e.code)).toEqual(['NOT_MEMBER']);
    for (const op of ['guardianCreate', 'guardianUpdate', 'guardianLink', 'guardianUnlink']) expect(await auditCount(op)).toBeGreaterThan(0);
  });
});

describe('R-SEC-1: credentials hand-out', () => {
  let cls: string;
  let s1: string;
  let s2: string;
  let noConsent: string;
  let g1: string;

  beforeAll(async () => {
    cls = (await c.deputy.ok(CLASS_CREATE, { i: { academicYearId: yearId, grade: 7, letter: 'К', classTeacherId: toGlobalId('Staff', staff.classteacher) } })).classCreate.schoolClass.id;
    s1 = await newStudent('Ёлкин', 'Юрий', cls);
    s2 = await newStudent('Щукина', 'Яна', cls);
    noConsent = (await c.deputy.ok(STUDENT_CREATE, { i: { schoolId } })).studentCreate.student.id;
    await enrol(noConsent, cls);
    g1 = (await c.classteacher.ok(GUARDIAN_CREATE, { i: { studentId: s2, kind: 'FATHER', lastName: 'Щукин', firstName: 'Андрей' } })).guardianCreate.guardian.id;
  });

  test('the class teacher issues a student account: login from the name, one-time password, role STUDENT; once only', async () => {
    const r = await c.classteacher.ok(CRED_ISSUE, { i: { studentId: s1 } });
    expect(r.credentialsIssue.userErrors).toEqual([]);
    const cred = r.credentialsIssue.credentials;
    expect(cred).toMatchObject({ holder: 'STUDENT', name: 'Ёлкин Юрий', login: expect.stringMatching(/^elkin\.y\d{3}$/) });
    const login = await app.anon().gql(LOGIN, { input: { login: cred.login, password: cred.oneTimePassword } });
    expect(login.data.login.accessToken).toBeTruthy();
    const [row] = await app.sql(`select u.must_change_password, ra.role from app_user u join role_assignment ra on ra.user_id = u.id where u.login = $1`, [cred.login]);
    expect(row).toEqual({ must_change_password: true, role: 'STUDENT' });
    const again = await unchanged(() => c.classteacher.ok(CRED_ISSUE, { i: { studentId: s1 } }));
    expect(again.credentialsIssue.userErrors.map((e: any) => e.code)).toEqual(['HAS_ACCOUNT']);
    expect(await auditCount('credentialsIssue')).toBeGreaterThanOrEqual(3);
  });

  test('no diary account without consent; others than the class teacher / ADMIN are refused', async () => {
    const r = await unchanged(() => c.classteacher.ok(CRED_ISSUE, { i: { studentId: noConsent } }));
    expect(r.credentialsIssue.userErrors.map((e: any) => e.code)).toEqual(['NO_CONSENT']);
    expect(errorCode(await unchanged(() => c.teacher.gql(CRED_ISSUE, { i: { guardianId: g1 } })))).toBe('NOT_FOUND');
    expect(errorCode(await c.deputy.gql(CRED_ISSUE, { i: { studentId: s2 } }))).toBe('FORBIDDEN');
    expect(errorCode(await c.teacher.gql(SHEET, { c: cls }))).toBe('FORBIDDEN');
    expect(errorCode(await c.classteacher.gql(CRED_ISSUE, { i: {} }))).toBe('BAD_USER_INPUT');
  });

  test('the sheet shows logins, never passwords; the bulk issue gives the rest their passwords once', async () => {
    const sheet = (await c.classteacher.ok(SHEET, { c: cls })).classCredentialsSheet;
    expect(sheet.map((r: any) => [r.holder, r.name, r.hasAccount, r.canIssue])).toEqual([
      ['STUDENT', 'Ёлкин Юрий', true, false],
      ['STUDENT', 'Щукина Яна', false, true],
      ['GUARDIAN', 'Щукин Андрей', false, true],
      ['STUDENT', null, false, false],
    ]);
    expect(sheet[0].login).toMatch(/^elkin/);
    const bulk = (await c.admin.ok(CLASS_CRED_ISSUE, { i: { classId: cls } })).classCredentialsIssue;
    expect(bulk.userErrors).toEqual([]);
    expect(bulk.issued.map((r: any) => [r.holder, r.name])).toEqual([['STUDENT', 'Щукина Яна'], ['GUARDIAN', 'Щукин Андрей']]);
    const [{ role }] = await app.sql(`select ra.role from app_user u join role_assignment ra on ra.user_id = u.id where u.login = $1`, [bulk.issued[1].login]);
    expect(role).toBe('PARENT');
    const after = (await c.classteacher.ok(SHEET, { c: cls })).classCredentialsSheet;
    expect(after.filter((r: any) => r.hasAccount)).toHaveLength(3);
    expect(JSON.stringify(after)).not.toContain(bulk.issued[0].oneTimePassword);
    expect((await c.admin.ok(CLASS_CRED_ISSUE, { i: { classId: cls } })).classCredentialsIssue.issued).toEqual([]);
    // the new parent account sees its child
    const parent = await app.anon().gql(LOGIN, { input: { login: bulk.issued[1].login, password: bulk.issued[1].oneTimePassword } });
    expect(parent.data.login.accessToken).toBeTruthy();
  });
});
