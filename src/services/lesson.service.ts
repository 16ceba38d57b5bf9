import type { EntityManager } from '@mikro-orm/postgresql';
import { rolesOf } from '../permissions/capabilities';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { AcademicYear, Holiday } from '../entities/academic-year.entity';
import { Lesson, LessonStatus } from '../entities/lesson.entity';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { Student } from '../entities/student.entity';
import { TimetableEntry } from '../entities/timetable.entity';
import { ControlWork } from '../entities/control-work.entity';
import { fromGlobalId } from '../schema/node';
import { badInput, notFound } from '../schema/errors';
import { UserErrorCode, UserErrorsException } from '../schema/user-error';
import type {
  LessonCancelInput, LessonMoveInput, LessonRestoreInput, LessonSubstituteInput, LessonSubstitutionRemoveInput, LessonTopicSetInput,
} from '../schema/lesson.types';
import { FreeTeacher, LessonSlot, LessonSlotAvailability } from '../schema/lesson.types';
import { type BellTimes, bellKey, effectiveBellSlots, lessonSlotKey } from '../loaders/lesson.loaders';
import { uuidArray, viewerKey } from '../loaders/roster.loaders';
import { publishEvent } from '../subscriptions/outbox';
import { LESSON_CANCELLED, LESSON_MOVED, LESSON_RESTORED, LESSON_SUBSTITUTED, LESSON_SUBSTITUTION_REMOVED } from '../subscriptions/kinds/lesson.events';
import type { EventKind } from '../subscriptions/event-registry';
import { requiredText } from './membership.helpers';
import { type WriteResult, Problems, assertRole, at, fail, isMember, lockRow, write } from './shared';
import { registerNodeType } from './node.service';
import {
  type ClashFields, type Target, checkLessonNumber, checkSchoolDay, findLessonClashes, holidayFor, lessonNumberProblem,
  lessonSlotOccupants, lockSchoolDays, targetOf,
} from './scheduling';

/** R-ROLE-1..3: who registers substitutions, moves and cancellations (R-JOUR-6). */
export const LESSON_MANAGERS = rolesOf('canChangeLessons');
/** Who reads every lesson of their school (the capability table); others the lessons they took part in. */
export const LESSON_READERS = rolesOf('canReadSchoolLessons');

/**
 * R-JOUR-6: SQL predicate on a staff member aliased `st`: their account holds the TEACHER role in
 * the staff member's school — who may be registered as a substitute (with not being archived).
 */
const HOLDS_TEACHER_ROLE_SQL = `exists (select 1 from role_assignment ra where ra.user_id = st.user_id and ra.school_id = st.school_id and ra.role = 'TEACHER')`;

const REASON_MAX = 1000;


/**
 * R-SEC-3, R-ROLE-4: a lesson is a journal record of its day. The school's administration reads
 * every lesson; others read those they took part in: they teach or substitute it, or on the
 * lesson's date they took part in the education of one of its students (class teacher, teacher,
 * the student, a guardian) — a teacher keeps last year's lessons, not the new class's of a
 * transferred student.
 */
export async function canSeeLesson(ctx: Ctx, l: Lesson): Promise<boolean> {
  if (!ctx.viewer) return false;
  if (hasRole(ctx.viewer, LESSON_READERS, l.school.id)) return true;
  if (!isMember(ctx, l.school.id)) return false;
  return ctx.loaders.lessonParticipation.load(viewerKey(ctx.viewer.userId, l.id));
}

registerNodeType<Lesson>('Lesson', { entity: Lesson, visible: canSeeLesson });

/**
 * Dated lessons after generation (R-JOUR-6, R-DIARY-3): substitutions, moves, cancellations and
 * restorations, registered by the administration of the school, each audited and published to the
 * outbox in its transaction; and the lesson topic (R-JOUR-1), written only by the teacher who
 * conducts the lesson — the substitute when there is one. Changes lock the lesson row and the
 * school days concerned before checking clashes.
 */
export class LessonService {
  constructor(private readonly config: AppConfig) {}

  // ---- reading (field resolvers; every relation through a DataLoader) ----

  async subject(ctx: Ctx, l: Lesson | ControlWork): Promise<Subject> {
    const s = await ctx.loaders.subjectById.load(l.subject.id);
    if (!s) throw notFound('Subject');
    return s;
  }

  async staff(ctx: Ctx, id: string | null | undefined): Promise<Staff | null> {
    return id ? ctx.loaders.staffById.load(id) : null;
  }

  room(ctx: Ctx, id: string | null | undefined): Promise<Room | null> | null {
    return id ? ctx.loaders.roomById.load(id) : null;
  }

  async schoolClass(ctx: Ctx, id: string | null | undefined): Promise<SchoolClass | null> {
    return id ? ctx.loaders.schoolClassById.load(id) : null;
  }

  async group(ctx: Ctx, id: string | null | undefined): Promise<StudyGroup | null> {
    return id ? ctx.loaders.studyGroupById.load(id) : null;
  }

  /** The student of an individual lesson; its personal-data fields are guarded by the Student rules (R-SEC-3). */
  async student(ctx: Ctx, id: string | null | undefined): Promise<Student | null> {
    return id ? ctx.loaders.studentById.load(id) : null;
  }

  async academicYear(ctx: Ctx, id: string): Promise<AcademicYear> {
    const y = await ctx.loaders.academicYearById.load(id);
    if (!y) throw notFound('Academic year');
    return y;
  }

  async timetableEntry(ctx: Ctx, l: Lesson): Promise<TimetableEntry | null> {
    return l.timetableEntry ? ctx.loaders.lessonTimetableEntryById.load(l.timetableEntry.id) : null;
  }

  bellTimes(ctx: Ctx, l: Lesson): Promise<BellTimes | null> {
    return ctx.loaders.lessonBellTimes.load(bellKey(l));
  }

  controlWorks(ctx: Ctx, l: Lesson): Promise<ControlWork[]> {
    return ctx.loaders.lessonControlWorks.load(lessonSlotKey(l));
  }

  /** Whether the lesson takes place elsewhere than the timetable put it. */
  moved(l: Lesson): boolean {
    return l.date !== l.plannedDate || l.lessonNumber !== l.plannedLessonNumber || (l.room?.id ?? null) !== (l.plannedRoom?.id ?? null);
  }

  /** Where the timetable had a moved lesson; null when it was not moved. */
  movedFrom(l: Lesson): LessonSlot | null {
    if (!this.moved(l)) return null;
    return Object.assign(new LessonSlot(), { date: l.plannedDate, lessonNumber: l.plannedLessonNumber, roomId: l.plannedRoom?.id ?? null });
  }

  // ---- free teachers and rooms of a slot (R-JOUR-6, R-YEAR-9) ----

  /**
   * The teachers and rooms free at a date and lesson number of a school, for the administration
   * choosing a substitute or a room: the same occupancy (`lessonSlotOccupants`, the SQL of the
   * clash checks) and the same substitute rule (a current TEACHER of the school) as
   * `lessonSubstitute` and `lessonMove`. A holiday of the whole school, or of the given class or
   * group, leaves both lists empty. Read without locks: a change committed meanwhile can still
   * make the mutation refuse the slot, which it re-checks under the day lock.
   */
  async lessonSlotAvailability(ctx: Ctx, args: {
    schoolId: string; date: string; lessonNumber: number; classId?: string | null; groupId?: string | null; subjectId?: string | null;
  }): Promise<LessonSlotAvailability> {
    const schoolId = fromGlobalId(args.schoolId, 'School', 'schoolId');
    assertRole(ctx, LESSON_MANAGERS, schoolId, 'School', 'Free teachers and rooms are for the ADMIN, DIRECTOR or DEPUTY of the school, who register substitutions');
    const badNumber = lessonNumberProblem(args.lessonNumber);
    if (badNumber) throw badInput(badNumber, 'lessonNumber');
    if (args.classId != null && args.groupId != null) throw badInput('Give at most one of classId and groupId', 'groupId');
    const classId = args.classId != null ? fromGlobalId(args.classId, 'SchoolClass', 'classId') : null;
    const groupId = args.groupId != null ? fromGlobalId(args.groupId, 'StudyGroup', 'groupId') : null;
    const subjectId = args.subjectId != null ? fromGlobalId(args.subjectId, 'Subject', 'subjectId') : null;
    const em = ctx.em;
    if (classId && (await this.schoolClass(ctx, classId))?.school.id !== schoolId) throw notFound('Class');
    if (groupId && (await this.group(ctx, groupId))?.school.id !== schoolId) throw notFound('Study group');
    if (subjectId && (await ctx.loaders.subjectById.load(subjectId))?.school.id !== schoolId) throw notFound('Subject');
    const year = await em.findOne(AcademicYear, { school: schoolId, startDate: { $lte: args.date }, endDate: { $gte: args.date } });
    if (!year) throw badInput(`${args.date} is in no academic year of the school`, 'date');
    const result: LessonSlotAvailability = Object.assign(new LessonSlotAvailability(), { date: args.date, lessonNumber: args.lessonNumber, holiday: null, teachers: [], rooms: [] });
    const holiday = await holidayFor(em, year.id, args.date, { classId, groupId, studentId: null });
    if (holiday) {
      result.holiday = await em.findOne(Holiday, holiday.id);
      return result;
    }
    const busy = await lessonSlotOccupants(em, { schoolId, date: args.date, lessonNumber: args.lessonNumber });
    const teaching = (condition: string) => `exists (select 1 from teaching_span t where t.user_id = st.user_id and t.school_id = st.school_id and ${condition}
        and (t.from_date is null or t.from_date <= ?::date) and (t.to_date is null or t.to_date >= ?::date))`;
    const teachers = await em.execute<{ id: string; teaches_subject: boolean; teaches_target: boolean }[]>(
      `select st.id, ${teaching('t.subject_id = ?::uuid')} as teaches_subject,
              ${teaching('(t.class_id = ?::uuid or t.group_id = ?::uuid)')} as teaches_target
         from staff st join app_user u on u.id = st.user_id
        where st.school_id = ? and st.archived_at is null and ${HOLDS_TEACHER_ROLE_SQL} and st.id <> all(?::uuid[])
        order by teaches_subject desc, teaches_target desc, u.last_name, u.first_name, st.id`,
      [subjectId, args.date, args.date, classId, groupId, args.date, args.date, schoolId, uuidArray([...busy.teacherIds])]);
    const staff = await Promise.all(teachers.map((t) => ctx.loaders.staffById.load(t.id)));
    result.teachers = teachers.map((t, i) => Object.assign(new FreeTeacher(), {
      staff: staff[i]!, teachesSubject: t.teaches_subject, teachesClassOrGroup: t.teaches_target,
    }));
    result.rooms = await em.find(Room, { school: schoolId, archivedAt: null, ...(busy.roomIds.size ? { id: { $nin: [...busy.roomIds] } } : {}) }, { orderBy: { name: 'asc', id: 'asc' } });
    return result;
  }

  // ---- substitutions (R-JOUR-6) ----

  /** Another teacher conducts the lesson; a lesson that has a substitute gets this one instead. */
  async lessonSubstitute(ctx: Ctx, input: LessonSubstituteInput): Promise<WriteResult<{ lesson: Lesson }>> {
    const id = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
    const staffId = fromGlobalId(input.substituteTeacherId, 'Staff', 'substituteTeacherId');
    return write(ctx, async (em) => {
      const lesson = await this.lockManaged(ctx, em, id);
      const reason = requiredText(input.reason, at('reason'), 'The reason', REASON_MAX);
      if (lesson.status === LessonStatus.CANCELLED) fail(UserErrorCode.LESSON_CANCELLED, 'The lesson is cancelled: restore it first', at('lessonId'));
      const substitute = await em.findOne(Staff, staffId);
      if (!substitute || substitute.school.id !== lesson.school.id) throw notFound('Staff member');
      if (substitute.archivedAt) fail(UserErrorCode.ARCHIVED, 'The staff member has left the school (archived)', at('substituteTeacherId'));
      if (staffId === lesson.teacher.id) fail(UserErrorCode.SAME_TEACHER, 'The staff member is the lesson\'s own teacher: remove the substitution instead', at('substituteTeacherId'));
      // Saving the same substitution again (an auto-save) succeeds and changes nothing: no audit entry, no event.
      if (staffId === lesson.substituteTeacher?.id && reason === lesson.substitutionReason) return { lesson };
      const teaches = await em.execute(`select 1 from staff st where st.id = ? and ${HOLDS_TEACHER_ROLE_SQL}`, [staffId]);
      if (!teaches.length) fail(UserErrorCode.NOT_TEACHER, 'The staff member holds no TEACHER role in the school', at('substituteTeacherId'));
      await lockSchoolDays(em, lesson.school.id, [lesson.date]);
      await this.assertFree(em, lesson, { date: lesson.date, lessonNumber: lesson.lessonNumber, teacherIds: [staffId], roomId: null, target: {} }, { teacher: at('substituteTeacherId') });
      const previous = lesson.substituteTeacher?.id ?? null;
      lesson.substituteTeacher = em.getReference(Staff, staffId, { wrapped: true });
      lesson.substitutionReason = reason;
      await em.flush();
      await this.publish(em, lesson, LESSON_SUBSTITUTED, [lesson.teacher.id, staffId, previous], { reason, previousSubstituteId: previous });
      return { lesson };
    });
  }

  /** Withdraws the substitution: the timetable teacher conducts the lesson again (and must be free then). */
  async lessonSubstitutionRemove(ctx: Ctx, input: LessonSubstitutionRemoveInput): Promise<WriteResult<{ lesson: Lesson }>> {
    const id = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
    return write(ctx, async (em) => {
      const lesson = await this.lockManaged(ctx, em, id);
      const previous = lesson.substituteTeacher?.id;
      if (!previous) fail(UserErrorCode.NOT_SUBSTITUTED, 'The lesson has no substitute', at('lessonId'));
      if (lesson.status === LessonStatus.SCHEDULED) {
        await lockSchoolDays(em, lesson.school.id, [lesson.date]);
        await this.assertFree(em, lesson, { date: lesson.date, lessonNumber: lesson.lessonNumber, teacherIds: [lesson.teacher.id], roomId: null, target: {} }, { teacher: at('lessonId') });
      }
      lesson.substituteTeacher = null;
      lesson.substitutionReason = null;
      await em.flush();
      await this.publish(em, lesson, LESSON_SUBSTITUTION_REMOVED, [lesson.teacher.id, previous], { previousSubstituteId: previous });
      return { lesson };
    });
  }

  // ---- moves, cancellations ----

  /** Moves a lesson to another date, lesson number and/or room of its year; the new slot must be free. */
  async lessonMove(ctx: Ctx, input: LessonMoveInput): Promise<WriteResult<{ lesson: Lesson }>> {
    const id = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
    const roomId = input.roomId != null ? fromGlobalId(input.roomId, 'Room', 'roomId') : null;
    return write(ctx, async (em) => {
      const lesson = await this.lockManaged(ctx, em, id);
      const reason = requiredText(input.reason, at('reason'), 'The reason', REASON_MAX);
      if (lesson.status === LessonStatus.CANCELLED) fail(UserErrorCode.LESSON_CANCELLED, 'The lesson is cancelled: restore it first', at('lessonId'));
      const from = { date: lesson.date, lessonNumber: lesson.lessonNumber, roomId: lesson.room?.id ?? null };
      const to = { date: input.date ?? from.date, lessonNumber: input.lessonNumber ?? from.lessonNumber, roomId: roomId ?? from.roomId };
      // Already there (an auto-save, or a move to where it is): success that changes nothing, no event.
      if (to.date === from.date && to.lessonNumber === from.lessonNumber && to.roomId === from.roomId) return { lesson };
      const p = new Problems();
      const year = await em.findOneOrFail(AcademicYear, lesson.academicYear.id);
      if (to.date !== from.date) await checkSchoolDay(em, p, year, to.date, targetOf(lesson), at('date'));
      if (to.lessonNumber !== from.lessonNumber) {
        checkLessonNumber(p, to.lessonNumber, at('lessonNumber'));
        if (!p.any) await this.checkBellSlot(em, p, lesson, to.date, to.lessonNumber);
      }
      if (roomId && roomId !== from.roomId) await this.checkRoom(em, p, lesson.school.id, roomId);
      p.throwIfAny();
      await lockSchoolDays(em, lesson.school.id, [from.date, to.date]);
      // Clashes point at what was asked to change: the date, else the number; a busy room at the room.
      const slotField = at(input.date != null ? 'date' : input.lessonNumber != null ? 'lessonNumber' : 'roomId');
      await this.assertFree(em, lesson, { ...to, teacherIds: [lesson.conductingTeacherId], target: targetOf(lesson) },
        { teacher: slotField, target: slotField, room: input.roomId != null ? at('roomId') : slotField });
      lesson.date = to.date;
      lesson.lessonNumber = to.lessonNumber;
      lesson.room = to.roomId ? em.getReference(Room, to.roomId, { wrapped: true }) : null;
      // Moved back to where the timetable had it: no longer a move.
      lesson.moveReason = this.moved(lesson) ? reason : null;
      await em.flush();
      await this.publish(em, lesson, LESSON_MOVED, [lesson.teacher.id, lesson.substituteTeacher?.id], {
        reason, fromDate: from.date, fromLessonNumber: from.lessonNumber, fromRoomId: from.roomId,
      }, [from.date, to.date]);
      return { lesson };
    });
  }

  /** Cancels a lesson; it stays, with its reason, and shows as cancelled in the diary. */
  async lessonCancel(ctx: Ctx, input: LessonCancelInput): Promise<WriteResult<{ lesson: Lesson }>> {
    const id = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
    return write(ctx, async (em) => {
      const lesson = await this.lockManaged(ctx, em, id);
      const reason = requiredText(input.reason, at('reason'), 'The reason', REASON_MAX);
      if (lesson.status === LessonStatus.CANCELLED) fail(UserErrorCode.LESSON_CANCELLED, 'The lesson is already cancelled', at('lessonId'));
      lesson.status = LessonStatus.CANCELLED;
      lesson.cancelReason = reason;
      await em.flush();
      await this.publish(em, lesson, LESSON_CANCELLED, [lesson.teacher.id, lesson.substituteTeacher?.id], { reason });
      return { lesson };
    });
  }

  /** A cancelled lesson takes place after all; its day, teacher, room and students must still be free. */
  async lessonRestore(ctx: Ctx, input: LessonRestoreInput): Promise<WriteResult<{ lesson: Lesson }>> {
    const id = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
    return write(ctx, async (em) => {
      const lesson = await this.lockManaged(ctx, em, id);
      if (lesson.status !== LessonStatus.CANCELLED) fail(UserErrorCode.NOT_CANCELLED, 'The lesson is not cancelled', at('lessonId'));
      const p = new Problems();
      const year = await em.findOneOrFail(AcademicYear, lesson.academicYear.id);
      // A holiday may have been declared since the cancellation.
      await checkSchoolDay(em, p, year, lesson.date, targetOf(lesson), at('lessonId'));
      p.throwIfAny();
      await lockSchoolDays(em, lesson.school.id, [lesson.date]);
      await this.assertFree(em, lesson, {
        date: lesson.date, lessonNumber: lesson.lessonNumber, roomId: lesson.room?.id ?? null, teacherIds: [lesson.conductingTeacherId], target: targetOf(lesson),
      }, { teacher: at('lessonId'), room: at('lessonId'), target: at('lessonId') });
      lesson.status = LessonStatus.SCHEDULED;
      lesson.cancelReason = null;
      await em.flush();
      await this.publish(em, lesson, LESSON_RESTORED, [lesson.teacher.id, lesson.substituteTeacher?.id], {});
      return { lesson };
    });
  }

  // ---- the journal of the lesson (R-JOUR-1) ----

  /**
   * Sets the topic: `lessonContentSet` with the topic alone (the journal's one rule of who writes a
   * lesson, the topic's validation and when it was due). Only the teacher who conducts the lesson
   * may (R-JOUR-6): its substitute when it has one — for that lesson only — else its timetable
   * teacher, who loses the right for a lesson someone else substitutes. A lesson the viewer may not
   * see is NOT_FOUND.
   */
  lessonTopicSet(ctx: Ctx, input: LessonTopicSetInput): Promise<WriteResult<{ lesson: Lesson }>> {
    return ctx.services.journal.lessonContentSet(ctx, { lessonId: input.lessonId, topic: input.topic ?? null });
  }

  // ---- helpers ----

  /** Locks the lesson; NOT_FOUND outside the viewer's schools, FORBIDDEN without a managing role there. */
  private async lockManaged(ctx: Ctx, em: EntityManager, id: string): Promise<Lesson> {
    const lesson = await lockRow(em, Lesson, 'lesson', id);
    if (!lesson) throw notFound('Lesson');
    assertRole(ctx, LESSON_MANAGERS, lesson.school.id, 'Lesson', 'Substitutions, moves and cancellations of lessons require the ADMIN, DIRECTOR or DEPUTY role in this school');
    return lesson;
  }

  /** R-YEAR-9: refuses a slot where the teacher, the room, the class or group or one of its students is busy. */
  private async assertFree(
    em: EntityManager,
    lesson: Lesson,
    slot: { date: string; lessonNumber: number; teacherIds: string[]; roomId: string | null; target: Partial<Target> },
    fields: ClashFields,
  ): Promise<void> {
    const clashes = await findLessonClashes(em, {
      schoolId: lesson.school.id,
      date: slot.date,
      lessonNumber: slot.lessonNumber,
      teacherIds: slot.teacherIds,
      roomId: slot.roomId,
      target: slot.target,
      excludeLessonId: lesson.id,
      fields,
    });
    if (clashes.length) throw new UserErrorsException(clashes);
  }

  /** R-YEAR-6: when a bell schedule applies to the lesson, the new number must be one of its slots. */
  private async checkBellSlot(em: EntityManager, p: Problems, lesson: Lesson, date: string, lessonNumber: number): Promise<void> {
    const t = targetOf(lesson);
    const [row] = await effectiveBellSlots(em, [{ key: 'x', yearId: lesson.academicYear.id, ...t, date, lessonNumber }]);
    if (row?.schedule_id && !row.starts_at) p.add(UserErrorCode.NO_BELL_SLOT, `The bell schedule has no lesson number ${lessonNumber}`, at('lessonNumber'));
  }

  private async checkRoom(em: EntityManager, p: Problems, schoolId: string, roomId: string): Promise<void> {
    const room = await em.findOne(Room, roomId);
    if (!room || room.school.id !== schoolId) throw notFound('Room');
    if (room.archivedAt) p.add(UserErrorCode.ARCHIVED, `The room «${room.name}» is archived`, at('roomId'));
  }

  /** R-DIARY-3: the change, for the lesson's students over the days concerned and the teachers involved. */
  private async publish(
    em: EntityManager, lesson: Lesson, kind: EventKind, staffIds: (string | null | undefined)[], details: Record<string, unknown>, dates = [lesson.date],
  ): Promise<void> {
    const sorted = [...dates].sort();
    await publishEvent(em, kind, {
      schoolId: lesson.school.id,
      objectId: lesson.id,
      dateFrom: sorted[0],
      dateTo: sorted[sorted.length - 1],
      targets: [targetOf(lesson)],
      teacherStaffIds: [...new Set(staffIds.filter((s): s is string => !!s))],
      details,
    });
  }
}
