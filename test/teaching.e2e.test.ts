import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { countQueries, expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

let app: TestApp;
const c: Record<string, HttpClient> = {};
let schoolId: string;
let yearId: string;
let yearUuid: string;
let periodId: string;
let math: string;
let physics: string;
let teacherStaff: string;
let otherStaff: string;
let class5a: string;
let class5b: string;
let group: string;

const TA_CREATE = `mutation($i: TeachingAssignmentCreateInput!) { teachingAssignmentCreate(input: $i) {
  teachingAssignment { id hoursPerWeek targetName subject { name } teacher { fullName } period { id } } userErrors { code field message } } }`;
const TA_UPDATE = `mutation($i: TeachingAssignmentUpdateInput!) { teachingAssignmentUpdate(input: $i) { teachingAssignment { id hoursPerWeek teacher { id } } userErrors { code field message } } }`;
const TA_DELETE = `mutation($i: TeachingAssignmentDeleteInput!) { teachingAssignmentDelete(input: $i) { deletedTeachingAssignmentId userErrors { code field message } } }`;
const TA_LIST = `query($y: ID!, $t: ID) { teachingAssignments(academicYearId: $y, teacherId: $t) { id targetName hoursPerWeek subject { name } teacher { id fullName } } }`;
const LOAD = `query($s: ID!, $y: ID!) { teacherLoad(staffId: $s, academicYearId: $y) { totalHoursPerWeek teacher { id } lines { hoursPerWeek targetName subject { name } assignments { id } } } }`;
const CUR_SET = `mutation($i: CurriculumSetInput!) { curriculumSet(input: $i) { curriculum { grade profile totalHoursPerWeek items { id hoursPerWeek subject { name } period { id } } } userErrors { code field message } } }`;
const CUR = `query($y: ID!, $g: Int!, $p: String) { curriculum(academicYearId: $y, grade: $g, profile: $p) { grade profile totalHoursPerWeek items { id hoursPerWeek subject { name } } } }`;
const PLAN_REPLACE = `mutation($i: ThematicPlanReplaceInput!) { thematicPlanReplace(input: $i) { thematicPlan { id totalHours targetName topics { id position title hours plannedDate } } userErrors { code field message } } }`;
const PLAN = `query($y: ID!, $s: ID!, $c: ID, $g: ID) { thematicPlan(academicYearId: $y, subjectId: $s, classId: $c, groupId: $g) { id topics { id position title hours } } }`;
const REORDER = `mutation($i: PlannedTopicsReorderInput!) { plannedTopicsReorder(input: $i) { thematicPlan { id topics { id position title } } userErrors { code field message } } }`;

const TABLES = ['teaching_assignment', 'curriculum_item', 'thematic_plan', 'planned_topic', 'audit_entry'];
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);
const staffFor = async (login: string) => toGlobalId('Staff', (await f.staff(app, schoolUuid, { login })).staffId);
const newClass = async (grade: number, letter: string) => toGlobalId('SchoolClass', await f.schoolClass(app, schoolUuid, yearUuid, { grade, letter }));
let schoolUuid: string;
let subjectN = 0;
async function newSubject(name = `Предмет ${++subjectN}`): Promise<string> {
  return (await c.deputy.ok(`mutation($i: SubjectCreateInput!) { subjectCreate(input: $i) { subject { id } } }`,
    { i: { schoolId, name, component: 'FEDERAL' } })).subjectCreate.subject.id;
}
const assign = (i: Record<string, unknown>) => c.deputy.ok(TA_CREATE, { i: { teacherId: teacherStaff, subjectId: math, classId: class5a, hoursPerWeek: 5, ...i } });

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  schoolId = toGlobalId('School', schoolUuid);
  [{ id: yearUuid }] = await app.sql(`select id from academic_year limit 1`);
  yearId = toGlobalId('AcademicYear', yearUuid);
  const [p] = await app.sql(`select id from study_period where academic_year_id = $1 and 5 = any(grades) order by start_date limit 1`, [yearUuid]);
  periodId = toGlobalId('StudyPeriod', p.id);
  math = await newSubject('Математика');
  physics = await newSubject('Физика');
  teacherStaff = await staffFor('teacher');
  otherStaff = await staffFor('classteacher');
  class5a = await newClass(5, 'А');
  class5b = await newClass(5, 'Б');
  group = toGlobalId('StudyGroup', await f.studyGroup(app, { schoolId: schoolUuid, yearId: yearUuid, kind: 'SUBGROUP', name: '5А англ. гр. 1' }));
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-7 teaching assignments and load', () => {
  test('R-YEAR-7: the deputy assigns a teacher to a class and a group; the load sums the lines', async () => {
    const a = (await assign({})).teachingAssignmentCreate;
    expect(a.userErrors).toEqual([]);
    expect(a.teachingAssignment).toMatchObject({ hoursPerWeek: 5, targetName: '5А', subject: { name: 'Математика' }, teacher: { fullName: 'Волков Алексей Николаевич' } });
    const b = (await assign({ classId: class5b, hoursPerWeek: 4.5 })).teachingAssignmentCreate;
    expect(b.userErrors).toEqual([]);
    const g = (await assign({ classId: null, groupId: group, subjectId: physics, hoursPerWeek: 1, periodId })).teachingAssignmentCreate;
    expect(g.teachingAssignment).toMatchObject({ targetName: '5А англ. гр. 1', period: { id: periodId } });
    const load = (await c.teacher.ok(LOAD, { s: teacherStaff, y: yearId })).teacherLoad;
    expect(load.totalHoursPerWeek).toBe(10.5);
    expect(load.lines.map((l: any) => [l.subject.name, l.targetName, l.hoursPerWeek])).toEqual([
      ['Математика', '5А', 5], ['Математика', '5Б', 4.5], ['Физика', '5А англ. гр. 1', 1],
    ]);
    expect((await c.director.ok(LOAD, { s: teacherStaff, y: yearId })).teacherLoad.totalHoursPerWeek).toBe(10.5);
  });

  test('R-YEAR-7: duplicates, both or no target, zero hours, archived subjects and staff are refused and change nothing', async () => {
    const s = await newSubject();
    expect((await assign({ subjectId: s })).teachingAssignmentCreate.userErrors).toEqual([]);
    const dup = await unchanged(() => assign({ subjectId: s }));
    expect(dup.teachingAssignmentCreate.userErrors).toEqual([expect.objectContaining({ code: 'TAKEN' })]);
    const both = await unchanged(() => assign({ subjectId: s, groupId: group }));
    expect(both.teachingAssignmentCreate.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'classId'] });
    const none = await unchanged(() => assign({ subjectId: s, classId: null }));
    expect(none.teachingAssignmentCreate.userErrors[0].code).toBe('INVALID');
    const zero = await unchanged(() => assign({ subjectId: s, classId: class5b, hoursPerWeek: 0 }));
    expect(zero.teachingAssignmentCreate.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'hoursPerWeek'] });
    const archived = await newSubject();
    await c.deputy.ok(`mutation($i: SubjectArchiveInput!) { subjectArchive(input: $i) { userErrors { code } } }`, { i: { subjectId: archived } });
    const arch = await unchanged(() => assign({ subjectId: archived }));
    expect(arch.teachingAssignmentCreate.userErrors[0]).toMatchObject({ code: 'ARCHIVED', field: ['input', 'subjectId'] });
    const gone = await staffFor('director');
    await app.sql(`update staff set archived_at = now() where id = $1`, [Buffer.from(gone, 'base64url').toString().split(':')[1]]);
    const left = await unchanged(() => assign({ subjectId: s, teacherId: gone, classId: class5b }));
    expect(left.teachingAssignmentCreate.userErrors[0]).toMatchObject({ code: 'ARCHIVED', field: ['input', 'teacherId'] });
  });

  test('R-YEAR-7: update changes teacher and hours; delete removes; a teacher lists only their own assignments', async () => {
    const s = await newSubject();
    const a = (await assign({ subjectId: s })).teachingAssignmentCreate.teachingAssignment;
    const u = (await c.admin.ok(TA_UPDATE, { i: { teachingAssignmentId: a.id, teacherId: otherStaff, hoursPerWeek: 2 } })).teachingAssignmentUpdate;
    expect(u.teachingAssignment).toMatchObject({ hoursPerWeek: 2, teacher: { id: otherStaff } });
    const bad = await unchanged(() => c.admin.ok(TA_UPDATE, { i: { teachingAssignmentId: a.id, hoursPerWeek: -1 } }));
    expect(bad.teachingAssignmentUpdate.userErrors[0].code).toBe('INVALID');
    const mine = (await c.teacher.ok(TA_LIST, { y: yearId })).teachingAssignments;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((x: any) => x.teacher.id === teacherStaff)).toBe(true);
    expect((await c.teacher.ok(TA_LIST, { y: yearId, t: otherStaff })).teachingAssignments).toEqual([]);
    expect((await c.deputy.ok(TA_LIST, { y: yearId, t: otherStaff })).teachingAssignments.map((x: any) => x.id)).toContain(a.id);
    expect(errorCode(await c.teacher.gql(LOAD, { s: otherStaff, y: yearId }))).toBe('NOT_FOUND');
    expect((await c.deputy.ok(TA_DELETE, { i: { teachingAssignmentId: a.id } })).teachingAssignmentDelete.deletedTeachingAssignmentId).toBe(a.id);
  });

  test('R-ROLE: only ADMIN and DEPUTY change the load; students and parents may not read it', async () => {
    const a = (await assign({ subjectId: await newSubject() })).teachingAssignmentCreate.teachingAssignment;
    for (const who of ['director', 'teacher', 'classteacher', 'student', 'parent']) {
      expect(errorCode(await unchanged(() => c[who].gql(TA_CREATE, { i: { teacherId: teacherStaff, subjectId: physics, classId: class5b, hoursPerWeek: 1 } })))).toBe('FORBIDDEN');
      expect(errorCode(await unchanged(() => c[who].gql(TA_DELETE, { i: { teachingAssignmentId: a.id } })))).toBe('FORBIDDEN');
    }
    for (const who of ['student', 'parent']) {
      expect(errorCode(await c[who].gql(TA_LIST, { y: yearId }))).toBe('FORBIDDEN');
      expect(errorCode(await c[who].gql(LOAD, { s: teacherStaff, y: yearId }))).toBe('FORBIDDEN');
    }
  });

  test('R-YEAR-7: the assignment list is batched: the query count does not grow with the number of rows', async () => {
    await assign({ subjectId: await newSubject(), teacherId: otherStaff });
    const few = await countQueries(app, () => c.deputy.ok(TA_LIST, { y: yearId, t: otherStaff }));
    for (let i = 0; i < 4; i++) await assign({ subjectId: await newSubject(), teacherId: otherStaff });
    const many = await countQueries(app, () => c.deputy.ok(TA_LIST, { y: yearId, t: otherStaff }));
    expect(many).toBe(few);
  });
});

describe('R-YEAR-5 curriculum', () => {
  test('R-YEAR-5: the deputy sets the curriculum of a grade and profile; a second set replaces it; everyone reads it', async () => {
    const r = (await c.deputy.ok(CUR_SET, { i: { academicYearId: yearId, grade: 10, profile: 'технологический',
      items: [{ subjectId: math, hoursPerWeek: 6 }, { subjectId: physics, hoursPerWeek: 5 }] } })).curriculumSet;
    expect(r.userErrors).toEqual([]);
    expect(r.curriculum.totalHoursPerWeek).toBe(11);
    const mathId = r.curriculum.items.find((x: any) => x.subject.name === 'Математика').id;
    const r2 = (await c.admin.ok(CUR_SET, { i: { academicYearId: yearId, grade: 10, profile: 'технологический', items: [{ subjectId: math, hoursPerWeek: 7 }] } })).curriculumSet;
    expect(r2.curriculum.items).toEqual([{ id: mathId, hoursPerWeek: 7, subject: { name: 'Математика' }, period: null }]);
    const read = (await c.student.ok(CUR, { y: yearId, g: 10, p: 'технологический' })).curriculum;
    expect(read.items.map((x: any) => x.subject.name)).toEqual(['Математика']);
    expect((await c.student.ok(CUR, { y: yearId, g: 10 })).curriculum.items).toEqual([]);
  });

  test('R-YEAR-5: a bad grade, zero hours, a repeated subject or a period of another grade is refused and changes nothing', async () => {
    const [p11] = await app.sql(`select id from study_period where academic_year_id = $1 and not (7 = any(grades)) limit 1`, [yearUuid]);
    const r = await unchanged(() => c.deputy.ok(CUR_SET, { i: { academicYearId: yearId, grade: 12, items: [] } }));
    expect(r.curriculumSet.userErrors[0]).toMatchObject({ code: 'GRADE_INVALID', field: ['input', 'grade'] });
    const items = [{ subjectId: math, hoursPerWeek: 5 }, { subjectId: math, hoursPerWeek: 0 }];
    if (p11) items.push({ subjectId: physics, hoursPerWeek: 1, periodId: toGlobalId('StudyPeriod', p11.id) } as never);
    const bad = await unchanged(() => c.deputy.ok(CUR_SET, { i: { academicYearId: yearId, grade: 7, items } }));
    const fields = bad.curriculumSet.userErrors.map((e: any) => `${e.code}:${e.field.join('.')}`);
    expect(fields).toEqual(expect.arrayContaining(['INVALID:input.items.1.hoursPerWeek', 'DUPLICATE:input.items.1.subjectId']));
    for (const who of ['director', 'teacher', 'student']) {
      expect(errorCode(await unchanged(() => c[who].gql(CUR_SET, { i: { academicYearId: yearId, grade: 7, items: [] } })))).toBe('FORBIDDEN');
    }
  });
});

describe('R-YEAR-8 thematic plans', () => {
  const topics = [
    { title: 'Натуральные числа', hours: 3, plannedDate: '2025-09-02' },
    { title: 'Дроби', hours: 5 },
    { title: 'Проценты', hours: 2 },
  ];

  test('R-YEAR-8: the assigned teacher replaces and reorders the plan of their class; the director reads it', async () => {
    const subject = await newSubject();
    await assign({ subjectId: subject, classId: class5b });
    const r = (await c.teacher.ok(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5b, topics } })).thematicPlanReplace;
    expect(r.userErrors).toEqual([]);
    expect(r.thematicPlan.totalHours).toBe(10);
    expect(r.thematicPlan.topics.map((t: any) => [t.position, t.title])).toEqual([[1, 'Натуральные числа'], [2, 'Дроби'], [3, 'Проценты']]);
    const ids = r.thematicPlan.topics.map((t: any) => t.id);
    const re = (await c.teacher.ok(REORDER, { i: { planId: r.thematicPlan.id, topicIds: [ids[2], ids[0], ids[1]] } })).plannedTopicsReorder;
    expect(re.userErrors).toEqual([]);
    expect(re.thematicPlan.topics.map((t: any) => t.title)).toEqual(['Проценты', 'Натуральные числа', 'Дроби']);
    const read = (await c.director.ok(PLAN, { y: yearId, s: subject, c: class5b })).thematicPlan;
    expect(read.topics.map((t: any) => t.position)).toEqual([1, 2, 3]);
    // A shorter replace keeps the first rows' IDs and drops the rest.
    const r2 = (await c.deputy.ok(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5b, topics: topics.slice(0, 1) } })).thematicPlanReplace;
    expect(r2.thematicPlan.topics.map((t: any) => t.id)).toEqual([ids[2]]);
    expect((await c.deputy.ok(PLAN, { y: yearId, s: physics, c: class5b })).thematicPlan).toBeNull();
  });

  test('R-YEAR-8: empty titles, zero hours and dates outside the year are reported by row; a bad permutation is INVALID; nothing changes', async () => {
    const subject = await newSubject();
    const bad = await unchanged(() => c.deputy.ok(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5a, topics: [
      { title: 'Ok', hours: 1 }, { title: ' ', hours: 1 }, { title: 'B', hours: 0 }, { title: 'C', hours: 1, plannedDate: '2030-01-01' },
    ] } }));
    expect(bad.thematicPlanReplace.userErrors.map((e: any) => `${e.code}:${e.field.join('.')}`)).toEqual([
      'REQUIRED:input.topics.1.title', 'INVALID:input.topics.2.hours', 'OUTSIDE_ACADEMIC_YEAR:input.topics.3.plannedDate',
    ]);
    const plan = (await c.deputy.ok(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5a, topics } })).thematicPlanReplace.thematicPlan;
    const ids = plan.topics.map((t: any) => t.id);
    for (const topicIds of [[ids[0], ids[1]], [ids[0], ids[0], ids[1]], [ids[0], ids[1], plan.id]]) {
      const r = await unchanged(() => c.deputy.ok(REORDER, { i: { planId: plan.id, topicIds } }));
      expect(r.plannedTopicsReorder.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'topicIds'] });
    }
  });

  test('R-ROLE-4: a teacher not assigned to the subject and class does not see or edit its plan; the director cannot edit; pupils are FORBIDDEN', async () => {
    const subject = await newSubject();
    const plan = (await c.deputy.ok(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5a, topics } })).thematicPlanReplace.thematicPlan;
    expect(errorCode(await c.classteacher.gql(PLAN, { y: yearId, s: subject, c: class5a }))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.classteacher.gql(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5a, topics } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.classteacher.gql(REORDER, { i: { planId: plan.id, topicIds: [] } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.director.gql(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5a, topics } })))).toBe('FORBIDDEN');
    for (const who of ['student', 'parent']) {
      expect(errorCode(await c[who].gql(PLAN, { y: yearId, s: subject, c: class5a }))).toBe('FORBIDDEN');
      expect(errorCode(await unchanged(() => c[who].gql(PLAN_REPLACE, { i: { academicYearId: yearId, subjectId: subject, classId: class5a, topics } })))).toBe('FORBIDDEN');
    }
  });
});
