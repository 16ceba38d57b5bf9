import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp, HttpClient, GqlResult } from './helpers/app';
import { createOtherSchool, expectUnchanged, insertLesson } from './helpers/db';
import * as f from './helpers/factories';

/**
 * Issue 9 §3, R-SEC-2: an ID of another school's class, subject, room, teacher, group or student
 * answers exactly like an ID that does not exist (same code, message and field; no WRONG_SCHOOL,
 * which confirmed that the record exists), and nothing is written. Each mutation runs as an
 * administrator of the demo school only and as one of both schools.
 */
let app: TestApp;
let actors: [string, HttpClient][];
let d: f.Demo;
/** Records of the other school. */
const o: Record<'subject' | 'schoolClass' | 'staff' | 'room' | 'group' | 'student', string> = {} as never;
/** Records of the demo school. */
const m: Record<'subject' | 'schoolClass' | 'teacher' | 'room' | 'student' | 'newcomer' | 'lesson', string> = {} as never;

const G = f.gid;
const ERR = 'userErrors { code field message }';

beforeAll(async () => {
  app = await startTestApp();
  d = await f.demo(app);
  const other = await createOtherSchool(app, { login: 'foreign.admin', role: 'ADMIN', name: 'Школа № 9', timeZone: 'Asia/Yekaterinburg' });
  // An administrator of both schools: the old per-school checks told them apart (WRONG_SCHOOL) for every viewer.
  const dual = await f.user(app, d.schoolId, ['ADMIN'], { login: 'dual.admin' });
  await f.grantRole(app, dual.userId, other.schoolUuid, 'ADMIN');
  actors = [['admin of the demo school', await app.as('admin')], ['admin of both schools', await app.as('dual.admin')]];

  const otherYear = await f.academicYear(app, other.schoolUuid, '2025-09-01', '2026-05-31');
  o.subject = await f.subject(app, other.schoolUuid);
  o.schoolClass = await f.schoolClass(app, other.schoolUuid, otherYear);
  o.staff = (await f.staff(app, other.schoolUuid)).staffId;
  o.room = await f.room(app, other.schoolUuid);
  o.group = await f.studyGroup(app, { schoolId: other.schoolUuid, yearId: otherYear });
  o.student = (await f.student(app, other.schoolUuid, { classId: o.schoolClass })).studentId;

  m.subject = await f.subject(app, d.schoolId);
  m.schoolClass = await f.schoolClass(app, d.schoolId, d.yearId);
  m.teacher = (await f.staff(app, d.schoolId)).staffId;
  m.room = await f.room(app, d.schoolId);
  m.student = (await f.student(app, d.schoolId, { classId: m.schoolClass })).studentId;
  m.newcomer = (await f.student(app, d.schoolId)).studentId;
  m.lesson = await insertLesson(app, { schoolId: d.schoolId, yearId: d.yearId, subjectId: m.subject, teacherId: m.teacher, classId: m.schoolClass, date: '2025-11-27', n: 2 });
});
afterAll(async () => { await app?.stop(); });

/**
 * Runs `run` with the other school's record `uuid` and with an ID that exists nowhere, as every
 * actor; asserts the two answers are identical but for the ID and that `tables` (and the outbox)
 * stay unchanged. Returns the first answer.
 */
async function sameAsMissing(tables: string[], type: string, uuid: string, run: (c: HttpClient, id: string) => Promise<GqlResult>): Promise<GqlResult> {
  const answers: GqlResult[] = [];
  for (const [who, client] of actors) {
    const foreign = G(type, uuid);
    const absent = G(type, randomUUID());
    const a = await expectUnchanged(app, tables, () => run(client, foreign));
    const b = await expectUnchanged(app, tables, () => run(client, absent));
    const text = (r: GqlResult, id: string) => JSON.stringify(r).split(id).join('<ID>');
    expect({ who, answer: text(a, foreign) }).toEqual({ who, answer: text(b, absent) });
    answers.push(a);
  }
  expect(JSON.stringify(answers)).not.toMatch(/WRONG_SCHOOL|another school/i);
  return answers[0];
}

/** The thrown NOT_FOUND every family answers for a record it cannot find. */
function expectNotFound(r: GqlResult, what: string): void {
  expect(r.status).toBe(200);
  expect(r.errors).toEqual([{ message: `${what} not found`, locations: expect.any(Array), path: expect.any(Array), extensions: { code: 'NOT_FOUND' } }]);
}

describe('issue 9 §3: another school\'s ID is NOT_FOUND, exactly like an unknown ID', () => {
  const TIMETABLE = `mutation($i: TimetableEntryCreateInput!) { timetableEntryCreate(input: $i) { timetableEntry { id } ${ERR} } }`;
  const entry = (over: Record<string, unknown>) => ({
    academicYearId: G('AcademicYear', d.yearId), weekday: 1, lessonNumber: 1, validFrom: '2025-12-01', validTo: '2025-12-19',
    subjectId: G('Subject', m.subject), teacherId: G('Staff', m.teacher), classId: G('SchoolClass', m.schoolClass), ...over,
  });
  const TT_TABLES = ['timetable_entry', 'lesson', 'audit_entry'];

  test.each([
    ['subjectId', 'Subject', 'subject', 'Subject'],
    ['teacherId', 'Staff', 'staff', 'Staff member'],
    ['roomId', 'Room', 'room', 'Room'],
    ['classId', 'SchoolClass', 'schoolClass', 'Class'],
  ] as const)('timetableEntryCreate: %s of another school', async (field, type, key, what) => {
    const r = await sameAsMissing(TT_TABLES, type, o[key], (c, id) => c.gql(TIMETABLE, { i: entry({ [field]: id }) }));
    expectNotFound(r, what);
  });

  test('timetableEntryCreate: groupId and studentId of another school', async () => {
    expectNotFound(await sameAsMissing(TT_TABLES, 'StudyGroup', o.group, (c, id) => c.gql(TIMETABLE, { i: entry({ classId: null, groupId: id }) })), 'Study group');
    expectNotFound(await sameAsMissing(TT_TABLES, 'Student', o.student, (c, id) => c.gql(TIMETABLE, { i: entry({ classId: null, studentId: id }) })), 'Student');
  });

  test('lessonSubstitute and lessonMove: a teacher and a room of another school', async () => {
    const SUBSTITUTE = `mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { lesson { id } ${ERR} } }`;
    const MOVE = `mutation($i: LessonMoveInput!) { lessonMove(input: $i) { lesson { id } ${ERR} } }`;
    const lessonId = G('Lesson', m.lesson);
    expectNotFound(await sameAsMissing(['lesson', 'audit_entry'], 'Staff', o.staff,
      (c, id) => c.gql(SUBSTITUTE, { i: { lessonId, substituteTeacherId: id, reason: 'больничный' } })), 'Staff member');
    expectNotFound(await sameAsMissing(['lesson', 'audit_entry'], 'Room', o.room,
      (c, id) => c.gql(MOVE, { i: { lessonId, roomId: id, reason: 'ремонт' } })), 'Room');
  });

  test('controlWorkSchedule: a subject, class and group of another school', async () => {
    const SCHEDULE = `mutation($i: ControlWorkScheduleInput!) { controlWorkSchedule(input: $i) { controlWork { id } ${ERR} } }`;
    const cw = (over: Record<string, unknown>) => ({
      academicYearId: G('AcademicYear', d.yearId), subjectId: G('Subject', m.subject), classId: G('SchoolClass', m.schoolClass),
      date: '2025-11-26', form: 'CONTROL_WORK', ...over,
    });
    const T = ['control_work', 'audit_entry'];
    expectNotFound(await sameAsMissing(T, 'Subject', o.subject, (c, id) => c.gql(SCHEDULE, { i: cw({ subjectId: id }) })), 'Subject');
    expectNotFound(await sameAsMissing(T, 'SchoolClass', o.schoolClass, (c, id) => c.gql(SCHEDULE, { i: cw({ classId: id }) })), 'Class');
    expectNotFound(await sameAsMissing(T, 'StudyGroup', o.group, (c, id) => c.gql(SCHEDULE, { i: cw({ classId: null, groupId: id }) })), 'Study group');
  });

  test('studyGroupCreate and individualPlanSet: a subject and classes of another school', async () => {
    const CREATE = `mutation($i: StudyGroupCreateInput!) { studyGroupCreate(input: $i) { studyGroup { id } ${ERR} } }`;
    const PLAN = `mutation($i: IndividualPlanSetInput!) { individualPlanSet(input: $i) { individualPlan { id } ${ERR} } }`;
    const T = ['study_group', 'individual_plan', 'individual_plan_subject', 'audit_entry'];
    const year = G('AcademicYear', d.yearId);
    expectNotFound(await sameAsMissing(T, 'Subject', o.subject,
      (c, id) => c.gql(CREATE, { i: { academicYearId: year, name: 'Шахматы', kind: 'ELECTIVE', subjectId: id } })), 'Subject');
    expectNotFound(await sameAsMissing(T, 'SchoolClass', o.schoolClass,
      (c, id) => c.gql(CREATE, { i: { academicYearId: year, name: '1 подгруппа', kind: 'SUBGROUP', subjectId: G('Subject', m.subject), classId: id } })), 'Class');
    expectNotFound(await sameAsMissing(T, 'SchoolClass', o.schoolClass,
      (c, id) => c.gql(CREATE, { i: { academicYearId: year, name: 'Поток', kind: 'STREAM', streamClassIds: [G('SchoolClass', m.schoolClass), id] } })), 'Class');
    expectNotFound(await sameAsMissing(T, 'Subject', o.subject, (c, id) => c.gql(PLAN, {
      i: { studentId: G('Student', m.student), academicYearId: year, reason: 'рекомендация ПМПК', subjects: [{ subjectId: G('Subject', m.subject), hoursPerWeek: 2 }, { subjectId: id, hoursPerWeek: 1 }] },
    })), 'Subject');
  });

  test('studentEnrol and studentTransfer: a class of another school', async () => {
    const ENROL = `mutation($i: StudentEnrolInput!) { studentEnrol(input: $i) { membership { id } ${ERR} } }`;
    const TRANSFER = `mutation($i: StudentTransferInput!) { studentTransfer(input: $i) { membership { id } ${ERR} } }`;
    const T = ['class_membership', 'group_membership', 'student', 'audit_entry'];
    expectNotFound(await sameAsMissing(T, 'SchoolClass', o.schoolClass,
      (c, id) => c.gql(ENROL, { i: { studentId: G('Student', m.newcomer), classId: id, fromDate: '2025-11-26' } })), 'Class');
    expectNotFound(await sameAsMissing(T, 'SchoolClass', o.schoolClass,
      (c, id) => c.gql(TRANSFER, { i: { studentId: G('Student', m.student), toClassId: id, date: '2025-11-26' } })), 'Class');
  });

  test('classCreate and classUpdate: a class teacher of another school is "no such staff member"', async () => {
    const CREATE = `mutation($i: ClassCreateInput!) { classCreate(input: $i) { schoolClass { id } ${ERR} } }`;
    const UPDATE = `mutation($i: ClassUpdateInput!) { classUpdate(input: $i) { schoolClass { id } ${ERR} } }`;
    const T = ['school_class', 'audit_entry'];
    const noSuchStaff = { code: 'INVALID', field: ['input', 'classTeacherId'], message: 'No such staff member' };
    const created = await sameAsMissing(T, 'Staff', o.staff,
      (c, id) => c.gql(CREATE, { i: { academicYearId: G('AcademicYear', d.yearId), grade: 9, letter: 'Щ', classTeacherId: id } }));
    expect(created.data.classCreate).toEqual({ schoolClass: null, userErrors: [noSuchStaff] });
    const updated = await sameAsMissing(T, 'Staff', o.staff,
      (c, id) => c.gql(UPDATE, { i: { classId: G('SchoolClass', m.schoolClass), classTeacherId: id } }));
    expect(updated.data.classUpdate).toEqual({ schoolClass: null, userErrors: [noSuchStaff] });
  });
});
