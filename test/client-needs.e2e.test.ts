import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { createOtherSchool, expectUnchanged, insertLesson } from './helpers/db';
import * as f from './helpers/factories';

/** Issue 9 §4: what a client app needs — `me { students }`, the teacher's timetable with substitutions, free teachers and rooms of a slot. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let year: string;
const gid = f.gid;

const ME_STUDENTS = `{ me { id students { id pseudonym lastName } } }`;
const STUDENT = `query($id: ID!) { student(id: $id) { id lastName } }`;
const myStudents = async (client: HttpClient) => (await client.ok(ME_STUDENTS)).me.students.map((s: { id: string }) => s.id).sort();
const visible = async (client: HttpClient, studentId: string) => {
  const r = await client.gql(STUDENT, { id: gid('Student', studentId) });
  return r.errors ? errorCode(r) : r.data.student.id;
};

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'deputy', 'director', 'teacher', 'student', 'parent']) c[login] = await app.as(login);
  ({ schoolId: school, yearId: year } = await f.demo(app));
});
afterAll(async () => { await app?.stop(); });

describe('issue 9 §4: me { students }', () => {
  test('R-ROLE-7: a parent gets both children in one call, exactly those student(id) shows; another family sees none of them', async () => {
    const cls = await f.schoolClass(app, school, year, { grade: 6 });
    const parent = await f.user(app, school, ['PARENT']);
    const a = await f.student(app, school, { classId: cls, guardianUserId: parent.userId });
    const b = await f.student(app, school, { classId: cls, guardianUserId: parent.userId });
    const other = await f.user(app, school, ['PARENT']);
    const theirs = await f.student(app, school, { classId: cls, guardianUserId: other.userId });
    const mom = await app.as(parent.login);
    const stranger = await app.as(other.login);

    const r = await mom.ok(ME_STUDENTS);
    expect(r.me.students.map((s: { id: string }) => s.id).sort()).toEqual([gid('Student', a.studentId), gid('Student', b.studentId)].sort());
    expect(r.me.students.map((s: { lastName: string }) => s.lastName).sort()).toEqual([a.pd.lastName, b.pd.lastName].sort());
    for (const s of [a, b]) expect(await visible(mom, s.studentId)).toBe(gid('Student', s.studentId));

    // attacker: the guardian of another family sees only their own child, and nothing of this family
    const seen = await stranger.gql(ME_STUDENTS);
    expect(seen.data.me.students.map((s: { id: string }) => s.id)).toEqual([gid('Student', theirs.studentId)]);
    for (const pd of [a.pd, b.pd]) expect(JSON.stringify(seen)).not.toContain(pd.lastName);
    for (const s of [a, b]) expect(await visible(stranger, s.studentId)).toBe('NOT_FOUND');
    // nor can anyone read another account's students, not even the administration
    const users = await c.admin.gql(`query($s: ID!) { users(schoolId: $s, role: PARENT, first: 100) { edges { node { id students { id } } } } }`, { s: gid('School', school) });
    expect(errorCode(users)).toBe('FORBIDDEN');
    expect(users.data?.users?.edges?.some((e: any) => e.node?.students?.length)).toBeFalsy();
    expect(JSON.stringify(users)).not.toContain(a.pd.lastName);
  });

  test('R-ROLE-6: a student gets themself; a teacher gets an empty list', async () => {
    const account = await f.user(app, school, ['STUDENT']);
    const self = await f.student(app, school, { classId: await f.schoolClass(app, school, year), studentUserId: account.userId });
    await f.student(app, school, { classId: await f.schoolClass(app, school, year) });
    expect(await myStudents(await app.as(account.login))).toEqual([gid('Student', self.studentId)]);
    expect(await myStudents(c.teacher)).toEqual([]);
    expect(await myStudents(c.deputy)).toEqual([]);
  });

  test('R-SEC-3, R-SEC-8: an ended guardian link or a child who left the school is gone from me { students } and student(id) alike', async () => {
    const cls = await f.schoolClass(app, school, year, { grade: 6 });
    const parent = await f.user(app, school, ['PARENT']);
    const stays = await f.student(app, school, { classId: cls, guardianUserId: parent.userId });
    const leaves = await f.student(app, school, { classId: cls, guardianUserId: parent.userId });
    const unlinked = await f.student(app, school, { classId: cls, guardianUserId: parent.userId });
    const mom = await app.as(parent.login);
    expect(await myStudents(mom)).toHaveLength(3);

    const unlink = await c.deputy.ok(`mutation($i: GuardianUnlinkInput!) { guardianUnlink(input: $i) { userErrors { code } } }`,
      { i: { studentId: gid('Student', unlinked.studentId), guardianId: gid('Guardian', unlinked.guardianId) } });
    expect(unlink.guardianUnlink.userErrors).toEqual([]);
    const left = await c.deputy.ok(`mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { blockedUserIds userErrors { code } } }`,
      { i: { studentId: gid('Student', leaves.studentId), date: '2025-11-20', reason: 'переезд' } });
    // the parent keeps the account: another child is still enrolled
    expect(left.studentLeave).toEqual({ blockedUserIds: [], userErrors: [] });

    expect(await myStudents(mom)).toEqual([gid('Student', stays.studentId)]);
    expect(await visible(mom, stays.studentId)).toBe(gid('Student', stays.studentId));
    expect(await visible(mom, leaves.studentId)).toBe('NOT_FOUND');
    expect(await visible(mom, unlinked.studentId)).toBe('NOT_FOUND');
    const diary = await mom.gql(`query($s: ID!) { studentDiary(studentId: $s, from: "2025-11-17", to: "2025-11-21") { date } }`, { s: gid('Student', leaves.studentId) });
    expect(errorCode(diary)).toBe('NOT_FOUND');
  });
});

const TIMETABLE = `query($t: ID) { teacherTimetable(from: "2025-11-17", to: "2025-11-17", teacherId: $t) {
  date lessons { id } entries { role lesson { id isSubstitution teacher { id } substituteTeacher { id } } } } }`;

describe('issue 9 §4: teacherTimetable with substitutions', () => {
  test('R-JOUR-6: the owner sees their substituted lesson as SUBSTITUTED_AWAY, the substitute as SUBSTITUTE; both for the administration too', async () => {
    const owner = await f.staff(app, school);
    const sub = await f.staff(app, school);
    const cls = await f.schoolClass(app, school, year);
    const subjectId = await f.subject(app, school);
    const base = { schoolId: school, yearId: year, subjectId, classId: cls, date: '2025-11-17' };
    const away = await insertLesson(app, { ...base, teacherId: owner.staffId, n: 2 });
    const own = await insertLesson(app, { ...base, teacherId: owner.staffId, n: 3 });
    const r = await c.deputy.ok(`mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { userErrors { code } } }`,
      { i: { lessonId: gid('Lesson', away), substituteTeacherId: gid('Staff', sub.staffId), reason: 'больничный' } });
    expect(r.lessonSubstitute.userErrors).toEqual([]);

    const ownerView = [(await (await app.as(owner.login)).ok(TIMETABLE)).teacherTimetable,
      (await c.deputy.ok(TIMETABLE, { t: gid('Staff', owner.staffId) })).teacherTimetable];
    for (const [day] of ownerView) {
      expect(day.entries.map((e: any) => [e.role, e.lesson.id])).toEqual([['SUBSTITUTED_AWAY', gid('Lesson', away)], ['OWN', gid('Lesson', own)]]);
      expect(day.entries[0].lesson.substituteTeacher).toEqual({ id: gid('Staff', sub.staffId) });
      // `lessons` keeps its meaning: the lessons they conduct
      expect(day.lessons).toEqual([{ id: gid('Lesson', own) }]);
    }
    const subView = [(await (await app.as(sub.login)).ok(TIMETABLE)).teacherTimetable,
      (await c.deputy.ok(TIMETABLE, { t: gid('Staff', sub.staffId) })).teacherTimetable];
    for (const [day] of subView) {
      expect(day.entries.map((e: any) => [e.role, e.lesson.id, e.lesson.teacher.id])).toEqual([['SUBSTITUTE', gid('Lesson', away), gid('Staff', owner.staffId)]]);
      expect(day.lessons).toEqual([{ id: gid('Lesson', away) }]);
    }
  });
});

const SLOT = `query($s: ID!, $d: LocalDate!, $n: Int!, $c: ID, $g: ID, $subj: ID) {
  lessonSlotAvailability(schoolId: $s, date: $d, lessonNumber: $n, classId: $c, groupId: $g, subjectId: $subj) {
    date lessonNumber holiday { name } teachers { staff { id } teachesSubject teachesClassOrGroup } rooms { id } } }`;
const SUBSTITUTE = `mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { lesson { id } userErrors { code } } }`;
const MOVE = `mutation($i: LessonMoveInput!) { lessonMove(input: $i) { lesson { id } userErrors { code } } }`;

const room = () => f.room(app, school, { name: `Каб. С${Math.random().toString(36).slice(2, 8)}` });

describe('issue 9 §4: free teachers and rooms of a lesson slot', () => {
  const D = '2025-11-19';
  const N = 2;

  test('R-JOUR-6, R-YEAR-9: every teacher listed can substitute without TEACHER_CONFLICT, every one left out gets it; the same for rooms and lessonMove', async () => {
    const cls = await f.schoolClass(app, school, year);
    const subjectId = await f.subject(app, school);
    const owner = await f.staff(app, school);
    const target = await insertLesson(app, { schoolId: school, yearId: year, subjectId, classId: cls, teacherId: owner.staffId, date: D, n: N });
    // a teacher busy with their own lesson (in a room), one busy as a substitute, one whose lesson there is cancelled
    const busy = await f.staff(app, school);
    const busyRoom = await room();
    await insertLesson(app, { schoolId: school, yearId: year, subjectId, classId: await f.schoolClass(app, school, year), teacherId: busy.staffId, date: D, n: N, roomId: busyRoom });
    const busySub = await f.staff(app, school);
    const elsewhere = await insertLesson(app, { schoolId: school, yearId: year, subjectId, classId: await f.schoolClass(app, school, year), teacherId: (await f.staff(app, school)).staffId, date: D, n: N });
    await app.sql(`update lesson set substitute_teacher_id = $1, substitution_reason = 'x' where id = $2`, [busySub.staffId, elsewhere]);
    const freedRoom = await room();
    const cancelledTeacher = await f.staff(app, school);
    const cancelled = await insertLesson(app, { schoolId: school, yearId: year, subjectId, classId: await f.schoolClass(app, school, year), teacherId: cancelledTeacher.staffId, date: D, n: N, roomId: freedRoom });
    await app.sql(`update lesson set status = 'CANCELLED', cancel_reason = 'x' where id = $1`, [cancelled]);
    const archived = await f.staff(app, school);
    await app.sql(`update staff set archived_at = now() where id = $1`, [archived.staffId]);
    // a teacher of the subject, listed first
    const specialist = await f.staff(app, school);
    await f.assignment(app, { schoolId: school, yearId: year, teacherId: specialist.staffId, subjectId, classId: await f.schoolClass(app, school, year) });

    const slot = (await c.deputy.ok(SLOT, { s: gid('School', school), d: D, n: N, c: gid('SchoolClass', cls), subj: gid('Subject', subjectId) })).lessonSlotAvailability;
    expect(slot).toMatchObject({ date: D, lessonNumber: N, holiday: null });
    const listed: string[] = slot.teachers.map((t: any) => t.staff.id);
    expect(slot.teachers[0]).toEqual({ staff: { id: gid('Staff', specialist.staffId) }, teachesSubject: true, teachesClassOrGroup: false });
    expect(listed).toContain(gid('Staff', cancelledTeacher.staffId));
    for (const s of [busy, busySub, owner, archived]) expect(listed).not.toContain(gid('Staff', s.staffId));
    const rooms: string[] = slot.rooms.map((r: any) => r.id);
    expect(rooms).toContain(gid('Room', freedRoom));
    expect(rooms).not.toContain(gid('Room', busyRoom));

    // every current TEACHER of the school is either listed or busy at the slot
    const all: string[] = (await app.sql(`select st.id from staff st where st.school_id = $1 and st.archived_at is null
      and exists (select 1 from role_assignment ra where ra.user_id = st.user_id and ra.school_id = st.school_id and ra.role = 'TEACHER')`, [school]))
      .map((r: any) => gid('Staff', r.id));
    const leftOut = all.filter((id) => !listed.includes(id) && id !== gid('Staff', owner.staffId));
    expect(leftOut.length).toBeGreaterThanOrEqual(2);
    const lessonId = gid('Lesson', target);
    for (const staffId of leftOut) {
      const r = await expectUnchanged(app, ['lesson', 'audit_entry'], () => c.deputy.ok(SUBSTITUTE, { i: { lessonId, substituteTeacherId: staffId, reason: 'больничный' } }));
      expect([staffId, r.lessonSubstitute.userErrors]).toEqual([staffId, [{ code: 'TEACHER_CONFLICT' }]]);
    }
    for (const staffId of listed) {
      const r = await c.deputy.ok(SUBSTITUTE, { i: { lessonId, substituteTeacherId: staffId, reason: 'больничный' } });
      expect([staffId, r.lessonSubstitute.userErrors]).toEqual([staffId, []]);
    }

    const allRooms: string[] = (await app.sql(`select id from room where school_id = $1 and archived_at is null`, [school])).map((r: any) => gid('Room', r.id));
    const roomsLeftOut = allRooms.filter((id) => !rooms.includes(id));
    expect(roomsLeftOut).toContain(gid('Room', busyRoom));
    for (const roomId of roomsLeftOut) {
      const r = await expectUnchanged(app, ['lesson', 'audit_entry'], () => c.deputy.ok(MOVE, { i: { lessonId, roomId, reason: 'ремонт' } }));
      expect([roomId, r.lessonMove.userErrors]).toEqual([roomId, [{ code: 'ROOM_CONFLICT' }]]);
    }
    for (const roomId of rooms) {
      const r = await c.deputy.ok(MOVE, { i: { lessonId, roomId, reason: 'ремонт' } });
      expect([roomId, r.lessonMove.userErrors]).toEqual([roomId, []]);
    }
  });

  test('R-YEAR-1: on a holiday of the school or of the class\'s grade nothing is offered', async () => {
    const s = gid('School', school);
    const autumn = (await c.deputy.ok(SLOT, { s, d: '2025-10-27', n: 1 })).lessonSlotAvailability;
    expect(autumn.holiday).not.toBeNull();
    expect([autumn.teachers, autumn.rooms]).toEqual([[], []]);
    const first = gid('SchoolClass', await f.schoolClass(app, school, year, { grade: 1 }));
    const fifth = gid('SchoolClass', await f.schoolClass(app, school, year, { grade: 5 }));
    const grade1 = (await c.deputy.ok(SLOT, { s, d: '2026-02-16', n: 1, c: first })).lessonSlotAvailability;
    expect(grade1.holiday).not.toBeNull();
    expect(grade1.teachers).toEqual([]);
    const grade5 = (await c.deputy.ok(SLOT, { s, d: '2026-02-16', n: 1, c: fifth })).lessonSlotAvailability;
    expect(grade5.holiday).toBeNull();
    expect(grade5.teachers.length).toBeGreaterThan(0);
  });

  test('R-ROLE-3, R-SEC-2: only the administration of the school; another school\'s deputy gets NOT_FOUND and no names', async () => {
    const vars = { s: gid('School', school), d: D, n: N };
    for (const who of ['teacher', 'student', 'parent']) {
      const r = await c[who].gql(SLOT, vars);
      expect([who, errorCode(r)]).toEqual([who, 'FORBIDDEN']);
      expect(r.data?.lessonSlotAvailability ?? null).toBeNull();
    }
    for (const who of ['admin', 'director']) expect((await c[who].ok(SLOT, vars)).lessonSlotAvailability.teachers.length).toBeGreaterThan(0);
    await createOtherSchool(app, { login: 'slotalien', role: 'DEPUTY', name: 'Школа № 9', timeZone: 'Europe/Moscow' });
    const alien = await app.as('slotalien');
    const r = await alien.gql(SLOT, vars);
    expect(errorCode(r)).toBe('NOT_FOUND');
    expect(r.data?.lessonSlotAvailability ?? null).toBeNull();
    expect(errorCode(await c.deputy.gql(SLOT, { ...vars, n: 16 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.deputy.gql(SLOT, { ...vars, d: '2030-01-10' }))).toBe('BAD_USER_INPUT');
  });
});
