import type { RequiredEntityData } from '@mikro-orm/core';
import { rolesOf } from '../permissions/capabilities';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup, StudyGroupKind } from '../entities/study-group.entity';
import { Student } from '../entities/student.entity';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { BellSchedule, BellSlot, LessonKind, TimetableEntry } from '../entities/timetable.entity';
import { Lesson } from '../entities/lesson.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { badInput, notFound } from '../schema/errors';
import { UserError, UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import type {
  BellScheduleRemoveInput, BellScheduleSetInput, LessonsGenerateInput, TimetableEntryCreateInput, TimetableEntryDeleteInput,
  TimetableEntryEndInput,
} from '../schema/timetable.types';
import { type EventTarget, publishEvent } from '../subscriptions/outbox';
import { TIMETABLE_CHANGED } from '../subscriptions/kinds/timetable.events';
import { registerNodeType } from './node.service';
import { Problems, type WriteResult, addDays, assertMember, assertRole, at, fail, isMember, isoWeekday, write } from './shared';
import { clock } from '../clock';
import { leanRow } from '../db/lean';

/* ------------------------------------------------------------------------------------------------
 * Bell schedules (R-YEAR-6), the weekly timetable with its conflict checks (R-YEAR-9) and its
 * expansion into dated lessons, on which the journal hangs (R-JOUR-1, R-JOUR-6).
 * ---------------------------------------------------------------------------------------------- */

/** R-ROLE-1, R-ROLE-3: who sets up bell schedules and the timetable and generates lessons. */
export const TIMETABLE_MANAGERS = rolesOf('canManageTimetable');
const MANAGER_MESSAGE = 'Setting up bell schedules and the timetable requires the ADMIN or DEPUTY role in this school';

const NAME_MAX = 200;
/** Lesson numbers a bell schedule and the timetable accept (0 is a "zero" lesson). */
const LESSON_NUMBER_MIN = 0;
const LESSON_NUMBER_MAX = 15;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

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
 * SQL predicate, on a lesson aliased `l`, that is true when the lesson carries journal data: a
 * topic, a substitution, a move (date, lesson number or room differ from the planned ones) or a
 * cancellation. Such a lesson is never deleted by lesson generation or by deleting its timetable
 * entry: it is kept and reported. THE one definition: journal features that add data hanging on a
 * lesson (attendance, marks, homework, work types) extend it here with an `exists (...)` on their
 * table, so regeneration keeps those lessons too.
 */
export const LESSON_HAS_JOURNAL_DATA_SQL = `(l.topic is not null
  or l.substitute_teacher_id is not null
  or l.status = 'CANCELLED'
  or l.move_reason is not null
  or l.date <> l.planned_date
  or l.lesson_number <> l.planned_lesson_number
  or l.room_id is distinct from l.planned_room_id)`;

/* ---------------------------------------------- conflicts --------------------------------------- */

/** Whom a timetable entry or a lesson is for: exactly one of a class, a study group or a student. */
export interface LessonTarget {
  classId?: string | null;
  groupId?: string | null;
  studentId?: string | null;
}

/** Input paths the clash userErrors point at (defaults: `input.teacherId`, `input.roomId`, the target's field). */
export interface ClashFields {
  teacher?: string[];
  room?: string[];
  target?: string[];
}

/** What is being placed at one time: its teachers, room and target. */
interface ClashSubject {
  teacherIds: readonly string[];
  roomId?: string | null;
  target: LessonTarget;
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
function targetField(target: LessonTarget): string[] {
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
  target: LessonTarget; excludeLessonId?: string | null; fields?: ClashFields;
}): Promise<UserError[]> {
  const rows = await em.execute<ClashRow[]>(clashSql(LESSONS_IN_SLOT_SQL),
    [meParam(q), q.schoolId, q.date, q.lessonNumber, q.excludeLessonId ?? NIL_UUID]);
  return clashErrors(rows, q, `on ${q.date} (${WEEKDAY_NAMES[isoWeekday(q.date)]}), lesson ${q.lessonNumber}`, () => '');
}

/* ---------------------------------------------- holidays and grades ----------------------------- */

interface HolidayRow { name: string; start_date: string; end_date: string; grades: number[] | null }

/** Whether a holiday (no grades: the whole school) stops a target of `grades` (null: no particular grade). */
function holidayApplies(h: { grades: number[] | null }, grades: number[] | null): boolean {
  if (!h.grades) return true;
  return !!grades && grades.some((g) => h.grades!.map(Number).includes(g));
}

/* ---------------------------------------------- bell slots -------------------------------------- */

/**
 * For each row of `source` (id, academic_year_id, lesson_number, valid_from, valid_to and the
 * target columns), the bell schedule that applies to it (R-YEAR-6, SQL effective_bell_schedule)
 * and whether that schedule has the row's lesson number; rows without any schedule are left out.
 */
export const bellSlotCheckSql = (source: string) => `
select e.id, e.weekday, e.lesson_number, b.id as schedule_id, b.name as schedule_name,
       exists (select 1 from bell_slot s where s.bell_schedule_id = b.id and s.lesson_number = e.lesson_number) as has_slot,
       coalesce(c.grade || c.letter, '«' || g.name || '»', 'student ' || st.pseudonym, '-') as target
  from (${source}) e
  left join study_group g on g.id = e.group_id
  left join school_class c on c.id = e.school_class_id
  left join student st on st.id = e.student_id
  join bell_schedule b on b.id = effective_bell_schedule(e.academic_year_id, e.school_class_id, e.group_id, e.student_id, e.valid_from, e.valid_to)`;

interface BellCheckRow { id: string; weekday: number; lesson_number: number; schedule_id: string; schedule_name: string; has_slot: boolean; target: string }

/** Entries of a year whose lesson number is missing from the bell schedule that applies to them. */
async function entriesWithoutBellSlot(em: EntityManager, academicYearId: string): Promise<BellCheckRow[]> {
  const rows = await em.execute<BellCheckRow[]>(
    `${bellSlotCheckSql('select * from timetable_entry where academic_year_id = ?')} order by e.weekday, e.lesson_number, target`,
    [academicYearId]);
  return rows.filter((r) => !r.has_slot);
}

/* ---------------------------------------------- lesson generation ------------------------------- */

/** A target with what decides which periods and holidays apply to it. */
interface TargetInfo {
  /** grades of a class, a subgroup's class, a stream's classes; null: a cross-class group (any grade) */
  grades: number[] | null;
}

/** Outcome of expanding the timetable of one study period into dated lessons. */
export interface LessonGeneration {
  created: Lesson[];
  removed: number;
  unchanged: number;
  /** lessons of the period with journal data that the timetable no longer wants: kept, reported */
  notFitting: Lesson[];
  /** targets whose lessons were created or removed, with the teachers of those lessons */
  affected: { target: EventTarget; teacherStaffIds: string[] }[];
}

const targetKey = (t: LessonTarget) => (t.classId ? `c:${t.classId}` : t.groupId ? `g:${t.groupId}` : `s:${t.studentId}`);

/**
 * Expands the timetable of `period` into dated lessons, idempotently (one lesson per entry and
 * planned date, unique in the database): every entry valid in the period gets a lesson on each of
 * its weekdays in [max(period start, validFrom), min(period end, validTo)], except on holidays of
 * the target's grade(s); the period applies only to targets of its grades (a class's grade, a
 * subgroup's class's, a stream's classes', an individual student's class's on the day; a cross-class
 * group is of any grade and stops only for whole-school holidays). Lessons of the period the
 * timetable no longer wants are deleted, unless they carry journal data (LESSON_HAS_JOURNAL_DATA_SQL):
 * those are kept and returned in `notFitting`. Creates and deletes through the ORM, so every lesson
 * is audited. Callers hold `lockTimetable` for the period's year.
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

  // What decides applicability: grades of classes and groups, students' classes by date, holidays.
  const classGrade = new Map((await em.execute<{ id: string; grade: number }[]>(
    'select id, grade from school_class where academic_year_id = ?', [yearId])).map((c) => [c.id, Number(c.grade)]));
  const groups = new Map((await em.execute<{ id: string; kind: StudyGroupKind; school_class_id: string | null; stream_class_ids: string[] | null }[]>(
    'select id, kind, school_class_id, stream_class_ids from study_group where academic_year_id = ?', [yearId])).map((g) => [g.id, g]));
  const studentIds = [...new Set([...entries.map((e) => e.student?.id), ...existing.map((l) => l.student_id)].filter((s): s is string => !!s))];
  const memberships = studentIds.length === 0 ? [] : await em.execute<{ student_id: string; grade: number; from_date: string; to_date: string | null }[]>(
    `select cm.student_id, c.grade, to_char(cm.from_date, 'YYYY-MM-DD') as from_date, to_char(cm.to_date, 'YYYY-MM-DD') as to_date
       from class_membership cm join school_class c on c.id = cm.school_class_id
      where cm.student_id = any(?::uuid[]) and c.academic_year_id = ?`, [`{${studentIds.join(',')}}`, yearId]);
  const holidays = await em.execute<HolidayRow[]>(
    `select name, to_char(start_date, 'YYYY-MM-DD') as start_date, to_char(end_date, 'YYYY-MM-DD') as end_date, grades
       from holiday where academic_year_id = ? and start_date <= ?::date and end_date >= ?::date`, [yearId, to, from]);

  const infoCache = new Map<string, TargetInfo>();
  const staticInfo = (t: LessonTarget): TargetInfo => {
    const key = targetKey(t);
    let info = infoCache.get(key);
    if (!info) {
      if (t.classId) info = { grades: classGrade.has(t.classId) ? [classGrade.get(t.classId)!] : [] };
      else {
        const g = groups.get(t.groupId!);
        if (!g) info = { grades: [] };
        else if (g.kind === StudyGroupKind.SUBGROUP && g.school_class_id) info = { grades: [classGrade.get(g.school_class_id) ?? -1] };
        else if (g.kind === StudyGroupKind.STREAM) info = { grades: [...new Set((g.stream_class_ids ?? []).map((c) => classGrade.get(c) ?? -1))] };
        else info = { grades: null };
      }
      infoCache.set(key, info);
    }
    return info;
  };
  /** Grades of the target on `day`; null: any grade. */
  const gradesOn = (t: LessonTarget, day: string): number[] | null => {
    if (!t.studentId) return staticInfo(t).grades;
    return memberships.filter((m) => m.student_id === t.studentId && m.from_date <= day && (!m.to_date || m.to_date >= day)).map((m) => Number(m.grade));
  };
  const periodApplies = (grades: number[] | null) => grades === null || grades.some((g) => periodGrades.includes(g));
  const isHoliday = (grades: number[] | null, day: string) =>
    holidays.some((h) => h.start_date <= day && h.end_date >= day && holidayApplies(h, grades));
  const entryTarget = (e: TimetableEntry): LessonTarget => ({ classId: e.schoolClass?.id, groupId: e.group?.id, studentId: e.student?.id });

  // The lessons the timetable wants: entry × planned date.
  const wanted = new Map<string, { entry: TimetableEntry; day: string }>();
  for (const entry of entries) {
    const target = entryTarget(entry);
    const first = entry.validFrom > from ? entry.validFrom : from;
    const last = entry.validTo < to ? entry.validTo : to;
    // The first day of the entry's weekday on or after `first`, then every 7 days.
    let day = addDays(first, (entry.weekday - isoWeekday(first) + 7) % 7);
    for (; day <= last; day = addDays(day, 7)) {
      const grades = gradesOn(target, day);
      if (grades !== null && grades.length === 0) continue; // a student in no class that day
      if (!periodApplies(grades) || isHoliday(grades, day)) continue;
      wanted.set(`${entry.id}|${day}`, { entry, day });
    }
  }

  const removable = new Map<string, { target: LessonTarget; teacherId: string }>();
  const notFittingIds: string[] = [];
  let unchanged = 0;
  const affected = new Map<string, { target: EventTarget; teachers: Set<string> }>();
  const touch = (t: LessonTarget, teacherId: string) => {
    const key = targetKey(t);
    if (!affected.has(key)) affected.set(key, { target: { classId: t.classId ?? null, groupId: t.groupId ?? null, studentId: t.studentId ?? null }, teachers: new Set() });
    affected.get(key)!.teachers.add(teacherId);
  };
  for (const l of existing) {
    const key = `${l.timetable_entry_id}|${l.planned_date}`;
    if (l.timetable_entry_id && wanted.has(key)) {
      wanted.delete(key);
      unchanged++;
      continue;
    }
    const target = { classId: l.school_class_id, groupId: l.group_id, studentId: l.student_id };
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
    touch(entryTarget(entry), entry.teacher.id);
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

/** After a write: the request's timetable loaders forget what they cached, so a payload read sees the change. */
function forgetCached(ctx: Ctx): void {
  ctx.loaders.bellScheduleById.clearAll();
  ctx.loaders.bellSlotsBySchedule.clearAll();
  ctx.loaders.bellSlotByEntry.clearAll();
}

/* ---------------------------------------------- node types -------------------------------------- */

registerNodeType<BellSchedule>('BellSchedule', { entity: BellSchedule, visible: (ctx, b) => isMember(ctx, b.school.id) });
// An individual plan's entry is personal: only for those taking part in the student's education (R-SEC-3).
registerNodeType<TimetableEntry>('TimetableEntry', {
  entity: TimetableEntry,
  visible: async (ctx, e) => isMember(ctx, e.school.id) && (!e.student || ctx.services.roster.canSeeStudent(ctx, e.student.id)),
});

/* ---------------------------------------------- service ----------------------------------------- */

const toMinutes = (t: string) => {
  const [h, m, s] = t.split(':').map(Number);
  return h * 60 + m + (s ?? 0) / 60;
};
/** `HH:mm` of a time value (the database gives `HH:mm:ss`). */
const hhmm = (t: string) => t.slice(0, 5);

/**
 * Bell schedules (R-YEAR-6), the weekly timetable with conflict checks (R-YEAR-9) and lesson
 * generation. Every member of a school reads its bell schedules and timetable (an individual
 * plan's entries only those taking part in the student's education, R-SEC-3); ADMIN and DEPUTY
 * write. Every write of a year's timetable takes `lockTimetable`, so the conflict checks of two
 * concurrent writers cannot both pass; timetable changes are published to the diaries (R-DIARY-3).
 */
export class TimetableService {
  constructor(private readonly config: AppConfig) {}

  // ---- reading: bell schedules ----

  /** Bell schedules of an academic year: the school default first, then classes, then groups. */
  async bellSchedules(ctx: Ctx, yearGlobalId: string): Promise<BellSchedule[]> {
    const year = await this.yearOf(ctx, fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId'));
    const rows = await ctx.em.execute<Record<string, unknown>[]>(
      `select b.* from bell_schedule b left join school_class c on c.id = b.school_class_id left join study_group g on g.id = b.group_id
        where b.academic_year_id = ?
        order by (b.school_class_id is not null)::int + 2 * (b.group_id is not null)::int, c.grade, c.letter, g.name, b.id`, [year.id]);
    return rows.map((r) => leanRow(BellSchedule, r));
  }

  /**
   * R-YEAR-6: the bell schedule that applies to a class or group: the group's own, else (for a
   * subgroup) its class's, else the class's own, else the school default; null when none is set.
   */
  async effectiveBellSchedule(ctx: Ctx, yearGlobalId: string, classGlobalId?: string | null, groupGlobalId?: string | null): Promise<BellSchedule | null> {
    const year = await this.yearOf(ctx, fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId'));
    if (classGlobalId != null && groupGlobalId != null) throw badInput('Give at most one of classId and groupId', 'groupId');
    const classId = classGlobalId != null ? fromGlobalId(classGlobalId, 'SchoolClass', 'classId') : null;
    const groupId = groupGlobalId != null ? fromGlobalId(groupGlobalId, 'StudyGroup', 'groupId') : null;
    if (classId) await this.classOf(ctx, classId);
    if (groupId) await this.groupOf(ctx, groupId);
    const [row] = await ctx.em.execute<{ id: string | null }[]>('select effective_bell_schedule(?, ?, ?, null, ?, ?) as id',
      [year.id, classId, groupId, year.startDate, year.endDate]);
    return row.id ? this.bellScheduleOf(ctx, row.id) : null;
  }

  async bellSlots(ctx: Ctx, schedule: BellSchedule): Promise<BellSlot[]> {
    assertMember(ctx, schedule.school.id, 'Bell schedule');
    return ctx.loaders.bellSlotsBySchedule.load(schedule.id);
  }

  async bellScheduleOf(ctx: Ctx, id: string): Promise<BellSchedule> {
    const b = await ctx.loaders.bellScheduleById.load(id);
    if (!b || !isMember(ctx, b.school.id)) throw notFound('Bell schedule');
    return b;
  }

  /** The bell slot of an entry's lesson number in the schedule that applies to it; null without one. */
  async entryBellSlot(ctx: Ctx, entry: TimetableEntry): Promise<BellSlot | null> {
    assertMember(ctx, entry.school.id, 'Timetable entry');
    return ctx.loaders.bellSlotByEntry.load(entry.id);
  }

  // ---- reading: timetable ----

  /**
   * R-YEAR-9, R-DIARY-2: timetable entries of a year by weekday and lesson number, filtered by
   * class (with its subgroups and the streams it is in), group, student (their classes', groups'
   * and individual entries, by membership over the entry's validity or on `onDate`), teacher and
   * room; with `onDate`, only entries valid that day. Individual entries only for those taking part
   * in the student's education (R-SEC-3); a student the viewer may not see is NOT_FOUND.
   */
  async timetable(ctx: Ctx, args: {
    academicYearId: string; classId?: string | null; groupId?: string | null; studentId?: string | null;
    teacherId?: string | null; roomId?: string | null; onDate?: string | null;
  }): Promise<TimetableEntry[]> {
    const year = await this.yearOf(ctx, fromGlobalId(args.academicYearId, 'AcademicYear', 'academicYearId'));
    const where: string[] = ['e.academic_year_id = ?'];
    const params: unknown[] = [year.id];
    if (args.onDate) {
      where.push('e.valid_from <= ?::date and e.valid_to >= ?::date');
      params.push(args.onDate, args.onDate);
    }
    if (args.classId != null) {
      const classId = fromGlobalId(args.classId, 'SchoolClass', 'classId');
      await this.classOf(ctx, classId);
      where.push(`(e.school_class_id = ? or (g.kind = 'SUBGROUP' and g.school_class_id = ?) or (g.kind = 'STREAM' and ? = any(g.stream_class_ids)))`);
      params.push(classId, classId, classId);
    }
    if (args.groupId != null) {
      const groupId = fromGlobalId(args.groupId, 'StudyGroup', 'groupId');
      await this.groupOf(ctx, groupId);
      where.push('e.group_id = ?');
      params.push(groupId);
    }
    if (args.studentId != null) {
      const studentId = fromGlobalId(args.studentId, 'Student', 'studentId');
      const student = await ctx.loaders.groupStudentById.load(studentId);
      if (!student || !isMember(ctx, student.school.id) || !(await ctx.services.roster.canSeeStudent(ctx, studentId))) throw notFound('Student');
      // Membership on the day, or at any time of the entry's validity.
      const lo = args.onDate ? '?::date' : 'e.valid_to';
      const hi = args.onDate ? '?::date' : 'e.valid_from';
      const day = args.onDate ? [args.onDate, args.onDate] : [];
      where.push(`(e.student_id = ?
        or exists (select 1 from class_membership cm where cm.student_id = ? and cm.school_class_id = e.school_class_id and cm.from_date <= ${lo} and (cm.to_date is null or cm.to_date >= ${hi}))
        or exists (select 1 from group_membership gm where gm.student_id = ? and gm.group_id = e.group_id and gm.from_date <= ${lo} and (gm.to_date is null or gm.to_date >= ${hi})))`);
      params.push(studentId, studentId, ...day, studentId, ...day);
    }
    if (args.teacherId != null) {
      const teacherId = fromGlobalId(args.teacherId, 'Staff', 'teacherId');
      const staff = await ctx.loaders.staffById.load(teacherId);
      if (!staff || !isMember(ctx, staff.school.id)) throw notFound('Staff member');
      where.push('e.teacher_id = ?');
      params.push(teacherId);
    }
    if (args.roomId != null) {
      const roomId = fromGlobalId(args.roomId, 'Room', 'roomId');
      const room = await ctx.loaders.roomById.load(roomId);
      if (!room || !isMember(ctx, room.school.id)) throw notFound('Room');
      where.push('e.room_id = ?');
      params.push(roomId);
    }
    // R-SEC-3: an individual plan's entries are personal.
    where.push('(e.student_id is null or e.student_id in (select a.student_id from student_access_at(?::timestamptz) a where a.user_id = ?))');
    params.push(clock.now().toISOString(), ctx.viewer!.userId);
    const rows = await ctx.em.execute<Record<string, unknown>[]>(
      `select e.* from timetable_entry e
         left join study_group g on g.id = e.group_id
         left join school_class c on c.id = e.school_class_id
         left join student s on s.id = e.student_id
        where ${where.join(' and ')}
        order by e.weekday, e.lesson_number, c.grade nulls last, c.letter, g.name, s.pseudonym, e.valid_from, e.id`, params);
    return rows.map((r) => leanRow(TimetableEntry, r));
  }

  async subjectOf(ctx: Ctx, id: string): Promise<Subject> {
    const s = await ctx.loaders.subjectById.load(id);
    if (!s || !isMember(ctx, s.school.id)) throw notFound('Subject');
    return s;
  }

  async staffOf(ctx: Ctx, id: string): Promise<Staff> {
    const s = await ctx.loaders.staffById.load(id);
    if (!s || !isMember(ctx, s.school.id)) throw notFound('Staff member');
    return s;
  }

  async roomOf(ctx: Ctx, id: string | null | undefined): Promise<Room | null> {
    if (!id) return null;
    const r = await ctx.loaders.roomById.load(id);
    return r && isMember(ctx, r.school.id) ? r : null;
  }

  async classOf(ctx: Ctx, id: string): Promise<SchoolClass> {
    const c = await ctx.loaders.groupSchoolClassById.load(id);
    if (!c || !isMember(ctx, c.school.id)) throw notFound('Class');
    return c;
  }

  async groupOf(ctx: Ctx, id: string): Promise<StudyGroup> {
    const g = await ctx.loaders.studyGroupById.load(id);
    if (!g || !isMember(ctx, g.school.id)) throw notFound('Study group');
    return g;
  }

  /** The student of an individual entry, for those taking part in the student's education (R-SEC-3). */
  async studentOf(ctx: Ctx, id: string): Promise<Student> {
    const s = await ctx.loaders.groupStudentById.load(id);
    if (!s || !isMember(ctx, s.school.id) || !(await ctx.services.roster.canSeeStudent(ctx, id))) throw notFound('Student');
    return s;
  }

  async yearOf(ctx: Ctx, id: string): Promise<AcademicYear> {
    const year = await ctx.loaders.academicYearById.load(id);
    if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
    return year;
  }

  // ---- bell schedules ----

  /**
   * R-YEAR-6: creates or replaces the bell schedule of a year for the school (no class or group), a
   * class or a group. Slots are replaced as a whole: lesson numbers 0–15, each once, every lesson
   * ending after it starts and starting no earlier than the previous lesson number ends. Refused
   * when timetable entries that follow the schedule would lose their lesson number.
   */
  async bellScheduleSet(ctx: Ctx, input: BellScheduleSetInput): Promise<WriteResult<{ bellSchedule: BellSchedule }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
    const groupId = input.groupId != null ? fromGlobalId(input.groupId, 'StudyGroup', 'groupId') : null;
    return write(ctx, async (em) => {
      const year = await this.lockedYear(ctx, em, yearId);
      const problems = new Problems();
      const name = problems.text(input.name, at('name'), 'The name', NAME_MAX);
      if (classId && groupId) problems.add(UserErrorCode.INVALID, 'A bell schedule is for the school, a class or a group: give at most one of classId and groupId', at('groupId'));
      this.checkSlots(input, problems);
      problems.throwIfAny();
      if (classId) await this.checkClass(em, year, classId, at('classId'));
      if (groupId) await this.checkGroup(em, year, groupId, at('groupId'));

      const found = await em.findOne(BellSchedule, { academicYear: year.id, schoolClass: classId, group: groupId });
      // Slots are matched by lesson number, so an unchanged lesson keeps its row (and its audit stays quiet).
      const old = new Map((found ? await em.find(BellSlot, { bellSchedule: found.id }) : []).map((s) => [s.lessonNumber, s]));
      const schedule = found ?? em.create(BellSchedule, { school: year.school, academicYear: year, name: name!, schoolClass: classId, group: groupId });
      schedule.name = name!;
      for (const slot of input.slots) {
        const existing = old.get(slot.lessonNumber);
        if (existing) {
          if (toMinutes(existing.startsAt) !== toMinutes(slot.startsAt)) existing.startsAt = slot.startsAt;
          if (toMinutes(existing.endsAt) !== toMinutes(slot.endsAt)) existing.endsAt = slot.endsAt;
          old.delete(slot.lessonNumber);
        } else {
          em.create(BellSlot, { bellSchedule: schedule, lessonNumber: slot.lessonNumber, startsAt: slot.startsAt, endsAt: slot.endsAt });
        }
      }
      for (const gone of old.values()) em.remove(gone);
      await em.flush();
      await this.checkEntriesKeepTheirSlots(em, year.id);
      await this.publishBellChange(em, year, schedule);
      return { bellSchedule: schedule };
    }, () => forgetCached(ctx));
  }

  /** R-YEAR-6: removes a bell schedule; its targets follow the next applicable one (the class's, the school default). */
  async bellScheduleRemove(ctx: Ctx, input: BellScheduleRemoveInput): Promise<WriteResult<{ deletedBellScheduleId: string }>> {
    const id = fromGlobalId(input.id, 'BellSchedule', 'id');
    return write(ctx, async (em) => {
      const schedule = await em.findOne(BellSchedule, id);
      if (!schedule) throw notFound('Bell schedule');
      const year = await this.lockedYear(ctx, em, schedule.academicYear.id, 'Bell schedule');
      em.remove(await em.find(BellSlot, { bellSchedule: schedule.id }));
      em.remove(schedule);
      await em.flush();
      await this.checkEntriesKeepTheirSlots(em, year.id);
      await this.publishBellChange(em, year, schedule);
      return { deletedBellScheduleId: toGlobalId('BellSchedule', id) };
    }, () => forgetCached(ctx));
  }

  private checkSlots(input: BellScheduleSetInput, problems: Problems): void {
    if (input.slots.length === 0) problems.add(UserErrorCode.REQUIRED, 'Give at least one lesson', at('slots'));
    const seen = new Set<number>();
    input.slots.forEach((s, i) => {
      if (!Number.isInteger(s.lessonNumber) || s.lessonNumber < LESSON_NUMBER_MIN || s.lessonNumber > LESSON_NUMBER_MAX) {
        problems.add(UserErrorCode.INVALID, `A lesson number is ${LESSON_NUMBER_MIN}–${LESSON_NUMBER_MAX}, not ${s.lessonNumber}`, at('slots', i, 'lessonNumber'));
      } else if (seen.has(s.lessonNumber)) {
        problems.add(UserErrorCode.DUPLICATE, `Lesson ${s.lessonNumber} is given more than once`, at('slots', i, 'lessonNumber'));
      }
      seen.add(s.lessonNumber);
      if (toMinutes(s.startsAt) >= toMinutes(s.endsAt)) {
        problems.add(UserErrorCode.INVALID, `Lesson ${s.lessonNumber} must end after it starts (${hhmm(s.startsAt)}–${hhmm(s.endsAt)})`, at('slots', i, 'endsAt'));
      }
    });
    if (problems.any) return;
    const sorted = input.slots.map((s, i) => ({ ...s, i })).sort((a, b) => a.lessonNumber - b.lessonNumber);
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1];
      const cur = sorted[k];
      if (toMinutes(cur.startsAt) < toMinutes(prev.endsAt)) {
        problems.add(UserErrorCode.OVERLAPS,
          `Lesson ${cur.lessonNumber} (${hhmm(cur.startsAt)}–${hhmm(cur.endsAt)}) starts before lesson ${prev.lessonNumber} ends (${hhmm(prev.endsAt)})`,
          at('slots', cur.i, 'startsAt'));
      }
    }
  }

  /** After a bell schedule change: every entry still finds its lesson number in the schedule that applies to it. */
  private async checkEntriesKeepTheirSlots(em: EntityManager, yearId: string): Promise<void> {
    const lost = await entriesWithoutBellSlot(em, yearId);
    if (lost.length === 0) return;
    const list = lost.slice(0, 5).map((r) => `${r.target} on ${WEEKDAY_NAMES[r.weekday]}, lesson ${r.lesson_number}`).join('; ');
    const more = lost.length > 5 ? ` and ${lost.length - 5} more` : '';
    throw new UserErrorsException([userError(UserErrorCode.IN_USE,
      `Timetable entries would have no bell slot in «${lost[0].schedule_name}»: ${list}${more}. Move or end them first`, at('slots'))]);
  }

  // ---- timetable entries ----

  /**
   * R-YEAR-9: adds a weekly timetable entry for a class, a study group (incl. a stream) or one
   * student (individual plan), valid between two dates of the academic year. Refused with a
   * userError naming each clash (teacher, room, class/group, students), or when the bell schedule
   * that applies has no such lesson number.
   */
  async timetableEntryCreate(ctx: Ctx, input: TimetableEntryCreateInput): Promise<WriteResult<{ timetableEntry: TimetableEntry }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    const teacherId = fromGlobalId(input.teacherId, 'Staff', 'teacherId');
    const roomId = input.roomId != null ? fromGlobalId(input.roomId, 'Room', 'roomId') : null;
    const target: LessonTarget = {
      classId: input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null,
      groupId: input.groupId != null ? fromGlobalId(input.groupId, 'StudyGroup', 'groupId') : null,
      studentId: input.studentId != null ? fromGlobalId(input.studentId, 'Student', 'studentId') : null,
    };
    return write(ctx, async (em) => {
      const year = await this.lockedYear(ctx, em, yearId);
      const problems = new Problems();
      if (!Number.isInteger(input.weekday) || input.weekday < 1 || input.weekday > 7) {
        problems.add(UserErrorCode.INVALID, `The weekday is 1 (Monday) … 7 (Sunday), not ${input.weekday}`, at('weekday'));
      }
      if (!Number.isInteger(input.lessonNumber) || input.lessonNumber < LESSON_NUMBER_MIN || input.lessonNumber > LESSON_NUMBER_MAX) {
        problems.add(UserErrorCode.INVALID, `A lesson number is ${LESSON_NUMBER_MIN}–${LESSON_NUMBER_MAX}, not ${input.lessonNumber}`, at('lessonNumber'));
      }
      const targets = [target.classId, target.groupId, target.studentId].filter(Boolean).length;
      if (targets === 0) problems.add(UserErrorCode.REQUIRED, 'Give whom the entry is for: one of classId, groupId and studentId', at('classId'));
      if (targets > 1) problems.add(UserErrorCode.INVALID, 'An entry is for exactly one of a class, a group and a student: give only one of classId, groupId and studentId', at(target.studentId ? 'studentId' : 'groupId'));
      if (input.validFrom > input.validTo) {
        problems.add(UserErrorCode.DATE_RANGE_INVALID, `The entry must start (${input.validFrom}) on or before its last day (${input.validTo})`, at('validTo'));
      }
      for (const [field, day] of [['validFrom', input.validFrom], ['validTo', input.validTo]] as const) {
        if (day < year.startDate || day > year.endDate) {
          problems.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `${day} is outside the academic year «${year.name}» (${year.startDate} – ${year.endDate})`, at(field));
        }
      }
      problems.throwIfAny();

      const subject = await em.findOne(Subject, subjectId);
      if (!subject || subject.school.id !== year.school.id) throw notFound('Subject');
      if (subject.archivedAt) problems.add(UserErrorCode.ARCHIVED, `The subject «${subject.name}» is archived`, at('subjectId'));
      const teacher = await em.findOne(Staff, teacherId, { populate: ['user'] });
      if (!teacher || teacher.school.id !== year.school.id) throw notFound('Staff member');
      if (teacher.archivedAt) problems.add(UserErrorCode.ARCHIVED, `${teacher.user.getEntity().fullName} no longer works at the school`, at('teacherId'));
      if (roomId) {
        const room = await em.findOne(Room, roomId);
        if (!room || room.school.id !== year.school.id) throw notFound('Room');
        if (room.archivedAt) problems.add(UserErrorCode.ARCHIVED, `The room «${room.name}» is archived`, at('roomId'));
      }
      problems.throwIfAny();
      if (target.classId) await this.checkClass(em, year, target.classId, at('classId'));
      if (target.groupId) await this.checkGroup(em, year, target.groupId, at('groupId'));
      if (target.studentId) await this.checkStudent(em, year, target.studentId, input.validFrom, input.validTo);

      const bell = await em.execute<BellCheckRow[]>(bellSlotCheckSql(
        `select * from jsonb_to_record(?::jsonb) as x(id uuid, academic_year_id uuid, weekday int, lesson_number int, school_class_id uuid, group_id uuid, student_id uuid, valid_from date, valid_to date)`),
      [JSON.stringify({
        id: NIL_UUID, academic_year_id: year.id, weekday: input.weekday, lesson_number: input.lessonNumber,
        school_class_id: target.classId, group_id: target.groupId, student_id: target.studentId, valid_from: input.validFrom, valid_to: input.validTo,
      })]);
      const errors: UserError[] = [];
      if (bell[0] && !bell[0].has_slot) {
        errors.push(userError(UserErrorCode.NO_BELL_SLOT,
          `The bell schedule «${bell[0].schedule_name}» of ${bell[0].target} has no lesson ${input.lessonNumber}`, at('lessonNumber')));
      }
      errors.push(...await findTimetableClashes(em, {
        schoolId: year.school.id, weekday: input.weekday, lessonNumber: input.lessonNumber, validFrom: input.validFrom, validTo: input.validTo,
        teacherIds: [teacherId], roomId, target,
      }));
      if (errors.length) throw new UserErrorsException(errors);

      const timetableEntry = em.create(TimetableEntry, {
        school: year.school, academicYear: year, weekday: input.weekday, lessonNumber: input.lessonNumber,
        subject: subjectId, teacher: teacherId, room: roomId, schoolClass: target.classId, group: target.groupId, student: target.studentId,
        kind: input.kind ?? LessonKind.MAIN, validFrom: input.validFrom, validTo: input.validTo,
      });
      await em.flush();
      await this.publishEntryChange(em, timetableEntry, input.validFrom, input.validTo);
      return { timetableEntry };
    }, () => forgetCached(ctx));
  }

  /**
   * R-YEAR-9: ends an entry on `lastDate` (a change of teacher or room from a date is this plus a new
   * entry). Lessons already generated after that day are removed (or, with journal data, reported)
   * by the next `lessonsGenerate` of their period.
   */
  async timetableEntryEnd(ctx: Ctx, input: TimetableEntryEndInput): Promise<WriteResult<{ timetableEntry: TimetableEntry }>> {
    const id = fromGlobalId(input.id, 'TimetableEntry', 'id');
    return write(ctx, async (em) => {
      const entry = await this.lockedEntry(ctx, em, id);
      const oldTo = entry.validTo;
      if (input.lastDate < entry.validFrom) {
        throw new UserErrorsException([userError(UserErrorCode.DATE_INVALID,
          `The last day (${input.lastDate}) is before the entry starts (${entry.validFrom}): delete the entry instead`, at('lastDate'))]);
      }
      // Already ends then (an auto-save): success that changes nothing, no audit entry, no event.
      if (input.lastDate === oldTo) return { timetableEntry: entry };
      if (input.lastDate > oldTo) {
        throw new UserErrorsException([userError(UserErrorCode.DATE_INVALID,
          `An entry can only be shortened: it ends on ${oldTo}, not before ${input.lastDate}`, at('lastDate'))]);
      }
      entry.validTo = input.lastDate;
      await em.flush();
      await this.publishEntryChange(em, entry, entry.validFrom, oldTo);
      return { timetableEntry: entry };
    }, () => forgetCached(ctx));
  }

  /**
   * R-YEAR-9: deletes an entry (one entered by mistake). Its lessons without journal data go with
   * it; those with journal data stay, detached from the entry, and are reported.
   */
  async timetableEntryDelete(ctx: Ctx, input: TimetableEntryDeleteInput): Promise<WriteResult<{ deletedTimetableEntryId: string; removedLessonCount: number; keptLessons: Lesson[] }>> {
    const id = fromGlobalId(input.id, 'TimetableEntry', 'id');
    return write(ctx, async (em) => {
      const entry = await this.lockedEntry(ctx, em, id);
      // Locked, so a topic or substitution being written meanwhile is seen before deciding.
      const lessons = await em.execute<{ id: string; journal: boolean }[]>(
        `select l.id, ${LESSON_HAS_JOURNAL_DATA_SQL} as journal from lesson l where l.timetable_entry_id = ? order by l.id for update`, [id]);
      const loaded = lessons.length ? await em.find(Lesson, { id: { $in: lessons.map((l) => l.id) } }, { orderBy: { date: 'asc', lessonNumber: 'asc', id: 'asc' } }) : [];
      const withData = new Set(lessons.filter((l) => l.journal).map((l) => l.id));
      const keptLessons: Lesson[] = [];
      for (const lesson of loaded) {
        if (withData.has(lesson.id)) {
          // Set here rather than by the foreign key's ON DELETE SET NULL, so the change is audited.
          lesson.timetableEntry = null;
          keptLessons.push(lesson);
        } else {
          em.remove(lesson);
        }
      }
      em.remove(entry);
      await em.flush();
      await this.publishEntryChange(em, entry, entry.validFrom, entry.validTo);
      return { deletedTimetableEntryId: toGlobalId('TimetableEntry', id), removedLessonCount: loaded.length - keptLessons.length, keptLessons };
    }, () => forgetCached(ctx));
  }

  // ---- lesson generation ----

  /**
   * Expands the timetable of a study period into dated lessons (see `expandTimetable`): idempotent;
   * after a timetable change it creates what is missing, deletes lessons without journal data that
   * no longer fit and keeps and reports those with journal data. One TIMETABLE_CHANGED event per
   * target whose lessons changed.
   */
  async lessonsGenerate(ctx: Ctx, input: LessonsGenerateInput): Promise<WriteResult<{
    period: StudyPeriod; created: number; removed: number; unchanged: number; kept: number; notFitting: Lesson[];
  }>> {
    const periodId = fromGlobalId(input.periodId, 'StudyPeriod', 'periodId');
    return write(ctx, async (em) => {
      const period = await em.findOne(StudyPeriod, periodId);
      if (!period) throw notFound('Study period');
      await this.lockedYear(ctx, em, period.academicYear.id, 'Study period');
      const result = await expandTimetable(em, period);
      for (const a of result.affected) {
        await publishEvent(em, TIMETABLE_CHANGED, {
          schoolId: period.school.id, dateFrom: period.startDate, dateTo: period.endDate,
          targets: [a.target], teacherStaffIds: a.teacherStaffIds, details: { periodId: toGlobalId('StudyPeriod', period.id) },
        });
      }
      return {
        period, created: result.created.length, removed: result.removed, unchanged: result.unchanged,
        kept: result.notFitting.length, notFitting: result.notFitting,
      };
    }, () => forgetCached(ctx));
  }

  // ---- helpers ----

  /** The year (NOT_FOUND unless the viewer is a member), for ADMIN/DEPUTY (else FORBIDDEN), with the timetable lock taken. */
  private async lockedYear(ctx: Ctx, em: EntityManager, yearId: string, what = 'Academic year'): Promise<AcademicYear> {
    const year = await em.findOne(AcademicYear, yearId);
    if (!year) throw notFound(what);
    assertRole(ctx, TIMETABLE_MANAGERS, year.school.id, what, MANAGER_MESSAGE);
    await lockTimetable(em, year.id);
    return year;
  }

  /** The entry, with the timetable lock of its year taken and read again under it (a concurrent writer may have changed it). */
  private async lockedEntry(ctx: Ctx, em: EntityManager, id: string): Promise<TimetableEntry> {
    const found = await em.findOne(TimetableEntry, id);
    if (!found) throw notFound('Timetable entry');
    await this.lockedYear(ctx, em, found.academicYear.id, 'Timetable entry');
    const entry = await em.refresh(found);
    if (!entry) throw notFound('Timetable entry');
    return entry;
  }

  private async checkClass(em: EntityManager, year: AcademicYear, classId: string, field: string[]): Promise<SchoolClass> {
    const c = await em.findOne(SchoolClass, classId);
    if (!c || c.school.id !== year.school.id) throw notFound('Class');
    if (c.academicYear.id !== year.id) fail(UserErrorCode.INVALID, `The class ${c.name} is not of the academic year «${year.name}»`, field);
    return c;
  }

  private async checkGroup(em: EntityManager, year: AcademicYear, groupId: string, field: string[]): Promise<StudyGroup> {
    const g = await em.findOne(StudyGroup, groupId);
    if (!g || g.school.id !== year.school.id) throw notFound('Study group');
    if (g.academicYear.id !== year.id) fail(UserErrorCode.INVALID, `The group «${g.name}» is not of the academic year «${year.name}»`, field);
    if (g.archivedAt) fail(UserErrorCode.ARCHIVED, `The group «${g.name}» is archived`, field);
    return g;
  }

  /** An individual entry's student: of the school, not left before it starts, in a class of the year during it. */
  private async checkStudent(em: EntityManager, year: AcademicYear, studentId: string, from: string, to: string): Promise<void> {
    const s = await em.findOne(Student, studentId);
    if (!s || s.school.id !== year.school.id) throw notFound('Student');
    if (s.leftOn && s.leftOn < from) fail(UserErrorCode.ALREADY_LEFT, `The student ${s.pseudonym} left the school on ${s.leftOn}`, at('studentId'));
    const inClass = await em.execute(
      `select 1 from class_membership cm join school_class c on c.id = cm.school_class_id
        where cm.student_id = ? and c.academic_year_id = ? and cm.from_date <= ?::date and (cm.to_date is null or cm.to_date >= ?::date) limit 1`,
      [studentId, year.id, to, from]);
    if (inClass.length === 0) fail(UserErrorCode.NOT_ENROLLED, `The student ${s.pseudonym} is in no class of «${year.name}» between ${from} and ${to}`, at('studentId'));
  }

  /**
   * R-DIARY-3: lesson times changed for the schedule's class or group, or, for the school default,
   * for every class of the year.
   */
  private async publishBellChange(em: EntityManager, year: AcademicYear, schedule: BellSchedule): Promise<void> {
    const targets: EventTarget[] = schedule.group ? [{ groupId: schedule.group.id }]
      : schedule.schoolClass ? [{ classId: schedule.schoolClass.id }]
        : (await em.find(SchoolClass, { academicYear: year.id }, { orderBy: { grade: 'asc', letter: 'asc' } })).map((c) => ({ classId: c.id }));
    if (targets.length === 0) return;
    await publishEvent(em, TIMETABLE_CHANGED, {
      schoolId: year.school.id, dateFrom: year.startDate, dateTo: year.endDate, targets, teacherStaffIds: [],
      details: { bellScheduleId: toGlobalId('BellSchedule', schedule.id) },
    });
  }

  /** R-DIARY-3: the entry's students and teacher learn that the timetable of those days changed. */
  private async publishEntryChange(em: EntityManager, entry: TimetableEntry, from: string, to: string): Promise<void> {
    await publishEvent(em, TIMETABLE_CHANGED, {
      schoolId: entry.school.id, objectId: entry.id, dateFrom: from, dateTo: to,
      targets: [{ classId: entry.schoolClass?.id ?? null, groupId: entry.group?.id ?? null, studentId: entry.student?.id ?? null }],
      teacherStaffIds: [entry.teacher.id],
      details: { weekday: entry.weekday, lessonNumber: entry.lessonNumber },
    });
  }
}
