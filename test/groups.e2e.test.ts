import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { countQueries, expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** R-YEAR-4, R-YEAR-5: study groups, subgroups, streams, membership by date, individual plans. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let year: string;
let yearGid: string;
let n = 0;

const gid = toGlobalId;
const ERR = 'userErrors { code field message }';
const CREATE = `mutation($i: StudyGroupCreateInput!) { studyGroupCreate(input: $i) { studyGroup { id name kind archivedAt } ${ERR} } }`;
const UPDATE = `mutation($i: StudyGroupUpdateInput!) { studyGroupUpdate(input: $i) { studyGroup { id name } ${ERR} } }`;
const ARCHIVE = `mutation($i: StudyGroupArchiveInput!) { studyGroupArchive(input: $i) { studyGroup { id archivedAt } ${ERR} } }`;
const ADD = `mutation($i: GroupMemberAddInput!) { groupMemberAdd(input: $i) { membership { id fromDate toDate } ${ERR} } }`;
const REMOVE = `mutation($i: GroupMemberRemoveInput!) { groupMemberRemove(input: $i) { membership { id fromDate toDate } ${ERR} } }`;
const MEMBERS = `query($id: ID!, $d: LocalDate!) { studyGroup(id: $id) { id kind members(onDate: $d) { id fromDate toDate } classes { __typename } } }`;
const PLAN_SET = `mutation($i: IndividualPlanSetInput!) { individualPlanSet(input: $i) { individualPlan { id reason subjects { hoursPerWeek } } ${ERR} } }`;
const PLAN_REMOVE = `mutation($i: IndividualPlanRemoveInput!) { individualPlanRemove(input: $i) { deletedIndividualPlanId ${ERR} } }`;
const PLAN = `query($s: ID!, $y: ID!) { individualPlan(studentId: $s, academicYearId: $y) { id reason subjects { hoursPerWeek } } }`;

const TABLES = ['study_group', 'group_membership', 'individual_plan', 'individual_plan_subject', 'audit_entry'];
/** Runs `fn` and asserts it changed nothing in TABLES (audit trail included). */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);

const newClass = (grade: number, yearId = year) => f.schoolClass(app, school, yearId, { grade, letter: `Г${++n}` });
const newSubject = () => f.subject(app, school, { name: `Предмет ${++n}` });
/** A student in `classId` from 2025-09-01 (or in no class). */
const newStudent = (classId?: string, from = '2025-09-01') =>
  f.studentRow(app, school, { pseudonym: `У-${String(++n).padStart(4, '0')}`, classId, from });
async function subgroup(classId: string, subjectId: string, name = `Подгруппа ${++n}`): Promise<string> {
  const r = await c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name, kind: 'SUBGROUP', subjectId: gid('Subject', subjectId), classId: gid('SchoolClass', classId) } });
  expect(r.studyGroupCreate.userErrors).toEqual([]);
  return r.studyGroupCreate.studyGroup.id;
}
const add = (client: HttpClient, groupId: string, studentId: string, fromDate: string) =>
  client.gql(ADD, { i: { groupId, studentId: gid('Student', studentId), fromDate } });
const codes = (p: { userErrors: { code: string }[] }) => p.userErrors.map((e) => e.code);

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: school }] = await app.sql(`select id from school limit 1`);
  [{ id: year }] = await app.sql(`select id from academic_year limit 1`);
  yearGid = gid('AcademicYear', year);
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-4 creating groups', () => {
  test('R-YEAR-4: a subgroup needs a subject and a class; cross-class kinds have no class', async () => {
    const cls = await newClass(5);
    const subject = await newSubject();
    const ok = await c.admin.ok(CREATE, { i: { academicYearId: yearGid, name: ' 5 английский, гр. 1 ', kind: 'SUBGROUP', subjectId: gid('Subject', subject), classId: gid('SchoolClass', cls) } });
    expect(ok.studyGroupCreate).toMatchObject({ studyGroup: { name: '5 английский, гр. 1', kind: 'SUBGROUP', archivedAt: null }, userErrors: [] });
    const [{ id: created }] = await app.sql(`select id from study_group where name = '5 английский, гр. 1'`);
    expect(ok.studyGroupCreate.studyGroup.id).toBe(gid('StudyGroup', created));
    const audit = await app.sql(`select operation, action from audit_entry where entity_id = $1`, [created]);
    expect(audit).toEqual([{ operation: 'studyGroupCreate', action: 'CREATE' }]);
    const club = await c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Шахматы', kind: 'CLUB' } });
    expect(club.studyGroupCreate.userErrors).toEqual([]);

    const bad: [Record<string, unknown>, string, string][] = [
      [{ kind: 'SUBGROUP', classId: gid('SchoolClass', cls) }, 'REQUIRED', 'subjectId'],
      [{ kind: 'SUBGROUP', subjectId: gid('Subject', subject) }, 'REQUIRED', 'classId'],
      [{ kind: 'ELECTIVE', classId: gid('SchoolClass', cls) }, 'INVALID', 'classId'],
      [{ kind: 'CLUB', streamClassIds: [gid('SchoolClass', cls), gid('SchoolClass', cls)] }, 'INVALID', 'streamClassIds'],
      [{ kind: 'STREAM' }, 'REQUIRED', 'streamClassIds'],
      [{ kind: 'STREAM', streamClassIds: [gid('SchoolClass', cls)] }, 'INVALID', 'streamClassIds'],
      [{ kind: 'STREAM', streamClassIds: [gid('SchoolClass', cls), gid('SchoolClass', cls)] }, 'DUPLICATE', 'streamClassIds'],
      [{ kind: 'CLUB', name: '   ' }, 'REQUIRED', 'name'],
    ];
    for (const [extra, code, field] of bad) {
      const r = await unchanged(() => c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Группа', ...extra } }));
      expect(r.studyGroupCreate.studyGroup).toBeNull();
      expect(r.studyGroupCreate.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    }
  });

  test('R-YEAR-4: a stream joins classes of the same year only; unknown or malformed ids are refused', async () => {
    const otherYear = await f.academicYear(app, school, '2030-09-01', '2031-05-31', { name: '2030/2031' });
    const a = await newClass(7);
    const b = await newClass(7, otherYear);
    const r = await unchanged(() => c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Поток', kind: 'STREAM', streamClassIds: [gid('SchoolClass', a), gid('SchoolClass', b)] } }));
    expect(codes(r.studyGroupCreate)).toEqual(['INVALID']);
    const missing = await c.deputy.gql(CREATE, { i: { academicYearId: yearGid, name: 'Поток', kind: 'STREAM', streamClassIds: [gid('SchoolClass', a), gid('SchoolClass', '00000000-0000-4000-8000-000000000000')] } });
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const malformed = await c.deputy.gql(CREATE, { i: { academicYearId: 'nonsense', name: 'X', kind: 'CLUB' } });
    expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
  });

  test('R-YEAR-4: update renames and re-forms a stream; archive stops new members; archived twice is ARCHIVED', async () => {
    const a = await newClass(8);
    const b = await newClass(8);
    const d = await newClass(8);
    const created = await c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Поток 8', kind: 'STREAM', streamClassIds: [gid('SchoolClass', a), gid('SchoolClass', b)] } });
    const id = created.studyGroupCreate.studyGroup.id;
    const up = await c.deputy.ok(UPDATE, { i: { studyGroupId: id, name: 'Поток 8 (физика)', streamClassIds: [gid('SchoolClass', a), gid('SchoolClass', b), gid('SchoolClass', d)] } });
    expect(up.studyGroupUpdate).toMatchObject({ studyGroup: { name: 'Поток 8 (физика)' }, userErrors: [] });
    expect((await c.teacher.ok(MEMBERS, { id, d: '2025-10-01' })).studyGroup.classes).toHaveLength(3);
    const badUp = await unchanged(() => c.deputy.ok(UPDATE, { i: { studyGroupId: id, streamClassIds: [gid('SchoolClass', a)] } }));
    expect(codes(badUp.studyGroupUpdate)).toEqual(['INVALID']);
    const arch = await c.deputy.ok(ARCHIVE, { i: { studyGroupId: id } });
    expect(arch.studyGroupArchive.studyGroup.archivedAt).not.toBeNull();
    expect(codes((await unchanged(() => c.deputy.ok(ARCHIVE, { i: { studyGroupId: id } }))).studyGroupArchive)).toEqual(['ARCHIVED']);
    expect(codes((await c.deputy.ok(UPDATE, { i: { studyGroupId: id, name: 'X' } })).studyGroupUpdate)).toEqual(['ARCHIVED']);
    const s = await newStudent(a);
    expect(codes((await add(c.deputy, id, s, '2025-10-01')).data.groupMemberAdd)).toEqual(['ARCHIVED']);
    const listed = await c.student.ok(`query($y: ID!, $c: ID) { a: studyGroups(academicYearId: $y, classId: $c) { id } b: studyGroups(academicYearId: $y, classId: $c, includeArchived: true) { id } }`,
      { y: yearGid, c: gid('SchoolClass', d) });
    expect(listed.a).toEqual([]);
    expect(listed.b).toEqual([{ id }]);
  });
});

describe('R-YEAR-4 membership by date', () => {
  test('R-YEAR-4: add and remove keep history; NOT_MEMBER, ALREADY_MEMBER, dates checked, nothing half-written', async () => {
    const cls = await newClass(5);
    const other = await newClass(5);
    const subject = await newSubject();
    const g = await subgroup(cls, subject);
    const s = await newStudent(cls);
    const stranger = await newStudent(other);
    const r = await add(c.deputy, g, s, '2025-09-15');
    expect(r.data.groupMemberAdd).toMatchObject({ membership: { fromDate: '2025-09-15', toDate: null }, userErrors: [] });
    const membershipId = r.data.groupMemberAdd.membership.id;
    expect(codes((await unchanged(() => add(c.deputy, g, s, '2025-10-01'))).data.groupMemberAdd)).toEqual(['ALREADY_MEMBER']);
    expect(codes((await unchanged(() => add(c.deputy, g, stranger, '2025-10-01'))).data.groupMemberAdd)).toEqual(['NOT_MEMBER']);
    expect(codes((await unchanged(() => add(c.deputy, g, s, '2024-10-01'))).data.groupMemberAdd)).toEqual(['OUTSIDE_ACADEMIC_YEAR']);
    // before the student joined the class
    const late = await newStudent(cls, '2025-11-01');
    expect(codes((await unchanged(() => add(c.deputy, g, late, '2025-10-01'))).data.groupMemberAdd)).toEqual(['NOT_MEMBER']);

    const rm = (toDate: string, studentId = s) => c.deputy.ok(REMOVE, { i: { groupId: g, studentId: gid('Student', studentId), toDate } });
    expect(codes((await unchanged(() => rm('2025-09-01'))).groupMemberRemove)).toEqual(['DATE_INVALID']);
    expect(codes((await unchanged(() => rm('2026-06-30'))).groupMemberRemove)).toEqual(['OUTSIDE_ACADEMIC_YEAR']);
    expect(codes((await unchanged(() => rm('2025-10-01', stranger))).groupMemberRemove)).toEqual(['NOT_MEMBER']);
    const removed = await rm('2025-12-26');
    expect(removed.groupMemberRemove).toMatchObject({ membership: { id: membershipId, fromDate: '2025-09-15', toDate: '2025-12-26' }, userErrors: [] });
    expect(codes((await rm('2025-12-27')).groupMemberRemove)).toEqual(['NOT_MEMBER']);
    // history: a member on a day inside the range, not after it; the row was closed, not deleted
    expect((await c.deputy.ok(MEMBERS, { id: g, d: '2025-12-26' })).studyGroup.members.map((m: any) => m.id)).toEqual([membershipId]);
    expect((await c.deputy.ok(MEMBERS, { id: g, d: '2025-12-27' })).studyGroup.members).toEqual([]);
    // overlapping the old range is refused, re-joining after it is fine
    expect(codes((await add(c.deputy, g, s, '2025-12-01')).data.groupMemberAdd)).toEqual(['ALREADY_MEMBER']);
    expect((await add(c.deputy, g, s, '2026-01-12')).data.groupMemberAdd.userErrors).toEqual([]);
    const rows = await app.sql(`select from_date::text, to_date::text from group_membership gm join student st on st.id = gm.student_id where st.id = $1 order by from_date`, [s]);
    expect(rows).toEqual([{ from_date: '2025-09-15', to_date: '2025-12-26' }, { from_date: '2026-01-12', to_date: null }]);
    const audit = await app.sql(`select operation, action from audit_entry where entity_type = 'GroupMembership' and entity_id = $1 order by seq`, [
      (await app.sql(`select id from group_membership where student_id = $1 and from_date = '2025-09-15'`, [s]))[0].id]);
    expect(audit).toEqual([{ operation: 'groupMemberAdd', action: 'CREATE' }, { operation: 'groupMemberRemove', action: 'UPDATE' }]);
  });

  test('R-YEAR-4: one subgroup per subject at a time (SUBGROUP_CONFLICT), another subject is fine', async () => {
    const cls = await newClass(6);
    const english = await newSubject();
    const maths = await newSubject();
    const g1 = await subgroup(cls, english);
    const g2 = await subgroup(cls, english);
    const g3 = await subgroup(cls, maths);
    const s = await newStudent(cls);
    expect((await add(c.deputy, g1, s, '2025-09-01')).data.groupMemberAdd.userErrors).toEqual([]);
    const conflict = await unchanged(() => add(c.deputy, g2, s, '2025-10-01'));
    expect(conflict.data.groupMemberAdd.userErrors).toEqual([expect.objectContaining({ code: 'SUBGROUP_CONFLICT', field: ['input', 'studentId'] })]);
    expect((await add(c.deputy, g3, s, '2025-10-01')).data.groupMemberAdd.userErrors).toEqual([]);
    // moving between subgroups: leave the first, then join the second the next day
    await c.deputy.ok(REMOVE, { i: { groupId: g1, studentId: gid('Student', s), toDate: '2025-10-31' } });
    expect(codes((await add(c.deputy, g2, s, '2025-10-31')).data.groupMemberAdd)).toEqual(['SUBGROUP_CONFLICT']);
    expect((await add(c.deputy, g2, s, '2025-11-01')).data.groupMemberAdd.userErrors).toEqual([]);
  });

  test('R-YEAR-4: concurrent additions of one student to two subgroups of a subject: exactly one succeeds', async () => {
    const cls = await newClass(6);
    const subject = await newSubject();
    const g1 = await subgroup(cls, subject);
    const g2 = await subgroup(cls, subject);
    const s = await newStudent(cls);
    const results = await Promise.all([add(c.deputy, g1, s, '2025-09-10'), add(c.admin, g2, s, '2025-09-10')]);
    expect(results.map((r) => codes(r.data.groupMemberAdd)).sort()).toEqual([[], ['SUBGROUP_CONFLICT']]);
    expect(await app.sql(`select 1 from group_membership where student_id = $1`, [s])).toHaveLength(1);
  });

  test('R-YEAR-4: a stream of two classes holds more than 30 students; others need a class of the year', async () => {
    const a = await newClass(9);
    const b = await newClass(9);
    const created = await c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Поток 9', kind: 'STREAM', streamClassIds: [gid('SchoolClass', a), gid('SchoolClass', b)] } });
    const stream = created.studyGroupCreate.studyGroup.id;
    const students: string[] = [];
    for (let i = 0; i < 34; i++) students.push(await newStudent(i % 2 ? a : b));
    for (const s of students) expect((await add(c.deputy, stream, s, '2025-09-01')).data.groupMemberAdd.userErrors).toEqual([]);
    const r = await c.deputy.ok(MEMBERS, { id: stream, d: '2025-09-02' });
    expect(r.studyGroup).toMatchObject({ kind: 'STREAM', classes: [{ __typename: 'SchoolClass' }, { __typename: 'SchoolClass' }] });
    expect(r.studyGroup.members).toHaveLength(34);
    const outsider = await newStudent(await newClass(9));
    expect(codes((await add(c.deputy, stream, outsider, '2025-09-01')).data.groupMemberAdd)).toEqual(['NOT_MEMBER']);
    const club = (await c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Робототехника', kind: 'CLUB' } })).studyGroupCreate.studyGroup.id;
    expect(codes((await add(c.deputy, club, await newStudent(), '2025-09-01')).data.groupMemberAdd)).toEqual(['NOT_ENROLLED']);
    expect((await add(c.deputy, club, outsider, '2025-09-01')).data.groupMemberAdd.userErrors).toEqual([]);
    const listed = await c.teacher.ok(`query($y: ID!, $c: ID) { studyGroups(academicYearId: $y, classId: $c) { id kind } }`, { y: yearGid, c: gid('SchoolClass', a) });
    expect(listed.studyGroups).toEqual([{ id: stream, kind: 'STREAM' }]);
  });

  test('R-SEC-3: members are scoped to students the viewer takes part in educating', async () => {
    const cls = await newClass(10);
    const club = (await c.deputy.ok(CREATE, { i: { academicYearId: yearGid, name: 'Театр', kind: 'CLUB' } })).studyGroupCreate.studyGroup.id;
    const s1 = await newStudent(cls);
    const s2 = await newStudent(cls);
    for (const s of [s1, s2]) await add(c.deputy, club, s, '2025-09-01');
    expect((await c.director.ok(MEMBERS, { id: club, d: '2025-09-05' })).studyGroup.members).toHaveLength(2);
    // a teacher and a parent with no part in these students see the group but none of its members
    expect((await c.teacher.ok(MEMBERS, { id: club, d: '2025-09-05' })).studyGroup.members).toEqual([]);
    await f.linkGuardian(app, s1, await f.guardian(app, school, { login: 'parent' }));
    const seen = (await c.parent.ok(MEMBERS, { id: club, d: '2025-09-05' })).studyGroup.members;
    const [{ id: m1 }] = await app.sql(`select id from group_membership where student_id = $1`, [s1]);
    expect(seen.map((m: any) => m.id)).toEqual([gid('GroupMembership', m1)]);
  });

  test('R-SEC-2: a group of another school does not exist for the viewer', async () => {
    const [{ id: otherSchool }] = await app.sql(`insert into school (id, created_at, updated_at, name, time_zone) values (gen_random_uuid(), now(), now(), 'Чужая', 'UTC') returning id`);
    const otherYear = await f.academicYear(app, otherSchool, '2025-09-01', '2026-05-31', { name: '2025/2026' });
    const g = await f.studyGroup(app, { schoolId: otherSchool, yearId: otherYear, kind: 'CLUB', name: 'Чужой кружок' });
    expect(errorCode(await c.admin.gql(MEMBERS, { id: gid('StudyGroup', g), d: '2025-09-05' }))).toBe('NOT_FOUND');
    expect(errorCode(await c.admin.gql(`query($y: ID!) { studyGroups(academicYearId: $y) { id } }`, { y: gid('AcademicYear', otherYear) }))).toBe('NOT_FOUND');
    expect(errorCode(await c.admin.gql(ARCHIVE, { i: { studyGroupId: gid('StudyGroup', g) } }))).toBe('NOT_FOUND');
  });
});

describe('data access', () => {
  test('groups with their members and classes: queries do not grow with the number of groups', async () => {
    const y = await f.academicYear(app, school, '2040-09-01', '2041-05-31', { name: '2040/2041' });
    const cls = await newClass(5, y);
    const s = await newStudent(cls, '2040-09-01');
    const q = `query($y: ID!) { studyGroups(academicYearId: $y) { id academicYear { id } classes { __typename } members(onDate: "2040-09-02") { id group { id } } } }`;
    const addGroups = async (k: number) => {
      for (let i = 0; i < k; i++) {
        const g = await f.studyGroup(app, { schoolId: school, yearId: y, kind: 'STREAM', name: `Поток ${++n}`, streamClassIds: [cls] });
        await f.groupMember(app, s, g, '2040-09-01');
      }
    };
    await addGroups(2);
    const few = await countQueries(app, () => c.deputy.ok(q, { y: gid('AcademicYear', y) }));
    await addGroups(6);
    let r: any;
    const many = await countQueries(app, async () => { r = await c.deputy.ok(q, { y: gid('AcademicYear', y) }); });
    expect(r.studyGroups).toHaveLength(8);
    expect(r.studyGroups.every((g: any) => g.members.length === 1)).toBe(true);
    expect(many).toBe(few);
  });
});

describe('R-YEAR-5 individual plans', () => {
  test('R-YEAR-5: set replaces the plan; bad input changes nothing; remove; read scoped by student_access', async () => {
    const cls = await newClass(4);
    const s = await newStudent(cls);
    const [m, r, e] = [await newSubject(), await newSubject(), await newSubject()];
    const set = (subjects: { subjectId: string; hoursPerWeek: number }[], reason = 'Рекомендация ПМПК') =>
      c.deputy.ok(PLAN_SET, { i: { studentId: gid('Student', s), academicYearId: yearGid, reason, subjects } });
    const first = await set([{ subjectId: gid('Subject', m), hoursPerWeek: 3 }, { subjectId: gid('Subject', r), hoursPerWeek: 2.5 }]);
    expect(first.individualPlanSet).toMatchObject({ individualPlan: { reason: 'Рекомендация ПМПК' }, userErrors: [] });
    expect(first.individualPlanSet.individualPlan.subjects.map((x: any) => x.hoursPerWeek).sort()).toEqual([2.5, 3]);
    const second = await set([{ subjectId: gid('Subject', m), hoursPerWeek: 4 }, { subjectId: gid('Subject', e), hoursPerWeek: 1 }], 'Надомное обучение');
    expect(second.individualPlanSet.individualPlan.id).toBe(first.individualPlanSet.individualPlan.id);
    const rows = await app.sql(`select s.id as subject_id, ps.hours_per_week::float as h from individual_plan_subject ps join subject s on s.id = ps.subject_id order by h`);
    expect(rows).toEqual([{ subject_id: e, h: 1 }, { subject_id: m, h: 4 }]);

    for (const [subjects, code, reason] of [
      [[], 'REQUIRED', 'x'],
      [[{ subjectId: gid('Subject', m), hoursPerWeek: 0 }], 'INVALID', 'x'],
      [[{ subjectId: gid('Subject', m), hoursPerWeek: 1.3 }], 'INVALID', 'x'],
      [[{ subjectId: gid('Subject', m), hoursPerWeek: 1 }, { subjectId: gid('Subject', m), hoursPerWeek: 2 }], 'DUPLICATE', 'x'],
      [[{ subjectId: gid('Subject', m), hoursPerWeek: 1 }], 'REQUIRED', '  '],
    ] as const) {
      const bad = await unchanged(() => set(subjects as never, reason));
      expect(codes(bad.individualPlanSet)).toEqual([code]);
    }
    // a teacher with no part in the student's education: NOT_FOUND; the administration reads it
    expect(errorCode(await c.teacher.gql(PLAN, { s: gid('Student', s), y: yearGid }))).toBe('NOT_FOUND');
    expect((await c.director.ok(PLAN, { s: gid('Student', s), y: yearGid })).individualPlan.reason).toBe('Надомное обучение');
    const removed = await c.deputy.ok(PLAN_REMOVE, { i: { studentId: gid('Student', s), academicYearId: yearGid } });
    expect(removed.individualPlanRemove.deletedIndividualPlanId).toBe(first.individualPlanSet.individualPlan.id);
    expect((await c.director.ok(PLAN, { s: gid('Student', s), y: yearGid })).individualPlan).toBeNull();
    expect(await app.sql(`select 1 from individual_plan_subject`)).toEqual([]);
    expect(codes((await unchanged(() => c.deputy.ok(PLAN_REMOVE, { i: { studentId: gid('Student', s), academicYearId: yearGid } }))).individualPlanRemove)).toEqual(['INVALID']);
  });
});

describe('R-ROLE roles', () => {
  test.each(['director', 'teacher', 'classteacher', 'student', 'parent'])('R-ROLE: %s may not form groups or set plans', async (login) => {
    const cls = await newClass(3);
    const subject = await newSubject();
    const s = await newStudent(cls);
    const g = await subgroup(cls, subject);
    await unchanged(async () => {
      for (const [doc, i] of [
        [CREATE, { academicYearId: yearGid, name: 'X', kind: 'CLUB' }],
        [UPDATE, { studyGroupId: g, name: 'X' }],
        [ARCHIVE, { studyGroupId: g }],
        [ADD, { groupId: g, studentId: gid('Student', s), fromDate: '2025-09-01' }],
        [REMOVE, { groupId: g, studentId: gid('Student', s), toDate: '2025-09-01' }],
        [PLAN_SET, { studentId: gid('Student', s), academicYearId: yearGid, reason: 'x', subjects: [{ subjectId: gid('Subject', subject), hoursPerWeek: 1 }] }],
        [PLAN_REMOVE, { studentId: gid('Student', s), academicYearId: yearGid }],
      ] as const) {
        expect(errorCode(await c[login].gql(doc, { i }))).toBe('FORBIDDEN');
      }
    });
  });
});
