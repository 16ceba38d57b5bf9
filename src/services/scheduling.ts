import type { RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { StudyGroupKind } from '../entities/study-group.entity';
import { TimetableEntry } from '../entities/timetable.entity';
import { Lesson, LessonStatus } from '../entities/lesson.entity';
import { forbidden } from '../schema/errors';
import { type UserError, UserErrorCode, userError } from '../schema/user-error';
import { type Problems, addDays, at, fail, isoWeekday } from './shared';
import { type JournalLockRow, JOURNAL_LOCK_SQL } from './journal-lock';

/* ------------------------------------------------------------------------------------------------
 * The school day: whom a lesson is for, which days and lesson numbers it may take, the holidays
 * that stop it, who and what a slot occupies (R-YEAR-9), the locks under which those answers hold
 * until commit, the expansion of the weekly timetable into dated lessons, and who may write the
 * journal of a lesson (R-JOUR-6). The timetable, lesson changes, control works, the diary and the
 * journal all ask here, so each rule has one answer.
 * ---------------------------------------------------------------------------------------------- */

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Weekday names by ISO number (1 = Monday), for messages. */
export const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/* ---------------------------------------------- targets ----------------------------------------- */

/**
 * Whom a lesson, a timetable entry or a control work is for: exactly one of a class, a study group
 * (a subgroup, a cross-class group or a stream) or a student (individual plan); the others null.
 * Callers that name only the one they have (`{ classId }`) pass a `Partial<Target>`.
 */
export interface Target {
  classId: string | null;
  groupId: string | null;
  studentId: string | null;
}

/** The target of an entity that refers to its class, group or student (a lesson, an entry, a control work). */
export const targetOf = (r: { schoolClass?: { id: string } | null; group?: { id: string } | null; student?: { id: string } | null }): Target => ({
  classId: r.schoolClass?.id ?? null,
  groupId: r.group?.id ?? null,
  studentId: r.student?.id ?? null,
});

/** The target of a row read by SQL (`school_class_id`, `group_id`, `student_id`). */
export const targetOfRow = (r: { school_class_id?: string | null; group_id?: string | null; student_id?: string | null }): Target => ({
  classId: r.school_class_id ?? null,
  groupId: r.group_id ?? null,
  studentId: r.student_id ?? null,
});

/** A key that tells targets apart (a class, a group and a student may share nothing else). */
const targetKey = (t: Partial<Target>) => (t.classId ? `c:${t.classId}` : t.groupId ? `g:${t.groupId}` : `s:${t.studentId}`);

/* ---------------------------------------------- locks ------------------------------------------- */

/**
 * Serialises every change of one academic year's timetable (entries, bell schedules, lesson
 * generation) until the transaction ends: the conflict checks read what committed before, so two
 * concurrent writers must take turns or both could pass them.
 */
export async function lockTimetable(em: EntityManager, academicYearId: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`timetable:${academicYearId}`]);
}

/**
 * Serialises changes of the dated lessons of one school day (substitutions, moves, cancellations)
 * until the transaction ends, for the same reason as `lockTimetable`; call it before
 * `findLessonClashes`.
 */
export async function lockLessonDay(em: EntityManager, schoolId: string, date: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`lessons:${schoolId}:${date}`]);
}

/**
 * Serialises changes of one school's lessons on the given days until the transaction ends (the
 * timetable's own day lock, shared with lesson generation), so two concurrent moves or
 * substitutions into one slot cannot both pass the clash check. Days are locked in order, so two
 * writers never wait for each other crosswise.
 */
export async function lockSchoolDays(em: EntityManager, schoolId: string, dates: string[]): Promise<void> {
  for (const date of [...new Set(dates)].sort()) await lockLessonDay(em, schoolId, date);
}

/* ---------------------------------------------- days and lesson numbers ------------------------- */

/** Lesson numbers a bell schedule, the timetable, a lesson and a control work accept (0 is a "zero" lesson). */
export const LESSON_NUMBER_MIN = 0;
export const LESSON_NUMBER_MAX = 15;

/** Why `n` is no lesson number, or null when it is one. */
export function lessonNumberProblem(n: number): string | null {
  if (Number.isInteger(n) && n >= LESSON_NUMBER_MIN && n <= LESSON_NUMBER_MAX) return null;
  return `A lesson number is ${LESSON_NUMBER_MIN}–${LESSON_NUMBER_MAX}, not ${n}`;
}

/** Adds INVALID at `field` when `n` is no lesson number; returns whether it is one. */
export function checkLessonNumber(p: Problems, n: number, field: string[]): boolean {
  const problem = lessonNumberProblem(n);
  if (problem) p.add(UserErrorCode.INVALID, problem, field);
  return !problem;
}

/**
 * R-YEAR-1: the holiday of the year covering `date` that applies to the target (SQL
 * holiday_applies): one for the whole school, or for a grade of the target's class(es) — a class, a
 * group's class or stream classes, or the classes its students are in that day.
 */
export async function holidayFor(em: EntityManager, yearId: string, date: string, t: Target): Promise<{ id: string; name: string } | null> {
  const [row] = await em.execute<{ id: string; name: string }[]>(
    `select h.id, h.name from holiday h
      where h.academic_year_id = ? and ?::date between h.start_date and h.end_date
        and holiday_applies(h, ?::uuid, ?::uuid, ?::uuid, ?::date)
      order by h.start_date, h.name limit 1`,
    [yearId, date, t.classId, t.groupId, t.studentId, date]);
  return row ?? null;
}

/**
 * The days of [from, to] on which a holiday of the year applies to each of `targets` (SQL
 * holiday_applies), as `targetKey|day`: one statement for a whole study period.
 */
async function holidayDays(em: EntityManager, yearId: string, from: string, to: string, targets: Target[]): Promise<Set<string>> {
  if (targets.length === 0) return new Set();
  const rows = await em.execute<{ key: string; day: string }[]>(
    `select distinct t.key, to_char(d, 'YYYY-MM-DD') as day
       from jsonb_to_recordset(?::jsonb) as t(key text, class_id uuid, group_id uuid, student_id uuid)
       cross join holiday h
       cross join lateral generate_series(greatest(h.start_date, ?::date), least(h.end_date, ?::date), interval '1 day') d
      where h.academic_year_id = ? and h.start_date <= ?::date and h.end_date >= ?::date
        and holiday_applies(h, t.class_id, t.group_id, t.student_id, d::date)`,
    [JSON.stringify(targets.map((t) => ({ key: targetKey(t), class_id: t.classId, group_id: t.groupId, student_id: t.studentId }))),
      from, to, yearId, to, from]);
  return new Set(rows.map((r) => `${r.key}|${r.day}`));
}

/** Checks a day for a lesson or control work of `year`: inside the year and not a holiday of the target. */
export async function checkSchoolDay(em: EntityManager, p: Problems, year: AcademicYear, date: string, t: Target, field: string[]): Promise<void> {
  if (date < year.startDate || date > year.endDate) {
    p.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `${date} is outside the academic year «${year.name}» (${year.startDate} – ${year.endDate})`, field);
    return;
  }
  const holiday = await holidayFor(em, year.id, date, t);
  if (holiday) p.add(UserErrorCode.HOLIDAY, `${date} falls in the holiday «${holiday.name}»`, field);
}

/* ---------------------------------------------- the journal of a lesson ------------------------- */

/**
 * SQL predicate, on a lesson aliased `l`, that is true when the lesson carries journal data: a
 * topic (free or planned), notes, work types, homework, attendance taken, marks, a substitution, a move (date, lesson number or room differ from the planned ones) or a
 * cancellation. Such a lesson is never deleted by lesson generation or by deleting its timetable
 * entry: it is kept and reported. THE one definition: every journal table that hangs data on a
 * lesson (marks, attendance, homework, work types …) must be joined into it here with an
 * `exists (...)` when it is added, so a lesson with journal data is never deleted by timetable
 * regeneration.
 */
export const LESSON_HAS_JOURNAL_DATA_SQL = `(l.topic is not null
  or l.planned_topic_id is not null
  or l.notes is not null
  or l.attendance_taken_at is not null
  or exists (select 1 from lesson_work_type lw where lw.lesson_id = l.id)
  or exists (select 1 from homework hw where hw.lesson_id = l.id)
  or exists (select 1 from attendance at where at.lesson_id = l.id)
  or exists (select 1 from mark mk where mk.lesson_id = l.id)
  or exists (select 1 from message_thread mt where mt.lesson_id = l.id)
  or l.substitute_teacher_id is not null
  or l.status = 'CANCELLED'
  or l.move_reason is not null
  or l.date <> l.planned_date
  or l.lesson_number <> l.planned_lesson_number
  or l.room_id is distinct from l.planned_room_id)`;

/**
 * R-JOUR-6: only the teacher who conducts the lesson writes its journal (topic, marks, attendance,
 * homework): its substitute when it has one — for that lesson only — else its timetable teacher,
 * who loses the right for a lesson someone else substitutes; and nobody while the lesson is
 * cancelled. The viewer counts as that teacher through a current (not archived) staff record of the
 * lesson's school.
 *
 * Locks the lesson row for the transaction (one writer per lesson at a time: NO KEY UPDATE, as
 * `lockRow`) and reads in the same statement whether the viewer conducts it and its school's time
 * zone, and the journal's lock state for `journalStudents` (R-JOUR-9, `JOURNAL_LOCK_SQL`); null when
 * there is no such lesson. Then `assertConductsLesson`.
 */
export async function lockLessonToConduct(em: EntityManager, viewerUserId: string, lessonId: string, journalStudents: readonly string[] = []): Promise<{
  lesson: Lesson; conducts: boolean; timeZone: string; journal: JournalLockRow | null;
} | null> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `select l.*, sch.time_zone as "__time_zone",
            exists (select 1 from staff st where st.user_id = ?::uuid and st.school_id = l.school_id and st.archived_at is null
                       and st.id = coalesce(l.substitute_teacher_id, l.teacher_id)) as "__conducts",
            ${JOURNAL_LOCK_SQL} as "__journal"
       from lesson l join school sch on sch.id = l.school_id
      where l.id = ?::uuid for no key update of l`, [viewerUserId, lessonId, `{${journalStudents.join(',')}}`, lessonId]);
  if (!row) return null;
  const { __time_zone: timeZone, __conducts: conducts, __journal: journal, ...lesson } = row;
  return { lesson: em.map(Lesson, lesson as never), conducts: conducts === true, timeZone: String(timeZone), journal: (journal ?? null) as JournalLockRow | null };
}

/**
 * R-JOUR-6 (see `lockLessonToConduct`): FORBIDDEN for anyone but the teacher who conducts the lesson,
 * then LESSON_CANCELLED (a userError at `input.lessonId`) for a cancelled lesson. Call it after
 * deciding that the viewer may see the lesson at all (else NOT_FOUND).
 */
export function assertConductsLesson(lesson: Lesson, conducts: boolean): void {
  if (!conducts) {
    throw forbidden(lesson.substituteTeacher
      ? 'Only the substitute who conducts this lesson may fill it in'
      : 'Only the teacher who conducts this lesson (or its substitute) may fill it in');
  }
  if (lesson.status === LessonStatus.CANCELLED) fail(UserErrorCode.LESSON_CANCELLED, 'The lesson is cancelled', at('lessonId'));
}

/* ---------------------------------------------- conflicts --------------------------------------- */

/** Input paths the clash userErrors point at (defaults: `input.teacherId`, `input.roomId`, the target's field). */
export interface ClashFields {
  teacher?: string[];
  room?: string[];
  target?: string[];
}

/** What is being placed at one time: its teachers, room and target. */
export interface ClashSubject {
  teacherIds: readonly string[];
  roomId?: string | null;
  target: Partial<Target>;
  fields?: ClashFields;
}

/** One other entry or lesson at the same time, with what it has in common with the subject. */
interface ClashRow {
  d_from: string;
  d_to: string;
  subject_name: string;
  room_name: string | null;
  teacher_name: string;
  other_target: string;
  my_target: string;
  teacher_clash: boolean;
  room_clash: boolean;
  class_clash: boolean;
  shared_students: number;
  shared_student: string | null;
}

/**
 * The shared part of the conflict checks. `candidates` selects the other entries or lessons at the
 * same time (id, subject_id, teacher_id, room_id, school_class_id, group_id, student_id and the
 * overlapping days d_from…d_to); for each one this says whether it shares the teacher, the room,
 * the class (same class or group; a class and a subgroup of it; a stream and one of its classes or
 * their subgroups; two different subgroups of one class do not clash) or, failing that, students
 * (target_students of both over the overlapping days, intersected).
 */
const clashSql = (candidates: string) => `
with me as (
  select p.class_id, p.group_id, p.student_id, p.teacher_ids, p.room_id,
         case when p.class_id is not null then array[p.class_id]
              when g.kind = 'STREAM' then coalesce(g.stream_class_ids, '{}'::uuid[]) else '{}'::uuid[] end as whole,
         case when g.kind = 'SUBGROUP' then g.school_class_id end as part,
         coalesce(mc.grade || mc.letter, '«' || g.name || '»', 'student ' || ms.pseudonym, '-') as label
    from jsonb_to_record(?::jsonb) as p(class_id uuid, group_id uuid, student_id uuid, teacher_ids uuid[], room_id uuid)
    left join study_group g on g.id = p.group_id
    left join school_class mc on mc.id = p.class_id
    left join student ms on ms.id = p.student_id
), cand as (${candidates})
select to_char(c.d_from, 'YYYY-MM-DD') as d_from, to_char(c.d_to, 'YYYY-MM-DD') as d_to,
       sub.name as subject_name, r.name as room_name,
       u.last_name || ' ' || left(u.first_name, 1) || '.' || coalesce(' ' || left(u.middle_name, 1) || '.', '') as teacher_name,
       coalesce(oc.grade || oc.letter, '«' || og.name || '»', 'student ' || os.pseudonym, '-') as other_target,
       me.label as my_target,
       coalesce(c.teacher_id = any(me.teacher_ids), false) as teacher_clash,
       coalesce(me.room_id is not null and c.room_id = me.room_id, false) as room_clash,
       coalesce(c.group_id = me.group_id, false) or coalesce(me.whole && o.whole, false)
         or coalesce(o.part = any(me.whole), false) or coalesce(me.part = any(o.whole), false) as class_clash,
       st.n as shared_students, st.pseudonym as shared_student
  from cand c cross join me
  join subject sub on sub.id = c.subject_id
  join staff sf on sf.id = c.teacher_id
  join app_user u on u.id = sf.user_id
  left join room r on r.id = c.room_id
  left join school_class oc on oc.id = c.school_class_id
  left join study_group og on og.id = c.group_id
  left join student os on os.id = c.student_id
  cross join lateral (
    select case when c.school_class_id is not null then array[c.school_class_id]
                when og.kind = 'STREAM' then coalesce(og.stream_class_ids, '{}'::uuid[]) else '{}'::uuid[] end as whole,
           case when og.kind = 'SUBGROUP' then og.school_class_id end as part) o
  cross join lateral (
    select count(*)::int as n, min(s.pseudonym) as pseudonym from student s
     where s.id in (select target_students(me.class_id, me.group_id, me.student_id, c.d_from, c.d_to)
                    intersect
                    select target_students(c.school_class_id, c.group_id, c.student_id, c.d_from, c.d_to))) st
 order by c.d_from, sub.name, other_target`;

function meParam(s: ClashSubject): string {
  return JSON.stringify({
    class_id: s.target.classId ?? null, group_id: s.target.groupId ?? null, student_id: s.target.studentId ?? null,
    teacher_ids: [...s.teacherIds], room_id: s.roomId ?? null,
  });
}

/** The input field of the target: classId, groupId or studentId. */
function targetField(target: Partial<Target>): string[] {
  return at(target.classId ? 'classId' : target.groupId ? 'groupId' : 'studentId');
}

/** Turns the clash rows into userErrors that name the clash; every kind found is reported. */
function clashErrors(rows: ClashRow[], subject: ClashSubject, when: string, span: (r: ClashRow) => string): UserError[] {
  const fields = {
    teacher: subject.fields?.teacher ?? at('teacherId'),
    room: subject.fields?.room ?? at('roomId'),
    target: subject.fields?.target ?? targetField(subject.target),
  };
  const errors: UserError[] = [];
  for (const r of rows) {
    const other = `${r.subject_name} of ${r.other_target}`;
    if (r.teacher_clash) {
      errors.push(userError(UserErrorCode.TEACHER_CONFLICT, `Teacher ${r.teacher_name} already teaches ${other} ${when}${span(r)}`, fields.teacher));
    }
    if (r.room_clash) {
      errors.push(userError(UserErrorCode.ROOM_CONFLICT, `Room ${r.room_name} is already taken by ${other} (teacher ${r.teacher_name}) ${when}${span(r)}`, fields.room));
    }
    if (r.class_clash) {
      errors.push(userError(UserErrorCode.CLASS_CONFLICT, `${capitalise(r.my_target)} already has ${other} (teacher ${r.teacher_name}) ${when}${span(r)}`, fields.target));
    } else if (r.shared_students > 0) {
      const who = r.shared_students === 1 ? `Student ${r.shared_student}` : `${r.shared_students} students (e.g. ${r.shared_student})`;
      errors.push(userError(UserErrorCode.STUDENT_CONFLICT,
        `${who}${subject.target.studentId ? '' : ` of ${r.my_target}`} would be in two places ${when}: also in ${other} (teacher ${r.teacher_name})${span(r)}`, fields.target));
    }
  }
  return errors;
}

const capitalise = (s: string) => (/^[a-z]/.test(s) ? s[0].toUpperCase() + s.slice(1) : s);

/**
 * R-YEAR-9: the conflicts a weekly timetable entry would have with the other entries of the school
 * at the same weekday and lesson number whose validity overlaps [validFrom, validTo]:
 * TEACHER_CONFLICT (the same teacher), ROOM_CONFLICT (the same room), CLASS_CONFLICT (the same class
 * or group; a class and a subgroup of it; a stream and one of its classes or their subgroups) and
 * STUDENT_CONFLICT (a student of both targets over the overlapping days). Every clash is reported,
 * naming the other entry. Callers hold `lockTimetable` so that the answer stays true until commit.
 */
export async function findTimetableClashes(em: EntityManager, q: ClashSubject & {
  schoolId: string; weekday: number; lessonNumber: number; validFrom: string; validTo: string; excludeEntryId?: string | null;
}): Promise<UserError[]> {
  const rows = await em.execute<ClashRow[]>(clashSql(`
    select e.id, e.subject_id, e.teacher_id, e.room_id, e.school_class_id, e.group_id, e.student_id,
           greatest(e.valid_from, ?::date) as d_from, least(e.valid_to, ?::date) as d_to
      from timetable_entry e
     where e.school_id = ? and e.weekday = ? and e.lesson_number = ? and e.valid_from <= ?::date and e.valid_to >= ?::date and e.id <> ?`),
  [meParam(q), q.validFrom, q.validTo, q.schoolId, q.weekday, q.lessonNumber, q.validTo, q.validFrom, q.excludeEntryId ?? NIL_UUID]);
  return clashErrors(rows, q, `on ${WEEKDAY_NAMES[q.weekday]}, lesson ${q.lessonNumber}`, (r) => ` (${r.d_from} – ${r.d_to})`);
}

/**
 * THE definition of what occupies a dated slot (R-YEAR-9): the school's lessons on a date at a
 * lesson number that are not cancelled (and not the lesson being changed). Each occupies the
 * teacher who conducts it (its substitute when it has one, else its own teacher) and its room.
 * Read by `findLessonClashes` (every change of a dated lesson) and by `lessonSlotOccupants` (the
 * free teachers and rooms of a slot), so what is offered as free is what the mutations accept.
 * Parameters: school id, date, lesson number, id of the lesson to leave out.
 */
const LESSONS_IN_SLOT_SQL = `
    select l.id, l.subject_id, coalesce(l.substitute_teacher_id, l.teacher_id) as teacher_id, l.room_id,
           l.school_class_id, l.group_id, l.student_id, l.date as d_from, l.date as d_to
      from lesson l
     where l.school_id = ? and l.date = ?::date and l.lesson_number = ? and l.status <> 'CANCELLED' and l.id <> ?`;

/**
 * The teachers and rooms a dated slot occupies (`LESSONS_IN_SLOT_SQL`): exactly those for which
 * `findLessonClashes` reports TEACHER_CONFLICT or ROOM_CONFLICT at that slot.
 */
export async function lessonSlotOccupants(em: EntityManager, q: {
  schoolId: string; date: string; lessonNumber: number; excludeLessonId?: string | null;
}): Promise<{ teacherIds: Set<string>; roomIds: Set<string> }> {
  const rows = await em.execute<{ teacher_id: string; room_id: string | null }[]>(
    `select distinct c.teacher_id, c.room_id from (${LESSONS_IN_SLOT_SQL}) c`,
    [q.schoolId, q.date, q.lessonNumber, q.excludeLessonId ?? NIL_UUID]);
  return { teacherIds: new Set(rows.map((r) => r.teacher_id)), roomIds: new Set(rows.flatMap((r) => (r.room_id ? [r.room_id] : []))) };
}

/**
 * The same conflict checks as `findTimetableClashes`, for a DATED lesson (a substitution, a move,
 * an extra lesson): the other lessons of the school on `date` at `lessonNumber` that are not
 * cancelled, and not `excludeLessonId` (the lesson being changed), and that
 *  - are conducted by one of `teacherIds` (a lesson occupies the teacher who conducts it: its
 *    substitute when it has one, else its own teacher) → TEACHER_CONFLICT,
 *  - are in `roomId` → ROOM_CONFLICT,
 *  - are for the same class or group, a class and a subgroup of it, a stream and one of its classes
 *    or their subgroups → CLASS_CONFLICT,
 *  - else share a student with `target` on that day (membership history, target_students) →
 *    STUDENT_CONFLICT, naming one student by pseudonym and the count.
 * Returns one userError per clash (empty when none), each naming the other lesson's subject,
 * target and teacher; `fields` says which input fields they point at (defaults: `input.teacherId`,
 * `input.roomId`, `input.classId|groupId|studentId`). Call `lockLessonDay` first in the same
 * transaction so that two concurrent changes cannot both pass.
 */
export async function findLessonClashes(em: EntityManager, q: {
  schoolId: string; date: string; lessonNumber: number; teacherIds: readonly string[]; roomId?: string | null;
  target: Partial<Target>; excludeLessonId?: string | null; fields?: ClashFields;
}): Promise<UserError[]> {
  const rows = await em.execute<ClashRow[]>(clashSql(LESSONS_IN_SLOT_SQL),
    [meParam(q), q.schoolId, q.date, q.lessonNumber, q.excludeLessonId ?? NIL_UUID]);
  return clashErrors(rows, q, `on ${q.date} (${WEEKDAY_NAMES[isoWeekday(q.date)]}), lesson ${q.lessonNumber}`, () => '');
}

/* ---------------------------------------------- lesson generation ------------------------------- */

/** Outcome of expanding the timetable of one study period into dated lessons. */
export interface LessonGeneration {
  created: Lesson[];
  removed: number;
  unchanged: number;
  /** lessons of the period with journal data that the timetable no longer wants: kept, reported */
  notFitting: Lesson[];
  /** targets whose lessons were created or removed, with the teachers of those lessons */
  affected: { target: Target; teacherStaffIds: string[] }[];
}

/**
 * Expands the timetable of `period` into dated lessons, idempotently (one lesson per entry and
 * planned date, unique in the database): every entry valid in the period gets a lesson on each of
 * its weekdays in [max(period start, validFrom), min(period end, validTo)], except on the holidays
 * that apply to its target that day (SQL holiday_applies, as for every other school-day check: the
 * whole school's, and those of the target's grades — a cross-class group's by its students'
 * classes); the period applies only to targets of its grades (a class's grade, a subgroup's
 * class's, a stream's classes', an individual student's class's on the day; a cross-class group is
 * of any grade). Lessons of the period the timetable no longer wants are deleted, unless they carry
 * journal data (LESSON_HAS_JOURNAL_DATA_SQL): those are kept and returned in `notFitting`. Creates
 * and deletes through the ORM, so every lesson is audited. Callers hold `lockTimetable` for the
 * period's year.
 */
export async function expandTimetable(em: EntityManager, period: StudyPeriod): Promise<LessonGeneration> {
  const yearId = period.academicYear.id;
  const from = period.startDate;
  const to = period.endDate;
  const periodGrades = period.grades.map(Number);

  const entries = await em.find(TimetableEntry, { academicYear: yearId, validFrom: { $lte: to }, validTo: { $gte: from } }, { orderBy: { id: 'asc' } });
  const existing = await em.execute<{
    id: string; timetable_entry_id: string | null; planned_date: string; school_class_id: string | null; group_id: string | null;
    student_id: string | null; teacher_id: string; journal: boolean;
  }[]>(
    `select l.id, l.timetable_entry_id, to_char(l.planned_date, 'YYYY-MM-DD') as planned_date, l.school_class_id, l.group_id, l.student_id,
            l.teacher_id, ${LESSON_HAS_JOURNAL_DATA_SQL} as journal
       from lesson l where l.academic_year_id = ? and l.planned_date between ?::date and ?::date`, [yearId, from, to]);

  // What decides whether the period applies: grades of classes and groups, students' classes by date.
  const classGrade = new Map((await em.execute<{ id: string; grade: number }[]>(
    'select id, grade from school_class where academic_year_id = ?', [yearId])).map((c) => [c.id, Number(c.grade)]));
  const groups = new Map((await em.execute<{ id: string; kind: StudyGroupKind; school_class_id: string | null; stream_class_ids: string[] | null }[]>(
    'select id, kind, school_class_id, stream_class_ids from study_group where academic_year_id = ?', [yearId])).map((g) => [g.id, g]));
  const studentIds = [...new Set([...entries.map((e) => e.student?.id), ...existing.map((l) => l.student_id)].filter((s): s is string => !!s))];
  const memberships = studentIds.length === 0 ? [] : await em.execute<{ student_id: string; grade: number; from_date: string; to_date: string | null }[]>(
    `select cm.student_id, c.grade, to_char(cm.from_date, 'YYYY-MM-DD') as from_date, to_char(cm.to_date, 'YYYY-MM-DD') as to_date
       from class_membership cm join school_class c on c.id = cm.school_class_id
      where cm.student_id = any(?::uuid[]) and c.academic_year_id = ?`, [`{${studentIds.join(',')}}`, yearId]);
  const holidays = await holidayDays(em, yearId, from, to, [...new Map(entries.map((e) => [targetKey(targetOf(e)), targetOf(e)])).values()]);

  /** Grades of a class, a subgroup's class, a stream's classes; null: a cross-class group (any grade). */
  const staticGrades = new Map<string, number[] | null>();
  const gradesOf = (t: Target): number[] | null => {
    const key = targetKey(t);
    if (staticGrades.has(key)) return staticGrades.get(key) ?? null;
    let grades: number[] | null;
    if (t.classId) grades = classGrade.has(t.classId) ? [classGrade.get(t.classId)!] : [];
    else {
      const g = groups.get(t.groupId!);
      if (!g) grades = [];
      else if (g.kind === StudyGroupKind.SUBGROUP && g.school_class_id) grades = [classGrade.get(g.school_class_id) ?? -1];
      else if (g.kind === StudyGroupKind.STREAM) grades = [...new Set((g.stream_class_ids ?? []).map((c) => classGrade.get(c) ?? -1))];
      else grades = null;
    }
    staticGrades.set(key, grades);
    return grades;
  };
  /** Grades of the target on `day`; null: any grade. */
  const gradesOn = (t: Target, day: string): number[] | null => {
    if (!t.studentId) return gradesOf(t);
    return memberships.filter((m) => m.student_id === t.studentId && m.from_date <= day && (!m.to_date || m.to_date >= day)).map((m) => Number(m.grade));
  };
  const periodApplies = (grades: number[] | null) => grades === null || grades.some((g) => periodGrades.includes(g));
  const isHoliday = (t: Target, day: string) => holidays.has(`${targetKey(t)}|${day}`);

  // The lessons the timetable wants: entry × planned date.
  const wanted = new Map<string, { entry: TimetableEntry; day: string }>();
  for (const entry of entries) {
    const target = targetOf(entry);
    const first = entry.validFrom > from ? entry.validFrom : from;
    const last = entry.validTo < to ? entry.validTo : to;
    // The first day of the entry's weekday on or after `first`, then every 7 days.
    let day = addDays(first, (entry.weekday - isoWeekday(first) + 7) % 7);
    for (; day <= last; day = addDays(day, 7)) {
      const grades = gradesOn(target, day);
      if (grades !== null && grades.length === 0) continue; // a student in no class that day
      if (!periodApplies(grades) || isHoliday(target, day)) continue;
      wanted.set(`${entry.id}|${day}`, { entry, day });
    }
  }

  const removable = new Map<string, { target: Target; teacherId: string }>();
  const notFittingIds: string[] = [];
  let unchanged = 0;
  const affected = new Map<string, { target: Target; teachers: Set<string> }>();
  const touch = (t: Target, teacherId: string) => {
    const key = targetKey(t);
    if (!affected.has(key)) affected.set(key, { target: t, teachers: new Set() });
    affected.get(key)!.teachers.add(teacherId);
  };
  for (const l of existing) {
    const key = `${l.timetable_entry_id}|${l.planned_date}`;
    if (l.timetable_entry_id && wanted.has(key)) {
      wanted.delete(key);
      unchanged++;
      continue;
    }
    const target = targetOfRow(l);
    // Lessons of the same days that belong to another period's grades are not this period's.
    if (!periodApplies(gradesOn(target, l.planned_date))) continue;
    if (l.journal) notFittingIds.push(l.id);
    else if (l.timetable_entry_id) {
      removable.set(l.id, { target, teacherId: l.teacher_id });
    }
  }

  const created: Lesson[] = [];
  for (const { entry, day } of wanted.values()) {
    const data: Omit<RequiredEntityData<Lesson>, 'conductingTeacherId'> = {
      school: entry.school, academicYear: entry.academicYear, timetableEntry: entry,
      plannedDate: day, plannedLessonNumber: entry.lessonNumber, plannedRoom: entry.room ?? null,
      date: day, lessonNumber: entry.lessonNumber, room: entry.room ?? null,
      subject: entry.subject, teacher: entry.teacher,
      schoolClass: entry.schoolClass ?? null, group: entry.group ?? null, student: entry.student ?? null,
      kind: entry.kind,
    };
    // `conductingTeacherId` is a getter the entity does not list among its optional properties.
    created.push(em.create(Lesson, data as RequiredEntityData<Lesson>));
    touch(targetOf(entry), entry.teacher.id);
  }
  // Locked and checked again: a topic or substitution committed since the read keeps its lesson.
  const toRemoveIds = removable.size === 0 ? [] : (await em.execute<{ id: string }[]>(
    `select l.id from lesson l where l.id = any(?::uuid[]) and not ${LESSON_HAS_JOURNAL_DATA_SQL} order by l.id for update`,
    [`{${[...removable.keys()].join(',')}}`])).map((r) => r.id);
  const removing = new Set(toRemoveIds);
  for (const id of removable.keys()) if (!removing.has(id)) notFittingIds.push(id);
  for (const id of toRemoveIds) touch(removable.get(id)!.target, removable.get(id)!.teacherId);
  if (toRemoveIds.length) em.remove(await em.find(Lesson, { id: { $in: toRemoveIds } }));
  await em.flush();
  const notFitting = notFittingIds.length
    ? await em.find(Lesson, { id: { $in: notFittingIds } }, { orderBy: { date: 'asc', lessonNumber: 'asc', id: 'asc' } })
    : [];
  return {
    created, removed: toRemoveIds.length, unchanged, notFitting,
    affected: [...affected.values()].map((a) => ({ target: a.target, teacherStaffIds: [...a.teachers].sort() })),
  };
}
