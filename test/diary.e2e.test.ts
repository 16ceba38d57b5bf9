import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { countQueries, insertLesson } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** R-DIARY-2: the student's diary and the teacher's timetable as read models; R-SEC-3: who reads them. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let year: string;
let n = 0;
const users: Record<string, string> = {};
const staff: Record<string, string> = {};

const gid = toGlobalId;
const LESSON = `id date lessonNumber status cancelReason moved moveReason plannedDate plannedLessonNumber movedFrom { date lessonNumber room { name } }
  startsAt endsAt subject { name } teacher { fullName } substituteTeacher { fullName } conductingTeacher { fullName } isSubstitution substitutionReason
  schoolClass { name } group { name } student { pseudonym } room { name } controlWorks { id } topic`;
const DIARY = `query($s: ID!, $from: LocalDate!, $to: LocalDate!) { studentDiary(studentId: $s, from: $from, to: $to) {
  date holiday { name } controlWorks { id form subject { name } } lessons { ${LESSON} } } }`;
const TIMETABLE = `query($from: LocalDate!, $to: LocalDate!, $t: ID) { teacherTimetable(from: $from, to: $to, teacherId: $t) {
  date lessons { id lessonNumber status isSubstitution conductingTeacher { id } teacher { id } schoolClass { name } } } }`;

const staffOf = async (login: string) => (await f.staff(app, school, { login })).staffId;
const newClass = (grade = 5, classTeacher: string | null = null) => f.schoolClass(app, school, year, { grade, letter: `Д${++n}`, classTeacherId: classTeacher });
const newSubject = (name = `Предмет ${++n}`) => f.subject(app, school, { name });
const newRoom = (name = `Каб. ${++n}`) => f.room(app, school, { name });
const newStudent = (classId: string | null, from = '2025-09-01', to: string | null = null, pseudonym = `Д-${++n}`) =>
  f.studentRow(app, school, { pseudonym, classId: classId ?? undefined, from, to });
const inClass = (studentId: string, classId: string, from: string, to: string | null = null) => f.enrol(app, studentId, classId, from, to);
async function newGroup(classId: string, members: string[], name = `Группа ${++n}`): Promise<string> {
  const g = await f.studyGroup(app, { schoolId: school, yearId: year, kind: 'SUBGROUP', name, classId, subjectId: await newSubject() });
  for (const s of members) await f.groupMember(app, s, g, '2025-09-01');
  return g;
}
interface LessonSpec { classId?: string; groupId?: string; studentId?: string; teacher?: string; date: string; n: number; roomId?: string | null; subjectId?: string }
async function newLesson(o: LessonSpec): Promise<string> {
  return insertLesson(app, { ...o, schoolId: school, yearId: year, subjectId: o.subjectId ?? await newSubject(), teacherId: o.teacher ?? staff.teacher });
}
async function newControlWork(o: { classId?: string; groupId?: string; subjectId: string; date: string; n?: number; cancelled?: boolean }): Promise<string> {
  const [r] = await app.sql(`insert into control_work (id, created_at, updated_at, school_id, academic_year_id, date, lesson_number, subject_id, school_class_id, group_id, form, cancelled_at, cancel_reason)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $6, $7, 'CONTROL_WORK', $8, $9) returning id`,
  [school, year, o.date, o.n ?? null, o.subjectId, o.classId ?? null, o.groupId ?? null, o.cancelled ? new Date() : null, o.cancelled ? 'отмена' : null]);
  return r.id;
}
/** The changes registered through the lesson mutations, written directly: the diary only reads them. */
const moveLesson = (id: string, date: string, number: number, roomId: string | null = null) =>
  app.sql(`update lesson set date = $2, lesson_number = $3, room_id = $4, move_reason = 'экскурсия' where id = $1`, [id, date, number, roomId]);
const cancelLesson = (id: string) => app.sql(`update lesson set status = 'CANCELLED', cancel_reason = 'карантин' where id = $1`, [id]);
const substituteLesson = (id: string, staffId: string) =>
  app.sql(`update lesson set substitute_teacher_id = $2, substitution_reason = 'больничный' where id = $1`, [id, staffId]);
async function bellSchedule(slots: [number, string, string][], target: { classId?: string; groupId?: string } = {}): Promise<void> {
  const [bs] = await app.sql(`insert into bell_schedule (id, created_at, updated_at, school_id, academic_year_id, name, school_class_id, group_id)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5) returning id`, [school, year, `Режим ${++n}`, target.classId ?? null, target.groupId ?? null]);
  for (const [k, start, end] of slots) {
    await app.sql(`insert into bell_slot (id, created_at, updated_at, bell_schedule_id, lesson_number, starts_at, ends_at)
      values (gen_random_uuid(), now(), now(), $1, $2, $3, $4)`, [bs.id, k, start, end]);
  }
}
async function linkParent(studentId: string): Promise<void> {
  await f.guardianAccount(app, school, studentId);
}
const diary = (client: HttpClient, studentId: string, from: string, to: string) => client.gql(DIARY, { s: gid('Student', studentId), from, to });
const L = (id: string) => gid('Lesson', id);

beforeAll(async () => {
  // Background pollers (outbox relay, erasure jobs) share the ORM connection: keep them out of the statement counts.
  app = await startTestApp({ EVENTS_POLL_MS: '3600000', ERASURE_POLL_SECONDS: '0' });
  [{ id: school }] = await app.sql(`select id from school limit 1`);
  // R-ROLE-8: an education-authority analyst of the school (not part of the foundation seed)
  await f.user(app, school, ['ANALYST'], { login: 'analyst', lastName: 'Аналитиков', firstName: 'Андрей' });
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'analyst']) c[login] = await app.as(login);
  [{ id: year }] = await app.sql(`select id from academic_year limit 1`);
  for (const r of await app.sql(`select id, login from app_user`)) users[r.login] = r.id;
  for (const login of ['teacher', 'classteacher']) staff[login] = await staffOf(login);
  // R-YEAR-6: the school's default bell schedule of the year
  await bellSchedule([1, 2, 3, 4, 5, 6, 7].map((k) => [k, `${String(7 + k).padStart(2, '0')}:30`, `${String(8 + k).padStart(2, '0')}:15`]));
});
afterAll(async () => { await app?.stop(); });

describe('R-DIARY-2 the student diary', () => {
  test('R-DIARY-2: lessons as they take place (moves, cancellations, substitutions), group and individual lessons, control works, bell times', async () => {
    const cls = await newClass(5);
    const child = await newStudent(cls, '2025-09-01', null, 'Д-Кирилл');
    const classmate = await newStudent(cls);
    await app.sql(`update student set user_id = $1 where id = $2`, [users.student, child]);
    await linkParent(child);
    const myGroup = await newGroup(cls, [child], 'Английский, гр. 1');
    const otherGroup = await newGroup(cls, [classmate], 'Английский, гр. 2');
    // the class's own schedule shifts lessons by half an hour; the group's own has lesson 2 only
    await bellSchedule([1, 2, 3, 4, 5, 6, 7].map((k) => [k, `${String(7 + k).padStart(2, '0')}:00`, `${String(7 + k).padStart(2, '0')}:45`]), { classId: cls });
    await bellSchedule([[2, '10:05', '10:50']], { groupId: myGroup });
    const maths = await newSubject('Математика');
    const room = await newRoom('Каб. 21');
    const room2 = await newRoom('Актовый зал');
    const mon = '2025-09-15'; const tue = '2025-09-16'; const wed = '2025-09-17'; const thu = '2025-09-18'; const fri = '2025-09-19';
    const l1 = await newLesson({ classId: cls, date: mon, n: 1, subjectId: maths, roomId: room });
    const l2 = await newLesson({ groupId: myGroup, date: mon, n: 2 });
    await newLesson({ groupId: otherGroup, date: mon, n: 2, teacher: staff.classteacher });
    await newLesson({ classId: await newClass(5), date: mon, n: 1, teacher: staff.classteacher });
    const movedAway = await newLesson({ classId: cls, date: tue, n: 1, subjectId: maths, roomId: room });
    await moveLesson(movedAway, wed, 5, room2);
    const cancelled = await newLesson({ classId: cls, date: tue, n: 2 });
    await cancelLesson(cancelled);
    const substituted = await newLesson({ classId: cls, date: thu, n: 1 });
    await substituteLesson(substituted, staff.classteacher);
    const individual = await newLesson({ studentId: child, date: fri, n: 7 });
    await newLesson({ studentId: classmate, date: fri, n: 6 });
    const cwClass = await newControlWork({ classId: cls, subjectId: maths, date: mon });
    await newControlWork({ classId: cls, subjectId: maths, date: tue, cancelled: true });
    await newControlWork({ groupId: otherGroup, subjectId: maths, date: wed });
    const cwGroup = await newControlWork({ groupId: myGroup, subjectId: maths, date: thu, n: 3 });

    for (const who of ['student', 'parent', 'deputy']) {
      const r = await diary(c[who], child, mon, '2025-09-21');
      expect(r.errors).toBeUndefined();
      const days = r.data.studentDiary;
      expect(days.map((d: any) => d.date)).toEqual(['2025-09-15', '2025-09-16', '2025-09-17', '2025-09-18', '2025-09-19', '2025-09-20', '2025-09-21']);
      expect(days.map((d: any) => d.lessons.map((l: any) => l.id))).toEqual([[L(l1), L(l2)], [L(cancelled)], [L(movedAway)], [L(substituted)], [L(individual)], [], []]);
      expect(days.map((d: any) => d.holiday)).toEqual([null, null, null, null, null, null, null]);
      expect(days.map((d: any) => d.controlWorks.map((w: any) => w.id))).toEqual([[gid('ControlWork', cwClass)], [], [], [gid('ControlWork', cwGroup)], [], [], []]);
      const [first, group] = days[0].lessons;
      expect(first).toMatchObject({
        lessonNumber: 1, status: 'SCHEDULED', moved: false, movedFrom: null, startsAt: '08:00:00', endsAt: '08:45:00',
        subject: { name: 'Математика' }, teacher: { fullName: 'Волков Алексей Николаевич' }, conductingTeacher: { fullName: 'Волков Алексей Николаевич' },
        substituteTeacher: null, isSubstitution: false, room: { name: 'Каб. 21' }, schoolClass: { name: expect.stringMatching(/^5Д/) }, group: null, student: null,
        controlWorks: [{ id: gid('ControlWork', cwClass) }],
      });
      expect(group).toMatchObject({ group: { name: 'Английский, гр. 1' }, schoolClass: null, startsAt: '10:05:00', endsAt: '10:50:00' });
      expect(days[1].lessons[0]).toMatchObject({ status: 'CANCELLED', cancelReason: 'карантин' });
      expect(days[2].lessons[0]).toMatchObject({
        date: wed, lessonNumber: 5, plannedDate: tue, plannedLessonNumber: 1, moved: true, moveReason: 'экскурсия',
        movedFrom: { date: tue, lessonNumber: 1, room: { name: 'Каб. 21' } }, room: { name: 'Актовый зал' }, startsAt: '12:00:00',
      });
      expect(days[3].lessons[0]).toMatchObject({
        isSubstitution: true, substitutionReason: 'больничный', teacher: { fullName: 'Волков Алексей Николаевич' },
        substituteTeacher: { fullName: 'Соколова Татьяна Ивановна' }, conductingTeacher: { fullName: 'Соколова Татьяна Ивановна' },
      });
      // an individual lesson: the student's class's schedule applies
      expect(days[4].lessons[0]).toMatchObject({ student: { pseudonym: 'Д-Кирилл' }, schoolClass: null, startsAt: '14:00:00' });
    }
  });

  test('R-DIARY-2: holidays by grade — the whole school\'s, and those of one grade only', async () => {
    const first = await newStudent(await newClass(1));
    const fifth = await newStudent(await newClass(5));
    const holidays = async (studentId: string, from: string, to: string) =>
      (await c.deputy.ok(DIARY, { s: gid('Student', studentId), from, to })).studentDiary.map((d: any) => d.holiday?.name ?? null);
    expect(await holidays(first, '2026-02-13', '2026-02-16')).toEqual([null, 'Дополнительные каникулы (1 класс)', 'Дополнительные каникулы (1 класс)', 'Дополнительные каникулы (1 класс)']);
    expect(await holidays(fifth, '2026-02-13', '2026-02-16')).toEqual([null, null, null, null]);
    expect(await holidays(fifth, '2025-10-24', '2025-10-26')).toEqual([null, 'Осенние каникулы', 'Осенние каникулы']);
    expect(await holidays(first, '2025-10-24', '2025-10-26')).toEqual([null, 'Осенние каникулы', 'Осенние каникулы']);
  });

  test('R-DIARY-2, R-YEAR-11: membership by day — a student who changes class mid-week sees each class\'s lessons on its days', async () => {
    const from = await newClass(6);
    const to = await newClass(6);
    const moving = await newStudent(from, '2025-09-01', '2025-09-23');
    await inClass(moving, to, '2025-09-24');
    const a = await newLesson({ classId: from, date: '2025-09-23', n: 1 });
    await newLesson({ classId: from, date: '2025-09-24', n: 1 });
    await newLesson({ classId: to, date: '2025-09-23', n: 2 });
    const b = await newLesson({ classId: to, date: '2025-09-24', n: 2 });
    const days = (await c.deputy.ok(DIARY, { s: gid('Student', moving), from: '2025-09-23', to: '2025-09-24' })).studentDiary;
    expect(days.map((d: any) => d.lessons.map((l: any) => l.id))).toEqual([[L(a)], [L(b)]]);
  });

  test('R-SEC-3: the diary is for the student, their guardians and staff taking part in their education; NOT_FOUND otherwise', async () => {
    const cls = await newClass(7);
    const mine = await newStudent(cls);
    const other = await newStudent(cls);
    await linkParent(mine);
    const week = ['2025-09-29', '2025-10-05'] as const;
    expect((await diary(c.parent, mine, ...week)).data.studentDiary).toHaveLength(7);
    for (const who of ['parent', 'student', 'teacher', 'analyst']) {
      const r = await diary(c[who], other, ...week);
      expect(errorCode(r)).toBe('NOT_FOUND');
      expect(r.data).toBeNull();
    }
    // a teacher assigned to the class takes part in the student's education
    await f.assignment(app, { schoolId: school, yearId: year, teacherId: staff.teacher, subjectId: await newSubject(), classId: cls });
    expect((await diary(c.teacher, other, ...week)).data.studentDiary).toHaveLength(7);
    expect(errorCode(await app.anon().gql(DIARY, { s: gid('Student', mine), from: week[0], to: week[1] }))).toBe('UNAUTHENTICATED');
  });

  test('R-DIARY-2: a range is from ≤ to and at most 31 days (BAD_USER_INPUT, RANGE_TOO_LONG)', async () => {
    const s = await newStudent(await newClass(8));
    expect((await diary(c.deputy, s, '2025-10-01', '2025-10-31')).data.studentDiary).toHaveLength(31);
    const long = await diary(c.deputy, s, '2025-10-01', '2025-11-01');
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0].extensions!.reason).toBe('RANGE_TOO_LONG');
    expect(errorCode(await diary(c.deputy, s, '2025-10-02', '2025-10-01'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.deputy.gql(DIARY, { s: gid('Student', s), from: '2025-10-01', to: '2025-13-01' }))).toBe('BAD_USER_INPUT');
    const tt = await c.teacher.gql(TIMETABLE, { from: '2025-10-01', to: '2025-12-01' });
    expect(tt.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RANGE_TOO_LONG' });
  });

  test('R-SEC-3: node(id) shows a lesson to the administration, to those who took part and to the family of a student who attends it only', async () => {
    const cls = await newClass(9);
    const child = await newStudent(cls);
    const lesson = L(await newLesson({ classId: cls, date: '2025-10-07', n: 1 }));
    const NODE = `query($id: ID!) { node(id: $id) { id ... on Lesson { lessonNumber } } }`;
    expect((await c.deputy.ok(NODE, { id: lesson })).node).toEqual({ id: lesson, lessonNumber: 1 });
    // A teacher who took no part in that class's education on the lesson's day does not see it.
    expect(errorCode(await c.classteacher.gql(NODE, { id: lesson }))).toBe('NOT_FOUND');
    expect(errorCode(await c.parent.gql(NODE, { id: lesson }))).toBe('NOT_FOUND');
    await linkParent(child);
    expect((await c.parent.ok(NODE, { id: lesson })).node).toEqual({ id: lesson, lessonNumber: 1 });
  });

  test('CONVENTIONS, R-DIARY-2: a 4-week diary costs the same number of statements as a 1-week one', async () => {
    const cls = await newClass(10);
    const child = await newStudent(cls);
    const group = await newGroup(cls, [child]);
    const subjects = [await newSubject(), await newSubject(), await newSubject()];
    const rooms = [await newRoom(), await newRoom()];
    const mondays = ['2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02'];
    const day = (monday: string, k: number) => new Date(Date.parse(`${monday}T00:00:00Z`) + k * 86400000).toISOString().slice(0, 10);
    for (const monday of mondays) {
      for (let d = 0; d < 5; d++) {
        for (let k = 1; k <= 3; k++) {
          await newLesson({ classId: cls, date: day(monday, d), n: k, subjectId: subjects[k - 1], roomId: rooms[k % 2], teacher: k === 2 ? staff.classteacher : staff.teacher });
        }
        await newLesson({ groupId: group, date: day(monday, d), n: 4, subjectId: subjects[0] });
      }
      await moveLesson(await newLesson({ classId: cls, date: day(monday, 0), n: 5 }), day(monday, 2), 6, rooms[0]);
      await cancelLesson(await newLesson({ classId: cls, date: day(monday, 1), n: 5 }));
      await substituteLesson(await newLesson({ classId: cls, date: day(monday, 3), n: 5 }), staff.classteacher);
      await newLesson({ studentId: child, date: day(monday, 4), n: 7 });
      await newControlWork({ classId: cls, subjectId: subjects[0], date: day(monday, 0) });
      await newControlWork({ groupId: group, subjectId: subjects[0], date: day(monday, 2), n: 4 });
    }
    let small: any;
    let large: any;
    const nSmall = await countQueries(app, async () => { small = await c.deputy.ok(DIARY, { s: gid('Student', child), from: '2026-01-12', to: '2026-01-18' }); });
    const nLarge = await countQueries(app, async () => { large = await c.deputy.ok(DIARY, { s: gid('Student', child), from: '2026-01-12', to: '2026-02-08' }); });
    const count = (d: any) => d.studentDiary.reduce((sum: number, x: any) => sum + x.lessons.length, 0);
    expect(count(small)).toBe(5 * 4 + 4);
    expect(count(large)).toBe(4 * (5 * 4 + 4));
    expect(large.studentDiary[2].lessons.find((l: any) => l.moved).movedFrom.room).toBeNull();
    expect(nSmall).toBeGreaterThan(0);
    expect(nLarge).toBe(nSmall);
    // What the diary's own statement read of each lesson (times, subject, room, teachers, primed into
    // the loaders) is what the lesson's loaders read: every lesson of the 4 weeks — moved, cancelled,
    // substituted, of a group, individual — serializes as through nodes(ids).
    const diaryLessons = large.studentDiary.flatMap((d: any) => d.lessons);
    const ids = diaryLessons.map((l: any) => l.id);
    const viaNodes: any[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      viaNodes.push(...(await c.deputy.ok(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Lesson { ${LESSON} } } }`, { ids: ids.slice(i, i + 100) })).nodes);
    }
    expect(JSON.stringify(viaNodes)).toBe(JSON.stringify(diaryLessons));
    expect(diaryLessons.filter((l: any) => l.isSubstitution && l.conductingTeacher.fullName && l.substituteTeacher.fullName)).toHaveLength(4);
    expect(diaryLessons.filter((l: any) => l.startsAt && l.room?.name && l.subject.name && l.teacher.fullName).length).toBeGreaterThan(60);
    // A diary with every lesson field and one with the id alone cost the same statements (and the
    // lean selection reads nothing more than before).
    const bare = await countQueries(app, () => c.deputy.ok('query($s: ID!) { studentDiary(studentId: $s, from: "2026-01-12", to: "2026-02-08") { lessons { id } } }', { s: gid('Student', child) }));
    expect(bare).toBeLessThan(nLarge);
    // the teacher's timetable too
    const t1 = await countQueries(app, () => c.teacher.ok(TIMETABLE, { from: '2026-01-12', to: '2026-01-18' }));
    const t4 = await countQueries(app, () => c.teacher.ok(TIMETABLE, { from: '2026-01-12', to: '2026-02-08' }));
    expect(t4).toBe(t1);
  });
});

describe('R-JOUR-6 the teacher timetable', () => {
  test('R-JOUR-6: a teacher sees their own lessons without a substitute and the lessons they substitute; administration reads any', async () => {
    const cls = await newClass(11);
    const range = { from: '2025-09-29', to: '2025-10-05' };
    const own = await newLesson({ classId: cls, date: '2025-09-29', n: 1 });
    const given = await newLesson({ classId: cls, date: '2025-09-29', n: 2 });
    await substituteLesson(given, staff.classteacher);
    const theirs = await newLesson({ classId: cls, date: '2025-09-30', n: 1, teacher: staff.classteacher });
    const cancelled = await newLesson({ classId: cls, date: '2025-10-01', n: 1 });
    await cancelLesson(cancelled);
    const lessonsOf = (days: any[]) => days.flatMap((d) => d.lessons.map((l: any) => [l.id, l.status, l.isSubstitution]));

    const mine = (await c.teacher.ok(TIMETABLE, range)).teacherTimetable;
    expect(mine).toHaveLength(7);
    expect(lessonsOf(mine)).toEqual([[L(own), 'SCHEDULED', false], [L(cancelled), 'CANCELLED', false]]);
    expect(lessonsOf((await c.classteacher.ok(TIMETABLE, range)).teacherTimetable)).toEqual([[L(given), 'SCHEDULED', true], [L(theirs), 'SCHEDULED', false]]);
    // the administration reads any teacher's; a teacher their own only
    expect(lessonsOf((await c.deputy.ok(TIMETABLE, { ...range, t: gid('Staff', staff.teacher) })).teacherTimetable)).toEqual(lessonsOf(mine));
    expect(lessonsOf((await c.teacher.ok(TIMETABLE, { ...range, t: gid('Staff', staff.teacher) })).teacherTimetable)).toEqual(lessonsOf(mine));
    expect(errorCode(await c.teacher.gql(TIMETABLE, { ...range, t: gid('Staff', staff.classteacher) }))).toBe('FORBIDDEN');
    for (const who of ['student', 'parent', 'analyst']) expect(errorCode(await c[who].gql(TIMETABLE, range))).toBe('FORBIDDEN');
    // without a staff row of their own there is nothing to show
    expect(lessonsOf((await c.director.ok(TIMETABLE, range)).teacherTimetable)).toEqual([]);
    expect(errorCode(await c.deputy.gql(TIMETABLE, { ...range, t: gid('Staff', '00000000-0000-4000-8000-000000000000') }))).toBe('NOT_FOUND');
  });
});
