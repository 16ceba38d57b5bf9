import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { createOtherSchool, expectUnchanged, insertLesson } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** R-JOUR-6, R-JOUR-1, R-DIARY-3: substitutions, moves, cancellations of dated lessons and the lesson topic. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let year: string;
let n = 0;
const staff: Record<string, string> = {};
const users: Record<string, string> = {};

const gid = toGlobalId;
const ERR = 'userErrors { code field message }';
const LESSON = `id date lessonNumber plannedDate plannedLessonNumber status cancelReason moveReason moved topic isSubstitution substitutionReason
  teacher { id } substituteTeacher { id fullName } conductingTeacher { id } room { id } plannedRoom { id } movedFrom { date lessonNumber room { id } }`;
const SUBSTITUTE = `mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { lesson { ${LESSON} } ${ERR} } }`;
const UNSUBSTITUTE = `mutation($i: LessonSubstitutionRemoveInput!) { lessonSubstitutionRemove(input: $i) { lesson { ${LESSON} } ${ERR} } }`;
const MOVE = `mutation($i: LessonMoveInput!) { lessonMove(input: $i) { lesson { ${LESSON} } ${ERR} } }`;
const CANCEL = `mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { lesson { ${LESSON} } ${ERR} } }`;
const RESTORE = `mutation($i: LessonRestoreInput!) { lessonRestore(input: $i) { lesson { ${LESSON} } ${ERR} } }`;
const TOPIC = `mutation($i: LessonTopicSetInput!) { lessonTopicSet(input: $i) { lesson { id topic } ${ERR} } }`;

const TABLES = ['lesson', 'audit_entry'];
/** Runs `fn` and asserts it changed nothing in TABLES (audit trail included) and published no event. */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);
const codes = (p: { userErrors: { code: string }[] }) => p.userErrors.map((e) => e.code);

/** Mondays of school weeks (no holiday), one per test so shared teachers never clash across tests. */
// Second-quarter weeks first: the first quarter's journal closed on 2025-10-24 (R-JOUR-9), and the first tests fill lessons in.
const MONDAYS = ['2025-11-03', '2025-11-10', '2025-11-17', '2025-11-24', '2025-12-01', '2025-12-08', '2025-12-15', '2025-09-08', '2025-09-15', '2025-09-22', '2025-09-29', '2025-10-06', '2025-10-13', '2025-10-20'];
let weekNo = 0;
function week(): (weekday: number) => string {
  const monday = MONDAYS[weekNo++];
  return (weekday) => {
    const d = new Date(`${monday}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + weekday - 1);
    return d.toISOString().slice(0, 10);
  };
}

const staffOf = async (login: string) => (await f.staff(app, school, { login })).staffId;
/** A new account with the TEACHER role and a staff row (archived when asked). */
async function newTeacher(archived = false): Promise<string> {
  const account = { login: `t${++n}`, lastName: 'Учителев', firstName: 'Иван' };
  return (await f.staff(app, school, { roles: ['TEACHER'], account, archived })).staffId;
}
const newClass = (grade = 5, classTeacher: string | null = null) => f.schoolClass(app, school, year, { grade, letter: `Л${++n}`, classTeacherId: classTeacher });
const newSubject = () => f.subject(app, school, { name: `Предмет ${++n}` });
const newRoom = (archived = false) => f.room(app, school, { name: `Каб. ${++n}`, archived });
const newStudent = (classId: string) => f.studentRow(app, school, { pseudonym: `Л-${++n}`, classId });
async function newGroup(classId: string | null, members: string[]): Promise<string> {
  const g = await f.studyGroup(app, {
    schoolId: school, yearId: year, name: `Группа ${++n}`, kind: classId ? 'SUBGROUP' : 'CLUB', classId: classId ?? undefined, subjectId: classId ? await newSubject() : undefined,
  });
  for (const s of members) await f.groupMember(app, s, g, '2025-09-01');
  return g;
}
interface LessonSpec { classId?: string; groupId?: string; studentId?: string; teacher?: string; date: string; n: number; roomId?: string | null; subjectId?: string }
async function newLesson(o: LessonSpec): Promise<string> {
  return insertLesson(app, { ...o, schoolId: school, yearId: year, subjectId: o.subjectId ?? await newSubject(), teacherId: o.teacher ?? staff.teacher });
}
const L = (id: string) => gid('Lesson', id);
const S = (id: string) => gid('Staff', id);
const substitute = (client: HttpClient, lessonId: string, staffId: string, reason = 'больничный') =>
  client.ok(SUBSTITUTE, { i: { lessonId: L(lessonId), substituteTeacherId: S(staffId), reason } }).then((d) => d.lessonSubstitute);
const move = (client: HttpClient, lessonId: string, to: { date?: string; lessonNumber?: number; roomId?: string }, reason = 'перенос') =>
  client.ok(MOVE, { i: { lessonId: L(lessonId), ...to, ...(to.roomId ? { roomId: gid('Room', to.roomId) } : {}), reason } }).then((d) => d.lessonMove);
const setTopic = (client: HttpClient, lessonId: string, topic: string | null) => client.gql(TOPIC, { i: { lessonId: L(lessonId), topic } });
const events = (lessonId: string) => app.sql(`select kind, student_ids::text[] as students, teacher_user_ids::text[] as teachers,
    date_from::text as "from", date_to::text as "to", details, actor_id as actor from outbox_event where object_type = 'Lesson' and object_id = $1 order by id`, [lessonId]);
const audit = (lessonId: string) => app.sql(`select operation, action from audit_entry where entity_type = 'Lesson' and entity_id = $1 order by seq`, [lessonId]);

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: school }] = await app.sql(`select id from school limit 1`);
  [{ id: year }] = await app.sql(`select id from academic_year limit 1`);
  for (const login of ['teacher', 'classteacher', 'deputy']) staff[login] = await staffOf(login);
  for (const r of await app.sql(`select id, login from app_user`)) users[r.login] = r.id;
});
afterAll(async () => { await app?.stop(); });

describe('R-JOUR-6 substitutions and the right to fill in a lesson', () => {
  test('R-JOUR-6: the substitute may set the topic of that lesson only; the replaced teacher may not; after removal the rights return', async () => {
    const day = week();
    const cls = await newClass();
    const subject = await newSubject();
    const substituted = await newLesson({ classId: cls, subjectId: subject, date: day(1), n: 1 });
    const other = await newLesson({ classId: cls, subjectId: subject, date: day(1), n: 2 });
    expect((await setTopic(c.teacher, substituted, 'Дроби')).data.lessonTopicSet).toMatchObject({ lesson: { topic: 'Дроби' }, userErrors: [] });

    const sub = await substitute(c.deputy, substituted, staff.classteacher);
    expect(sub.userErrors).toEqual([]);
    expect(sub.lesson).toMatchObject({
      isSubstitution: true, substitutionReason: 'больничный',
      teacher: { id: S(staff.teacher) }, substituteTeacher: { id: S(staff.classteacher), fullName: 'Соколова Татьяна Ивановна' }, conductingTeacher: { id: S(staff.classteacher) },
    });

    // the substitute: that lesson, not another lesson of the same class
    expect((await setTopic(c.classteacher, substituted, '  Сложение дробей ')).data.lessonTopicSet).toMatchObject({ lesson: { topic: 'Сложение дробей' }, userErrors: [] });
    // R-SEC-3: another lesson of that class is not theirs to read at all (they take part on the substituted lesson's day only for it).
    const elsewhere = await unchanged(() => setTopic(c.classteacher, other, 'Чужой урок'));
    expect(errorCode(elsewhere)).toBe('NOT_FOUND');
    // the replaced teacher loses the right for that lesson only
    const replaced = await unchanged(() => setTopic(c.teacher, substituted, 'Моя тема'));
    expect(errorCode(replaced)).toBe('FORBIDDEN');
    expect(replaced.errors![0].message).toMatch(/substitute/);
    expect((await setTopic(c.teacher, other, 'Вычитание дробей')).data.lessonTopicSet.userErrors).toEqual([]);

    const removed = (await c.deputy.ok(UNSUBSTITUTE, { i: { lessonId: L(substituted) } })).lessonSubstitutionRemove;
    expect(removed).toMatchObject({ lesson: { isSubstitution: false, substituteTeacher: null, substitutionReason: null, conductingTeacher: { id: S(staff.teacher) } }, userErrors: [] });
    // With the substitution withdrawn the former substitute took no part in that lesson: not theirs to read or write.
    expect(errorCode(await unchanged(() => setTopic(c.classteacher, substituted, 'Поздно')))).toBe('NOT_FOUND');
    expect((await setTopic(c.teacher, substituted, null)).data.lessonTopicSet).toMatchObject({ lesson: { topic: null }, userErrors: [] });

    // R-JOUR-10, R-SEC-5: every change of the lesson is audited with its operation
    expect(await audit(substituted)).toEqual([
      { operation: 'lessonTopicSet', action: 'UPDATE' }, { operation: 'lessonSubstitute', action: 'UPDATE' }, { operation: 'lessonTopicSet', action: 'UPDATE' },
      { operation: 'lessonSubstitutionRemove', action: 'UPDATE' }, { operation: 'lessonTopicSet', action: 'UPDATE' },
    ]);
    const [topicAudit] = await app.sql(`select changes from audit_entry where entity_id = $1 and operation = 'lessonTopicSet' order by seq limit 1 offset 1`, [substituted]);
    // lessonTopicSet is lessonContentSet with the topic alone: the entry time is recorded with it (R-JOUR-1).
    expect(topicAudit.changes).toEqual({ topic: { before: 'Дроби', after: 'Сложение дробей' }, contentEnteredAt: { before: expect.any(String), after: expect.any(String) } });
  });

  test('R-JOUR-6, R-SEC-3: a substitute takes part in the education of the lesson\'s students while the substitution stands', async () => {
    const day = week();
    const cls = await newClass();
    const pupil = await newStudent(cls);
    const lesson = await newLesson({ classId: cls, date: day(2), n: 3 });
    const sub = await newTeacher();
    const [{ user_id: subUser }] = await app.sql(`select user_id from staff where id = $1`, [sub]);
    const access = () => app.sql(`select reason from student_access_on($3::date) where user_id = $1 and student_id = $2`, [subUser, pupil, day(2)]);
    expect(await access()).toEqual([]);
    expect((await substitute(c.deputy, lesson, sub)).userErrors).toEqual([]);
    expect(await access()).toEqual([{ reason: 'SUBSTITUTE' }]);
    expect((await c.deputy.ok(UNSUBSTITUTE, { i: { lessonId: L(lesson) } })).lessonSubstitutionRemove.userErrors).toEqual([]);
    expect(await access()).toEqual([]);
  });

  test('R-JOUR-6: topic refusals — not a teacher (shield), another school (NOT_FOUND), cancelled lesson, too long, no change', async () => {
    const day = week();
    const lesson = await newLesson({ classId: await newClass(), date: day(2), n: 1 });
    for (const who of ['deputy', 'student', 'parent']) expect(errorCode(await unchanged(() => setTopic(c[who], lesson, 'X')))).toBe('FORBIDDEN');
    await createOtherSchool(app, { login: 'alien', role: 'TEACHER', name: 'Школа № 2', timeZone: 'Europe/Moscow' });
    const alien = await app.as('alien');
    expect(errorCode(await unchanged(() => setTopic(alien, lesson, 'X')))).toBe('NOT_FOUND');
    expect(codes((await unchanged(() => setTopic(c.teacher, lesson, 'x'.repeat(1001)))).data.lessonTopicSet)).toEqual(['TOO_LONG']);
    expect((await setTopic(c.teacher, lesson, 'Тема')).data.lessonTopicSet.userErrors).toEqual([]);
    // issue 9: the topic it already has (an auto-save) is a success that writes nothing, not even an audit entry.
    expect((await unchanged(() => setTopic(c.teacher, lesson, ' Тема '))).data.lessonTopicSet).toEqual({ lesson: { id: L(lesson), topic: 'Тема' }, userErrors: [] });
    await c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: 'карантин' } });
    expect(codes((await unchanged(() => setTopic(c.teacher, lesson, 'Другая'))).data.lessonTopicSet)).toEqual(['LESSON_CANCELLED']);
    const malformed = await c.teacher.gql(TOPIC, { i: { lessonId: gid('Room', lesson), topic: 'X' } });
    expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
  });

  test('R-JOUR-6: substitution refusals — same teacher, cancelled, archived, not a teacher, busy, no change; re-substitution replaces', async () => {
    const day = week();
    const cls = await newClass();
    const lesson = await newLesson({ classId: cls, date: day(1), n: 3 });
    const refuse = async (staffId: string, code: string, reason = 'больничный') => {
      const r = await unchanged(() => substitute(c.deputy, lesson, staffId, reason));
      expect(r.lesson).toBeNull();
      expect(codes(r)).toEqual([code]);
      return r;
    };
    expect((await refuse(staff.teacher, 'SAME_TEACHER')).userErrors[0].field).toEqual(['input', 'substituteTeacherId']);
    await refuse(await newTeacher(true), 'ARCHIVED');
    await refuse(staff.deputy, 'NOT_TEACHER');
    expect((await refuse(staff.classteacher, 'REQUIRED', '   ')).userErrors[0].field).toEqual(['input', 'reason']);
    // the substitute teaches another class at that very time
    const busy = await newTeacher();
    await newLesson({ classId: await newClass(), teacher: busy, date: day(1), n: 3 });
    await refuse(busy, 'TEACHER_CONFLICT');
    // ... or substitutes another lesson then
    const busyAsSubstitute = await newTeacher();
    const elsewhere = await newLesson({ classId: await newClass(), date: day(1), n: 3, teacher: await newTeacher() });
    expect((await substitute(c.deputy, elsewhere, busyAsSubstitute)).userErrors).toEqual([]);
    await refuse(busyAsSubstitute, 'TEACHER_CONFLICT');
    // a staff member of another school does not exist here (issue 9 §3; test/foreign-ids.e2e compares every family)
    const { schoolUuid } = await createOtherSchool(app, { login: 'alien2', role: 'TEACHER', name: 'Школа № 3', timeZone: 'Europe/Moscow' });
    const foreign = await f.staff(app, schoolUuid, { login: 'alien2' });
    const r = await unchanged(() => c.deputy.gql(SUBSTITUTE, { i: { lessonId: L(lesson), substituteTeacherId: S(foreign.staffId), reason: 'больничный' } }));
    expect(errorCode(r)).toBe('NOT_FOUND');
    expect(r.errors![0].message).toBe('Staff member not found');

    const first = await newTeacher();
    const second = await newTeacher();
    expect((await substitute(c.director, lesson, first)).userErrors).toEqual([]);
    // issue 9: the same substitute and reason again (an auto-save) is a success that writes nothing, publishes nothing.
    const again = await unchanged(() => substitute(c.deputy, lesson, first));
    expect(again).toMatchObject({ lesson: { substituteTeacher: { id: S(first) }, substitutionReason: 'больничный' }, userErrors: [] });
    const replaced = await substitute(c.admin, lesson, second, 'курсы');
    expect(replaced).toMatchObject({ lesson: { substituteTeacher: { id: S(second) }, substitutionReason: 'курсы' }, userErrors: [] });
    const evs = await events(lesson);
    expect(evs.map((e) => e.kind)).toEqual(['LESSON_SUBSTITUTED', 'LESSON_SUBSTITUTED']);
    // the replaced substitute is told too
    const [secondUser] = await app.sql(`select user_id from staff where id = $1`, [second]);
    const [firstUser] = await app.sql(`select user_id from staff where id = $1`, [first]);
    expect(evs[1].teachers).toEqual(expect.arrayContaining([users.teacher, firstUser.user_id, secondUser.user_id]));

    await c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: 'карантин' } });
    await refuse(await newTeacher(), 'LESSON_CANCELLED');
    const plain = await newLesson({ classId: cls, date: day(2), n: 3 });
    const none = await unchanged(() => c.deputy.ok(UNSUBSTITUTE, { i: { lessonId: L(plain) } }));
    expect(codes(none.lessonSubstitutionRemove)).toEqual(['NOT_SUBSTITUTED']);
  });

  test('R-JOUR-6: removing a substitution needs the timetable teacher to be free at that time', async () => {
    const day = week();
    const own = await newTeacher();
    const lesson = await newLesson({ classId: await newClass(), teacher: own, date: day(3), n: 1 });
    expect((await substitute(c.deputy, lesson, await newTeacher())).userErrors).toEqual([]);
    // meanwhile the timetable teacher substitutes elsewhere at that time
    const elsewhere = await newLesson({ classId: await newClass(), date: day(3), n: 1, teacher: await newTeacher() });
    expect((await substitute(c.deputy, elsewhere, own)).userErrors).toEqual([]);
    const r = await unchanged(() => c.deputy.ok(UNSUBSTITUTE, { i: { lessonId: L(lesson) } }));
    expect(codes(r.lessonSubstitutionRemove)).toEqual(['TEACHER_CONFLICT']);
  });

  test('R-JOUR-6, R-ROLE-3: only the administration of the lesson\'s school registers changes', async () => {
    const day = week();
    const lesson = await newLesson({ classId: await newClass(), date: day(4), n: 1 });
    for (const who of ['teacher', 'classteacher', 'student', 'parent']) {
      const r = await unchanged(() => c[who].gql(SUBSTITUTE, { i: { lessonId: L(lesson), substituteTeacherId: S(staff.classteacher), reason: 'x' } }));
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(errorCode(await unchanged(() => c[who].gql(CANCEL, { i: { lessonId: L(lesson), reason: 'x' } })))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.anon().gql(CANCEL, { i: { lessonId: L(lesson), reason: 'x' } }))).toBe('UNAUTHENTICATED');
    await createOtherSchool(app, { login: 'alien3', role: 'DEPUTY', name: 'Школа № 4', timeZone: 'Europe/Moscow' });
    const alien = await app.as('alien3');
    expect(errorCode(await unchanged(() => alien.gql(CANCEL, { i: { lessonId: L(lesson), reason: 'x' } })))).toBe('NOT_FOUND');
    expect(errorCode(await alien.gql(CANCEL, { i: { lessonId: L('00000000-0000-4000-8000-000000000000'), reason: 'x' } }))).toBe('NOT_FOUND');
  });
});

describe('R-DIARY-3 events of lesson changes', () => {
  test('R-DIARY-3: a substitution publishes LESSON_SUBSTITUTED to the class\'s students and the teachers involved, in its transaction', async () => {
    const day = week();
    const cls = await newClass(6, staff.classteacher);
    const s1 = await newStudent(cls);
    const s2 = await newStudent(cls);
    await newStudent(await newClass());
    const lesson = await newLesson({ classId: cls, date: day(2), n: 2 });
    const sub = await newTeacher();
    expect((await substitute(c.deputy, lesson, sub, 'больничный')).userErrors).toEqual([]);
    const [subUser] = await app.sql(`select user_id from staff where id = $1`, [sub]);
    const [e] = await events(lesson);
    expect(e).toMatchObject({ kind: 'LESSON_SUBSTITUTED', from: day(2), to: day(2), actor: users.deputy, details: { reason: 'больничный', previousSubstituteId: null } });
    expect(e.students.sort()).toEqual([s1, s2].sort());
    // timetable teacher, substitute, and the class teacher of the class
    expect(e.teachers.sort()).toEqual([users.teacher, subUser.user_id, users.classteacher].sort());
    const [row] = await app.sql(`select count(*)::int as n from outbox_event where object_id = $1 and kind = 'LESSON_SUBSTITUTED'`, [lesson]);
    expect(row.n).toBe(1);
  });
});

describe('R-DIARY-2 moves', () => {
  test('R-DIARY-2: a move changes date, number and room, keeps the planned slot; moving back is no move', async () => {
    const day = week();
    const cls = await newClass();
    const student = await newStudent(cls);
    const room = await newRoom();
    const room2 = await newRoom();
    const lesson = await newLesson({ classId: cls, date: day(1), n: 1, roomId: room });
    const r = await move(c.deputy, lesson, { date: day(3), lessonNumber: 5, roomId: room2 }, 'экскурсия');
    expect(r.userErrors).toEqual([]);
    expect(r.lesson).toMatchObject({
      date: day(3), lessonNumber: 5, plannedDate: day(1), plannedLessonNumber: 1, room: { id: gid('Room', room2) }, plannedRoom: { id: gid('Room', room) },
      moved: true, moveReason: 'экскурсия', movedFrom: { date: day(1), lessonNumber: 1, room: { id: gid('Room', room) } },
    });
    const [e] = await events(lesson);
    expect(e).toMatchObject({ kind: 'LESSON_MOVED', from: day(1), to: day(3), details: { reason: 'экскурсия', fromDate: day(1), fromLessonNumber: 1, fromRoomId: room } });
    expect(e.students).toEqual([student]);
    expect(e.teachers).toEqual([users.teacher]);
    expect(await audit(lesson)).toEqual([{ operation: 'lessonMove', action: 'UPDATE' }]);

    const back = await move(c.deputy, lesson, { date: day(1), lessonNumber: 1, roomId: room });
    expect(back).toMatchObject({ lesson: { date: day(1), moved: false, moveReason: null, movedFrom: null }, userErrors: [] });
    // a room change only is a move too
    expect((await move(c.deputy, lesson, { roomId: room2 })).lesson).toMatchObject({ moved: true, date: day(1), room: { id: gid('Room', room2) } });
  });

  test('R-DIARY-2: move refusals — no change, outside the year, holidays of the grade, lesson number, room, cancelled; nothing written', async () => {
    const day = week();
    const cls = await newClass(1);
    const room = await newRoom();
    const lesson = await newLesson({ classId: cls, date: day(1), n: 1, roomId: room });
    const refuse = async (to: { date?: string; lessonNumber?: number; roomId?: string }, code: string, field: string | null, reason = 'перенос') => {
      const r = await unchanged(() => move(c.deputy, lesson, to, reason));
      expect(r.lesson).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: field ? ['input', field] : null })]);
    };
    // issue 9: a move to where it already is (an auto-save) is a success that writes nothing, publishes nothing.
    for (const to of [{ date: day(1), lessonNumber: 1, roomId: room }, {}]) {
      const same = await unchanged(() => move(c.deputy, lesson, to));
      expect(same).toMatchObject({ lesson: { id: L(lesson), date: day(1), lessonNumber: 1, moved: false, room: { id: gid('Room', room) } }, userErrors: [] });
    }
    await refuse({ date: '2026-06-15' }, 'OUTSIDE_ACADEMIC_YEAR', 'date');
    await refuse({ date: '2025-10-27' }, 'HOLIDAY', 'date');
    // grade 1 has extra holidays in February; a grade 5 class does not
    await refuse({ date: '2026-02-16' }, 'HOLIDAY', 'date');
    const older = await newLesson({ classId: await newClass(5), date: day(1), n: 2 });
    expect((await move(c.deputy, older, { date: '2026-02-16' })).userErrors).toEqual([]);
    await refuse({ lessonNumber: 16 }, 'INVALID', 'lessonNumber');
    await refuse({ roomId: await newRoom(true) }, 'ARCHIVED', 'roomId');
    await refuse({ date: day(2) }, 'REQUIRED', 'reason', ' ');
    await c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: 'карантин' } });
    await refuse({ date: day(2) }, 'LESSON_CANCELLED', 'lessonId');
  });

  test('R-YEAR-6: with a bell schedule, a move needs one of its lesson numbers (NO_BELL_SLOT)', async () => {
    const day = week();
    const cls = await newClass();
    const [bs] = await app.sql(`insert into bell_schedule (id, created_at, updated_at, school_id, academic_year_id, name, school_class_id)
      values (gen_random_uuid(), now(), now(), $1, $2, 'Режим класса', $3) returning id`, [school, year, cls]);
    for (const [k, start, end] of [[1, '08:30', '09:15'], [2, '09:25', '10:10']] as const) {
      await app.sql(`insert into bell_slot (id, created_at, updated_at, bell_schedule_id, lesson_number, starts_at, ends_at)
        values (gen_random_uuid(), now(), now(), $1, $2, $3, $4)`, [bs.id, k, start, end]);
    }
    const lesson = await newLesson({ classId: cls, date: day(1), n: 1 });
    const r = await unchanged(() => move(c.deputy, lesson, { lessonNumber: 7 }));
    expect(codes(r)).toEqual(['NO_BELL_SLOT']);
    expect((await move(c.deputy, lesson, { lessonNumber: 2 })).userErrors).toEqual([]);
  });

  test('R-YEAR-9: a move is refused where the room, the class, the teacher or a student (through a group) is busy', async () => {
    const day = week();
    const cls = await newClass();
    const student = await newStudent(cls);
    const room = await newRoom();
    const lesson = await newLesson({ classId: cls, date: day(1), n: 1, teacher: await newTeacher() });
    const conflict = async (to: { date?: string; lessonNumber?: number; roomId?: string }, code: string, field = 'date') => {
      const r = await unchanged(() => move(c.deputy, lesson, to));
      expect(r.lesson).toBeNull();
      expect(r.userErrors).toContainEqual(expect.objectContaining({ code, field: ['input', field] }));
    };
    // the room is taken by another class at day(2) #1
    await newLesson({ classId: await newClass(), date: day(2), n: 1, roomId: room, teacher: await newTeacher() });
    await conflict({ date: day(2), lessonNumber: 1, roomId: room }, 'ROOM_CONFLICT', 'roomId');
    // the class has another lesson at day(2) #2
    await newLesson({ classId: cls, date: day(2), n: 2, teacher: await newTeacher() });
    await conflict({ date: day(2), lessonNumber: 2 }, 'CLASS_CONFLICT');
    // the teacher teaches elsewhere at day(2) #3
    const [{ teacher_id: own }] = await app.sql(`select teacher_id from lesson where id = $1`, [lesson]);
    await newLesson({ classId: await newClass(), date: day(2), n: 3, teacher: own });
    await conflict({ date: day(2), lessonNumber: 3 }, 'TEACHER_CONFLICT');
    // a student of the class is in a club that meets at day(2) #4
    const club = await newGroup(null, [student]);
    await newLesson({ groupId: club, date: day(2), n: 4, teacher: await newTeacher() });
    await conflict({ date: day(2), lessonNumber: 4 }, 'STUDENT_CONFLICT');
    // a cancelled lesson does not block its slot
    const cancelled = await newLesson({ classId: cls, date: day(2), n: 5, teacher: await newTeacher() });
    await c.deputy.ok(CANCEL, { i: { lessonId: L(cancelled), reason: 'болезнь' } });
    expect((await move(c.deputy, lesson, { date: day(2), lessonNumber: 5 })).userErrors).toEqual([]);
    // restoring it now clashes with the moved lesson
    const restore = await unchanged(() => c.deputy.ok(RESTORE, { i: { lessonId: L(cancelled) } }));
    expect(codes(restore.lessonRestore)).toContain('CLASS_CONFLICT');
  });

  test('R-YEAR-9: two concurrent moves into one room and slot — exactly one succeeds', async () => {
    const day = week();
    const room = await newRoom();
    const a = await newLesson({ classId: await newClass(), date: day(1), n: 1, teacher: await newTeacher() });
    const b = await newLesson({ classId: await newClass(), date: day(1), n: 2, teacher: await newTeacher() });
    const results = await Promise.all([
      move(c.deputy, a, { date: day(4), lessonNumber: 6, roomId: room }),
      move(c.director, b, { date: day(4), lessonNumber: 6, roomId: room }),
    ]);
    expect(results.map((r) => codes(r)).sort()).toEqual([[], ['ROOM_CONFLICT']]);
    expect(await app.sql(`select 1 from lesson where room_id = $1 and date = $2 and lesson_number = 6`, [room, day(4)])).toHaveLength(1);
  });
});

describe('R-DIARY-2 cancellations', () => {
  test('R-DIARY-2: cancel and restore with reasons, events and audit; NOT_CANCELLED and LESSON_CANCELLED refusals', async () => {
    const day = week();
    const cls = await newClass();
    const student = await newStudent(cls);
    const lesson = await newLesson({ classId: cls, date: day(5), n: 1 });
    const r = (await c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: ' карантин ' } })).lessonCancel;
    expect(r).toMatchObject({ lesson: { status: 'CANCELLED', cancelReason: 'карантин' }, userErrors: [] });
    expect(codes((await unchanged(() => c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: 'ещё раз' } }))).lessonCancel)).toEqual(['LESSON_CANCELLED']);
    expect(codes((await unchanged(() => c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: '' } }))).lessonCancel)).toEqual(['REQUIRED']);
    const restored = (await c.director.ok(RESTORE, { i: { lessonId: L(lesson) } })).lessonRestore;
    expect(restored).toMatchObject({ lesson: { status: 'SCHEDULED', cancelReason: null }, userErrors: [] });
    expect(codes((await unchanged(() => c.deputy.ok(RESTORE, { i: { lessonId: L(lesson) } }))).lessonRestore)).toEqual(['NOT_CANCELLED']);
    const evs = await events(lesson);
    expect(evs.map((e) => [e.kind, e.students])).toEqual([['LESSON_CANCELLED', [student]], ['LESSON_RESTORED', [student]]]);
    expect(evs[0].details).toEqual({ reason: 'карантин' });
    expect(await audit(lesson)).toEqual([{ operation: 'lessonCancel', action: 'UPDATE' }, { operation: 'lessonRestore', action: 'UPDATE' }]);
  });

  test('R-DIARY-2: a lesson cannot be restored into a holiday declared after it was cancelled', async () => {
    const day = week();
    const cls = await newClass(3);
    const lesson = await newLesson({ classId: cls, date: day(3), n: 1 });
    await c.deputy.ok(CANCEL, { i: { lessonId: L(lesson), reason: 'день здоровья' } });
    await app.sql(`insert into holiday (id, created_at, updated_at, school_id, academic_year_id, name, start_date, end_date, grades)
      values (gen_random_uuid(), now(), now(), $1, $2, 'День здоровья', $3, $3, '{3}')`, [school, year, day(3)]);
    const r = await unchanged(() => c.deputy.ok(RESTORE, { i: { lessonId: L(lesson) } }));
    expect(codes(r.lessonRestore)).toEqual(['HOLIDAY']);
  });
});
