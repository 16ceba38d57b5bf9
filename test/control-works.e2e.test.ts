import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** R-YEAR-10: the control-work schedule; R-DIARY-2: who reads it; R-DIARY-3: its events. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let year: string;
let yearGid: string;
let n = 0;
const users: Record<string, string> = {};
const staff: Record<string, string> = {};

const gid = toGlobalId;
const ERR = 'userErrors { code field message }';
const CW = 'id date lessonNumber form title cancelledAt cancelReason subject { id } schoolClass { id name } group { id } academicYear { id }';
const SCHEDULE = `mutation($i: ControlWorkScheduleInput!) { controlWorkSchedule(input: $i) { controlWork { ${CW} } ${ERR} } }`;
const UPDATE = `mutation($i: ControlWorkUpdateInput!) { controlWorkUpdate(input: $i) { controlWork { ${CW} } ${ERR} } }`;
const CANCEL = `mutation($i: ControlWorkCancelInput!) { controlWorkCancel(input: $i) { controlWork { ${CW} } ${ERR} } }`;
const LIST = `query($y: ID!, $c: ID, $g: ID, $s: ID, $p: ID, $from: LocalDate, $to: LocalDate, $all: Boolean) {
  controlWorks(academicYearId: $y, classId: $c, groupId: $g, studentId: $s, periodId: $p, from: $from, to: $to, includeCancelled: $all) { id date title cancelledAt } }`;

const TABLES = ['control_work', 'audit_entry'];
/** Runs `fn` and asserts it changed nothing in TABLES (audit trail included) and published no event. */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);
const codes = (p: { userErrors: { code: string }[] }) => p.userErrors.map((e) => e.code);

const newClass = (grade = 5, yearId = year, classTeacher: string | null = null) =>
  f.schoolClass(app, school, yearId, { grade, letter: `К${++n}`, classTeacherId: classTeacher });
const newSubject = (archived = false) => f.subject(app, school, { name: `Предмет ${++n}`, archived });
const newStudent = (classId: string, from = '2025-09-01', to: string | null = null) =>
  f.studentRow(app, school, { pseudonym: `К-${++n}`, classId, from, to });
async function newSubgroup(classId: string, members: string[]): Promise<string> {
  const g = await f.studyGroup(app, { schoolId: school, yearId: year, kind: 'SUBGROUP', name: `Подгруппа ${++n}`, classId, subjectId: await newSubject() });
  for (const s of members) await f.groupMember(app, s, g, '2025-09-01');
  return g;
}
const linkStudentUser = (studentId: string) => app.sql(`update student set user_id = $1 where id = $2`, [users.student, studentId]);
async function linkParent(studentId: string): Promise<void> {
  await f.guardianAccount(app, school, studentId);
}
const schedule = (client: HttpClient, i: Record<string, unknown>) =>
  client.ok(SCHEDULE, { i: { academicYearId: yearGid, form: 'CONTROL_WORK', ...i } }).then((d) => d.controlWorkSchedule);
const forClass = (classId: string, subjectId: string, date: string, extra: Record<string, unknown> = {}) =>
  ({ classId: gid('SchoolClass', classId), subjectId: gid('Subject', subjectId), date, ...extra });
const ids = (list: { id: string }[]) => list.map((x) => x.id);
const cwEvents = (id: string) => app.sql(`select kind, student_ids::text[] as students, teacher_user_ids::text[] as teachers,
  date_from::text as "from", date_to::text as "to", details from outbox_event where object_type = 'ControlWork' and object_id = $1 order by id`, [id]);
const uuid = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: school }] = await app.sql(`select id from school limit 1`);
  [{ id: year }] = await app.sql(`select id from academic_year limit 1`);
  yearGid = gid('AcademicYear', year);
  for (const r of await app.sql(`select id, login from app_user`)) users[r.login] = r.id;
  for (const login of ['teacher', 'classteacher']) {
    staff[login] = (await f.staff(app, school, { userId: users[login] })).staffId;
  }
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-10 scheduling', () => {
  test('R-YEAR-10: a control work of a class is scheduled with its form, audited and published to the class and its teachers', async () => {
    const cls = await newClass(7, year, staff.classteacher);
    const subject = await newSubject();
    const s1 = await newStudent(cls);
    await f.assignment(app, { schoolId: school, yearId: year, teacherId: staff.teacher, subjectId: subject, classId: cls, hoursPerWeek: 4 });
    const r = await schedule(c.deputy, forClass(cls, subject, '2025-10-15', { lessonNumber: 3, form: 'DICTATION', title: ' Правописание ' }));
    expect(r.userErrors).toEqual([]);
    expect(r.controlWork).toMatchObject({
      date: '2025-10-15', lessonNumber: 3, form: 'DICTATION', title: 'Правописание', cancelledAt: null,
      subject: { id: gid('Subject', subject) }, schoolClass: { id: gid('SchoolClass', cls) }, group: null, academicYear: { id: yearGid },
    });
    const id = uuid(r.controlWork.id);
    expect(await app.sql(`select operation, action from audit_entry where entity_id = $1`, [id])).toEqual([{ operation: 'controlWorkSchedule', action: 'CREATE' }]);
    const [e] = await cwEvents(id);
    expect(e).toMatchObject({ kind: 'CONTROL_WORK_SCHEDULED', from: '2025-10-15', to: '2025-10-15', students: [s1] });
    expect(e.teachers.sort()).toEqual([users.teacher, users.classteacher].sort());
    // the director and the admin keep the schedule too; teachers, students and parents do not
    expect((await schedule(c.director, forClass(cls, await newSubject(), '2025-10-16'))).userErrors).toEqual([]);
    expect((await schedule(c.admin, forClass(cls, await newSubject(), '2025-10-17'))).userErrors).toEqual([]);
    for (const who of ['teacher', 'classteacher', 'student', 'parent']) {
      const denied = await unchanged(() => c[who].gql(SCHEDULE, { i: { academicYearId: yearGid, form: 'TEST', ...forClass(cls, subject, '2025-10-20') } }));
      expect(errorCode(denied)).toBe('FORBIDDEN');
    }
  });

  test('R-YEAR-10: refusals — class or group, year, holiday of the grade, subject, lesson number, title, duplicate; nothing written', async () => {
    const cls = await newClass(1);
    const subject = await newSubject();
    const refuse = async (i: Record<string, unknown>, code: string, field: string) => {
      const r = await unchanged(() => schedule(c.deputy, i));
      expect(r.controlWork).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    };
    await refuse({ subjectId: gid('Subject', subject), date: '2025-10-15' }, 'REQUIRED', 'classId');
    const group = await newSubgroup(cls, []);
    await refuse({ ...forClass(cls, subject, '2025-10-15'), groupId: gid('StudyGroup', group) }, 'INVALID', 'groupId');
    await refuse(forClass(cls, subject, '2026-07-01'), 'OUTSIDE_ACADEMIC_YEAR', 'date');
    await refuse(forClass(cls, subject, '2025-11-01'), 'HOLIDAY', 'date');
    // grade 1 has extra February holidays, grade 5 does not
    await refuse(forClass(cls, subject, '2026-02-16'), 'HOLIDAY', 'date');
    await refuse({ groupId: gid('StudyGroup', group), subjectId: gid('Subject', subject), date: '2026-02-16' }, 'HOLIDAY', 'date');
    expect((await schedule(c.deputy, forClass(await newClass(5), subject, '2026-02-16'))).userErrors).toEqual([]);
    await refuse(forClass(cls, await newSubject(true), '2025-10-15'), 'ARCHIVED', 'subjectId');
    await refuse(forClass(cls, subject, '2025-10-15', { lessonNumber: 16 }), 'INVALID', 'lessonNumber');
    await refuse(forClass(cls, subject, '2025-10-15', { title: 'x'.repeat(201) }), 'TOO_LONG', 'title');
    const other = await f.academicYear(app, school, '2031-09-01', '2032-05-31', { name: '2031/2032' });
    await refuse(forClass(await newClass(5, other), subject, '2025-10-15'), 'INVALID', 'classId');
    expect((await schedule(c.deputy, forClass(cls, subject, '2025-10-15'))).userErrors).toEqual([]);
    await refuse(forClass(cls, subject, '2025-10-15', { form: 'TEST' }), 'DUPLICATE', 'date');
    const missing = await c.deputy.gql(SCHEDULE, { i: { academicYearId: yearGid, form: 'TEST', ...forClass(cls, subject, '2025-10-15'), subjectId: gid('Subject', '00000000-0000-4000-8000-000000000000') } });
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });

  test('R-YEAR-10: update changes date, number, form, title with an event from the old day; cancel keeps it readable; refusals', async () => {
    const cls = await newClass(6);
    const s1 = await newStudent(cls);
    const subject = await newSubject();
    const r = await schedule(c.deputy, forClass(cls, subject, '2025-11-12', { title: 'Дроби' }));
    const id = r.controlWork.id;
    const up = (await c.deputy.ok(UPDATE, { i: { id, date: '2025-11-19', lessonNumber: 2, form: 'TEST' } })).controlWorkUpdate;
    expect(up).toMatchObject({ controlWork: { date: '2025-11-19', lessonNumber: 2, form: 'TEST', title: 'Дроби' }, userErrors: [] });
    const refuseUpdate = async (i: Record<string, unknown>, code: string) =>
      expect(codes((await unchanged(() => c.deputy.ok(UPDATE, { i: { id, ...i } }))).controlWorkUpdate)).toEqual([code]);
    // issue 9: the values it already has (an auto-save) are a success that writes nothing, not even an audit entry or event.
    for (const i of [{ date: '2025-11-19', form: 'TEST' }, {}, { lessonNumber: 2, title: 'Дроби' }]) {
      const same = (await unchanged(() => c.deputy.ok(UPDATE, { i: { id, ...i } }))).controlWorkUpdate;
      expect(same).toMatchObject({ controlWork: { id, date: '2025-11-19', lessonNumber: 2, form: 'TEST', title: 'Дроби' }, userErrors: [] });
    }
    await refuseUpdate({ title: 'x'.repeat(5000) }, 'TOO_LONG');
    await refuseUpdate({ date: '2025-12-30' }, 'HOLIDAY');
    await refuseUpdate({ date: '2026-08-01' }, 'OUTSIDE_ACADEMIC_YEAR');
    await refuseUpdate({ lessonNumber: -1 }, 'INVALID');
    const cancelled = (await c.director.ok(CANCEL, { i: { id, reason: 'карантин' } })).controlWorkCancel;
    expect(cancelled.userErrors).toEqual([]);
    expect(cancelled.controlWork.cancelledAt).not.toBeNull();
    expect(cancelled.controlWork.cancelReason).toBe('карантин');
    expect(codes((await unchanged(() => c.deputy.ok(CANCEL, { i: { id, reason: 'ещё раз' } }))).controlWorkCancel)).toEqual(['INVALID']);
    await refuseUpdate({ title: 'Новое' }, 'INVALID');
    expect(errorCode(await unchanged(() => c.teacher.gql(CANCEL, { i: { id, reason: 'x' } })))).toBe('FORBIDDEN');

    const evs = await cwEvents(uuid(id));
    expect(evs.map((e) => [e.kind, e.from, e.to, e.students])).toEqual([
      ['CONTROL_WORK_SCHEDULED', '2025-11-12', '2025-11-12', [s1]],
      ['CONTROL_WORK_CHANGED', '2025-11-12', '2025-11-19', [s1]],
      ['CONTROL_WORK_CANCELLED', '2025-11-19', '2025-11-19', [s1]],
    ]);
    expect(evs[1].details).toEqual({ fromDate: '2025-11-12', fromLessonNumber: null });
    expect((await app.sql(`select operation from audit_entry where entity_id = $1 order by seq`, [uuid(id)])).map((a) => a.operation))
      .toEqual(['controlWorkSchedule', 'controlWorkUpdate', 'controlWorkCancel']);

    // the schedule leaves cancelled ones out unless asked
    const list = (await c.deputy.ok(LIST, { y: yearGid, c: gid('SchoolClass', cls) })).controlWorks;
    expect(ids(list)).not.toContain(id);
    const all = (await c.deputy.ok(LIST, { y: yearGid, c: gid('SchoolClass', cls), all: true })).controlWorks;
    expect(all).toEqual([expect.objectContaining({ id, date: '2025-11-19' })]);
    expect(all[0].cancelledAt).not.toBeNull();
  });
});

describe('R-DIARY-2 reading the schedule', () => {
  test('R-DIARY-2, R-SEC-3: staff read all; a student and a parent read their class\'s and group\'s; NOT_FOUND for another child', async () => {
    const mine = await newClass(8);
    const other = await newClass(8);
    const child = await newStudent(mine);
    const classmate = await newStudent(mine);
    const stranger = await newStudent(other);
    await linkStudentUser(child);
    await linkParent(child);
    const myGroup = await newSubgroup(mine, [child]);
    const otherGroup = await newSubgroup(mine, [classmate]);
    const subject = await newSubject();
    const own = (await schedule(c.deputy, forClass(mine, subject, '2025-12-03'))).controlWork.id;
    const ofGroup = (await schedule(c.deputy, { groupId: gid('StudyGroup', myGroup), subjectId: gid('Subject', subject), date: '2025-12-04' })).controlWork.id;
    const ofOtherGroup = (await schedule(c.deputy, { groupId: gid('StudyGroup', otherGroup), subjectId: gid('Subject', subject), date: '2025-12-05' })).controlWork.id;
    const ofOtherClass = (await schedule(c.deputy, forClass(other, subject, '2025-12-03'))).controlWork.id;
    const range = { from: '2025-12-01', to: '2025-12-07' };

    const staffView = ids((await c.teacher.ok(LIST, { y: yearGid, ...range })).controlWorks);
    expect(staffView).toEqual(expect.arrayContaining([own, ofGroup, ofOtherGroup, ofOtherClass]));
    // a class's schedule includes its subgroups'
    expect(ids((await c.deputy.ok(LIST, { y: yearGid, c: gid('SchoolClass', mine), ...range })).controlWorks)).toEqual([own, ofGroup, ofOtherGroup]);
    expect(ids((await c.deputy.ok(LIST, { y: yearGid, g: gid('StudyGroup', myGroup) })).controlWorks)).toEqual([ofGroup]);

    for (const who of ['student', 'parent']) {
      expect(ids((await c[who].ok(LIST, { y: yearGid, ...range })).controlWorks)).toEqual([own, ofGroup]);
      expect(ids((await c[who].ok(LIST, { y: yearGid, s: gid('Student', child), ...range })).controlWorks)).toEqual([own, ofGroup]);
      // asking for another class shows nothing of it
      expect((await c[who].ok(LIST, { y: yearGid, c: gid('SchoolClass', other), ...range })).controlWorks).toEqual([]);
      const hidden = await c[who].gql(LIST, { y: yearGid, s: gid('Student', stranger) });
      expect(errorCode(hidden)).toBe('NOT_FOUND');
      expect(hidden.data).toBeNull();
    }
    // a teacher who does not teach the student may not filter by them
    expect(errorCode(await c.teacher.gql(LIST, { y: yearGid, s: gid('Student', stranger) }))).toBe('NOT_FOUND');
    expect(ids((await c.deputy.ok(LIST, { y: yearGid, s: gid('Student', classmate), ...range })).controlWorks)).toEqual([own, ofOtherGroup]);
    expect(errorCode(await app.anon().gql(LIST, { y: yearGid }))).toBe('UNAUTHENTICATED');
  });

  test('R-DIARY-2: membership by day — a student who changed class sees the old class\'s works before the change only', async () => {
    const before = await newClass(9);
    const after = await newClass(9);
    const moving = await newStudent(before, '2025-09-01', '2025-11-09');
    await f.enrol(app, moving, after, '2025-11-10');
    const subject = await newSubject();
    const oldEarly = (await schedule(c.deputy, forClass(before, subject, '2025-11-05'))).controlWork.id;
    await schedule(c.deputy, forClass(before, subject, '2025-11-12'));
    const newLate = (await schedule(c.deputy, forClass(after, subject, '2025-11-13'))).controlWork.id;
    await schedule(c.deputy, forClass(after, subject, '2025-11-06'));
    expect(ids((await c.deputy.ok(LIST, { y: yearGid, s: gid('Student', moving) })).controlWorks)).toEqual([oldEarly, newLate]);
  });

  test('R-DIARY-2: the control works of a study period, and of dates; a reversed range is BAD_USER_INPUT', async () => {
    const cls = await newClass(4);
    const subject = await newSubject();
    const q1 = (await schedule(c.deputy, forClass(cls, subject, '2025-10-01'))).controlWork.id;
    const q2 = (await schedule(c.deputy, forClass(cls, subject, '2025-11-20'))).controlWork.id;
    const [period] = await app.sql(`select id from study_period where name = '2 четверть'`);
    const p = gid('StudyPeriod', period.id);
    expect(ids((await c.deputy.ok(LIST, { y: yearGid, c: gid('SchoolClass', cls), p })).controlWorks)).toEqual([q2]);
    expect(ids((await c.deputy.ok(LIST, { y: yearGid, c: gid('SchoolClass', cls), from: '2025-09-01', to: '2025-10-31' })).controlWorks)).toEqual([q1]);
    expect((await c.deputy.ok(LIST, { y: yearGid, c: gid('SchoolClass', cls), p, to: '2025-11-10' })).controlWorks).toEqual([]);
    expect(errorCode(await c.deputy.gql(LIST, { y: yearGid, from: '2025-10-02', to: '2025-10-01' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.deputy.gql(LIST, { y: gid('AcademicYear', '00000000-0000-4000-8000-000000000000') }))).toBe('NOT_FOUND');
  });

  test('R-SEC-3: node(id) shows a control work to staff and to the family of a student concerned only', async () => {
    const cls = await newClass(10);
    const child = await newStudent(cls);
    const id = (await schedule(c.deputy, forClass(cls, await newSubject(), '2025-09-24'))).controlWork.id;
    const NODE = `query($id: ID!) { node(id: $id) { id ... on ControlWork { form } } }`;
    expect((await c.teacher.ok(NODE, { id })).node).toEqual({ id, form: 'CONTROL_WORK' });
    expect(errorCode(await c.parent.gql(NODE, { id }))).toBe('NOT_FOUND');
    await linkParent(child);
    expect((await c.parent.ok(NODE, { id })).node).toEqual({ id, form: 'CONTROL_WORK' });
  });
});
