import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { countQueries, expectUnchanged } from './helpers/db';
import { gid, demo, schoolClass, staff, subject, student, assignment, academicYear, studyGroup, user, type Demo } from './helpers/factories';
import { buildBaseSchema } from '../src/schema/build-schema';
import { ruleMap } from '../src/permissions';
import { formatRuleTable, ruleTable } from '../src/permissions/describe';
import { CAPABILITIES, describeCapabilities } from '../src/permissions/capabilities';
import { execute, parse } from 'graphql';
import { buildAppSchema } from '../src/schema/build-schema';
import { buildContext } from '../src/server';
import { createServices } from '../src/services';
import { createLogger } from '../src/logger';

/**
 * R-SEC-2: one capability table read by shield and the services; the roles fixed to the regulations
 * (R-ROLE-5 subgroups); R-ROLE-8: no personal data and no silently wrong numbers for the analyst.
 */
let app: TestApp;
let d: Demo;
const c: Record<string, HttpClient> = {};

const ADD = `mutation($i: GroupMemberAddInput!) { groupMemberAdd(input: $i) { membership { id fromDate toDate } userErrors { code message } } }`;
const REMOVE = `mutation($i: GroupMemberRemoveInput!) { groupMemberRemove(input: $i) { membership { id toDate } userErrors { code message } } }`;
const CREATE = `mutation($i: StudyGroupCreateInput!) { studyGroupCreate(input: $i) { studyGroup { id } userErrors { code message } } }`;
const TABLES = ['study_group', 'group_membership', 'audit_entry'];

beforeAll(async () => {
  app = await startTestApp();
  d = await demo(app);
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'parent']) c[login] = await app.as(login);
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-2 one capability table', () => {
  /** Rules that look at the row (access to one student, guardian, account) rather than at roles. */
  const ROW_RULES = ['canSeeStudentPersonalData', 'canSeeGuardianPersonalData', 'canSeeAccountStatus', 'leadsSomeClass', 'isViewerThemself'];
  const BASE_RULES = ['allow', 'deny', 'isAuthenticated', 'hasSession'];

  test('R-SEC-2: every role rule of the rule map is a capability of the table (no second list of roles)', async () => {
    const schema = await buildBaseSchema();
    const names = new Set(ruleTable(schema, ruleMap).flatMap((r) => r.rule!.match(/[A-Za-z]+/g)!.filter((x) => !['or', 'and', 'chain', 'race', 'not'].includes(x))));
    const unknown = [...names].filter((n) => !(n in CAPABILITIES) && !ROW_RULES.includes(n) && !BASE_RULES.includes(n));
    expect(unknown).toEqual([]);
  });

  test('R-SEC-2: the committed permission snapshot shows the table: roles, relations and their dates', async () => {
    const schema = await buildBaseSchema();
    const snapshot = formatRuleTable(ruleTable(schema, ruleMap));
    expect(snapshot.startsWith(describeCapabilities())).toBe(true);
    expect(snapshot).toContain('canFormSubgroups → ADMIN, DEPUTY + TEACHER classTeacherOf the class of the SUBGROUP; + TEACHER teaches');
    expect(snapshot).toContain('canManageStaff → ADMIN, DEPUTY');
    expect(snapshot).toMatch(/conductsLesson: .* — on the record's date/);
    expect(snapshot).toMatch(/classTeacherOf: .* — as of today in the school's time zone/);
  });
});

describe('R-SEC-2 decisions once per operation, never shared between viewers', () => {
  test('R-SEC-2: two viewers whose contexts share the same loaders (as a batch of live events does) get their own decisions', async () => {
    const schema = await buildAppSchema();
    const services = createServices(app.config);
    const log = createLogger('silent');
    const ctxOf = async (login: string) => buildContext(app.orm, services, app.config, log, { token: (await app.as(login)).token, ip: '127.0.0.1', userAgent: null });
    const admin = await ctxOf('admin');
    const pupil = await ctxOf('student');
    pupil.loaders = admin.loaders;
    const document = parse(`query($s: ID!) { users(schoolId: $s, first: 2) { nodes { login } } }`);
    const variableValues = { s: gid('School', d.schoolId) };
    const a = await execute({ schema, document, variableValues, contextValue: admin });
    const b = await execute({ schema, document, variableValues, contextValue: pupil });
    const again = await execute({ schema, document, variableValues, contextValue: admin });
    expect(a.errors).toBeUndefined();
    expect((a.data as any).users.nodes.length).toBe(2);
    expect(b.errors!.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(again.errors).toBeUndefined();
  });
});

describe('R-ROLE-5 the class teacher re-forms the subgroups of their class, with the subject teachers', () => {
  let classTeacher: { staffId: string; login: string };
  let subjectTeacher: { staffId: string; login: string };
  let otherTeacher: { staffId: string; login: string };
  let cls: string;
  let otherCls: string;
  let subj: string;
  let group: string;
  let otherGroup: string;
  const who: Record<string, HttpClient> = {};

  beforeAll(async () => {
    classTeacher = await staff(app, d.schoolId);
    subjectTeacher = await staff(app, d.schoolId);
    otherTeacher = await staff(app, d.schoolId);
    cls = await schoolClass(app, d.schoolId, d.yearId, { classTeacherId: classTeacher.staffId });
    otherCls = await schoolClass(app, d.schoolId, d.yearId);
    subj = await subject(app, d.schoolId);
    await assignment(app, { schoolId: d.schoolId, yearId: d.yearId, teacherId: subjectTeacher.staffId, subjectId: subj, classId: cls });
    await assignment(app, { schoolId: d.schoolId, yearId: d.yearId, teacherId: otherTeacher.staffId, subjectId: subj, classId: otherCls });
    const sub = async (classId: string, name: string) => (await c.deputy.ok(CREATE, { i: { academicYearId: gid('AcademicYear', d.yearId), name, kind: 'SUBGROUP', subjectId: gid('Subject', subj), classId: gid('SchoolClass', classId) } })).studyGroupCreate.studyGroup.id;
    group = await sub(cls, 'Английский, гр. 1');
    otherGroup = await sub(otherCls, 'Английский, гр. 1 (другой класс)');
    for (const [k, s] of Object.entries({ classTeacher, subjectTeacher, otherTeacher })) who[k] = await app.as(s.login);
  });

  const add = (client: HttpClient, groupId: string, studentId: string) => client.gql(ADD, { i: { groupId, studentId: gid('Student', studentId), fromDate: '2025-11-10' } });

  test('R-ROLE-5: the class teacher adds a student of their class to its subgroup and removes them again; audited', async () => {
    const { studentId } = await student(app, d.schoolId, { classId: cls });
    const r = await add(who.classTeacher, group, studentId);
    expect(r.errors).toBeUndefined();
    expect(r.data.groupMemberAdd.userErrors).toEqual([]);
    const removed = await who.classTeacher.ok(REMOVE, { i: { groupId: group, studentId: gid('Student', studentId), toDate: '2025-11-20' } });
    expect(removed.groupMemberRemove).toMatchObject({ membership: { toDate: '2025-11-20' }, userErrors: [] });
    const audit = await app.sql(`select operation from audit_entry where entity_id = $1 order by seq`, [Buffer.from(r.data.groupMemberAdd.membership.id, 'base64url').toString().split(':')[1]]);
    expect(audit.map((a: any) => a.operation)).toEqual(['groupMemberAdd', 'groupMemberRemove']);
  });

  test('R-ROLE-5: the teacher of the subgroup\'s subject in that class changes its members too', async () => {
    const { studentId } = await student(app, d.schoolId, { classId: cls });
    expect((await add(who.subjectTeacher, group, studentId)).data.groupMemberAdd.userErrors).toEqual([]);
  });

  test('R-ROLE-5: a teacher of the subject in another class, or a class teacher of another class, is FORBIDDEN; nothing is written', async () => {
    const { studentId } = await student(app, d.schoolId, { classId: cls });
    const { studentId: other } = await student(app, d.schoolId, { classId: otherCls });
    await expectUnchanged(app, TABLES, async () => {
      expect(errorCode(await add(who.otherTeacher, group, studentId))).toBe('FORBIDDEN');
      expect(errorCode(await add(who.classTeacher, otherGroup, other))).toBe('FORBIDDEN');
      expect(errorCode(await add(c.classteacher, group, studentId))).toBe('FORBIDDEN');
    });
  });

  test('R-ROLE-5: only subgroups — a club is formed by the ADMIN or DEPUTY', async () => {
    const club = (await c.deputy.ok(CREATE, { i: { academicYearId: gid('AcademicYear', d.yearId), name: 'Кружок', kind: 'CLUB' } })).studyGroupCreate.studyGroup.id;
    const { studentId } = await student(app, d.schoolId, { classId: cls });
    expect(errorCode(await expectUnchanged(app, TABLES, () => add(who.classTeacher, club, studentId)))).toBe('FORBIDDEN');
    expect((await add(c.deputy, club, studentId)).data.groupMemberAdd.userErrors).toEqual([]);
  });

  test('R-ROLE-5: as of today — leading a class of a past year, or as an archived staff member, grants nothing', async () => {
    const past = await academicYear(app, d.schoolId, '2023-09-01', '2024-05-31');
    const pastCls = await schoolClass(app, d.schoolId, past, { classTeacherId: classTeacher.staffId });
    const pastGroup = await studyGroup(app, { schoolId: d.schoolId, yearId: past, kind: 'SUBGROUP', name: 'Прошлогодняя подгруппа', subjectId: subj, classId: pastCls });
    const { studentId } = await student(app, d.schoolId, { classId: pastCls, from: '2023-09-01', to: '2024-05-31' });
    const r = await expectUnchanged(app, TABLES, () => who.classTeacher.gql(ADD, { i: { groupId: gid('StudyGroup', pastGroup), studentId: gid('Student', studentId), fromDate: '2023-10-01' } }));
    expect(errorCode(r)).toBe('FORBIDDEN');

    const { studentId: now } = await student(app, d.schoolId, { classId: cls });
    // Archived now on the school calendar's clock, as staffArchive does.
    await app.sql(`update staff set archived_at = $2 where id = $1`, [subjectTeacher.staffId, app.clock.now()]);
    try {
      expect(errorCode(await expectUnchanged(app, TABLES, () => add(who.subjectTeacher, group, now)))).toBe('FORBIDDEN');
    } finally {
      await app.sql(`update staff set archived_at = null where id = $1`, [subjectTeacher.staffId]);
    }
  });
});

describe('R-ROLE-8 the analyst: no personal data, no silently wrong numbers', () => {
  let analyst: HttpClient;
  let cls: string;
  const CLASSES = `query($y: ID!) { classes(academicYearId: $y) { id name studentCount classTeacherName } }`;

  beforeAll(async () => {
    const a = await user(app, d.schoolId, ['ANALYST'], { lastName: 'Аналитикова' });
    analyst = await app.as(a.login);
    const ct = await staff(app, d.schoolId);
    cls = await schoolClass(app, d.schoolId, d.yearId, { classTeacherId: ct.staffId, grade: 9 });
    await student(app, d.schoolId, { classId: cls });
    await student(app, d.schoolId, { classId: cls });
    await student(app, d.schoolId, { classId: cls, from: '2025-09-01', to: '2025-10-31' }); // left the class before today
    await student(app, d.schoolId, { classId: cls, from: '2026-01-12' }); // joins after today
  });

  test('R-ROLE-8: classTeacherName is refused to the analyst (FORBIDDEN, like every staff name); class names and sizes stay', async () => {
    const r = await analyst.gql(CLASSES, { y: gid('AcademicYear', d.yearId) });
    expect(r.data.classes.length).toBeGreaterThan(0);
    expect(r.data.classes.every((x: any) => x.classTeacherName === null && typeof x.name === 'string')).toBe(true);
    expect(r.errors!.length).toBeGreaterThan(0);
    expect(new Set(r.errors!.map((e) => `${e.extensions?.code} ${e.path?.[2]}`))).toEqual(new Set(['FORBIDDEN classTeacherName']));
    const [{ name }] = (await c.director.ok(CLASSES, { y: gid('AcademicYear', d.yearId) })).classes.filter((x: any) => x.id === gid('SchoolClass', cls));
    expect(name).toBeTruthy();
    const director = await c.director.ok(`query($c: ID!) { schoolClass(id: $c) { classTeacherName } }`, { c: gid('SchoolClass', cls) });
    expect(director.schoolClass.classTeacherName).toBe('Сотрудникова Анна');
  });

  test('R-ROLE-8, R-YEAR-4: studentCount is the class size today, the same for every viewer; students stay scoped', async () => {
    const q = `query($c: ID!) { schoolClass(id: $c) { studentCount students { id } } }`;
    const counts: Record<string, number> = {};
    for (const [k, client] of Object.entries({ ...c, analyst })) {
      const r = await client.ok(q, { c: gid('SchoolClass', cls) });
      counts[k] = r.schoolClass.studentCount;
      if (k === 'analyst' || k === 'parent' || k === 'teacher') expect(r.schoolClass.students).toEqual([]);
    }
    expect(new Set(Object.values(counts))).toEqual(new Set([2]));
    // the demo classes: as many as their members today, for the analyst too
    const [{ n }] = await app.sql(`select count(*)::int as n from class_membership cm join school_class c on c.id = cm.school_class_id
      where c.academic_year_id = $1 and cm.from_date <= '2025-11-25' and (cm.to_date is null or cm.to_date >= '2025-11-25')`, [d.yearId]);
    const total = (await analyst.ok(`query($y: ID!) { classes(academicYearId: $y) { studentCount } }`, { y: gid('AcademicYear', d.yearId) }))
      .classes.reduce((s: number, x: any) => s + x.studentCount, 0);
    expect(total).toBe(n);
  });

  test('R-ROLE-8: studentCount costs one query per request, however many classes', async () => {
    const y = gid('AcademicYear', d.yearId);
    const plain = await countQueries(app, () => c.director.ok(`query($y: ID!) { classes(academicYearId: $y) { id } }`, { y }));
    const counted = await countQueries(app, () => c.director.ok(`query($y: ID!) { classes(academicYearId: $y) { id studentCount } }`, { y }));
    expect(counted).toBe(plain + 1);
  });

  test('R-ROLE-8, R-YEAR-10: the analyst reads the control-work schedule (class-level, no names), not a silent empty list', async () => {
    const subj = await subject(app, d.schoolId);
    await app.sql(`insert into control_work (id, created_at, updated_at, school_id, academic_year_id, date, subject_id, school_class_id, form)
      values (gen_random_uuid(), now(), now(), $1, $2, '2025-12-03', $3, $4, 'TEST')`, [d.schoolId, d.yearId, subj, cls]);
    const q = `query($y: ID!) { controlWorks(academicYearId: $y, from: "2025-12-01", to: "2025-12-07") { id date form subject { name } schoolClass { name studentCount } } }`;
    const mine = await analyst.ok(q, { y: gid('AcademicYear', d.yearId) });
    const director = await c.director.ok(q, { y: gid('AcademicYear', d.yearId) });
    expect(mine.controlWorks.length).toBeGreaterThan(0);
    expect(mine.controlWorks).toEqual(director.controlWorks);
    const one = mine.controlWorks[0].id;
    expect((await analyst.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: one })).node).toEqual({ id: one });
  });
});
