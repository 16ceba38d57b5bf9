import type { EntityManager } from '@mikro-orm/postgresql';
import { rolesOf } from '../permissions/capabilities';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { ControlWork } from '../entities/control-work.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { Subject } from '../entities/subject.entity';
import { fromGlobalId } from '../schema/node';
import { badInput, notFound } from '../schema/errors';
import { UserErrorCode } from '../schema/user-error';
import type { ControlWorkCancelInput, ControlWorkScheduleInput, ControlWorkUpdateInput } from '../schema/control-work.types';
import { viewerKey } from '../loaders/roster.loaders';
import { publishEvent } from '../subscriptions/outbox';
import { CONTROL_WORK_CANCELLED, CONTROL_WORK_CHANGED, CONTROL_WORK_SCHEDULED } from '../subscriptions/kinds/control-work.events';
import type { EventKind } from '../subscriptions/event-registry';
import { requiredText } from './membership.helpers';
import { type WriteResult, Problems, assertRole, at, fail, isMember, lockRow, write } from './shared';
import { registerNodeType } from './node.service';
import { type Target, checkLessonNumber, checkSchoolDay, targetOf } from './scheduling';
import { clock } from '../clock';
import { leanRow } from '../db/lean';

/** R-ROLE-2, R-ROLE-3: who keeps the control-work schedule (R-YEAR-10). */
export const CONTROL_WORK_MANAGERS = rolesOf('canKeepControlWorks');
/** R-YEAR-10, R-ROLE-8: who reads the whole schedule (class-level, no personal data): staff and the analyst. */
const SCHEDULE_READERS = rolesOf('canReadControlWorkSchedule');

const TITLE_MAX = 200;
const REASON_MAX = 1000;

/** Filters of the `controlWorks` query (global IDs as given). */
export interface ControlWorkFilter {
  academicYearId: string;
  classId?: string | null;
  groupId?: string | null;
  studentId?: string | null;
  periodId?: string | null;
  from?: string | null;
  to?: string | null;
  includeCancelled: boolean;
}

/** R-SEC-3: staff of the school see every control work; others those of a class or group of a student they may see. */
async function canSeeControlWork(ctx: Ctx, cw: ControlWork): Promise<boolean> {
  if (!ctx.viewer) return false;
  if (hasRole(ctx.viewer, SCHEDULE_READERS, cw.school.id)) return true;
  if (!isMember(ctx, cw.school.id)) return false;
  return ctx.loaders.controlWorkParticipation.load(viewerKey(ctx.viewer.userId, cw.id));
}

registerNodeType<ControlWork>('ControlWork', { entity: ControlWork, visible: canSeeControlWork });

/**
 * The control-work schedule of internal quality monitoring (R-YEAR-10): kept by the administration,
 * read in full by staff and the analyst (no personal data in it, R-ROLE-8) and by students and parents for the classes and groups of the students
 * they may see (R-DIARY-2, R-SEC-3). Every change is audited and published to the outbox (R-DIARY-3).
 */
export class ControlWorkService {
  constructor(private readonly config: AppConfig) {}

  // ---- reading ----

  /**
   * Control works of a year by date, optionally of one class (with its subgroups and streams), group
   * or student, within a period and/or dates. Staff of the school and the analyst read every one; anyone else only
   * those of the classes and groups their visible students are in on the day. A student the viewer
   * may not see is NOT_FOUND.
   */
  async controlWorks(ctx: Ctx, f: ControlWorkFilter): Promise<ControlWork[]> {
    const yearId = fromGlobalId(f.academicYearId, 'AcademicYear', 'academicYearId');
    const classId = f.classId != null ? fromGlobalId(f.classId, 'SchoolClass', 'classId') : null;
    const groupId = f.groupId != null ? fromGlobalId(f.groupId, 'StudyGroup', 'groupId') : null;
    const studentId = f.studentId != null ? fromGlobalId(f.studentId, 'Student', 'studentId') : null;
    const periodId = f.periodId != null ? fromGlobalId(f.periodId, 'StudyPeriod', 'periodId') : null;
    const year = await ctx.loaders.academicYearById.load(yearId);
    if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
    let from = f.from ?? null;
    let to = f.to ?? null;
    if (periodId) {
      const period = await ctx.em.findOne(StudyPeriod, { id: periodId, academicYear: yearId });
      if (!period) throw notFound('Study period');
      if (!from || from < period.startDate) from = period.startDate;
      if (!to || to > period.endDate) to = period.endDate;
    }
    if (f.from && f.to && f.from > f.to) throw badInput('"from" is after "to"', 'from');
    if (studentId && !(await ctx.loaders.studentAccess.load(viewerKey(ctx.viewer!.userId, studentId)))) throw notFound('Student');

    const where = ['cw.academic_year_id = ?'];
    const params: unknown[] = [yearId];
    if (classId) {
      where.push('(cw.school_class_id = ? or cw.group_id in (select g.id from study_group g where g.school_class_id = ? or ? = any(g.stream_class_ids)))');
      params.push(classId, classId, classId);
    }
    if (groupId) {
      where.push('cw.group_id = ?');
      params.push(groupId);
    }
    if (from) {
      where.push('cw.date >= ?');
      params.push(from);
    }
    if (to) {
      where.push('cw.date <= ?');
      params.push(to);
    }
    if (!f.includeCancelled) where.push('cw.cancelled_at is null');
    // R-SEC-3: one student, or without staff rights the students the viewer may see.
    const students = studentId ? '?::uuid' : hasRole(ctx.viewer, SCHEDULE_READERS, year.school.id) ? null : 'select a.student_id from student_access_at(?::timestamptz) a where a.user_id = ?';
    if (students) {
      where.push(`(exists (select 1 from class_membership cm where cm.school_class_id = cw.school_class_id and cm.student_id in (${students})
                          and cm.from_date <= cw.date and (cm.to_date is null or cm.to_date >= cw.date))
                or exists (select 1 from group_membership gm where gm.group_id = cw.group_id and gm.student_id in (${students})
                          and gm.from_date <= cw.date and (gm.to_date is null or gm.to_date >= cw.date)))`);
      const who = studentId ? [studentId] : [clock.now().toISOString(), ctx.viewer!.userId];
      params.push(...who, ...who);
    }
    const rows = await ctx.em.execute<Record<string, unknown>[]>(
      `select cw.* from control_work cw where ${where.join(' and ')} order by cw.date, cw.lesson_number nulls last, cw.created_at, cw.id`, params);
    return rows.map((r) => leanRow(ControlWork, r));
  }

  // ---- writing ----

  /** Schedules a control work of a class or group in a subject on a school day of the year. */
  async controlWorkSchedule(ctx: Ctx, input: ControlWorkScheduleInput): Promise<WriteResult<{ controlWork: ControlWork }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
    const groupId = input.groupId != null ? fromGlobalId(input.groupId, 'StudyGroup', 'groupId') : null;
    return write(ctx, async (em) => {
      const year = await lockRow(em, AcademicYear, 'academic_year', yearId, 'share');
      if (!year) throw notFound('Academic year');
      this.assertManager(ctx, year.school.id);
      if (!classId && !groupId) fail(UserErrorCode.REQUIRED, 'A control work is for a class or a study group: give classId or groupId', at('classId'));
      if (classId && groupId) fail(UserErrorCode.INVALID, 'Give only one of classId and groupId', at('groupId'));
      const p = new Problems();
      const subject = await em.findOne(Subject, subjectId);
      if (!subject || subject.school.id !== year.school.id) throw notFound('Subject');
      if (subject.archivedAt) p.add(UserErrorCode.ARCHIVED, `The subject «${subject.name}» is archived`, at('subjectId'));
      if (classId) await this.checkClass(em, p, year, classId);
      if (groupId) await this.checkGroup(em, p, year, groupId);
      if (input.lessonNumber != null) checkLessonNumber(p, input.lessonNumber, at('lessonNumber'));
      const title = this.title(p, input.title);
      const target: Target = { classId, groupId, studentId: null };
      if (!p.any) await checkSchoolDay(em, p, year, input.date, target, at('date'));
      p.throwIfAny();
      const same = await em.findOne(ControlWork, { subject: subjectId, schoolClass: classId, group: groupId, date: input.date, cancelledAt: null });
      if (same) fail(UserErrorCode.DUPLICATE, `A control work in «${subject.name}» is already scheduled for ${input.date}`, at('date'));
      const controlWork = em.create(ControlWork, {
        school: year.school, academicYear: year, subject, schoolClass: classId, group: groupId,
        date: input.date, lessonNumber: input.lessonNumber ?? null, form: input.form, title,
      });
      await em.flush();
      await this.publish(em, controlWork, CONTROL_WORK_SCHEDULED, {});
      return { controlWork };
    });
  }

  /** Changes the date, lesson number, form or title of a scheduled control work. */
  async controlWorkUpdate(ctx: Ctx, input: ControlWorkUpdateInput): Promise<WriteResult<{ controlWork: ControlWork }>> {
    const id = fromGlobalId(input.id, 'ControlWork', 'id');
    return write(ctx, async (em) => {
      const cw = await this.lockManaged(ctx, em, id);
      if (cw.cancelledAt) fail(UserErrorCode.INVALID, 'The control work is cancelled: schedule a new one', at('id'));
      const p = new Problems();
      const title = input.title != null ? this.title(p, input.title) : cw.title ?? null;
      const next = { date: input.date ?? cw.date, lessonNumber: input.lessonNumber ?? cw.lessonNumber ?? null, form: input.form ?? cw.form, title };
      if (input.lessonNumber != null) checkLessonNumber(p, input.lessonNumber, at('lessonNumber'));
      if (next.date !== cw.date) {
        const year = await em.findOneOrFail(AcademicYear, cw.academicYear.id);
        await checkSchoolDay(em, p, year, next.date, targetOf(cw), at('date'));
      }
      p.throwIfAny();
      // The values it already has (an auto-save): success that changes nothing, no audit entry, no event.
      if (next.date === cw.date && next.lessonNumber === (cw.lessonNumber ?? null) && next.form === cw.form && next.title === (cw.title ?? null)) {
        return { controlWork: cw };
      }
      const from = { date: cw.date, lessonNumber: cw.lessonNumber ?? null };
      Object.assign(cw, next);
      await em.flush();
      await this.publish(em, cw, CONTROL_WORK_CHANGED, { fromDate: from.date, fromLessonNumber: from.lessonNumber }, [from.date, cw.date]);
      return { controlWork: cw };
    });
  }

  /** Cancels a control work; it stays readable with `cancelledAt` and its reason. */
  async controlWorkCancel(ctx: Ctx, input: ControlWorkCancelInput): Promise<WriteResult<{ controlWork: ControlWork }>> {
    const id = fromGlobalId(input.id, 'ControlWork', 'id');
    return write(ctx, async (em) => {
      const cw = await this.lockManaged(ctx, em, id);
      const reason = requiredText(input.reason, at('reason'), 'The reason', REASON_MAX);
      if (cw.cancelledAt) fail(UserErrorCode.INVALID, 'The control work is already cancelled', at('id'));
      cw.cancelledAt = new Date();
      cw.cancelReason = reason;
      await em.flush();
      await this.publish(em, cw, CONTROL_WORK_CANCELLED, { reason });
      return { controlWork: cw };
    });
  }

  // ---- helpers ----

  private assertManager(ctx: Ctx, schoolId: string): void {
    assertRole(ctx, CONTROL_WORK_MANAGERS, schoolId, 'Academic year', 'The control-work schedule is kept by the ADMIN, DIRECTOR or DEPUTY of the school');
  }

  private async lockManaged(ctx: Ctx, em: EntityManager, id: string): Promise<ControlWork> {
    const cw = await lockRow(em, ControlWork, 'control_work', id);
    if (!cw) throw notFound('Control work');
    this.assertManager(ctx, cw.school.id);
    return cw;
  }

  /** A trimmed title of at most TITLE_MAX characters; blank = none. */
  private title(p: Problems, value: string | null | undefined): string | null {
    const v = value?.normalize('NFC').trim() || null;
    if (v && v.length > TITLE_MAX) p.add(UserErrorCode.TOO_LONG, `The title is longer than ${TITLE_MAX} characters`, at('title'));
    return v;
  }

  private async checkClass(em: EntityManager, p: Problems, year: AcademicYear, classId: string): Promise<void> {
    const c = await em.findOne(SchoolClass, classId);
    if (!c || c.school.id !== year.school.id) throw notFound('Class');
    if (c.academicYear.id !== year.id) p.add(UserErrorCode.INVALID, `The class ${c.name} is not of the academic year «${year.name}»`, at('classId'));
  }

  private async checkGroup(em: EntityManager, p: Problems, year: AcademicYear, groupId: string): Promise<void> {
    const g = await em.findOne(StudyGroup, groupId);
    if (!g || g.school.id !== year.school.id) throw notFound('Study group');
    if (g.academicYear.id !== year.id) p.add(UserErrorCode.INVALID, `The group «${g.name}» is not of the academic year «${year.name}»`, at('groupId'));
    else if (g.archivedAt) p.add(UserErrorCode.ARCHIVED, `The group «${g.name}» is archived`, at('groupId'));
  }

  /** R-DIARY-3: for the students of the class or group on the days concerned and the teachers of the subject there. */
  private async publish(em: EntityManager, cw: ControlWork, kind: EventKind, details: Record<string, unknown>, dates = [cw.date]): Promise<void> {
    const sorted = [...dates].sort();
    const teachers = await em.execute<{ teacher_id: string }[]>(
      `select distinct teacher_id from teaching_assignment
        where academic_year_id = ? and subject_id = ? and (school_class_id = ?::uuid or group_id = ?::uuid)`,
      [cw.academicYear.id, cw.subject.id, cw.schoolClass?.id ?? null, cw.group?.id ?? null]);
    await publishEvent(em, kind, {
      schoolId: cw.school.id,
      objectId: cw.id,
      dateFrom: sorted[0],
      dateTo: sorted[sorted.length - 1],
      targets: [targetOf(cw)],
      teacherStaffIds: teachers.map((t) => t.teacher_id),
      details,
    });
  }
}
