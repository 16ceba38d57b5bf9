import { startTestApp, TestApp, HttpClient, errorCode, onClosed, wsExecute } from './helpers/app';
import { expectUnchanged } from './helpers/db';
import { academicYear, groupMember, guardian, linkGuardian, schoolClass, studentRow, studyGroup, subject, user } from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** R-YEAR-11, R-SEC-8: enrolment, transfer and leaving, with history by date. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let year: string;
let n = 0;

const gid = toGlobalId;
const ERR = 'userErrors { code field message }';
const ENROL = `mutation($i: StudentEnrolInput!) { studentEnrol(input: $i) { membership { id fromDate toDate } ${ERR} } }`;
const TRANSFER = `mutation($i: StudentTransferInput!) { studentTransfer(input: $i) {
  previousMembership { id fromDate toDate } membership { id fromDate toDate } closedGroupMemberships { id toDate } ${ERR} } }`;
const LEAVE = `mutation($i: StudentLeaveInput!) { studentLeave(input: $i) {
  membership { id toDate } closedGroupMemberships { id toDate } blockedUserIds ${ERR} } }`;
const CLASS_MEMBERS = `query($c: ID!, $d: LocalDate!) { classMembers(classId: $c, onDate: $d) { id fromDate toDate } }`;

const TABLES = ['class_membership', 'group_membership', 'student', 'app_user', 'auth_session', 'audit_entry'];
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);

const newClass = (grade: number) => schoolClass(app, school, year, { grade, letter: `М${++n}` });
const newStudent = (classId?: string, from = '2025-09-01') =>
  studentRow(app, school, { pseudonym: `Д-${String(++n).padStart(4, '0')}`, classId, from });
/** A user with the demo password and one role in the demo school. */
async function newUser(role: string): Promise<{ id: string; login: string }> {
  const u = await user(app, school, [role], { login: `u${++n}`, lastName: 'Тестов', firstName: 'Тест' });
  return { id: u.userId, login: u.login };
}
async function newGuardian(userId: string, ...students: string[]): Promise<void> {
  const g = await guardian(app, school, { userId });
  for (const s of students) await linkGuardian(app, s, g);
}
async function subgroupWith(classId: string, studentId: string): Promise<string> {
  const subjectId = await subject(app, school, { name: `Предмет ${++n}` });
  const g = await studyGroup(app, { schoolId: school, yearId: year, kind: 'SUBGROUP', name: `Группа ${n}`, subjectId, classId });
  await groupMember(app, studentId, g, '2025-09-01');
  return g;
}
const codes = (p: { userErrors: { code: string }[] }) => p.userErrors.map((e) => e.code);
const members = async (client: HttpClient, classId: string, d: string) =>
  (await client.ok(CLASS_MEMBERS, { c: gid('SchoolClass', classId), d })).classMembers.map((m: any) => m.id);
const membershipGid = async (studentId: string, classId: string) =>
  gid('ClassMembership', (await app.sql(`select id from class_membership where student_id = $1 and school_class_id = $2`, [studentId, classId]))[0].id);

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: school }] = await app.sql(`select id from school limit 1`);
  [{ id: year }] = await app.sql(`select id from academic_year limit 1`);
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-11 enrolment', () => {
  test('R-YEAR-11: a student in no class is enrolled; ALREADY_MEMBER, DATE_INVALID; audited', async () => {
    const cls = await newClass(5);
    const s = await newStudent();
    const enrol = (fromDate: string, classId = cls, studentId = s) =>
      c.deputy.ok(ENROL, { i: { studentId: gid('Student', studentId), classId: gid('SchoolClass', classId), fromDate } });
    expect(codes((await unchanged(() => enrol('2025-08-31'))).studentEnrol)).toEqual(['DATE_INVALID']);
    expect(codes((await unchanged(() => enrol('2026-05-27'))).studentEnrol)).toEqual(['DATE_INVALID']);
    const ok = await enrol('2025-09-01');
    expect(ok.studentEnrol).toMatchObject({ membership: { fromDate: '2025-09-01', toDate: null }, userErrors: [] });
    expect(codes((await unchanged(() => enrol('2025-10-01', cls))).studentEnrol)).toEqual(['ALREADY_MEMBER']);
    const other = await newClass(5);
    expect(codes((await unchanged(() => enrol('2025-10-01', other))).studentEnrol)).toEqual(['ALREADY_MEMBER']);
    const audit = await app.sql(`select operation, action from audit_entry where entity_type = 'ClassMembership' and entity_id = $1`,
      [(await app.sql(`select id from class_membership where student_id = $1`, [s]))[0].id]);
    expect(audit).toEqual([{ operation: 'studentEnrol', action: 'CREATE' }]);
    expect(errorCode(await c.deputy.gql(ENROL, { i: { studentId: gid('Student', '00000000-0000-4000-8000-000000000000'), classId: gid('SchoolClass', cls), fromDate: '2025-09-01' } }))).toBe('NOT_FOUND');
  });
});

describe('R-YEAR-11 transfer', () => {
  test('R-YEAR-11: history stays with the old class; classMembers shows the student by date', async () => {
    const a = await newClass(6);
    const b = await newClass(6);
    const s = await newStudent(a);
    const stay = await newStudent(a);
    const r = await c.deputy.ok(TRANSFER, { i: { studentId: gid('Student', s), toClassId: gid('SchoolClass', b), date: '2025-11-03' } });
    expect(r.studentTransfer).toMatchObject({
      previousMembership: { fromDate: '2025-09-01', toDate: '2025-11-02' },
      membership: { fromDate: '2025-11-03', toDate: null }, closedGroupMemberships: [], userErrors: [],
    });
    const inA = await membershipGid(s, a);
    const inB = await membershipGid(s, b);
    const stayA = await membershipGid(stay, a);
    expect((await members(c.admin, a, '2025-11-02')).sort()).toEqual([inA, stayA].sort());
    expect(await members(c.admin, b, '2025-11-02')).toEqual([]);
    expect(await members(c.admin, a, '2025-11-03')).toEqual([stayA]);
    expect(await members(c.admin, b, '2025-11-03')).toEqual([inB]);
    // R-SEC-3: a teacher taking no part in these students sees none of them
    expect(await members(c.teacher, a, '2025-11-02')).toEqual([]);
    const audit = await app.sql(`select entity_type, action from audit_entry where operation = 'studentTransfer' order by seq`);
    expect(audit).toEqual([{ entity_type: 'ClassMembership', action: 'UPDATE' }, { entity_type: 'ClassMembership', action: 'CREATE' }]);
  });

  test('R-YEAR-11: subgroups of the old class end the day before; other groups stay', async () => {
    const a = await newClass(7);
    const b = await newClass(7);
    const s = await newStudent(a);
    const sub = await subgroupWith(a, s);
    const club = await studyGroup(app, { schoolId: school, yearId: year, kind: 'CLUB', name: 'Хор' });
    await groupMember(app, s, club, '2025-09-01');
    const r = await c.admin.ok(TRANSFER, { i: { studentId: gid('Student', s), toClassId: gid('SchoolClass', b), date: '2026-01-12' } });
    expect(r.studentTransfer.userErrors).toEqual([]);
    expect(r.studentTransfer.closedGroupMemberships).toEqual([{ id: expect.any(String), toDate: '2026-01-11' }]);
    const rows = await app.sql(`select group_id, to_date::text from group_membership where student_id = $1 order by to_date nulls last`, [s]);
    expect(rows).toEqual([{ group_id: sub, to_date: '2026-01-11' }, { group_id: club, to_date: null }]);
  });

  test('R-YEAR-11: bad transfers change nothing', async () => {
    const a = await newClass(8);
    const b = await newClass(8);
    const s = await newStudent(a, '2025-10-01');
    const t = (date: string, to = b, studentId = s) =>
      c.deputy.ok(TRANSFER, { i: { studentId: gid('Student', studentId), toClassId: gid('SchoolClass', to), date } });
    expect(codes((await unchanged(() => t('2025-10-01'))).studentTransfer)).toEqual(['DATE_INVALID']);
    expect(codes((await unchanged(() => t('2025-09-15'))).studentTransfer)).toEqual(['DATE_INVALID']);
    expect(codes((await unchanged(() => t('2026-06-01'))).studentTransfer)).toEqual(['DATE_INVALID']);
    expect(codes((await unchanged(() => t('2025-11-03', a))).studentTransfer)).toEqual(['ALREADY_MEMBER']);
    const free = await newStudent();
    expect(codes((await unchanged(() => t('2025-11-03', b, free))).studentTransfer)).toEqual(['NOT_ENROLLED']);
    // a subgroup membership that starts after the last day in the old class
    await subgroupWith(a, s);
    await app.sql(`update group_membership set from_date = '2025-12-01' where student_id = $1`, [s]);
    expect(codes((await unchanged(() => t('2025-11-03'))).studentTransfer)).toEqual(['DATE_INVALID']);
  });
});

describe('R-YEAR-11, R-SEC-8 leaving', () => {
  test('R-SEC-8: leaving ends memberships, blocks the student and a guardian without other children, not one with an enrolled child', async () => {
    const cls = await newClass(9);
    const s = await newStudent(cls);
    const sibling = await newStudent(cls);
    const studentUser = await newUser('STUDENT');
    await app.sql(`update student set user_id = $1 where id = $2`, [studentUser.id, s]);
    const onlyChild = await newUser('PARENT');
    const twoChildren = await newUser('PARENT');
    await newGuardian(onlyChild.id, s);
    await newGuardian(twoChildren.id, s, sibling);
    await subgroupWith(cls, s);
    const studentClient = await app.as(studentUser.login);
    const guardianClient = await app.as(onlyChild.login);
    const otherGuardian = await app.as(twoChildren.login);
    const socket = app.ws(guardianClient.token);
    expect((await wsExecute(socket, '{ me { id } }')).data.me.id).toBeDefined();
    const closed = onClosed(socket);

    const leave = (date: string, reason = 'переезд') => c.deputy.ok(LEAVE, { i: { studentId: gid('Student', s), date, reason } });
    expect(codes((await unchanged(() => leave('2025-11-10', ' '))).studentLeave)).toEqual(['REQUIRED']);
    expect(codes((await unchanged(() => leave('2025-08-01'))).studentLeave)).toEqual(['DATE_INVALID']);
    const r = await leave('2025-11-10');
    expect(r.studentLeave).toMatchObject({ membership: { toDate: '2025-11-10' }, closedGroupMemberships: [{ toDate: '2025-11-10' }], userErrors: [] });
    expect(r.studentLeave.blockedUserIds.sort()).toEqual([gid('User', studentUser.id), gid('User', onlyChild.id)].sort());
    expect((await app.sql(`select left_on::text, left_reason from student where id = $1`, [s]))[0]).toEqual({ left_on: '2025-11-10', left_reason: 'переезд' });
    const users = await app.sql(`select id, blocked_reason from app_user where id = any($1::uuid[]) order by login`, [[studentUser.id, onlyChild.id, twoChildren.id]]);
    expect(Object.fromEntries(users.map((u: any) => [u.id, u.blocked_reason]))).toEqual({ [studentUser.id]: 'left school', [onlyChild.id]: 'left school', [twoChildren.id]: null });
    expect(await app.sql(`select 1 from auth_session where user_id = any($1::uuid[]) and revoked_at is null`, [[studentUser.id, onlyChild.id]])).toEqual([]);
    expect((await closed).code).toBe(4403);
    // the diary is closed to them; the parent of an enrolled child keeps it
    expect(errorCode(await studentClient.gql('{ me { id } }'))).toBe('UNAUTHENTICATED');
    expect(errorCode(await guardianClient.gql('{ me { id } }'))).toBe('UNAUTHENTICATED');
    expect((await otherGuardian.ok('{ me { id } }')).me.id).toBe(gid('User', twoChildren.id));
    // history: in the class until the last day
    expect(await members(c.admin, cls, '2025-11-10')).toContain(await membershipGid(s, cls));
    expect(await members(c.admin, cls, '2025-11-11')).not.toContain(await membershipGid(s, cls));
    expect(codes((await unchanged(() => leave('2025-11-12'))).studentLeave)).toEqual(['ALREADY_LEFT']);
    const t = await unchanged(() => c.deputy.ok(TRANSFER, { i: { studentId: gid('Student', s), toClassId: gid('SchoolClass', cls), date: '2025-12-01' } }));
    expect(codes(t.studentTransfer)).toEqual(['ALREADY_LEFT']);
    const operations = await app.sql(`select distinct entity_type from audit_entry where operation = 'studentLeave' order by entity_type`);
    // R-SEC-8: leaving also schedules the erasure of the diary-service data.
    expect(operations.map((o: any) => o.entity_type)).toEqual(['AuthSession', 'ClassMembership', 'ErasureJob', 'GroupMembership', 'Student', 'User']);
    expect(await app.sql(`select distinct action from audit_entry where operation = 'studentLeave' and entity_type = 'ErasureJob'`)).toEqual([{ action: 'CREATE' }]);
  });

  test('R-YEAR-11: a student in no class cannot leave; a future date is refused', async () => {
    const s = await newStudent();
    expect(codes((await unchanged(() => c.deputy.ok(LEAVE, { i: { studentId: gid('Student', s), date: '2025-11-10', reason: 'x' } }))).studentLeave)).toEqual(['NOT_ENROLLED']);
    const future = await academicYear(app, school, '2099-09-01', '2100-05-31', { name: '2099/2100' });
    const cls = await schoolClass(app, school, future, { grade: 5, letter: 'Б' });
    const f = await newStudent(cls, '2099-09-01');
    expect(codes((await unchanged(() => c.deputy.ok(LEAVE, { i: { studentId: gid('Student', f), date: '2099-10-01', reason: 'x' } }))).studentLeave)).toEqual(['DATE_INVALID']);
  });
});

describe('R-ROLE roles', () => {
  test.each(['director', 'teacher', 'classteacher', 'student', 'parent'])('R-ROLE: %s may not move students', async (login) => {
    const a = await newClass(10);
    const b = await newClass(10);
    const s = await newStudent(a);
    const free = await newStudent();
    await unchanged(async () => {
      for (const [doc, i] of [
        [ENROL, { studentId: gid('Student', free), classId: gid('SchoolClass', a), fromDate: '2025-09-01' }],
        [TRANSFER, { studentId: gid('Student', s), toClassId: gid('SchoolClass', b), date: '2025-11-03' }],
        [LEAVE, { studentId: gid('Student', s), date: '2025-11-03', reason: 'x' }],
      ] as const) {
        expect(errorCode(await c[login].gql(doc, { i }))).toBe('FORBIDDEN');
      }
    });
    expect(errorCode(await c.teacher.gql(CLASS_MEMBERS, { c: 'bad', d: '2025-09-01' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.anon().gql(CLASS_MEMBERS, { c: gid('SchoolClass', a), d: '2025-09-01' }))).toBe('UNAUTHENTICATED');
  });
});
