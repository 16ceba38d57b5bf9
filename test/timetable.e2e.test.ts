import pg from 'pg';
import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { countQueries, expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';
import { findLessonClashes, findTimetableClashes } from '../src/services/scheduling';
import { isoWeekday } from '../src/services/shared';

/** R-YEAR-6 bell schedules, R-YEAR-9 the weekly timetable with its conflict checks, and dated lessons generated from it. */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let school: string;
let demoYear: string;
let demoYearGid: string;
let n = 0;

const gid = toGlobalId;
const ERR = 'userErrors { code field message }';
const ENTRY_FIELDS = 'id weekday lessonNumber kind validFrom validTo subject { name } teacher { id } room { name } schoolClass { name } group { name } student { id } bellSlot { lessonNumber startsAt endsAt }';
const CREATE = `mutation($i: TimetableEntryCreateInput!) { timetableEntryCreate(input: $i) { timetableEntry { ${ENTRY_FIELDS} } ${ERR} } }`;
const END = `mutation($i: TimetableEntryEndInput!) { timetableEntryEnd(input: $i) { timetableEntry { id validTo } ${ERR} } }`;
const DELETE = `mutation($i: TimetableEntryDeleteInput!) { timetableEntryDelete(input: $i) { deletedTimetableEntryId removedLessonCount keptLessons { id topic } ${ERR} } }`;
const BELLS_SET = `mutation($i: BellScheduleSetInput!) { bellScheduleSet(input: $i) { bellSchedule { id name isSchoolDefault schoolClass { name } group { name } slots { lessonNumber startsAt endsAt } } ${ERR} } }`;
const BELLS_REMOVE = `mutation($i: BellScheduleRemoveInput!) { bellScheduleRemove(input: $i) { deletedBellScheduleId ${ERR} } }`;
const BELLS = `query($y: ID!) { bellSchedules(academicYearId: $y) { id name isSchoolDefault schoolClass { name } group { name } slots { lessonNumber startsAt endsAt bellSchedule { id } } } }`;
const EFFECTIVE = `query($y: ID!, $c: ID, $g: ID) { effectiveBellSchedule(academicYearId: $y, classId: $c, groupId: $g) { id name } }`;
const TIMETABLE = `query($y: ID!, $c: ID, $g: ID, $s: ID, $t: ID, $r: ID, $d: LocalDate) {
  timetable(academicYearId: $y, classId: $c, groupId: $g, studentId: $s, teacherId: $t, roomId: $r, onDate: $d) { id weekday lessonNumber validFrom validTo subject { name } } }`;
const GENERATE = `mutation($i: LessonsGenerateInput!) { lessonsGenerate(input: $i) { period { id } created removed unchanged kept notFitting { id topic } ${ERR} } }`;

/** What a refused timetable write must leave untouched (the audit trail included). */
const TABLES = ['bell_schedule', 'bell_slot', 'timetable_entry', 'lesson', 'audit_entry'];
/** Runs `fn` and asserts it changed nothing in TABLES (audit trail included) and published no event. */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, TABLES, fn);
const codes = (p: { userErrors: { code: string }[] }) => p.userErrors.map((e) => e.code).sort();
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];

// ---- fixtures (test/helpers/factories and SQL; not under test themselves) ----

const newClass = (grade: number, yearId = demoYear) => f.schoolClass(app, school, yearId, { grade, letter: `Т${++n}` });
const newSubject = (name = `Предмет ${++n}`) => f.subject(app, school, { name });
const newRoom = () => f.room(app, school, { name: `${200 + ++n}` });
/** A teacher of the demo school: a new account with a staff row (or the staff row of an existing login). */
async function newTeacher(login?: string): Promise<string> {
  if (login) return (await f.staff(app, school, { login })).staffId;
  const account = { login: `tt${++n}`, lastName: `Учителева${n}`, firstName: 'Анна', middleName: 'Петровна' };
  return (await f.staff(app, school, { roles: ['TEACHER'], account })).staffId;
}
const newStudent = (classId?: string, from = '2025-09-01') =>
  f.studentRow(app, school, { pseudonym: `Т-${String(++n).padStart(4, '0')}`, classId, from });
const newGroup = (kind: string, { classId, streamClassIds, subjectId, yearId = demoYear }: { classId?: string; streamClassIds?: string[]; subjectId?: string; yearId?: string } = {}) =>
  f.studyGroup(app, { schoolId: school, yearId, kind, name: `Группа ${++n}`, classId, subjectId, streamClassIds });
const addMember = (groupId: string, studentId: string, from = '2025-09-01') => f.groupMember(app, studentId, groupId, from);
/** A fresh academic year of the demo school (years may not overlap), with a period for grades 5–9 and holidays. */
async function newYear(): Promise<{ id: string; gid: string; y: number; periodId: string; periodGid: string }> {
  const y = 2040 + 2 * ++n;
  const id = await f.academicYear(app, school, `${y}-09-01`, `${y + 1}-05-31`, { name: `${y}/${y + 1}` });
  const [p] = await app.sql(`insert into study_period (id, created_at, updated_at, school_id, academic_year_id, name, kind, grades, start_date, end_date, final_mark_deadline)
    values (gen_random_uuid(), now(), now(), $1, $2, '1 четверть', 'QUARTER', '{5,6,7,8,9}', $3, $4, $5) returning id`, [school, id, `${y}-09-01`, `${y}-10-31`, `${y}-10-29`]);
  return { id, gid: gid('AcademicYear', id), y, periodId: p.id, periodGid: gid('StudyPeriod', p.id) };
}
async function newHoliday(yearId: string, start: string, end: string, grades: number[] | null): Promise<void> {
  await app.sql(`insert into holiday (id, created_at, updated_at, school_id, academic_year_id, name, start_date, end_date, grades)
    values (gen_random_uuid(), now(), now(), $1, $2, 'Каникулы', $3, $4, $5)`, [school, yearId, start, end, grades]);
}

/** Input of an entry in the demo year (Monday, lesson 1, Sep–Dec 2025) with `over` applied. */
function entryInput(over: Record<string, unknown>): Record<string, unknown> {
  return { academicYearId: demoYearGid, weekday: 1, lessonNumber: 1, validFrom: '2025-09-01', validTo: '2025-12-26', kind: 'MAIN', ...over };
}
async function createEntry(over: Record<string, unknown>, client = c.deputy): Promise<any> {
  return (await client.ok(CREATE, { i: entryInput(over) })).timetableEntryCreate;
}
async function mustCreate(over: Record<string, unknown>): Promise<string> {
  const r = await createEntry(over);
  expect(r.userErrors).toEqual([]);
  return r.timetableEntry.id;
}
/** Subject, teacher and room ids (global) for an entry, fresh unless given. */
async function basics(over: { subjectId?: string; teacherId?: string; roomId?: string | null } = {}): Promise<Record<string, unknown>> {
  return {
    subjectId: over.subjectId ?? gid('Subject', await newSubject()),
    teacherId: over.teacherId ?? gid('Staff', await newTeacher()),
    roomId: over.roomId === undefined ? gid('Room', await newRoom()) : over.roomId,
  };
}

/** Every date of `weekday` in [from, to]. */
function weekdays(from: string, to: string, weekday: number): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const iso = d.toISOString().slice(0, 10);
    if (isoWeekday(iso) === weekday) out.push(iso);
  }
  return out;
}

beforeAll(async () => {
  app = await startTestApp();
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent']) c[login] = await app.as(login);
  [{ id: school }] = await app.sql(`select id from school limit 1`);
  [{ id: demoYear }] = await app.sql(`select id from academic_year where name = '2025/2026'`);
  demoYearGid = gid('AcademicYear', demoYear);
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-6 bell schedules', () => {
  const SLOTS = [
    { lessonNumber: 2, startsAt: '09:25', endsAt: '10:10' },
    { lessonNumber: 1, startsAt: '08:30', endsAt: '09:15' },
    { lessonNumber: 3, startsAt: '10:30', endsAt: '11:15' },
  ];

  test('R-YEAR-6: a bell schedule is set for the school, a class and a group, replaced in bulk and read back sorted', async () => {
    const year = await newYear();
    const cls = await newClass(5, year.id);
    const sub = await newGroup('SUBGROUP', { classId: cls, subjectId: await newSubject(), yearId: year.id });
    const club = await newGroup('CLUB', { yearId: year.id });

    const def = await c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, name: ' Основное ', slots: SLOTS } });
    expect(def.bellScheduleSet).toMatchObject({
      userErrors: [],
      bellSchedule: { name: 'Основное', isSchoolDefault: true, schoolClass: null, group: null, slots: [
        { lessonNumber: 1, startsAt: '08:30:00', endsAt: '09:15:00' }, { lessonNumber: 2, startsAt: '09:25:00', endsAt: '10:10:00' },
        { lessonNumber: 3, startsAt: '10:30:00', endsAt: '11:15:00' }] },
    });
    const defaultId = def.bellScheduleSet.bellSchedule.id;
    const audited = await app.sql(`select action, operation from audit_entry where entity_type = 'BellSchedule' and entity_id = $1`, [uuidOf(defaultId)]);
    expect(audited).toEqual([{ action: 'CREATE', operation: 'bellScheduleSet' }]);

    // Everyone in the school falls back to the default.
    for (const vars of [{}, { c: gid('SchoolClass', cls) }, { g: gid('StudyGroup', sub) }, { g: gid('StudyGroup', club) }]) {
      expect((await c.student.ok(EFFECTIVE, { y: year.gid, ...vars })).effectiveBellSchedule).toEqual({ id: defaultId, name: 'Основное' });
    }
    // A class's own schedule applies to the class and its subgroups; a group's own to the group only.
    const pupil = await newStudent(cls, `${year.y}-09-01`);
    const own = await c.admin.ok(BELLS_SET, { i: { academicYearId: year.gid, classId: gid('SchoolClass', cls), name: 'Сокращённое', slots: [{ lessonNumber: 1, startsAt: '08:00', endsAt: '08:40' }] } });
    expect(own.bellScheduleSet.userErrors).toEqual([]);
    // R-DIARY-3: the class learns live that its lesson times changed.
    expect(await app.sql(`select kind, student_ids from outbox_event where details->>'bellScheduleId' = $1`, [own.bellScheduleSet.bellSchedule.id]))
      .toEqual([{ kind: 'TIMETABLE_CHANGED', student_ids: [pupil] }]);
    const clubOwn = await c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, groupId: gid('StudyGroup', club), name: 'Кружок', slots: [{ lessonNumber: 0, startsAt: '15:00', endsAt: '15:40' }] } });
    expect(clubOwn.bellScheduleSet.userErrors).toEqual([]);
    expect((await c.teacher.ok(EFFECTIVE, { y: year.gid, c: gid('SchoolClass', cls) })).effectiveBellSchedule.name).toBe('Сокращённое');
    expect((await c.teacher.ok(EFFECTIVE, { y: year.gid, g: gid('StudyGroup', sub) })).effectiveBellSchedule.name).toBe('Сокращённое');
    expect((await c.teacher.ok(EFFECTIVE, { y: year.gid, g: gid('StudyGroup', club) })).effectiveBellSchedule.name).toBe('Кружок');

    // Setting again replaces the slots of the same schedule (same ID).
    const again = await c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, name: 'Основное', slots: [SLOTS[1], { lessonNumber: 2, startsAt: '09:20', endsAt: '10:05' }] } });
    expect(again.bellScheduleSet.bellSchedule).toMatchObject({ id: defaultId, slots: [{ lessonNumber: 1 }, { lessonNumber: 2, startsAt: '09:20:00' }] });
    const list = (await c.parent.ok(BELLS, { y: year.gid })).bellSchedules;
    expect(list.map((b: any) => [b.name, b.isSchoolDefault])).toEqual([['Основное', true], ['Сокращённое', false], ['Кружок', false]]);
    expect(list[0].slots[0].bellSchedule.id).toBe(defaultId);

    // Removing the class's schedule makes the class follow the default again.
    const removed = await c.deputy.ok(BELLS_REMOVE, { i: { id: own.bellScheduleSet.bellSchedule.id } });
    expect(removed.bellScheduleRemove).toEqual({ deletedBellScheduleId: own.bellScheduleSet.bellSchedule.id, userErrors: [] });
    expect((await c.teacher.ok(EFFECTIVE, { y: year.gid, c: gid('SchoolClass', cls) })).effectiveBellSchedule.name).toBe('Основное');
  });

  test('R-YEAR-6: bad bell schedules are refused with clear codes and nothing is written', async () => {
    const year = await newYear();
    const cls = await newClass(5, year.id);
    const other = await newClass(6, demoYear);
    const bad: [Record<string, unknown>, string, string[]][] = [
      [{ slots: [{ lessonNumber: 16, startsAt: '08:30', endsAt: '09:15' }] }, 'INVALID', ['input', 'slots', '0', 'lessonNumber']],
      [{ slots: [{ lessonNumber: -1, startsAt: '08:30', endsAt: '09:15' }] }, 'INVALID', ['input', 'slots', '0', 'lessonNumber']],
      [{ slots: [SLOTS[0], { ...SLOTS[1], lessonNumber: 2 }] }, 'DUPLICATE', ['input', 'slots', '1', 'lessonNumber']],
      [{ slots: [{ lessonNumber: 1, startsAt: '09:15', endsAt: '08:30' }] }, 'INVALID', ['input', 'slots', '0', 'endsAt']],
      [{ slots: [{ lessonNumber: 1, startsAt: '08:30', endsAt: '08:30' }] }, 'INVALID', ['input', 'slots', '0', 'endsAt']],
      [{ slots: [SLOTS[1], { lessonNumber: 2, startsAt: '09:10', endsAt: '09:55' }] }, 'OVERLAPS', ['input', 'slots', '1', 'startsAt']],
      [{ slots: [{ lessonNumber: 1, startsAt: '10:00', endsAt: '10:45' }, { lessonNumber: 2, startsAt: '08:30', endsAt: '09:15' }] }, 'OVERLAPS', ['input', 'slots', '1', 'startsAt']],
      [{ slots: [] }, 'REQUIRED', ['input', 'slots']],
      [{ name: '  ' }, 'REQUIRED', ['input', 'name']],
      [{ classId: gid('SchoolClass', cls), groupId: gid('StudyGroup', await newGroup('CLUB', { yearId: year.id })) }, 'INVALID', ['input', 'groupId']],
      [{ classId: gid('SchoolClass', other) }, 'INVALID', ['input', 'classId']],
    ];
    for (const [over, code, field] of bad) {
      const r = await unchanged(() => c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, name: 'Звонки', slots: SLOTS, ...over } }));
      expect(r.bellScheduleSet.bellSchedule).toBeNull();
      expect(r.bellScheduleSet.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
    const overlap = await c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, name: 'Звонки', slots: [SLOTS[1], { lessonNumber: 2, startsAt: '09:10', endsAt: '09:55' }] } });
    expect(overlap.bellScheduleSet.userErrors[0].message).toBe('Lesson 2 (09:10–09:55) starts before lesson 1 ends (09:15)');
    // Malformed times never reach the service; an ID of the wrong type is BAD_USER_INPUT; a foreign ID NOT_FOUND.
    expect(errorCode(await c.deputy.gql(BELLS_SET, { i: { academicYearId: year.gid, name: 'З', slots: [{ lessonNumber: 1, startsAt: '8:30', endsAt: '09:15' }] } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.deputy.gql(BELLS_SET, { i: { academicYearId: gid('School', school), name: 'З', slots: SLOTS } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.deputy.gql(BELLS_SET, { i: { academicYearId: gid('AcademicYear', '00000000-0000-4000-8000-000000000000'), name: 'З', slots: SLOTS } }))).toBe('NOT_FOUND');
    expect(errorCode(await c.deputy.gql(EFFECTIVE, { y: year.gid, c: gid('SchoolClass', cls), g: gid('StudyGroup', cls) }))).toBe('BAD_USER_INPUT');
  });

  test('R-YEAR-6: a lesson number missing from the applicable schedule is refused (NO_BELL_SLOT); a schedule change that would strand entries is refused (IN_USE)', async () => {
    const year = await newYear();
    const cls = await newClass(5, year.id);
    const y = year.y;
    const def = await c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, name: 'Основное', slots: SLOTS } });
    const base = { academicYearId: year.gid, weekday: 2, validFrom: `${y}-09-01`, validTo: `${y}-10-31`, classId: gid('SchoolClass', cls), ...(await basics()) };

    const refused = await unchanged(() => c.deputy.ok(CREATE, { i: { ...base, lessonNumber: 4 } }));
    expect(refused.timetableEntryCreate.userErrors).toEqual([{ code: 'NO_BELL_SLOT', field: ['input', 'lessonNumber'], message: expect.stringContaining('«Основное»') }]);

    const ok = await c.deputy.ok(CREATE, { i: { ...base, lessonNumber: 3 } });
    expect(ok.timetableEntryCreate.userErrors).toEqual([]);
    expect(ok.timetableEntryCreate.timetableEntry.bellSlot).toEqual({ lessonNumber: 3, startsAt: '10:30:00', endsAt: '11:15:00' });

    // Dropping lesson 3 from the default would leave the entry without a time: refused.
    const strand = await unchanged(() => c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, name: 'Основное', slots: SLOTS.slice(0, 2) } }));
    expect(strand.bellScheduleSet.userErrors).toEqual([{ code: 'IN_USE', field: ['input', 'slots'], message: expect.stringContaining(`Tuesday, lesson 3`) }]);
    // So would a class schedule without lesson 3.
    const classOwn = await unchanged(() => c.deputy.ok(BELLS_SET, { i: { academicYearId: year.gid, classId: gid('SchoolClass', cls), name: 'Своё', slots: SLOTS.slice(0, 2) } }));
    expect(codes(classOwn.bellScheduleSet)).toEqual(['IN_USE']);
    // Removing the default leaves no schedule at all, which is allowed (the entries just have no times).
    const removed = await c.deputy.ok(BELLS_REMOVE, { i: { id: def.bellScheduleSet.bellSchedule.id } });
    expect(removed.bellScheduleRemove.userErrors).toEqual([]);
  });
});

describe('R-YEAR-9 timetable conflicts', () => {
  test('R-YEAR-9: an entry is created, audited and read back with its teacher, room and target', async () => {
    const cls = await newClass(7);
    const b = await basics();
    const r = await createEntry({ ...b, weekday: 3, lessonNumber: 2, classId: gid('SchoolClass', cls), kind: 'EXTRACURRICULAR' });
    expect(r.userErrors).toEqual([]);
    expect(r.timetableEntry).toMatchObject({
      weekday: 3, lessonNumber: 2, kind: 'EXTRACURRICULAR', validFrom: '2025-09-01', validTo: '2025-12-26',
      teacher: { id: b.teacherId }, schoolClass: { name: expect.stringMatching(/^7Т/) }, group: null, student: null, bellSlot: null,
    });
    const id = uuidOf(r.timetableEntry.id);
    expect(await app.sql(`select action, operation from audit_entry where entity_id = $1`, [id])).toEqual([{ action: 'CREATE', operation: 'timetableEntryCreate' }]);
    const node = await c.student.ok(`query($id: ID!) { node(id: $id) { ... on TimetableEntry { id weekday } } }`, { id: r.timetableEntry.id });
    expect(node.node).toEqual({ id: r.timetableEntry.id, weekday: 3 });
  });

  test('R-YEAR-9: a teacher in two places at once is refused (TEACHER_CONFLICT) with a message naming the clash, and nothing is written', async () => {
    const teacherId = gid('Staff', await newTeacher());
    const [{ last_name }] = await app.sql(`select u.last_name from staff s join app_user u on u.id = s.user_id where s.id = $1`, [uuidOf(teacherId)]);
    const subject = await newSubject('Алгебра Т');
    const a = await newClass(8);
    const b = await newClass(8);
    await mustCreate({ ...(await basics({ teacherId, subjectId: gid('Subject', subject) })), weekday: 2, lessonNumber: 4, classId: gid('SchoolClass', a) });
    const r = await unchanged(async () => createEntry({ ...(await basics({ teacherId })), weekday: 2, lessonNumber: 4, classId: gid('SchoolClass', b), validFrom: '2025-10-01', validTo: '2026-03-01' }));
    expect(r.timetableEntry).toBeNull();
    expect(r.userErrors).toEqual([{
      code: 'TEACHER_CONFLICT', field: ['input', 'teacherId'],
      message: `Teacher ${last_name} А. П. already teaches Алгебра Т of 8${(await app.sql(`select letter from school_class where id = $1`, [a]))[0].letter} on Tuesday, lesson 4 (2025-10-01 – 2025-12-26)`,
    }]);
    // The same slot on another weekday, at another lesson number, or on days that do not overlap is fine.
    await mustCreate({ ...(await basics({ teacherId })), weekday: 3, lessonNumber: 4, classId: gid('SchoolClass', b) });
    await mustCreate({ ...(await basics({ teacherId })), weekday: 2, lessonNumber: 5, classId: gid('SchoolClass', b) });
    await mustCreate({ ...(await basics({ teacherId })), weekday: 2, lessonNumber: 4, classId: gid('SchoolClass', b), validFrom: '2025-12-27', validTo: '2026-05-26' });
  });

  test('R-YEAR-9: a room taken twice is refused (ROOM_CONFLICT)', async () => {
    const roomId = gid('Room', await newRoom());
    await mustCreate({ ...(await basics({ roomId })), weekday: 4, lessonNumber: 1, classId: gid('SchoolClass', await newClass(6)) });
    const r = await unchanged(async () => createEntry({ ...(await basics({ roomId })), weekday: 4, lessonNumber: 1, classId: gid('SchoolClass', await newClass(6)) }));
    expect(r.userErrors).toEqual([{ code: 'ROOM_CONFLICT', field: ['input', 'roomId'], message: expect.stringMatching(/^Room 2\d+ is already taken by Предмет \d+ of 6Т\d+ \(teacher Учителева\d+ А\. П\.\) on Thursday, lesson 1/) }]);
    // Without a room there is nothing to clash.
    await mustCreate({ ...(await basics({ roomId: null })), weekday: 4, lessonNumber: 1, classId: gid('SchoolClass', await newClass(6)) });
  });

  test('R-YEAR-9: a class in two places at once is refused (CLASS_CONFLICT); every kind found is reported at once', async () => {
    const cls = gid('SchoolClass', await newClass(9));
    const b = await basics();
    await mustCreate({ ...b, weekday: 5, lessonNumber: 2, classId: cls });
    const r = await unchanged(async () => createEntry({ ...b, weekday: 5, lessonNumber: 2, classId: cls }));
    expect(codes(r)).toEqual(['CLASS_CONFLICT', 'ROOM_CONFLICT', 'TEACHER_CONFLICT']);
    expect(r.userErrors.find((e: any) => e.code === 'CLASS_CONFLICT')).toEqual({
      code: 'CLASS_CONFLICT', field: ['input', 'classId'], message: expect.stringMatching(/^9Т\d+ already has Предмет \d+ of 9Т\d+ \(teacher .+\) on Friday, lesson 2 \(2025-09-01 – 2025-12-26\)$/),
    });
  });

  test('R-YEAR-9: a subgroup against its whole class is refused (CLASS_CONFLICT); two subgroups of one class in parallel are fine', async () => {
    const cls = await newClass(5);
    const english = await newSubject();
    const g1 = await newGroup('SUBGROUP', { classId: cls, subjectId: english });
    const g2 = await newGroup('SUBGROUP', { classId: cls, subjectId: english });
    const students = [await newStudent(cls), await newStudent(cls)];
    await addMember(g1, students[0]);
    await addMember(g2, students[1]);
    await mustCreate({ ...(await basics()), weekday: 1, lessonNumber: 3, groupId: gid('StudyGroup', g1) });
    await mustCreate({ ...(await basics()), weekday: 1, lessonNumber: 3, groupId: gid('StudyGroup', g2) });
    const whole = await unchanged(async () => createEntry({ ...(await basics()), weekday: 1, lessonNumber: 3, classId: gid('SchoolClass', cls) }));
    expect(codes(whole)).toEqual(['CLASS_CONFLICT', 'CLASS_CONFLICT']);
    expect(whole.userErrors[0].message).toMatch(/^5Т\d+ already has Предмет \d+ of «Группа \d+»/);
    // And the other way round: a subgroup where the whole class has a lesson.
    await mustCreate({ ...(await basics()), weekday: 1, lessonNumber: 4, classId: gid('SchoolClass', cls) });
    const part = await unchanged(async () => createEntry({ ...(await basics()), weekday: 1, lessonNumber: 4, groupId: gid('StudyGroup', g1) }));
    expect(part.userErrors).toEqual([expect.objectContaining({ code: 'CLASS_CONFLICT', field: ['input', 'groupId'], message: expect.stringMatching(/^«Группа \d+» already has Предмет \d+ of 5Т\d+/) })]);
  });

  test('R-YEAR-9: a stream clashes with its classes and their subgroups (CLASS_CONFLICT), not with other classes', async () => {
    const a = await newClass(10);
    const b = await newClass(10);
    const other = await newClass(10);
    const stream = await newGroup('STREAM', { streamClassIds: [a, b] });
    const subOfB = await newGroup('SUBGROUP', { classId: b, subjectId: await newSubject() });
    await mustCreate({ ...(await basics()), weekday: 2, lessonNumber: 6, classId: gid('SchoolClass', a) });
    await mustCreate({ ...(await basics()), weekday: 2, lessonNumber: 7, groupId: gid('StudyGroup', subOfB) });
    await mustCreate({ ...(await basics()), weekday: 2, lessonNumber: 6, classId: gid('SchoolClass', other) });
    for (const lessonNumber of [6, 7]) {
      const r = await unchanged(async () => createEntry({ ...(await basics()), weekday: 2, lessonNumber, groupId: gid('StudyGroup', stream) }));
      expect(r.userErrors).toEqual([expect.objectContaining({ code: 'CLASS_CONFLICT', field: ['input', 'groupId'] })]);
    }
    await mustCreate({ ...(await basics()), weekday: 2, lessonNumber: 8, groupId: gid('StudyGroup', stream) });
    const classLater = await unchanged(async () => createEntry({ ...(await basics()), weekday: 2, lessonNumber: 8, classId: gid('SchoolClass', b) }));
    expect(codes(classLater)).toEqual(['CLASS_CONFLICT']);
  });

  test('R-YEAR-9: a student in two places at once through group membership is refused (STUDENT_CONFLICT), naming the student and the count', async () => {
    const a = await newClass(9);
    const b = await newClass(9);
    const club = await newGroup('CLUB');
    const s1 = await newStudent(a);
    const s2 = await newStudent(b);
    const s3 = await newStudent(a);
    await newStudent(a);
    for (const s of [s1, s2, s3]) await addMember(club, s);
    const [{ pseudonym }] = await app.sql(`select pseudonym from student where id = $1`, [s1]);
    await mustCreate({ ...(await basics()), weekday: 3, lessonNumber: 7, classId: gid('SchoolClass', a) });
    const r = await unchanged(async () => createEntry({ ...(await basics()), weekday: 3, lessonNumber: 7, groupId: gid('StudyGroup', club) }));
    expect(r.userErrors).toEqual([{
      code: 'STUDENT_CONFLICT', field: ['input', 'groupId'],
      message: expect.stringMatching(new RegExp(`^2 students \\(e\\.g\\. ${pseudonym}\\) of «Группа \\d+» would be in two places on Wednesday, lesson 7: also in Предмет \\d+ of 9Т\\d+ \\(teacher .+\\) \\(2025-09-01 – 2025-12-26\\)$`)),
    }]);
    // An individual entry of a club member clashes with the club; counted students are reported.
    await mustCreate({ ...(await basics()), weekday: 3, lessonNumber: 8, groupId: gid('StudyGroup', club) });
    const ind = await unchanged(async () => createEntry({ ...(await basics()), weekday: 3, lessonNumber: 8, studentId: gid('Student', s2) }));
    expect(ind.userErrors).toEqual([expect.objectContaining({ code: 'STUDENT_CONFLICT', field: ['input', 'studentId'], message: expect.stringMatching(/^Student Т-\d+ would be in two places on Wednesday, lesson 8: also in Предмет \d+ of «Группа \d+»/) })]);
    const wholeB = await unchanged(async () => createEntry({ ...(await basics()), weekday: 3, lessonNumber: 8, classId: gid('SchoolClass', b) }));
    expect(wholeB.userErrors[0].code).toBe('STUDENT_CONFLICT');
    // A member who left the club before the entry starts is no longer in two places.
    await app.sql(`update group_membership set to_date = '2025-09-30' where group_id = $1 and student_id = $2`, [club, s2]);
    await mustCreate({ ...(await basics()), weekday: 3, lessonNumber: 8, classId: gid('SchoolClass', b), validFrom: '2025-10-01' });
  });

  test('R-YEAR-9: two concurrent creates of clashing entries: exactly one wins', async () => {
    const teacherId = gid('Staff', await newTeacher());
    const classes = await Promise.all([newClass(11), newClass(11), newClass(11), newClass(11)]);
    const inputs = await Promise.all(classes.map(async (cls) => entryInput({ ...(await basics({ teacherId })), weekday: 6, lessonNumber: 1, classId: gid('SchoolClass', cls) })));
    const results = await Promise.all(inputs.map((i) => c.deputy.ok(CREATE, { i })));
    const won = results.filter((r) => r.timetableEntryCreate.userErrors.length === 0);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x !== won[0])) expect(codes(r.timetableEntryCreate)).toEqual(['TEACHER_CONFLICT']);
    const [{ count }] = await app.sql(`select count(*)::int as count from timetable_entry where teacher_id = $1`, [uuidOf(teacherId)]);
    expect(count).toBe(1);
  });

  test('R-YEAR-9: bad input is refused with clear error codes and nothing is written', async () => {
    const cls = gid('SchoolClass', await newClass(5));
    const b = await basics();
    const archived = await newSubject();
    await app.sql(`update subject set archived_at = now() where id = $1`, [archived]);
    const otherYearClass = gid('SchoolClass', await newClass(5, (await newYear()).id));
    const bad: [Record<string, unknown>, string, string[]][] = [
      [{ weekday: 0 }, 'INVALID', ['input', 'weekday']],
      [{ weekday: 8 }, 'INVALID', ['input', 'weekday']],
      [{ lessonNumber: 16 }, 'INVALID', ['input', 'lessonNumber']],
      [{ validFrom: '2025-10-01', validTo: '2025-09-30' }, 'DATE_RANGE_INVALID', ['input', 'validTo']],
      [{ validFrom: '2025-08-31' }, 'OUTSIDE_ACADEMIC_YEAR', ['input', 'validFrom']],
      [{ validTo: '2026-06-01' }, 'OUTSIDE_ACADEMIC_YEAR', ['input', 'validTo']],
      [{ classId: null }, 'REQUIRED', ['input', 'classId']],
      [{ groupId: gid('StudyGroup', await newGroup('CLUB')) }, 'INVALID', ['input', 'groupId']],
      [{ subjectId: gid('Subject', archived) }, 'ARCHIVED', ['input', 'subjectId']],
      [{ classId: otherYearClass }, 'INVALID', ['input', 'classId']],
    ];
    for (const [over, code, field] of bad) {
      const r = await unchanged(async () => createEntry({ ...b, classId: cls, ...over }));
      expect(r.timetableEntry).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(errorCode(await c.deputy.gql(CREATE, { i: entryInput({ ...b, classId: gid('StudyGroup', 'x') }) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.deputy.gql(CREATE, { i: entryInput({ ...b, classId: gid('SchoolClass', '00000000-0000-4000-8000-000000000000') }) }))).toBe('NOT_FOUND');
    expect(errorCode(await c.deputy.gql(CREATE, { i: entryInput({ ...b, classId: cls, kind: 'OTHER' }) }))).toBe('BAD_USER_INPUT');
  });

  test('R-YEAR-9: an entry is ended on a day (validTo shortened) or deleted; wrong dates are refused', async () => {
    const id = await mustCreate({ ...(await basics()), weekday: 4, lessonNumber: 6, classId: gid('SchoolClass', await newClass(8)) });
    for (const [lastDate, code] of [['2025-08-31', 'DATE_INVALID'], ['2026-01-10', 'DATE_INVALID']] as const) {
      const r = await unchanged(() => c.deputy.ok(END, { i: { id, lastDate } }));
      expect(codes(r.timetableEntryEnd)).toEqual([code]);
    }
    // issue 9: the day it already ends on (an auto-save) is a success that writes nothing, not even an audit entry or event.
    const same = await unchanged(() => c.deputy.ok(END, { i: { id, lastDate: '2025-12-26' } }));
    expect(same.timetableEntryEnd).toEqual({ timetableEntry: { id, validTo: '2025-12-26' }, userErrors: [] });
    const ended = await c.deputy.ok(END, { i: { id, lastDate: '2025-10-31' } });
    expect(ended.timetableEntryEnd).toEqual({ timetableEntry: { id, validTo: '2025-10-31' }, userErrors: [] });
    const deleted = await c.deputy.ok(DELETE, { i: { id } });
    expect(deleted.timetableEntryDelete).toEqual({ deletedTimetableEntryId: id, removedLessonCount: 0, keptLessons: [], userErrors: [] });
    expect(errorCode(await c.deputy.gql(DELETE, { i: { id } }))).toBe('NOT_FOUND');
    expect(errorCode(await c.deputy.gql(END, { i: { id, lastDate: '2025-10-01' } }))).toBe('NOT_FOUND');
  });
});

describe('R-YEAR-9 reading the timetable', () => {
  test('R-YEAR-9, R-DIARY-2: a class\'s timetable includes its subgroups and streams; a student\'s their classes, groups and individual entries; sorted by weekday and lesson', async () => {
    const year = await newYear();
    const y = year.y;
    const a = await newClass(10, year.id);
    const b = await newClass(10, year.id);
    const sub = await newGroup('SUBGROUP', { classId: a, subjectId: await newSubject(), yearId: year.id });
    const otherSub = await newGroup('SUBGROUP', { classId: a, subjectId: await newSubject(), yearId: year.id });
    const stream = await newGroup('STREAM', { streamClassIds: [a, b], yearId: year.id });
    const club = await newGroup('CLUB', { yearId: year.id });
    const student = await newStudent(a, `${y}-09-01`);
    await addMember(sub, student, `${y}-09-01`);
    await addMember(stream, student, `${y}-09-01`);
    await addMember(club, student, `${y}-10-01`);
    const teacherId = gid('Staff', await newTeacher());
    const roomId = gid('Room', await newRoom());
    const mk = (over: Record<string, unknown>) => c.deputy.ok(CREATE, { i: { academicYearId: year.gid, validFrom: `${y}-09-01`, validTo: `${y}-12-25`, kind: 'MAIN', ...over } });
    const made: Record<string, string> = {};
    for (const [key, over] of Object.entries({
      classA: { weekday: 2, lessonNumber: 1, classId: gid('SchoolClass', a), teacherId, roomId },
      sub: { weekday: 1, lessonNumber: 2, groupId: gid('StudyGroup', sub) },
      otherSub: { weekday: 1, lessonNumber: 2, groupId: gid('StudyGroup', otherSub) },
      stream: { weekday: 1, lessonNumber: 3, groupId: gid('StudyGroup', stream) },
      classB: { weekday: 1, lessonNumber: 1, classId: gid('SchoolClass', b), teacherId },
      club: { weekday: 5, lessonNumber: 8, groupId: gid('StudyGroup', club), validFrom: `${y}-09-01` },
      own: { weekday: 4, lessonNumber: 8, studentId: gid('Student', student), validTo: `${y}-09-30` },
    })) {
      const r = await mk({ ...(await basics(over as never)), ...over });
      expect(r.timetableEntryCreate.userErrors).toEqual([]);
      made[key] = r.timetableEntryCreate.timetableEntry.id;
    }
    const ids = async (vars: Record<string, unknown>, client = c.deputy) => (await client.ok(TIMETABLE, { y: year.gid, ...vars })).timetable.map((e: any) => e.id);
    expect(await ids({ c: gid('SchoolClass', a) })).toEqual([made.sub, made.otherSub, made.stream, made.classA]);
    expect(await ids({ c: gid('SchoolClass', b) })).toEqual([made.classB, made.stream]);
    expect(await ids({ g: gid('StudyGroup', stream) })).toEqual([made.stream]);
    expect(await ids({ s: gid('Student', student) })).toEqual([made.sub, made.stream, made.classA, made.own, made.club]);
    // On a day: the individual entry has ended, the club membership has not started yet.
    expect(await ids({ s: gid('Student', student), d: `${y}-09-20` })).toEqual([made.sub, made.stream, made.classA, made.own]);
    expect(await ids({ s: gid('Student', student), d: `${y}-10-20` })).toEqual([made.sub, made.stream, made.classA, made.club]);
    expect(await ids({ t: teacherId })).toEqual([made.classB, made.classA]);
    expect(await ids({ r: roomId })).toEqual([made.classA]);
    expect(await ids({ c: gid('SchoolClass', a), d: `${y + 1}-01-15` })).toEqual([]);
  });

  test('CONVENTIONS: the number of queries of a class timetable does not grow with its length', async () => {
    const cls = await newClass(6);
    const full = `query($y: ID!, $c: ID) { timetable(academicYearId: $y, classId: $c) {
      id weekday lessonNumber subject { name } teacher { fullName } room { name } schoolClass { name } group { name } student { id } academicYear { name } bellSlot { startsAt } } }`;
    let made = 0;
    const add = async (k: number) => {
      for (let i = made; i < made + k; i++) await mustCreate({ ...(await basics()), weekday: 1 + (i % 5), lessonNumber: 9 + Math.floor(i / 5), classId: gid('SchoolClass', cls) });
      made += k;
    };
    await add(3);
    const few = await countQueries(app, () => c.deputy.ok(full, { y: demoYearGid, c: gid('SchoolClass', cls) }));
    await add(12);
    let list: any;
    const many = await countQueries(app, async () => { list = await c.deputy.ok(full, { y: demoYearGid, c: gid('SchoolClass', cls) }); });
    expect(list.timetable).toHaveLength(15);
    expect(many).toBe(few);
  });

  test('R-SEC-2, R-SEC-3: students and parents read their own timetable; another student\'s is NOT_FOUND; a teacher cannot write (FORBIDDEN)', async () => {
    const cls = await newClass(5);
    const mine = await newStudent(cls);
    const other = await newStudent(cls);
    await app.sql(`update student set user_id = (select id from app_user where login = 'student') where id = $1`, [mine]);
    await f.guardianAccount(app, school, mine, 'parent', { lastName: 'Родителева' });
    const classEntry = await mustCreate({ ...(await basics()), weekday: 5, lessonNumber: 5, classId: gid('SchoolClass', cls) });
    const otherOwn = await mustCreate({ ...(await basics()), weekday: 5, lessonNumber: 6, studentId: gid('Student', other) });

    for (const client of [c.student, c.parent]) {
      const r = await client.ok(TIMETABLE, { y: demoYearGid, s: gid('Student', mine) });
      expect(r.timetable.map((e: any) => e.id)).toEqual([classEntry]);
      expect(errorCode(await client.gql(TIMETABLE, { y: demoYearGid, s: gid('Student', other) }))).toBe('NOT_FOUND');
      // The other student's individual entry is left out of wider lists and hidden from node().
      const all = await client.ok(TIMETABLE, { y: demoYearGid, d: '2025-10-03' });
      expect(all.timetable.map((e: any) => e.id)).not.toContain(otherOwn);
      expect(all.timetable.map((e: any) => e.id)).toContain(classEntry);
      expect(errorCode(await client.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: otherOwn }))).toBe('NOT_FOUND');
    }
    expect((await c.deputy.ok(TIMETABLE, { y: demoYearGid, s: gid('Student', other) })).timetable.map((e: any) => e.id)).toEqual([classEntry, otherOwn]);

    const refused = await unchanged(() => c.teacher.gql(CREATE, { i: entryInput({ subjectId: gid('Subject', cls), teacherId: gid('Staff', cls), classId: gid('SchoolClass', cls) }) }));
    expect(errorCode(refused)).toBe('FORBIDDEN');
    for (const [doc, i] of [[END, { id: classEntry, lastDate: '2025-10-01' }], [DELETE, { id: classEntry }], [GENERATE, { periodId: gid('StudyPeriod', cls) }]] as const) {
      expect(errorCode(await unchanged(() => c.classteacher.gql(doc, { i })))).toBe('FORBIDDEN');
    }
    expect(errorCode(await c.director.gql(BELLS_SET, { i: { academicYearId: demoYearGid, name: 'З', slots: [] } }))).toBe('FORBIDDEN');
    expect(errorCode(await app.anon().gql(TIMETABLE, { y: demoYearGid }))).toBe('UNAUTHENTICATED');
  });
});

describe('R-YEAR-9 dated lessons', () => {
  test('R-YEAR-9, R-YEAR-1: lessons are generated on the entry\'s weekdays within the period, skipping holidays of the target\'s grade; a second run creates nothing', async () => {
    const year = await newYear();
    const y = year.y;
    await newHoliday(year.id, `${y}-10-10`, `${y}-10-16`, null);
    await newHoliday(year.id, `${y}-09-20`, `${y}-09-26`, [6]);
    const five = await newClass(5, year.id);
    const six = await newClass(6, year.id);
    const ten = await newClass(10, year.id); // the period is for grades 5–9
    const club = await newGroup('CLUB', { yearId: year.id });
    const base = { academicYearId: year.gid, weekday: 3, lessonNumber: 1, validFrom: `${y}-09-01`, validTo: `${y}-12-25`, kind: 'MAIN' };
    const make = async (over: Record<string, unknown>) => {
      const r = await c.deputy.ok(CREATE, { i: { ...base, ...(await basics()), ...over } });
      expect(r.timetableEntryCreate.userErrors).toEqual([]);
      return uuidOf(r.timetableEntryCreate.timetableEntry.id);
    };
    const e5 = await make({ classId: gid('SchoolClass', five) });
    const e6 = await make({ classId: gid('SchoolClass', six) });
    const e10 = await make({ classId: gid('SchoolClass', ten) });
    const eClub = await make({ groupId: gid('StudyGroup', club), lessonNumber: 8, validFrom: `${y}-09-15` });

    const first = (await c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } })).lessonsGenerate;
    const wednesdays = weekdays(`${y}-09-01`, `${y}-10-31`, 3);
    const outside = (d: string, from: string, to: string) => d < from || d > to;
    const want5 = wednesdays.filter((d) => outside(d, `${y}-10-10`, `${y}-10-16`));
    const want6 = want5.filter((d) => outside(d, `${y}-09-20`, `${y}-09-26`));
    const wantClub = want5.filter((d) => d >= `${y}-09-15`);
    expect(first).toMatchObject({ period: { id: year.periodGid }, created: want5.length + want6.length + wantClub.length, removed: 0, unchanged: 0, kept: 0, notFitting: [], userErrors: [] });
    const dates = async (entry: string) => (await app.sql(`select to_char(planned_date, 'YYYY-MM-DD') as d from lesson where timetable_entry_id = $1 order by 1`, [entry])).map((r) => r.d);
    expect(await dates(e5)).toEqual(want5);
    expect(await dates(e6)).toEqual(want6);
    expect(await dates(e10)).toEqual([]);
    expect(await dates(eClub)).toEqual(wantClub);
    const [lesson] = await app.sql(`select to_char(date, 'YYYY-MM-DD') as date, lesson_number, planned_lesson_number, room_id = planned_room_id as same_room, status, kind,
        school_class_id, teacher_id = (select teacher_id from timetable_entry where id = $1) as same_teacher from lesson where timetable_entry_id = $1 order by date limit 1`, [e5]);
    expect(lesson).toEqual({ date: want5[0], lesson_number: 1, planned_lesson_number: 1, same_room: true, status: 'SCHEDULED', kind: 'MAIN', school_class_id: five, same_teacher: true });
    // R-SEC-5: every lesson is audited as created by lessonsGenerate.
    const [{ audited }] = await app.sql(`select count(*)::int as audited from audit_entry where entity_type = 'Lesson' and operation = 'lessonsGenerate' and action = 'CREATE'
      and entity_id in (select id::text from lesson where timetable_entry_id = any($1::uuid[]))`, [[e5, e6, eClub]]);
    expect(audited).toBe(first.created);

    const second = await unchanged(() => c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } }));
    expect(second.lessonsGenerate).toMatchObject({ created: 0, removed: 0, unchanged: first.created, kept: 0, notFitting: [] });
  });

  test('R-YEAR-9, R-YEAR-1: a cross-class group stops on the holidays of the grades its students are in that day, as every school-day check does', async () => {
    const year = await newYear();
    const y = year.y;
    await newHoliday(year.id, `${y}-09-20`, `${y}-09-26`, [6]);
    const six = await newClass(6, year.id);
    const seven = await newClass(7, year.id);
    const mixed = await newGroup('CLUB', { yearId: year.id });
    const sevens = await newGroup('CLUB', { yearId: year.id });
    await addMember(mixed, await newStudent(six, `${y}-09-01`), `${y}-09-01`);
    await addMember(mixed, await newStudent(seven, `${y}-09-01`), `${y}-09-01`);
    await addMember(sevens, await newStudent(seven, `${y}-09-01`), `${y}-09-01`);
    const base = { academicYearId: year.gid, weekday: 3, lessonNumber: 1, validFrom: `${y}-09-01`, validTo: `${y}-12-25`, kind: 'MAIN' };
    const make = async (groupId: string) => {
      const r = await c.deputy.ok(CREATE, { i: { ...base, ...(await basics()), groupId: gid('StudyGroup', groupId) } });
      expect(r.timetableEntryCreate.userErrors).toEqual([]);
      return uuidOf(r.timetableEntryCreate.timetableEntry.id);
    };
    const eMixed = await make(mixed);
    const eSevens = await make(sevens);
    expect((await c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } })).lessonsGenerate.userErrors).toEqual([]);
    const dates = async (entry: string) => (await app.sql(`select to_char(planned_date, 'YYYY-MM-DD') as d from lesson where timetable_entry_id = $1 order by 1`, [entry])).map((r) => r.d);
    const wednesdays = weekdays(`${y}-09-01`, `${y}-10-31`, 3);
    expect(await dates(eMixed)).toEqual(wednesdays.filter((d) => d < `${y}-09-20` || d > `${y}-09-26`));
    expect(await dates(eSevens)).toEqual(wednesdays);
  });

  test('R-YEAR-9, R-DIARY-3: regeneration after ending an entry removes lessons without journal data and keeps and reports one with a topic; events carry the students', async () => {
    const year = await newYear();
    const y = year.y;
    const cls = await newClass(7, year.id);
    const s1 = await newStudent(cls, `${y}-09-01`);
    const s2 = await newStudent(cls, `${y}-09-01`);
    const gone = await newStudent(cls, `${y - 1}-09-01`);
    await app.sql(`update class_membership set to_date = $2 where student_id = $1`, [gone, `${y}-08-31`]); // left before the year began
    const b = await basics();
    const created = await c.deputy.ok(CREATE, { i: { academicYearId: year.gid, weekday: 1, lessonNumber: 2, validFrom: `${y}-09-01`, validTo: `${y}-12-25`, classId: gid('SchoolClass', cls), ...b } });
    const entryGid = created.timetableEntryCreate.timetableEntry.id;
    const entry = uuidOf(entryGid);
    const teacher = uuidOf(b.teacherId as string);
    const [teacherUser] = await app.sql(`select user_id from staff where id = $1`, [teacher]);
    const events = async () => app.sql(`select kind, object_type, object_id, to_char(date_from, 'YYYY-MM-DD') as date_from, to_char(date_to, 'YYYY-MM-DD') as date_to,
        student_ids, teacher_user_ids from outbox_event where school_id = $1 and kind = 'TIMETABLE_CHANGED' and $2 = any(teacher_user_ids) order by id`, [school, teacherUser.user_id]);
    const students = [s1, s2].sort();
    expect(await events()).toEqual([{ kind: 'TIMETABLE_CHANGED', object_type: 'TimetableEntry', object_id: entry, date_from: `${y}-09-01`, date_to: `${y}-12-25`, student_ids: students, teacher_user_ids: [teacherUser.user_id] }]);

    const first = (await c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } })).lessonsGenerate;
    const mondays = weekdays(`${y}-09-01`, `${y}-10-31`, 1);
    expect(first.created).toBe(mondays.length);
    const genEvents = await events();
    expect(genEvents).toHaveLength(2);
    expect(genEvents[1]).toEqual({ kind: 'TIMETABLE_CHANGED', object_type: null, object_id: null, date_from: `${y}-09-01`, date_to: `${y}-10-31`, student_ids: students, teacher_user_ids: [teacherUser.user_id] });

    // The teacher gave the lesson of the last Monday a topic; then the entry ends three weeks early.
    const last = mondays[mondays.length - 1];
    await app.sql(`update lesson set topic = 'Дроби' where timetable_entry_id = $1 and planned_date = $2`, [entry, last]);
    const ended = await c.deputy.ok(END, { i: { id: entryGid, lastDate: mondays[mondays.length - 4] } });
    expect(ended.timetableEntryEnd.userErrors).toEqual([]);
    const again = (await c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } })).lessonsGenerate;
    const [kept] = await app.sql(`select id from lesson where timetable_entry_id = $1 and planned_date = $2`, [entry, last]);
    expect(again).toMatchObject({ created: 0, removed: 2, unchanged: mondays.length - 3, kept: 1, notFitting: [{ id: gid('Lesson', kept.id), topic: 'Дроби' }] });
    expect(await app.sql(`select count(*)::int as n from audit_entry where entity_type = 'Lesson' and action = 'DELETE' and operation = 'lessonsGenerate'
      and changes->'timetableEntry'->>'before' = $1`, [entry])).toEqual([{ n: 2 }]);
    expect((await events()).length).toBe(4); // create, generate, end, regenerate
    // Running again reports the kept lesson again and changes nothing.
    const third = await unchanged(() => c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } }));
    expect(third.lessonsGenerate).toMatchObject({ created: 0, removed: 0, kept: 1 });

    // Deleting the entry deletes its lessons without journal data and keeps (detached) the one with a topic.
    const deleted = await c.deputy.ok(DELETE, { i: { id: entryGid } });
    expect(deleted.timetableEntryDelete).toMatchObject({ removedLessonCount: mondays.length - 3, keptLessons: [{ id: gid('Lesson', kept.id), topic: 'Дроби' }], userErrors: [] });
    expect(await app.sql(`select timetable_entry_id, topic from lesson where id = $1`, [kept.id])).toEqual([{ timetable_entry_id: null, topic: 'Дроби' }]);
    expect(await app.sql(`select count(*)::int as n from lesson where school_class_id = $1`, [cls])).toEqual([{ n: 1 }]);
  });

  test('R-JOUR-10: a topic written while lessons are regenerated is never lost: the lesson is kept and reported', async () => {
    const year = await newYear();
    const y = year.y;
    const r = await c.deputy.ok(CREATE, { i: { academicYearId: year.gid, weekday: 4, lessonNumber: 1, validFrom: `${y}-09-01`, validTo: `${y}-12-25`,
      classId: gid('SchoolClass', await newClass(5, year.id)), ...(await basics()) } });
    const entryGid = r.timetableEntryCreate.timetableEntry.id;
    expect((await c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } })).lessonsGenerate.created).toBeGreaterThan(3);
    expect((await c.deputy.ok(END, { i: { id: entryGid, lastDate: `${y}-09-01` } })).timetableEntryEnd.userErrors).toEqual([]);
    const [late] = await app.sql(`select id from lesson where timetable_entry_id = $1 order by planned_date desc limit 1`, [uuidOf(entryGid)]);
    // The teacher's topic is being written (row locked, not committed) while the deputy regenerates.
    const writer = new pg.Client({ connectionString: app.databaseUrl });
    await writer.connect();
    try {
      await writer.query('begin');
      await writer.query(`update lesson set topic = 'Проценты' where id = $1`, [late.id]);
      const generating = c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await writer.query('commit');
      const result = (await generating).lessonsGenerate;
      expect(result.notFitting).toEqual([{ id: gid('Lesson', late.id), topic: 'Проценты' }]);
      expect(result.kept).toBe(1);
    } finally {
      await writer.end();
    }
    expect(await app.sql(`select topic from lesson where id = $1`, [late.id])).toEqual([{ topic: 'Проценты' }]);
  });

  test('R-YEAR-9, R-JOUR-6: findLessonClashes applies the same checks to dated lessons (substitute, room, class, student; cancelled lessons and the lesson itself do not count)', async () => {
    const year = await newYear();
    const y = year.y;
    const cls = await newClass(8, year.id);
    const other = await newClass(8, year.id);
    const club = await newGroup('CLUB', { yearId: year.id });
    const s = await newStudent(other, `${y}-09-01`);
    await addMember(club, s, `${y}-09-01`);
    const b = await basics();
    const substitute = await newTeacher();
    const r = await c.deputy.ok(CREATE, { i: { academicYearId: year.gid, weekday: 2, lessonNumber: 3, validFrom: `${y}-09-01`, validTo: `${y}-12-25`, classId: gid('SchoolClass', other), ...b } });
    expect(r.timetableEntryCreate.userErrors).toEqual([]);
    await c.deputy.ok(GENERATE, { i: { periodId: year.periodGid } });
    const [lesson] = await app.sql(`select id, to_char(date, 'YYYY-MM-DD') as date, teacher_id, room_id from lesson where school_class_id = $1 order by date limit 1`, [other]);
    const em = app.orm.em.fork();
    const at = { schoolId: school, date: lesson.date, lessonNumber: 3 };

    const clash = await findLessonClashes(em, { ...at, teacherIds: [lesson.teacher_id], roomId: lesson.room_id, target: { classId: cls } });
    expect(clash.map((e) => [e.code, e.field])).toEqual([['TEACHER_CONFLICT', ['input', 'teacherId']], ['ROOM_CONFLICT', ['input', 'roomId']]]);
    expect(clash[0].message).toMatch(new RegExp(`^Teacher .+ already teaches Предмет \\d+ of 8Т\\d+ on ${lesson.date} \\(Tuesday\\), lesson 3$`));
    const student = await findLessonClashes(em, { ...at, teacherIds: [substitute], target: { groupId: club }, fields: { target: ['input', 'lessonId'] } });
    expect(student.map((e) => [e.code, e.field])).toEqual([['STUDENT_CONFLICT', ['input', 'lessonId']]]);
    expect(await findLessonClashes(em, { ...at, teacherIds: [], target: { classId: other } })).toEqual([expect.objectContaining({ code: 'CLASS_CONFLICT' })]);
    expect(await findLessonClashes(em, { ...at, teacherIds: [lesson.teacher_id], roomId: lesson.room_id, target: { classId: other }, excludeLessonId: lesson.id })).toEqual([]);
    expect(await findLessonClashes(em, { ...at, lessonNumber: 4, teacherIds: [lesson.teacher_id], target: { classId: other } })).toEqual([]);
    // A substituted lesson occupies its substitute, not its own teacher; a cancelled one nobody.
    await app.sql(`update lesson set substitute_teacher_id = $2, substitution_reason = 'больничный' where id = $1`, [lesson.id, substitute]);
    expect((await findLessonClashes(em, { ...at, teacherIds: [substitute], target: { classId: cls } })).map((e) => e.code)).toEqual(['TEACHER_CONFLICT']);
    expect(await findLessonClashes(em, { ...at, teacherIds: [lesson.teacher_id], target: { classId: cls } })).toEqual([]);
    await app.sql(`update lesson set status = 'CANCELLED', cancel_reason = 'карантин' where id = $1`, [lesson.id]);
    expect(await findLessonClashes(em, { ...at, teacherIds: [substitute], roomId: lesson.room_id, target: { classId: other } })).toEqual([]);
    // The weekly check agrees with the dated one.
    const weekly = await findTimetableClashes(em, { schoolId: school, weekday: 2, lessonNumber: 3, validFrom: `${y}-09-01`, validTo: `${y}-09-30`, teacherIds: [], target: { groupId: club } });
    expect(weekly.map((e) => e.code)).toEqual(['STUDENT_CONFLICT']);
  });
});
