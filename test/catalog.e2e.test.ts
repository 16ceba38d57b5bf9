import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { countQueries, expectUnchanged } from './helpers/db';

let app: TestApp;
const c: Record<string, HttpClient> = {};
let schoolId: string;

const SUBJECT_CREATE = `mutation($i: SubjectCreateInput!) { subjectCreate(input: $i) { subject { id name shortName component archivedAt } userErrors { code field message } } }`;
const SUBJECT_UPDATE = `mutation($i: SubjectUpdateInput!) { subjectUpdate(input: $i) { subject { id name shortName component } userErrors { code field message } } }`;
const SUBJECT_ARCHIVE = `mutation($i: SubjectArchiveInput!) { subjectArchive(input: $i) { subject { id archivedAt } userErrors { code field message } } }`;
const SUBJECTS = `query($s: ID!, $a: Boolean) { subjects(schoolId: $s, includeArchived: $a) { id name archivedAt } }`;
const ROOM_CREATE = `mutation($i: RoomCreateInput!) { roomCreate(input: $i) { room { id name capacity } userErrors { code field message } } }`;
const ROOM_UPDATE = `mutation($i: RoomUpdateInput!) { roomUpdate(input: $i) { room { id name capacity } userErrors { code field message } } }`;
const ROOM_ARCHIVE = `mutation($i: RoomArchiveInput!) { roomArchive(input: $i) { room { id archivedAt } userErrors { code field message } } }`;
const ROOMS = `query($s: ID!, $a: Boolean) { rooms(schoolId: $s, includeArchived: $a) { id name } }`;
const STAFF_CREATE = `mutation($i: StaffCreateInput!) { staffCreate(input: $i) {
  staff { id position fullName lastName firstName middleName user { id login mustChangePassword roles { role } } } oneTimePassword userErrors { code field message } } }`;
const STAFF_UPDATE = `mutation($i: StaffUpdateInput!) { staffUpdate(input: $i) { staff { id position fullName } userErrors { code field message } } }`;
const STAFF_ARCHIVE = `mutation($i: StaffArchiveInput!) { staffArchive(input: $i) { staff { id archivedAt } userErrors { code field message } } }`;
const STAFF = `query($s: ID!, $a: Boolean, $first: Int, $after: String) { staff(schoolId: $s, includeArchived: $a, first: $first, after: $after) {
  nodes { id fullName position } pageInfo { hasNextPage endCursor } } }`;

const TABLES = ['subject', 'room', 'staff', 'app_user', 'role_assignment', 'audit_entry'];
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);
let n = 0;
const staffInput = (extra: Record<string, unknown> = {}) => ({
  schoolId, login: `t.user${++n}`, lastName: `Иванов${String.fromCharCode(1072 + n)}`, firstName: 'Пётр', middleName: 'Ильич', position: 'Учитель', roles: ['TEACHER'], ...extra,
});

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  schoolId = (await c.admin.ok(`{ schools { id } }`)).schools[0].id;
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-3 subjects', () => {
  test('R-YEAR-3: the deputy creates, renames and archives a subject; every member reads the list; the changes are audited', async () => {
    const before = Number((await app.sql(`select count(*) from audit_entry where entity_type = 'Subject'`))[0].count);
    const r = (await c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: '  Математика ', shortName: 'Матем.', component: 'FEDERAL' } })).subjectCreate;
    expect(r.userErrors).toEqual([]);
    expect(r.subject).toMatchObject({ name: 'Математика', shortName: 'Матем.', component: 'FEDERAL', archivedAt: null });
    const u = (await c.admin.ok(SUBJECT_UPDATE, { i: { subjectId: r.subject.id, name: 'Алгебра', component: 'SCHOOL', shortName: '' } })).subjectUpdate;
    expect(u.subject).toMatchObject({ name: 'Алгебра', component: 'SCHOOL', shortName: null });
    for (const who of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) {
      expect((await c[who].ok(SUBJECTS, { s: schoolId })).subjects.map((s: any) => s.name)).toContain('Алгебра');
    }
    const a = (await c.deputy.ok(SUBJECT_ARCHIVE, { i: { subjectId: r.subject.id } })).subjectArchive;
    expect(a.subject.archivedAt).not.toBeNull();
    expect((await c.teacher.ok(SUBJECTS, { s: schoolId })).subjects.map((s: any) => s.id)).not.toContain(r.subject.id);
    expect((await c.teacher.ok(SUBJECTS, { s: schoolId, a: true })).subjects.map((s: any) => s.id)).toContain(r.subject.id);
    const again = await unchanged(() => c.deputy.ok(SUBJECT_ARCHIVE, { i: { subjectId: r.subject.id } }));
    expect(again.subjectArchive.userErrors[0].code).toBe('ARCHIVED');
    const after = Number((await app.sql(`select count(*) from audit_entry where entity_type = 'Subject'`))[0].count);
    expect(after - before).toBe(3);
  });

  test('R-YEAR-3: a taken name (any case), an empty name or a too long one is refused and changes nothing', async () => {
    await c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: 'Физика', component: 'FEDERAL' } });
    const taken = await unchanged(() => c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: 'ФИЗИКА', component: 'FEDERAL' } }));
    expect(taken.subjectCreate.userErrors).toEqual([expect.objectContaining({ code: 'TAKEN', field: ['input', 'name'] })]);
    expect(taken.subjectCreate.subject).toBeNull();
    const empty = await unchanged(() => c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: '  ', component: 'FEDERAL' } }));
    expect(empty.subjectCreate.userErrors[0]).toMatchObject({ code: 'REQUIRED', field: ['input', 'name'] });
    const long = await unchanged(() => c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: 'x'.repeat(201), component: 'FEDERAL' } }));
    expect(long.subjectCreate.userErrors[0].code).toBe('TOO_LONG');
    const other = (await c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: 'Химия', component: 'FEDERAL' } })).subjectCreate.subject;
    const rename = await unchanged(() => c.deputy.ok(SUBJECT_UPDATE, { i: { subjectId: other.id, name: 'физика' } }));
    expect(rename.subjectUpdate.userErrors[0].code).toBe('TAKEN');
  });

  test('R-ROLE: only ADMIN and DEPUTY change subjects; others are FORBIDDEN and nothing is written', async () => {
    const s = (await c.deputy.ok(SUBJECT_CREATE, { i: { schoolId, name: 'Биология', component: 'FEDERAL' } })).subjectCreate.subject;
    for (const who of ['director', 'teacher', 'classteacher', 'student', 'parent']) {
      const r = await unchanged(() => c[who].gql(SUBJECT_CREATE, { i: { schoolId, name: `Предмет ${who}`, component: 'SCHOOL' } }));
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(errorCode(await unchanged(() => c[who].gql(SUBJECT_ARCHIVE, { i: { subjectId: s.id } })))).toBe('FORBIDDEN');
    }
    expect(errorCode(await c.deputy.gql(SUBJECTS, { s: 'bad' }))).toBe('BAD_USER_INPUT');
    const foreign = Buffer.from('School:00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(errorCode(await c.deputy.gql(SUBJECTS, { s: foreign }))).toBe('NOT_FOUND');
    expect(errorCode(await app.anon().gql(SUBJECTS, { s: schoolId }))).toBe('UNAUTHENTICATED');
  });
});

describe('R-YEAR-3 rooms', () => {
  test('R-YEAR-3: the admin creates, changes and archives a room; bad seats and taken names are refused', async () => {
    const r = (await c.admin.ok(ROOM_CREATE, { i: { schoolId, name: '214', capacity: 30 } })).roomCreate;
    expect(r.room).toMatchObject({ name: '214', capacity: 30 });
    expect((await c.parent.ok(ROOMS, { s: schoolId })).rooms.map((x: any) => x.name)).toContain('214');
    const u = (await c.deputy.ok(ROOM_UPDATE, { i: { roomId: r.room.id, capacity: 25 } })).roomUpdate;
    expect(u.room.capacity).toBe(25);
    const bad = await unchanged(() => c.deputy.ok(ROOM_CREATE, { i: { schoolId, name: '214', capacity: 0 } }));
    expect(bad.roomCreate.userErrors.map((e: any) => e.code).sort()).toEqual(['INVALID', 'TAKEN']);
    expect((await c.deputy.ok(ROOM_ARCHIVE, { i: { roomId: r.room.id } })).roomArchive.room.archivedAt).not.toBeNull();
    expect((await c.deputy.ok(ROOMS, { s: schoolId })).rooms.map((x: any) => x.id)).not.toContain(r.room.id);
    for (const who of ['director', 'teacher', 'student']) {
      expect(errorCode(await unchanged(() => c[who].gql(ROOM_CREATE, { i: { schoolId, name: 'Спортзал' } })))).toBe('FORBIDDEN');
    }
  });
});

describe('R-YEAR-3 staff', () => {
  test('R-YEAR-3, R-ROLE-1: the admin creates a staff member with an account, roles and a one-time password that works once', async () => {
    const input = staffInput({ login: ' Pavlova.N ', roles: ['TEACHER', 'DEPUTY'] });
    const r = (await c.admin.ok(STAFF_CREATE, { i: input })).staffCreate;
    expect(r.userErrors).toEqual([]);
    expect(r.staff.position).toBe('Учитель');
    expect(r.staff.user.login).toBe('pavlova.n');
    expect(r.staff.user.mustChangePassword).toBe(true);
    expect(r.staff.user.roles.map((x: any) => x.role).sort()).toEqual(['DEPUTY', 'TEACHER']);
    expect(r.oneTimePassword).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const login = await app.anon().gql(`mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }`, { i: { login: 'pavlova.n', password: r.oneTimePassword } });
    expect(login.data.login.accessToken).toBeTruthy();
    const [row] = await app.sql(`select password_hash from app_user where login = 'pavlova.n'`);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  test('R-YEAR-3: a taken login, a bad login, empty names, no roles or a pupil role are refused and change nothing', async () => {
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ login: 'teacher' }, 'TAKEN', ['input', 'login']],
      [{ login: 'a b' }, 'INVALID', ['input', 'login']],
      [{ lastName: ' ' }, 'REQUIRED', ['input', 'lastName']],
      [{ position: '' }, 'REQUIRED', ['input', 'position']],
      [{ roles: [] }, 'REQUIRED', ['input', 'roles']],
      [{ roles: ['TEACHER', 'STUDENT'] }, 'INVALID', ['input', 'roles']],
    ];
    for (const [extra, code, field] of cases) {
      const r = await unchanged(() => c.admin.ok(STAFF_CREATE, { i: staffInput(extra) }));
      expect(r.staffCreate.userErrors).toEqual([expect.objectContaining({ code, field })]);
      expect(r.staffCreate.oneTimePassword).toBeNull();
    }
  });

  test('R-YEAR-3: staff update and archive; archived staff leave the list unless asked for', async () => {
    const s = (await c.admin.ok(STAFF_CREATE, { i: staffInput() })).staffCreate.staff;
    const u = (await c.admin.ok(STAFF_UPDATE, { i: { staffId: s.id, position: 'Заместитель директора', lastName: 'Петров', middleName: '' } })).staffUpdate;
    expect(u.staff).toMatchObject({ position: 'Заместитель директора', fullName: 'Петров Пётр' });
    const bad = await unchanged(() => c.admin.ok(STAFF_UPDATE, { i: { staffId: s.id, position: ' ' } }));
    expect(bad.staffUpdate.userErrors[0].code).toBe('REQUIRED');
    expect((await c.admin.ok(STAFF_ARCHIVE, { i: { staffId: s.id } })).staffArchive.staff.archivedAt).not.toBeNull();
    expect((await unchanged(() => c.admin.ok(STAFF_ARCHIVE, { i: { staffId: s.id } }))).staffArchive.userErrors[0].code).toBe('ARCHIVED');
    const all = async (a: boolean) => (await c.deputy.ok(STAFF, { s: schoolId, a, first: 100 })).staff.nodes.map((x: any) => x.id);
    expect(await all(false)).not.toContain(s.id);
    expect(await all(true)).toContain(s.id);
  });

  test('R-ROLE-3, R-SEC-10: the deputy manages teaching staff and hands out their credentials; a one-time password from the deputy works', async () => {
    const r = (await c.deputy.ok(STAFF_CREATE, { i: staffInput() })).staffCreate;
    expect(r.userErrors).toEqual([]);
    expect(r.staff.user.roles.map((x: any) => x.role)).toEqual(['TEACHER']);
    const login = await app.anon().ok(`mutation($i: LoginInput!) { login(input: $i) { accessToken user { mustChangePassword } userErrors { code } } }`,
      { i: { login: r.staff.user.login, password: r.oneTimePassword } });
    expect(login.login.userErrors).toEqual([]);
    expect(login.login.user.mustChangePassword).toBe(true);
    expect((await c.deputy.ok(STAFF_UPDATE, { i: { staffId: r.staff.id, position: 'Учитель физики' } })).staffUpdate.staff.position).toBe('Учитель физики');
    expect((await c.deputy.ok(STAFF_ARCHIVE, { i: { staffId: r.staff.id } })).staffArchive.staff.archivedAt).not.toBeNull();
  });

  test('R-ROLE-1, R-SEC-10: administration accounts stay with the ADMIN — the deputy may not grant DEPUTY, DIRECTOR or ADMIN, nor change or archive such staff', async () => {
    for (const role of ['DEPUTY', 'DIRECTOR', 'ADMIN']) {
      expect(errorCode(await unchanged(() => c.deputy.gql(STAFF_CREATE, { i: staffInput({ roles: ['TEACHER', role] }) })))).toBe('FORBIDDEN');
    }
    const head = (await c.admin.ok(STAFF_CREATE, { i: staffInput({ roles: ['TEACHER', 'DEPUTY'] }) })).staffCreate.staff;
    expect(errorCode(await unchanged(() => c.deputy.gql(STAFF_UPDATE, { i: { staffId: head.id, position: 'X' } })))).toBe('FORBIDDEN');
    expect(errorCode(await unchanged(() => c.deputy.gql(STAFF_ARCHIVE, { i: { staffId: head.id } })))).toBe('FORBIDDEN');
  });

  test('R-ROLE-1, R-ROLE-3: only ADMIN and DEPUTY manage staff; others are FORBIDDEN and nothing is written', async () => {
    const s = (await c.admin.ok(STAFF_CREATE, { i: staffInput() })).staffCreate.staff;
    for (const who of ['director', 'teacher', 'student', 'parent']) {
      expect(errorCode(await unchanged(() => c[who].gql(STAFF_CREATE, { i: staffInput() })))).toBe('FORBIDDEN');
      expect(errorCode(await unchanged(() => c[who].gql(STAFF_UPDATE, { i: { staffId: s.id, position: 'X' } })))).toBe('FORBIDDEN');
      expect(errorCode(await unchanged(() => c[who].gql(STAFF_ARCHIVE, { i: { staffId: s.id } })))).toBe('FORBIDDEN');
    }
  });

  test('R-YEAR-3: every member reads staff names and positions page by page; only the administration sees the account; the query count does not grow with the page', async () => {
    for (let i = 0; i < 3; i++) await c.admin.ok(STAFF_CREATE, { i: staffInput() });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = (await c.student.ok(STAFF, { s: schoolId, first: 2, after })).staff;
      expect(page.nodes.length).toBeLessThanOrEqual(2);
      seen.push(...page.nodes.map((x: any) => x.fullName));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(seen);
    const account = `query($s: ID!) { staff(schoolId: $s, first: 5) { nodes { user { login } } } }`;
    expect(errorCode(await c.teacher.gql(account, { s: schoolId }))).toBe('FORBIDDEN');
    expect((await c.director.ok(account, { s: schoolId })).staff.nodes.length).toBeGreaterThan(0);
    const small = await countQueries(app, () => c.deputy.ok(STAFF, { s: schoolId, first: 1 }));
    const large = await countQueries(app, () => c.deputy.ok(STAFF, { s: schoolId, first: 50 }));
    expect(large).toBe(small);
  });
});
