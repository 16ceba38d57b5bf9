import { GraphQLObjectType } from 'graphql';
import { startTestApp, TestApp, HttpClient, GqlResult, LOGIN } from './helpers/app';
import { ACTORS, Actor, DENIED_CODES, EVERY_USER, MatrixEnv, MatrixOp, STAFF_ADMIN, personalDataIn, personalDataOf } from './helpers/matrix';
import { buildBaseSchema } from '../src/schema/build-schema';
import { toGlobalId } from '../src/schema/node';
import type { MatrixFixtures } from './matrix/fixtures';
import { timetableOps } from './matrix/timetable.ops';
import { lessonOps } from './matrix/lesson.ops';
import { controlWorkOps } from './matrix/control-work.ops';
import { eventOps } from './matrix/events.ops';
import { productionCalendarOps } from './matrix/production-calendar.ops';
import { journalOps } from './matrix/journal.ops';
import { finalMarkOps } from './matrix/final-mark.ops';
import { messageOps } from './matrix/message.ops';
import { collect } from './helpers/live';
import * as f from './helpers/factories';

/**
 * R-ROLE / R-SEC-2: every root operation run as every role. Allowed callers pass the permission
 * layer (and, for mutations, change something that is audited); everyone else is refused with
 * FORBIDDEN/UNAUTHENTICATED and nothing is written, not even an audit entry.
 */
let app: TestApp;
const clients = new Map<Actor, HttpClient>();
let schoolId: string;
let yearId: string;
let counter = 0;
let demoHash: string;

const MANAGERS: Actor[] = ['admin', 'deputy'];
const ALL: Actor[] = ['anonymous', ...EVERY_USER];

beforeAll(async () => {
  // No erasure runner: a leaving registered with a past date (studentLeave below) makes an erasure due
  // at once, and the runner's poll would write its audit entries in the middle of another operation's count.
  app = await startTestApp({ ERASURE_POLL_SECONDS: '0' });
  const [s] = await app.sql(`select id from school limit 1`);
  // R-ROLE-8: an education-authority analyst of the demo school (not a demo login).
  await f.user(app, s.id, ['ANALYST'], { login: 'analyst', lastName: 'Аналитиков', firstName: 'Андрей' });
  for (const actor of ACTORS) clients.set(actor, actor === 'anonymous' ? app.anon() : await app.as(actor));
  schoolId = toGlobalId('School', s.id);
  const [y] = await app.sql(`select id from academic_year limit 1`);
  demoHash = (await app.sql(`select password_hash from app_user where login = 'admin'`))[0].password_hash;
  yearId = toGlobalId('AcademicYear', y.id);
});
afterAll(async () => { await app?.stop(); });

const next = () => ++counter;
/** Builds the targets of update/delete calls (as the deputy). */
const setup = () => clients.get('deputy')!;

/** A fresh academic year far in the future (years of a school may not overlap). */
async function newYear(): Promise<string> {
  return (await newYearWithStart()).id;
}
async function newYearWithStart(): Promise<{ id: string; y: number }> {
  const y = 2200 + next();
  const r = await setup().ok(`mutation($i: AcademicYearCreateInput!) { academicYearCreate(input: $i) { academicYear { id } userErrors { message } } }`,
    { i: { schoolId, name: `${y}/${y + 1}`, startDate: `${y}-09-01`, endDate: `${y + 1}-05-31` } });
  return { id: r.academicYearCreate.academicYear.id, y };
}
async function newPeriod(): Promise<{ yearId: string; periodId: string; y: number }> {
  const { id: yearGid, y } = await newYearWithStart();
  const r = await setup().ok(`mutation($i: StudyPeriodCreateInput!) { studyPeriodCreate(input: $i) { studyPeriod { id } userErrors { message } } }`,
    { i: { academicYearId: yearGid, name: 'P', kind: 'QUARTER', grades: [5], startDate: `${y}-09-01`, endDate: `${y}-10-31` } });
  return { yearId: yearGid, periodId: r.studyPeriodCreate.studyPeriod.id, y };
}
async function newHoliday(): Promise<string> {
  const { id: yearGid, y } = await newYearWithStart();
  const r = await setup().ok(`mutation($i: HolidayCreateInput!) { holidayCreate(input: $i) { holiday { id } userErrors { message } } }`,
    { i: { academicYearId: yearGid, name: 'H', startDate: `${y}-11-01`, endDate: `${y}-11-05` } });
  return r.holidayCreate.holiday.id;
}
const VALUES = [{ code: 'зач', label: 'зачтено', passing: true }, { code: 'незач', label: 'не зачтено', passing: false }];
async function newGradingSystem(): Promise<string> {
  const r = await setup().ok(`mutation($i: GradingSystemCreateInput!) { gradingSystemCreate(input: $i) { gradingSystem { id } userErrors { message } } }`,
    { i: { schoolId, name: `Система ${next()}`, kind: 'PASS_FAIL', values: VALUES } });
  return r.gradingSystemCreate.gradingSystem.id;
}
/** A user of the demo school to reset or block (not a demo login, which other calls still need). */
async function newVictim(blocked = false): Promise<string> {
  const u = await f.user(app, demoSchoolUuid(), ['STUDENT'], { login: `victim${next()}`, lastName: 'Жертва', firstName: 'Тест', blocked: blocked ? 'test' : undefined });
  return toGlobalId('User', u.userId);
}

// ---- roster fixtures (built with test/helpers/factories or the deputy's client; not under test themselves) ----
const uuidOf = (gid: string) => Buffer.from(gid, 'base64url').toString('utf8').split(':')[1];
const demoSchoolUuid = () => uuidOf(schoolId);
const demoYearUuid = () => uuidOf(yearId);

/** The Staff row (raw id) of a login, created once. */
const staffIds = new Map<string, string>();
async function staffUuid(login: string): Promise<string> {
  if (!staffIds.has(login)) staffIds.set(login, (await f.staff(app, demoSchoolUuid(), { login })).staffId);
  return staffIds.get(login)!;
}
/** The Staff global ID of a login (for anonymous callers, the teacher's). */
const staffOf = async (login: string) => toGlobalId('Staff', await staffUuid(login === 'anonymous' ? 'teacher' : login));

async function newSubject(): Promise<string> {
  return (await setup().ok(`mutation($i: SubjectCreateInput!) { subjectCreate(input: $i) { subject { id } } }`,
    { i: { schoolId, name: `Предмет ${next()}`, component: 'FEDERAL' } })).subjectCreate.subject.id;
}
async function newRoom(): Promise<string> {
  return (await setup().ok(`mutation($i: RoomCreateInput!) { roomCreate(input: $i) { room { id } } }`, { i: { schoolId, name: `Каб. ${next()}` } })).roomCreate.room.id;
}
/** A class of the demo year without a class teacher (global ID). */
async function newPlainClass(): Promise<string> {
  return toGlobalId('SchoolClass', await newClassRow());
}
const newClassRow = () => f.schoolClass(app, demoSchoolUuid(), demoYearUuid(), { grade: 5, letter: `М${next()}` });
const newStudentRow = (classUuid?: string) => f.studentRow(app, demoSchoolUuid(), { pseudonym: `М-${next()}`, classId: classUuid });
const newSubjectRow = () => f.subject(app, demoSchoolUuid(), { name: `Предмет М${next()}` });
/** The demo teacher's teaching assignment to a class (row ids), in a new subject unless one is given. */
const newAssignmentRow = async (classUuid: string, hoursPerWeek: number, subjectUuid?: string) => f.assignment(app, {
  schoolId: demoSchoolUuid(), yearId: demoYearUuid(), teacherId: await staffUuid('teacher'), subjectId: subjectUuid ?? await newSubjectRow(), classId: classUuid, hoursPerWeek,
});
/** A CLUB of the demo year (any student in a class of the year may join). */
const newGroupRow = async () => toGlobalId('StudyGroup', await f.studyGroup(app, { schoolId: demoSchoolUuid(), yearId: demoYearUuid(), kind: 'CLUB', name: `Кружок М${next()}` }));
async function newAssignment(login = 'teacher'): Promise<{ id: string; subjectId: string; classId: string }> {
  const subjectId = await newSubject();
  const classId = await newPlainClass();
  const r = await setup().ok(`mutation($i: TeachingAssignmentCreateInput!) { teachingAssignmentCreate(input: $i) { teachingAssignment { id } } }`,
    { i: { teacherId: await staffOf(login), subjectId, classId, hoursPerWeek: 2 } });
  return { id: r.teachingAssignmentCreate.teachingAssignment.id, subjectId, classId };
}
async function newPlan(login: string): Promise<string> {
  const a = await newAssignment(login);
  const r = await setup().ok(`mutation($i: ThematicPlanReplaceInput!) { thematicPlanReplace(input: $i) { thematicPlan { id } } }`,
    { i: { academicYearId: yearId, subjectId: a.subjectId, classId: a.classId, topics: [{ title: 'A', hours: 1 }, { title: 'B', hours: 1 }] } });
  return r.thematicPlanReplace.thematicPlan.id;
}
const reversedTopicIds = async (planId: string) =>
  (await app.sql(`select id from planned_topic where plan_id = $1 order by position desc`, [uuidOf(planId)])).map((t) => toGlobalId('PlannedTopic', t.id));

/** A class of the demo year led by the demo class teacher (global ID). */
async function newLedClass(): Promise<string> {
  const n = next();
  const r = await setup().ok(`mutation($i: ClassCreateInput!) { classCreate(input: $i) { schoolClass { id } userErrors { message } } }`,
    { i: { academicYearId: yearId, grade: (n % 11) + 1, letter: `М${n}`, classTeacherId: await staffOf('classteacher') } });
  return r.classCreate.schoolClass.id;
}
/** A consenting student with names in a class of the class teacher, visible to `actor` (student_access). */
async function studentFor(actor: Actor, classGid?: string): Promise<{ studentId: string; classId: string }> {
  const classId = classGid ?? await newLedClass();
  const r = await setup().ok(`mutation($i: StudentCreateInput!) { studentCreate(input: $i) { student { id } userErrors { message } } }`, { i: { schoolId } });
  const studentId = r.studentCreate.student.id;
  const sid = uuidOf(studentId);
  await app.sql(`update student set consent_status = 'GIVEN', last_name = 'Учеников', first_name = 'Матвей' where id = $1`, [sid]);
  await f.enrol(app, sid, uuidOf(classId), '2020-01-01');
  if (actor === 'teacher') await newAssignmentRow(uuidOf(classId), 1);
  if (actor === 'student') await app.sql(`update student set user_id = (select id from app_user where login = 'student') where id = $1`, [sid]);
  if (actor === 'parent') await f.guardianAccount(app, demoSchoolUuid(), sid, 'parent', { lastName: 'Родителев', firstName: 'Пётр', kind: 'FATHER' });
  return { studentId, classId };
}
async function guardianOf(studentId: string): Promise<string> {
  const r = await setup().ok(`mutation($i: GuardianCreateInput!) { guardianCreate(input: $i) { guardian { id } userErrors { message } } }`,
    { i: { studentId, kind: 'MOTHER', lastName: 'Матерева', firstName: 'Ольга' } });
  return r.guardianCreate.guardian.id;
}
/** A class led by the class teacher with one student of the given consent state (R-SEC-4 targets). */
async function consentTarget(env: MatrixEnv, status: 'NONE' | 'GIVEN'): Promise<{ classId: string; studentId: string }> {
  const cls = await f.schoolClass(app, demoSchoolUuid(), demoYearUuid(), { grade: 11, letter: `К${env.unique}`, classTeacherId: await staffUuid('classteacher') });
  const st = await f.studentRow(app, demoSchoolUuid(), { pseudonym: `К-${env.unique}`, consent: status, classId: cls });
  return { classId: toGlobalId('SchoolClass', cls), studentId: toGlobalId('Student', st) };
}
const TEACHERS: Actor[] = ['admin', 'director', 'deputy', 'teacher', 'classteacher'];
const SUBGROUP_FORMERS: Actor[] = ['admin', 'deputy', 'teacher', 'classteacher'];
/**
 * A SUBGROUP of a class led by the demo class teacher, in a subject the demo teacher teaches in that
 * class, with a student of the class (R-ROLE-5 targets).
 */
async function subgroupOfLedClass(): Promise<{ groupId: string; studentId: string }> {
  const classUuid = uuidOf(await newLedClass());
  const subjectUuid = await newSubjectRow();
  await newAssignmentRow(classUuid, 2, subjectUuid);
  const g = await f.studyGroup(app, { schoolId: demoSchoolUuid(), yearId: demoYearUuid(), kind: 'SUBGROUP', name: `Подгруппа М${next()}`, subjectId: subjectUuid, classId: classUuid });
  return { groupId: toGlobalId('StudyGroup', g), studentId: toGlobalId('Student', await newStudentRow(classUuid)) };
}
const PLAN_EDITORS: Actor[] = ['admin', 'deputy', 'teacher', 'classteacher'];
const ROSTER_EDITORS: Actor[] = ['admin', 'deputy', 'classteacher'];
const ISSUERS: Actor[] = ['admin', 'classteacher'];
const CONSENT_MANAGERS: Actor[] = ['admin', 'deputy', 'classteacher'];

const loginOf = (actor: Actor) => (actor === 'anonymous' ? 'admin' : actor);

/** The builders above, for the feature files of test/matrix/. */
const fx: MatrixFixtures = {
  get app() { return app; },
  schoolId: () => schoolId, yearId: () => yearId, demoSchoolUuid, demoYearUuid, uuidOf, next, setup,
  staffUuid, staffOf, newSubject, newSubjectRow, newRoom, newPlainClass, newClassRow, newLedClass, newStudentRow, newGroupRow, studentFor,
};

const OPS: MatrixOp[] = [
  // accounts and sessions
  { field: 'Query.me', requirement: 'R-SEC-1', allowed: EVERY_USER, document: `{ me { id login } }` },
  { field: 'Mutation.login', requirement: 'R-SEC-1', allowed: ALL,
    document: LOGIN, variables: ({ actor }) => ({ input: { login: loginOf(actor), password: 'demo1234' } }) },
  { field: 'Mutation.tokenRefresh', requirement: 'R-SEC-1', allowed: ALL,
    document: `mutation($i: TokenRefreshInput!) { tokenRefresh(input: $i) { accessToken userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { refreshToken: (await app.as(loginOf(actor))).refreshToken } }) },
  { field: 'Mutation.logout', requirement: 'R-SEC-1', allowed: EVERY_USER, freshSession: true,
    document: `mutation { logout { loggedOut userErrors { code message } } }` },
  // issue 10 §4: an open socket takes a renewed token of its own session (here: the one it was opened with)
  { field: 'Mutation.socketAuthRenew', requirement: 'R-SEC-1', allowed: EVERY_USER, overWebSocket: true, changesNoData: true,
    document: `mutation($t: String!) { socketAuthRenew(accessToken: $t) { accessTokenExpiresAt userErrors { code message } } }`,
    variables: ({ client }) => ({ t: client.token ?? 'otm_at_none' }),
    check: (r) => expect(new Date(r.data.socketAuthRenew.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now()) },
  { field: 'Mutation.passwordChange', requirement: 'R-SEC-1', allowed: EVERY_USER, freshSession: true,
    document: `mutation($i: PasswordChangeInput!) { passwordChange(input: $i) { user { id } userErrors { code message } } }`,
    variables: () => ({ i: { currentPassword: 'demo1234', newPassword: `Новый-пароль-${next()}` } }),
    // keep the demo password, and a live session (a password change ends the others), for the calls that follow
    after: async ({ actor }) => {
      if (actor === 'anonymous') return;
      await app.sql(`update app_user set password_hash = $2 where login = $1`, [actor, demoHash]);
      clients.set(actor, await app.as(actor));
    } },
  { field: 'Mutation.passwordReset', requirement: 'R-ROLE-1', allowed: ['admin'],
    document: `mutation($i: PasswordResetInput!) { passwordReset(input: $i) { oneTimePassword userErrors { code message } } }`,
    variables: async () => ({ i: { userId: await newVictim() } }) },
  { field: 'Mutation.userBlock', requirement: 'R-SEC-6', allowed: ['admin', 'director'],
    document: `mutation($i: UserBlockInput!) { userBlock(input: $i) { user { id } userErrors { code message } } }`,
    variables: async () => ({ i: { userId: await newVictim(), reason: 'утечка пароля' } }) },
  { field: 'Mutation.userUnblock', requirement: 'R-SEC-6', allowed: ['admin', 'director'],
    document: `mutation($i: UserUnblockInput!) { userUnblock(input: $i) { user { id } userErrors { code message } } }`,
    variables: async () => ({ i: { userId: await newVictim(true) } }) },
  { field: 'Query.users', requirement: 'R-ROLE-1', allowed: STAFF_ADMIN,
    document: `query($s: ID!) { users(schoolId: $s, first: 5) { nodes { id } } }`, variables: () => ({ s: schoolId }) },
  // school-year structure
  { field: 'Query.schools', requirement: 'R-YEAR-1', allowed: EVERY_USER, document: `{ schools { id name } }` },
  { field: 'Query.school', requirement: 'R-YEAR-1', allowed: EVERY_USER,
    document: `query($s: ID!) { school(id: $s) { name academicYears { name } gradingSystems { name values { code } } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.academicYear', requirement: 'R-YEAR-1', allowed: EVERY_USER,
    document: `query($y: ID!) { academicYear(id: $y) { name periods { name finalMarkDeadline } holidays { name } } }`, variables: () => ({ y: yearId }) },
  { field: 'Mutation.schoolUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: SchoolUpdateInput!) { schoolUpdate(input: $i) { school { name } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, name: `Школа № ${next()}` } }) },
  { field: 'Mutation.academicYearCreate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: AcademicYearCreateInput!) { academicYearCreate(input: $i) { academicYear { id } userErrors { code message } } }`,
    variables: () => { const y = 2600 + next(); return { i: { schoolId, name: `${y}/${y + 1}`, startDate: `${y}-09-01`, endDate: `${y + 1}-05-31` } }; } },
  { field: 'Mutation.academicYearUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: AcademicYearUpdateInput!) { academicYearUpdate(input: $i) { academicYear { id } userErrors { code message } } }`,
    variables: async () => ({ i: { academicYearId: await newYear(), name: `Год ${next()}` } }) },
  { field: 'Mutation.academicYearDelete', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: AcademicYearDeleteInput!) { academicYearDelete(input: $i) { deletedAcademicYearId userErrors { code message } } }`,
    variables: async () => ({ i: { academicYearId: await newYear() } }) },
  { field: 'Mutation.studyPeriodCreate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: StudyPeriodCreateInput!) { studyPeriodCreate(input: $i) { studyPeriod { id } userErrors { code message } } }`,
    variables: async () => {
      const { yearId: y, y: yy } = await newPeriod();
      return { i: { academicYearId: y, name: 'Q2', kind: 'QUARTER', grades: [5], startDate: `${yy}-11-03`, endDate: `${yy}-12-26` } };
    } },
  { field: 'Mutation.studyPeriodUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: StudyPeriodUpdateInput!) { studyPeriodUpdate(input: $i) { studyPeriod { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studyPeriodId: (await newPeriod()).periodId, name: `Четверть ${next()}` } }) },
  { field: 'Mutation.studyPeriodDelete', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: StudyPeriodDeleteInput!) { studyPeriodDelete(input: $i) { deletedStudyPeriodId userErrors { code message } } }`,
    variables: async () => ({ i: { studyPeriodId: (await newPeriod()).periodId } }) },
  { field: 'Mutation.holidayCreate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: HolidayCreateInput!) { holidayCreate(input: $i) { holiday { id } userErrors { code message } } }`,
    variables: async () => {
      const { yearId: y, y: yy } = await newPeriod();
      return { i: { academicYearId: y, name: 'Каникулы', startDate: `${yy}-11-01`, endDate: `${yy}-11-05` } };
    } },
  { field: 'Mutation.holidayUpdate', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: HolidayUpdateInput!) { holidayUpdate(input: $i) { holiday { id } userErrors { code message } } }`,
    variables: async () => ({ i: { holidayId: await newHoliday(), name: `Каникулы ${next()}` } }) },
  { field: 'Mutation.holidayDelete', requirement: 'R-YEAR-1', allowed: MANAGERS,
    document: `mutation($i: HolidayDeleteInput!) { holidayDelete(input: $i) { deletedHolidayId userErrors { code message } } }`,
    variables: async () => ({ i: { holidayId: await newHoliday() } }) },
  { field: 'Mutation.gradingSystemCreate', requirement: 'R-YEAR-2', allowed: MANAGERS,
    document: `mutation($i: GradingSystemCreateInput!) { gradingSystemCreate(input: $i) { gradingSystem { id } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, name: `Шкала ${next()}`, kind: 'PASS_FAIL', values: VALUES } }) },
  { field: 'Mutation.gradingSystemUpdate', requirement: 'R-YEAR-2', allowed: MANAGERS,
    document: `mutation($i: GradingSystemUpdateInput!) { gradingSystemUpdate(input: $i) { gradingSystem { id } userErrors { code message } } }`,
    variables: async () => ({ i: { gradingSystemId: await newGradingSystem(), name: `Шкала ${next()}` } }) },
  { field: 'Mutation.gradingSystemDelete', requirement: 'R-YEAR-2', allowed: MANAGERS,
    document: `mutation($i: GradingSystemDeleteInput!) { gradingSystemDelete(input: $i) { deletedGradingSystemId userErrors { code message } } }`,
    variables: async () => ({ i: { gradingSystemId: await newGradingSystem() } }) },
  // audit trail and node lookup
  { field: 'Query.auditLog', requirement: 'R-SEC-5', allowed: STAFF_ADMIN,
    document: `query($s: ID!) { auditLog(schoolId: $s, first: 5) { nodes { seq operation } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.auditVerify', requirement: 'R-SEC-5', allowed: STAFF_ADMIN,
    document: `query($s: ID!) { auditVerify(schoolId: $s) { ok checkedEntries } }`, variables: () => ({ s: schoolId }),
    check: (r) => expect(r.data.auditVerify.ok).toBe(true) },
  { field: 'Query.node', requirement: 'R-SEC-2', allowed: EVERY_USER,
    document: `query($s: ID!) { node(id: $s) { id ... on School { name } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.nodes', requirement: 'R-SEC-2', allowed: EVERY_USER,
    document: `query($s: ID!) { nodes(ids: [$s]) { id } }`, variables: () => ({ s: schoolId }) },
  // subjects, rooms, staff (R-YEAR-3)
  { field: 'Query.subjects', requirement: 'R-YEAR-3', allowed: EVERY_USER, document: `query($s: ID!) { subjects(schoolId: $s) { id name } }`, variables: () => ({ s: schoolId }) },
  { field: 'Query.rooms', requirement: 'R-YEAR-3', allowed: EVERY_USER, document: `query($s: ID!) { rooms(schoolId: $s) { id name } }`, variables: () => ({ s: schoolId }) },
  // R-ROLE-8: staff names are personal data, not for analysts
  { field: 'Query.staff', requirement: 'R-YEAR-3', allowed: EVERY_USER.filter((a) => a !== 'analyst'), document: `query($s: ID!) { staff(schoolId: $s, first: 5) { nodes { id fullName position } } }`, variables: () => ({ s: schoolId }) },
  { field: 'Mutation.subjectCreate', requirement: 'R-YEAR-3', allowed: MANAGERS,
    document: `mutation($i: SubjectCreateInput!) { subjectCreate(input: $i) { subject { id } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, name: `Предмет ${next()}`, component: 'SCHOOL' } }) },
  { field: 'Mutation.subjectUpdate', requirement: 'R-YEAR-3', allowed: MANAGERS,
    document: `mutation($i: SubjectUpdateInput!) { subjectUpdate(input: $i) { subject { id } userErrors { code message } } }`,
    variables: async () => ({ i: { subjectId: await newSubject(), name: `Предмет ${next()}` } }) },
  { field: 'Mutation.subjectArchive', requirement: 'R-YEAR-3', allowed: MANAGERS,
    document: `mutation($i: SubjectArchiveInput!) { subjectArchive(input: $i) { subject { id } userErrors { code message } } }`,
    variables: async () => ({ i: { subjectId: await newSubject() } }) },
  { field: 'Mutation.roomCreate', requirement: 'R-YEAR-3', allowed: MANAGERS,
    document: `mutation($i: RoomCreateInput!) { roomCreate(input: $i) { room { id } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, name: `Каб. ${next()}`, capacity: 30 } }) },
  { field: 'Mutation.roomUpdate', requirement: 'R-YEAR-3', allowed: MANAGERS,
    document: `mutation($i: RoomUpdateInput!) { roomUpdate(input: $i) { room { id } userErrors { code message } } }`,
    variables: async () => ({ i: { roomId: await newRoom(), capacity: 20 + next() } }) },
  { field: 'Mutation.roomArchive', requirement: 'R-YEAR-3', allowed: MANAGERS,
    document: `mutation($i: RoomArchiveInput!) { roomArchive(input: $i) { room { id } userErrors { code message } } }`,
    variables: async () => ({ i: { roomId: await newRoom() } }) },
  { field: 'Mutation.staffCreate', requirement: 'R-ROLE-3, R-SEC-10', allowed: MANAGERS,
    document: `mutation($i: StaffCreateInput!) { staffCreate(input: $i) { staff { id } oneTimePassword userErrors { code message } } }`,
    variables: () => ({ i: { schoolId, login: `staff${next()}`, lastName: 'Новиков', firstName: 'Иван', position: 'Учитель', roles: ['TEACHER'] } }) },
  { field: 'Mutation.staffUpdate', requirement: 'R-ROLE-3, R-SEC-10', allowed: MANAGERS,
    document: `mutation($i: StaffUpdateInput!) { staffUpdate(input: $i) { staff { id } userErrors { code message } } }`,
    variables: async () => ({ i: { staffId: await staffOf('teacher'), position: `Учитель ${next()}` } }) },
  { field: 'Mutation.staffArchive', requirement: 'R-ROLE-3, R-SEC-10', allowed: MANAGERS,
    document: `mutation($i: StaffArchiveInput!) { staffArchive(input: $i) { staff { id } userErrors { code message } } }`,
    variables: async () => {
      const [u] = await app.sql(`select login from app_user where id = $1`, [uuidOf(await newVictim())]);
      return { i: { staffId: await staffOf(u.login) } };
    } },
  // curriculum (R-YEAR-5), teaching load (R-YEAR-7), thematic plans (R-YEAR-8)
  { field: 'Query.curriculum', requirement: 'R-YEAR-5', allowed: EVERY_USER,
    document: `query($y: ID!) { curriculum(academicYearId: $y, grade: 5) { totalHoursPerWeek items { hoursPerWeek } } }`, variables: () => ({ y: yearId }) },
  { field: 'Mutation.curriculumSet', requirement: 'R-YEAR-5', allowed: MANAGERS,
    document: `mutation($i: CurriculumSetInput!) { curriculumSet(input: $i) { curriculum { grade } userErrors { code message } } }`,
    variables: async () => ({ i: { academicYearId: yearId, grade: 9, profile: `p${next()}`, items: [{ subjectId: await newSubject(), hoursPerWeek: 3 }] } }) },
  { field: 'Query.teachingAssignments', requirement: 'R-YEAR-7', allowed: TEACHERS,
    document: `query($y: ID!) { teachingAssignments(academicYearId: $y) { id hoursPerWeek targetName } }`, variables: () => ({ y: yearId }) },
  { field: 'Query.teacherLoad', requirement: 'R-YEAR-7', allowed: TEACHERS,
    document: `query($s: ID!, $y: ID!) { teacherLoad(staffId: $s, academicYearId: $y) { totalHoursPerWeek } }`,
    variables: async ({ actor }) => ({ s: await staffOf(actor), y: yearId }) },
  { field: 'Mutation.teachingAssignmentCreate', requirement: 'R-YEAR-7', allowed: MANAGERS,
    document: `mutation($i: TeachingAssignmentCreateInput!) { teachingAssignmentCreate(input: $i) { teachingAssignment { id } userErrors { code message } } }`,
    variables: async () => ({ i: { teacherId: await staffOf('teacher'), subjectId: await newSubject(), classId: await newPlainClass(), hoursPerWeek: 3 } }) },
  { field: 'Mutation.teachingAssignmentUpdate', requirement: 'R-YEAR-7', allowed: MANAGERS,
    document: `mutation($i: TeachingAssignmentUpdateInput!) { teachingAssignmentUpdate(input: $i) { teachingAssignment { id } userErrors { code message } } }`,
    variables: async () => ({ i: { teachingAssignmentId: (await newAssignment()).id, hoursPerWeek: 4 } }) },
  { field: 'Mutation.teachingAssignmentDelete', requirement: 'R-YEAR-7', allowed: MANAGERS,
    document: `mutation($i: TeachingAssignmentDeleteInput!) { teachingAssignmentDelete(input: $i) { deletedTeachingAssignmentId userErrors { code message } } }`,
    variables: async () => ({ i: { teachingAssignmentId: (await newAssignment()).id } }) },
  { field: 'Query.thematicPlan', requirement: 'R-YEAR-8', allowed: TEACHERS,
    document: `query($y: ID!, $s: ID!, $c: ID) { thematicPlan(academicYearId: $y, subjectId: $s, classId: $c) { id topics { title } } }`,
    variables: async ({ actor }) => { const a = await newAssignment(actor === 'anonymous' ? 'teacher' : actor); return { y: yearId, s: a.subjectId, c: a.classId }; } },
  { field: 'Mutation.thematicPlanReplace', requirement: 'R-YEAR-8', allowed: PLAN_EDITORS,
    document: `mutation($i: ThematicPlanReplaceInput!) { thematicPlanReplace(input: $i) { thematicPlan { id } userErrors { code message } } }`,
    variables: async ({ actor }) => { const a = await newAssignment(actor === 'anonymous' ? 'teacher' : actor); return { i: { academicYearId: yearId, subjectId: a.subjectId, classId: a.classId, topics: [{ title: 'Тема', hours: 2 }] } }; } },
  { field: 'Mutation.plannedTopicsReorder', requirement: 'R-YEAR-8', allowed: PLAN_EDITORS,
    document: `mutation($i: PlannedTopicsReorderInput!) { plannedTopicsReorder(input: $i) { thematicPlan { id } userErrors { code message } } }`,
    variables: async ({ actor }) => { const planId = await newPlan(actor === 'anonymous' ? 'teacher' : actor); return { i: { planId, topicIds: await reversedTopicIds(planId) } }; } },
  // classes and people (R-YEAR-4, R-ROLE-5, R-SEC-1, R-SEC-3)
  // R-ROLE-8: the class teacher's name is staff personal data, withheld from the analyst
  { field: 'Query.classes', requirement: 'R-YEAR-4, R-ROLE-8', allowed: EVERY_USER, withheld: { actors: ['analyst'], fields: ['classTeacherName'] },
    document: `query($y: ID!) { classes(academicYearId: $y) { id name studentCount classTeacherName } }`, variables: () => ({ y: yearId }) },
  { field: 'Query.schoolClass', requirement: 'R-SEC-3', allowed: EVERY_USER,
    document: `query($c: ID!) { schoolClass(id: $c) { name studentCount students { pseudonym fullName guardians { kind guardian { fullName } } } } }`,
    variables: async ({ actor }) => ({ c: (await studentFor(actor)).classId }) },
  { field: 'Query.student', requirement: 'R-SEC-3', allowed: EVERY_USER, hidden: ['analyst'],
    document: `query($s: ID!) { student(id: $s) { pseudonym fullName birthDate currentClass { name } } }`,
    variables: async ({ actor }) => ({ s: (await studentFor(actor)).studentId }) },
  { field: 'Query.classCredentialsSheet', requirement: 'R-SEC-1', allowed: ISSUERS,
    document: `query($c: ID!) { classCredentialsSheet(classId: $c) { holder name hasAccount login } }`,
    variables: async ({ actor }) => ({ c: (await studentFor(actor)).classId }) },
  { field: 'Mutation.classCreate', requirement: 'R-YEAR-4', allowed: MANAGERS,
    document: `mutation($i: ClassCreateInput!) { classCreate(input: $i) { schoolClass { id } userErrors { code message } } }`,
    variables: () => { const n = next(); return { i: { academicYearId: yearId, grade: (n % 11) + 1, letter: `Н${n}` } }; } },
  { field: 'Mutation.classUpdate', requirement: 'R-YEAR-4', allowed: MANAGERS,
    document: `mutation($i: ClassUpdateInput!) { classUpdate(input: $i) { schoolClass { id } userErrors { code message } } }`,
    variables: async () => ({ i: { classId: await newLedClass(), profile: `профиль ${next()}` } }) },
  { field: 'Mutation.studentCreate', requirement: 'R-YEAR-4', allowed: MANAGERS,
    document: `mutation($i: StudentCreateInput!) { studentCreate(input: $i) { student { pseudonym } userErrors { code message } } }`,
    variables: () => ({ i: { schoolId } }) },
  { field: 'Mutation.studentUpdate', requirement: 'R-ROLE-5', allowed: ROSTER_EDITORS,
    document: `mutation($i: StudentUpdateInput!) { studentUpdate(input: $i) { student { id } userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { studentId: (await studentFor(actor)).studentId, phone: `+7 900 ${100 + next()}-00-00` } }) },
  { field: 'Mutation.guardianCreate', requirement: 'R-ROLE-5', allowed: ROSTER_EDITORS,
    document: `mutation($i: GuardianCreateInput!) { guardianCreate(input: $i) { guardian { id } userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { studentId: (await studentFor(actor)).studentId, kind: 'MOTHER', lastName: 'Новикова', firstName: 'Ирина' } }) },
  { field: 'Mutation.guardianUpdate', requirement: 'R-ROLE-5', allowed: ROSTER_EDITORS,
    document: `mutation($i: GuardianUpdateInput!) { guardianUpdate(input: $i) { guardian { id } userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { guardianId: await guardianOf((await studentFor(actor)).studentId), email: `g${next()}@example.org` } }) },
  { field: 'Mutation.guardianLink', requirement: 'R-ROLE-5', allowed: ROSTER_EDITORS,
    document: `mutation($i: GuardianLinkInput!) { guardianLink(input: $i) { link { kind } userErrors { code message } } }`,
    variables: async ({ actor }) => {
      const guardianId = await guardianOf((await studentFor('admin')).studentId);
      return { i: { studentId: (await studentFor(actor)).studentId, guardianId, kind: 'GUARDIAN' } };
    } },
  { field: 'Mutation.guardianUnlink', requirement: 'R-ROLE-5', allowed: ROSTER_EDITORS,
    document: `mutation($i: GuardianUnlinkInput!) { guardianUnlink(input: $i) { link { removedAt } userErrors { code message } } }`,
    variables: async ({ actor }) => { const { studentId } = await studentFor(actor); return { i: { studentId, guardianId: await guardianOf(studentId) } }; } },
  { field: 'Mutation.credentialsIssue', requirement: 'R-SEC-1', allowed: ISSUERS,
    document: `mutation($i: CredentialsIssueInput!) { credentialsIssue(input: $i) { credentials { login } userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { studentId: (await studentFor(actor)).studentId } }) },
  { field: 'Mutation.classCredentialsIssue', requirement: 'R-SEC-1', allowed: ISSUERS,
    document: `mutation($i: ClassCredentialsIssueInput!) { classCredentialsIssue(input: $i) { issued { login } userErrors { code message } } }`,
    variables: async ({ actor }) => ({ i: { classId: (await studentFor(actor)).classId } }) },
  // consent (R-SEC-4)
  { field: 'Mutation.consentRegister', requirement: 'R-SEC-4', allowed: CONSENT_MANAGERS,
    document: `mutation($i: ConsentRegisterInput!) { consentRegister(input: $i) { consentStatus userErrors { code message } } }`,
    variables: async (env) => ({ i: { studentId: (await consentTarget(env, 'NONE')).studentId, decision: 'GIVEN', decidedOn: '2025-09-01', documentRef: 'Заявление № 1' } }) },
  { field: 'Mutation.consentWithdraw', requirement: 'R-SEC-4', allowed: CONSENT_MANAGERS,
    document: `mutation($i: ConsentWithdrawInput!) { consentWithdraw(input: $i) { consentStatus erasureJob { id dueAt } userErrors { code message } } }`,
    variables: async (env) => ({ i: { studentId: (await consentTarget(env, 'GIVEN')).studentId, decidedOn: '2025-09-01', documentRef: 'Отзыв № 1' } }) },
  { field: 'Query.studentsByConsent', requirement: 'R-SEC-4', allowed: CONSENT_MANAGERS,
    document: `query($c: ID!) { studentsByConsent(classId: $c, status: GIVEN) { studentId pseudonym consentStatus } }`,
    variables: async (env) => ({ c: (await consentTarget(env, 'GIVEN')).classId }) },
  // groups, individual plans, movement (R-YEAR-4, R-YEAR-5, R-YEAR-11)
  { field: 'Query.studyGroups', requirement: 'R-YEAR-4', allowed: EVERY_USER,
    document: `query($y: ID!) { studyGroups(academicYearId: $y) { id name kind } }`, variables: () => ({ y: yearId }) },
  { field: 'Query.studyGroup', requirement: 'R-YEAR-4', allowed: EVERY_USER,
    document: `query($g: ID!) { studyGroup(id: $g) { id name members(onDate: "2025-10-01") { id } } }`,
    variables: async () => ({ g: await newGroupRow() }) },
  { field: 'Query.classMembers', requirement: 'R-YEAR-11', allowed: EVERY_USER,
    document: `query($c: ID!) { classMembers(classId: $c, onDate: "2025-10-01") { id fromDate } }`,
    variables: async () => ({ c: await newPlainClass() }) },
  { field: 'Query.individualPlan', requirement: 'R-YEAR-5', allowed: EVERY_USER, hidden: ['analyst'],
    document: `query($s: ID!, $y: ID!) { individualPlan(studentId: $s, academicYearId: $y) { id } }`,
    variables: async ({ actor }) => ({ s: (await studentFor(actor)).studentId, y: yearId }) },
  { field: 'Mutation.studyGroupCreate', requirement: 'R-YEAR-4', allowed: MANAGERS,
    document: `mutation($i: StudyGroupCreateInput!) { studyGroupCreate(input: $i) { studyGroup { id } userErrors { code message } } }`,
    variables: () => ({ i: { academicYearId: yearId, name: `Кружок ${next()}`, kind: 'CLUB' } }) },
  { field: 'Mutation.studyGroupUpdate', requirement: 'R-YEAR-4', allowed: MANAGERS,
    document: `mutation($i: StudyGroupUpdateInput!) { studyGroupUpdate(input: $i) { studyGroup { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studyGroupId: await newGroupRow(), name: `Кружок ${next()}` } }) },
  { field: 'Mutation.studyGroupArchive', requirement: 'R-YEAR-4', allowed: MANAGERS,
    document: `mutation($i: StudyGroupArchiveInput!) { studyGroupArchive(input: $i) { studyGroup { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studyGroupId: await newGroupRow() } }) },
  // R-ROLE-5: a subgroup is re-formed by the class teacher of its class and the teacher of its subject there
  { field: 'Mutation.groupMemberAdd', requirement: 'R-YEAR-4, R-ROLE-5', allowed: SUBGROUP_FORMERS,
    document: `mutation($i: GroupMemberAddInput!) { groupMemberAdd(input: $i) { membership { id } userErrors { code message } } }`,
    variables: async () => { const { groupId, studentId } = await subgroupOfLedClass(); return { i: { groupId, studentId, fromDate: '2025-09-01' } }; } },
  { field: 'Mutation.groupMemberRemove', requirement: 'R-YEAR-4, R-ROLE-5', allowed: SUBGROUP_FORMERS,
    document: `mutation($i: GroupMemberRemoveInput!) { groupMemberRemove(input: $i) { membership { id } userErrors { code message } } }`,
    variables: async () => {
      const { groupId, studentId } = await subgroupOfLedClass();
      await setup().ok(`mutation($i: GroupMemberAddInput!) { groupMemberAdd(input: $i) { userErrors { message } } }`, { i: { groupId, studentId, fromDate: '2025-09-01' } });
      return { i: { groupId, studentId, toDate: '2025-10-01' } };
    } },
  { field: 'Mutation.individualPlanSet', requirement: 'R-YEAR-5', allowed: MANAGERS,
    document: `mutation($i: IndividualPlanSetInput!) { individualPlanSet(input: $i) { individualPlan { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studentId: toGlobalId('Student', await newStudentRow()), academicYearId: yearId, reason: 'ПМПК',
      subjects: [{ subjectId: toGlobalId('Subject', await newSubjectRow()), hoursPerWeek: 2 }] } }) },
  { field: 'Mutation.individualPlanRemove', requirement: 'R-YEAR-5', allowed: MANAGERS,
    document: `mutation($i: IndividualPlanRemoveInput!) { individualPlanRemove(input: $i) { deletedIndividualPlanId userErrors { code message } } }`,
    variables: async () => {
      const i = { studentId: toGlobalId('Student', await newStudentRow()), academicYearId: yearId };
      await setup().ok(`mutation($i: IndividualPlanSetInput!) { individualPlanSet(input: $i) { userErrors { message } } }`,
        { i: { ...i, reason: 'ПМПК', subjects: [{ subjectId: toGlobalId('Subject', await newSubjectRow()), hoursPerWeek: 2 }] } });
      return { i };
    } },
  { field: 'Mutation.studentEnrol', requirement: 'R-YEAR-11', allowed: MANAGERS,
    document: `mutation($i: StudentEnrolInput!) { studentEnrol(input: $i) { membership { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studentId: toGlobalId('Student', await newStudentRow()), classId: await newPlainClass(), fromDate: '2025-09-01' } }) },
  { field: 'Mutation.studentTransfer', requirement: 'R-YEAR-11', allowed: MANAGERS,
    document: `mutation($i: StudentTransferInput!) { studentTransfer(input: $i) { membership { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studentId: toGlobalId('Student', await newStudentRow(await newClassRow())), toClassId: await newPlainClass(), date: '2025-11-03' } }) },
  { field: 'Mutation.studentLeave', requirement: 'R-YEAR-11', allowed: MANAGERS,
    document: `mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { membership { id } userErrors { code message } } }`,
    variables: async () => ({ i: { studentId: toGlobalId('Student', await newStudentRow(await newClassRow())), date: '2025-11-10', reason: 'переезд' } }) },
  ...timetableOps(fx),
  ...lessonOps(fx),
  ...controlWorkOps(fx),
  ...eventOps(fx),
  ...productionCalendarOps(fx),
  ...journalOps(fx),
  ...finalMarkOps(fx),
  ...messageOps(fx),
];

/**
 * Runs a subscription over graphql-ws until its first message: the event, or the error refusing it.
 * Also runs operations on the socket itself (`overWebSocket`). A socket closed for want of a token counts as UNAUTHENTICATED.
 */
async function subscribeOnce(env: MatrixEnv, document: string, variables?: Record<string, unknown>): Promise<GqlResult> {
  const ws = app.ws(env.client.token);
  const r = collect(ws, document, variables);
  await r.until((x) => x.data.length > 0 || x.errors.length > 0 || x.completed, 5000);
  r.unsubscribe();
  await ws.dispose();
  const errors = r.errors.map((e) => (typeof e?.code === 'number' ? { message: e.reason, extensions: { code: e.code === 4401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' } } : e));
  return { data: r.data[0], errors: errors.length ? errors : undefined, status: 200 };
}

const auditCount = async () => Number((await app.sql(`select count(*)::int as n from audit_entry`))[0].n);

test('R-SEC-2: the matrix covers every root operation of the schema', async () => {
  const schema = await buildBaseSchema();
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((t): t is GraphQLObjectType => !!t)
    .flatMap((t) => Object.keys(t.getFields()).map((f) => `${t.name}.${f}`));
  expect(OPS.map((o) => o.field).sort()).toEqual(roots.sort());
});

describe.each(OPS.map((op) => [`${op.requirement}: ${op.field}`, op] as const))('%s', (_name, op) => {
  test.each(ACTORS.map((a) => [a, op.hidden?.includes(a) ? 'allowed, record hidden' : op.allowed.includes(a) ? 'allowed' : 'refused'] as const))('%s is %s', async (actor, expected) => {
    const env: MatrixEnv = {
      app, schoolId, unique: String(next()), actor,
      client: op.freshSession && actor !== 'anonymous' ? await app.as(actor) : clients.get(actor)!,
    };
    const variables = op.variables ? await op.variables(env) : undefined;
    const before = await auditCount();
    const r: GqlResult = op.field.startsWith('Subscription.') || op.overWebSocket ? await subscribeOnce(env, op.document, variables) : await env.client.gql(op.document, variables);
    const after = await auditCount();
    await op.after?.(env);
    // R-ROLE-8: whatever the analyst gets — data or refusal — carries no personal data of the school
    if (actor === 'analyst') expect(personalDataIn(r, await personalDataOf(app, 'analyst'))).toEqual([]);
    const isMutation = op.field.startsWith('Mutation.');
    if (expected === 'refused') {
      expect(DENIED_CODES).toContain(r.errors?.[0]?.extensions?.code);
      expect(r.data?.[op.field.split('.')[1]] ?? null).toBeNull();
      expect(after).toBe(before); // R-SEC-5: refused operations leave no audit entry
      return;
    }
    if (op.hidden?.includes(actor)) {
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(after).toBe(before);
      return;
    }
    if (op.withheld?.actors.includes(actor)) {
      // R-ROLE-8: the rest of the answer is there; only the withheld fields are refused
      expect(r.errors?.length).toBeGreaterThan(0);
      for (const e of r.errors ?? []) {
        expect(e.extensions?.code).toBe('FORBIDDEN');
        expect(op.withheld.fields).toContain(e.path?.[e.path.length - 1]);
      }
      expect(r.data?.[op.field.split('.')[1]]).not.toBeNull();
      return;
    }
    const denied = (r.errors ?? []).filter((e) => DENIED_CODES.includes(e.extensions?.code));
    expect(denied).toEqual([]);
    expect(r.errors ?? []).toEqual([]);
    if (op.check) op.check(r, env);
    if (isMutation) {
      const payload = r.data[op.field.split('.')[1]];
      expect(payload.userErrors).toEqual([]);
      if (op.changesNoData) expect(after).toBe(before);
      else expect(after).toBeGreaterThan(before); // R-SEC-5: every mutation is audited
    } else {
      expect(after).toBe(before);
    }
  });
});

test('R-ROLE-8: every path the analyst may take towards people yields no name, birth date, phone or e-mail of the school', async () => {
  const analyst = clients.get('analyst')!;
  // A class led by the class teacher, taught by the teacher, with a student and a guardian who have every kind of personal data
  const { studentId, classId } = await studentFor('parent');
  const sid = uuidOf(studentId);
  await app.sql(`update student set middle_name = 'Сергеевич', birth_date = '2013-04-17', phone = '+7 903 555-17-04', email = 'matvey.u@example.org' where id = $1`, [sid]);
  await app.sql(`update guardian set phone = '+7 903 555-99-01', email = 'p.roditelev@example.org' where id in (select guardian_id from student_guardian where student_id = $1)`, [sid]);
  await newAssignmentRow(uuidOf(classId), 1);
  await app.sql(`insert into control_work (id, created_at, updated_at, school_id, academic_year_id, date, subject_id, school_class_id, form)
    values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-26', $3, $4, 'TEST')`, [demoSchoolUuid(), demoYearUuid(), await newSubjectRow(), uuidOf(classId)]);
  const anyStudent = { id: sid };
  const [anyStaff] = await app.sql(`select id from staff where user_id = (select id from app_user where login = 'classteacher')`);
  const [anyUser] = await app.sql(`select id from app_user where login = 'teacher'`);
  const people = `classTeacherName classTeacher { fullName position user { login fullName } } studentCount
    students { pseudonym fullName lastName birthDate phone email guardians { kind guardian { fullName phone email } } }`;
  // the people of a class reached through a list of classes (studyGroups, controlWorks): each list × every student and guardian is over the cost limit (issue 9 §1)
  const peopleOfEach = 'classTeacherName classTeacher { fullName } studentCount students { fullName birthDate phone }';
  const documents: [string, Record<string, unknown>][] = [
    // every class with every student and guardian is over the cost limit at real class sizes (issue 9 §1): one class with its people, and the list of classes
    [`query($c: ID!) { schoolClass(id: $c) { name ${people} } }`, { c: classId }],
    [`query($y: ID!) { classes(academicYearId: $y) { name classTeacherName classTeacher { fullName position user { login fullName } } studentCount students { pseudonym } } }`, { y: yearId }],
    // narrowed to the class: every group × its classes × their students is over the cost limit (issue 9 §1)
    [`query($y: ID!, $c: ID!) { studyGroups(academicYearId: $y, classId: $c) { name classes { name ${peopleOfEach} } members(onDate: "2025-11-25") { student { fullName birthDate } } } }`, { y: yearId, c: classId }],
    [`query($y: ID!) { timetable(academicYearId: $y) { weekday teacher { fullName } student { fullName } schoolClass { classTeacherName } } }`, { y: yearId }],
    [`query($y: ID!, $c: ID!) { controlWorks(academicYearId: $y, classId: $c) { date form schoolClass { name ${peopleOfEach} } group { name } } }`, { y: yearId, c: classId }],
    [`query($s: ID!) { staff(schoolId: $s, first: 50) { nodes { fullName } } }`, { s: schoolId }],
    [`query($s: ID!) { users(schoolId: $s, first: 50) { nodes { login fullName } } }`, { s: schoolId }],
    [`query($s: ID!) { auditLog(schoolId: $s, first: 50) { nodes { actorLogin changes } } }`, { s: schoolId }],
    [`query($y: ID!) { teachingAssignments(academicYearId: $y) { targetName } }`, { y: yearId }],
    [`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Student { fullName birthDate } ... on Staff { staffName: fullName } ... on User { login userName: fullName } } }`,
      { ids: [toGlobalId('Student', anyStudent.id), toGlobalId('Staff', anyStaff.id), toGlobalId('User', anyUser.id)] }],
    [`query($s: ID!) { student(id: $s) { fullName birthDate phone guardians { guardian { fullName phone } } } }`, { s: toGlobalId('Student', anyStudent.id) }],
    [`query($s: ID!) { studentDiary(studentId: $s, from: "2025-11-24", to: "2025-11-30") { lessons { teacher { fullName } } } }`, { s: toGlobalId('Student', anyStudent.id) }],
  ];
  const scan = await personalDataOf(app, 'analyst');
  // the school's people are there to be found
  for (const v of ['Учеников', '2013-04-17', '+7 903 555-17-04', 'matvey.u@example.org', '+7 903 555-99-01', 'Родителев', 'Соколова', 'Волков']) expect(scan.values).toContain(v);
  for (const [document, variables] of documents) {
    const r = await analyst.gql(document, variables);
    expect(r.errors?.filter((e) => e.extensions?.code === 'BAD_USER_INPUT') ?? []).toEqual([]);
    expect({ document, found: personalDataIn(r, scan) }).toEqual({ document, found: [] });
  }
  // and the same reads as the director do find them: the scan is not blind
  const director = clients.get('director')!;
  const seen = personalDataIn(await director.gql(documents[0][0], documents[0][1]), scan);
  for (const v of ['Учеников', '2013-04-17', '+7 903 555-17-04', 'Соколова']) expect(seen).toContain(v);
});
