import { rolesOf } from '../permissions/capabilities';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
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
import { Problems, type WriteResult, assertMember, assertRole, at, fail, isMember, write } from './shared';
import {
  LESSON_HAS_JOURNAL_DATA_SQL, type Target, WEEKDAY_NAMES, checkLessonNumber, expandTimetable, findTimetableClashes, lockTimetable, targetOf,
} from './scheduling';
import { clock } from '../clock';
import { leanRow } from '../db/lean';

/* ------------------------------------------------------------------------------------------------
 * Bell schedules (R-YEAR-6), the weekly timetable (R-YEAR-9) and lesson generation: the reads and
 * the mutations. Their school-day rules (conflict checks, locks, lesson numbers, holidays, the
 * expansion into dated lessons) are in scheduling.ts.
 * ---------------------------------------------------------------------------------------------- */

/** R-ROLE-1, R-ROLE-3: who sets up bell schedules and the timetable and generates lessons. */
export const TIMETABLE_MANAGERS = rolesOf('canManageTimetable');
const MANAGER_MESSAGE = 'Setting up bell schedules and the timetable requires the ADMIN or DEPUTY role in this school';

const NAME_MAX = 200;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

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
    });
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
    });
  }

  private checkSlots(input: BellScheduleSetInput, problems: Problems): void {
    if (input.slots.length === 0) problems.add(UserErrorCode.REQUIRED, 'Give at least one lesson', at('slots'));
    const seen = new Set<number>();
    input.slots.forEach((s, i) => {
      if (checkLessonNumber(problems, s.lessonNumber, at('slots', i, 'lessonNumber')) && seen.has(s.lessonNumber)) {
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
    const target: Target = {
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
      checkLessonNumber(problems, input.lessonNumber, at('lessonNumber'));
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
    });
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
    });
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
    });
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
    });
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
      targets: [targetOf(entry)],
      teacherStaffIds: [entry.teacher.id],
      details: { weekday: entry.weekday, lessonNumber: entry.lessonNumber },
    });
  }
}
