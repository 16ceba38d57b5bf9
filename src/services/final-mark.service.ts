import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { STAFF_ROLES, rolesOf } from '../permissions/capabilities';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { GradingValue } from '../entities/grading-system.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Student } from '../entities/student.entity';
import { Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { School } from '../entities/school.entity';
import { FinalMark, FinalMarkKind, JournalReopening } from '../entities/final-mark.entity';
import { AuditAction } from '../entities/audit-entry.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { badInput, forbidden, notFound } from '../schema/errors';
import { UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import {
  type FinalMarkCellInput, type FinalMarkPostponeInput, type FinalMarkSetInput, type JournalCloseInput, type JournalReopenInput,
  FinalMarkWarning, FinalMarkWarningCode, JournalChange, SummarySheet, SummarySheetRow,
} from '../schema/final-mark.types';
import { boundRows } from '../db/bound';
import { leanRow, leanRows, prefixedColumns } from '../db/lean';
import { publishEvent } from '../subscriptions/outbox';
import { FINAL_MARK_SET } from '../subscriptions/kinds/final-mark.events';
import { type WriteResult, Problems, addDays, at, dateIn, fail, flush, isMember, lockRow, write } from './shared';
import { registerNodeType } from './node.service';
import { canSeeLesson } from './lesson.service';
import { weightedAverage } from './journal.service';
import { clock } from '../clock';
import { ownStaffId } from './participation';
import { type ScaleRow, checkValue, scaleFrom } from './grading';
import { REOPENING_OF_CELL, REOPENING_OF_LESSON, reopeningOfCellParams } from './journal-lock';

/** R-JOUR-9, R-ROLE-2, R-ROLE-3: who reopens and closes a closed journal. */
const REOPENERS = rolesOf('canReopenJournals');
/** R-JOUR-11, R-ROLE-2..5: who reads a class's summary sheet (with its class teacher, by relation). */
const SUMMARY_READERS = rolesOf('canReadSummarySheets');

const REASON_MAX = 1000;
/** Most changes of one cell a history returns (the newest). */
const HISTORY_MAX = 200;
/** Longest postponement of a final mark after its period's end, in days. */
const POSTPONE_MAX_DAYS = 92;
/** The fields of a journal record a cell's history shows, with the node type of those that are references. */
const HISTORY_FIELDS: Record<string, Record<string, string | null>> = {
  Mark: { value: null, comment: null, workType: 'WorkType', creditBasis: null, creditProtocolDate: null, creditProtocolNumber: null, late: null },
  Attendance: { status: null, reason: null, minutesLate: null, note: null, late: null },
  Homework: { text: null, pages: null, exercises: null, links: null, estimatedMinutes: null, late: null },
  Lesson: { topic: null, plannedTopic: 'PlannedTopic', notes: null, contentLate: null },
  LessonWorkType: { workType: 'WorkType' },
  FinalMark: { kind: null, value: null, postponedUntil: null, postponeReason: null, late: null },
};

/**
 * SQL (joined to `journal_reopening r`, inside a lateral over the audit entry `a`): the reopening
 * was open when the entry was written — decided by the order of the audit chain (its CREATE entry
 * before `a`, no entry closing it before `a`), exact whatever the clocks say.
 */
const UNDER_REOPENING = `join audit_entry ro on ro.chain_id = a.chain_id and ro.entity_type = 'JournalReopening' and ro.entity_id = r.id::text
      and ro.action = 'CREATE' and ro.seq < a.seq
    where not exists (select 1 from audit_entry rc where rc.chain_id = a.chain_id and rc.entity_type = 'JournalReopening'
      and rc.entity_id = r.id::text and rc.action = 'UPDATE' and rc.seq < a.seq and rc.changes -> 'closedAt' is not null) and`;

/** A final mark is seen by those who may see its student; a reopening by the school's staff. */
registerNodeType<FinalMark>('FinalMark', {
  entity: FinalMark,
  visible: (ctx, f) => ctx.services.roster.canSeeStudent(ctx, f.student.id, f.school.id),
});
registerNodeType<JournalReopening>('JournalReopening', {
  entity: JournalReopening,
  visible: (ctx, r) => hasRole(ctx.viewer, STAFF_ROLES, r.school.id),
});

/** A final-mark cell resolved: the period whose rules apply, the student's class in it, the school's facts. */
interface Cell {
  studentId: string;
  subjectId: string;
  yearId: string;
  /** The period given; null for the year's mark. */
  periodId: string | null;
  /** The period whose window, deadline and close apply: the one given, or for the year's mark the grade's last one. */
  rule: { id: string; name: string; startDate: string; endDate: string; deadline: string };
  /** The dates whose current marks count: the period's, or the year's. */
  from: string;
  to: string;
  classId: string;
  schoolId: string;
  timeZone: string;
  minMarks: number;
}

type CellIds = { studentId: string; subjectId: string; periodId: string | null; yearId: string | null };

/** The cell an input names (ids only). */
function cellIds(input: FinalMarkCellInput): CellIds {
  const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
  const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
  if ((input.periodId == null) === (input.academicYearId == null)) throw badInput('Give exactly one of periodId (a period\'s mark) and academicYearId (the year\'s)', 'periodId');
  const periodId = input.periodId != null ? fromGlobalId(input.periodId, 'StudyPeriod', 'periodId') : null;
  const yearId = input.academicYearId != null ? fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId') : null;
  return { studentId, subjectId, periodId, yearId };
}

/**
 * The journal, part 2 (R-JOUR-8..11): final marks per student, subject and period or year, with
 * their window, deadline, postponement and warnings; reopening and closing a closed journal by the
 * administration; the class summary sheet; the history of every journal cell (R-JOUR-10).
 */
export class FinalMarkService {
  constructor(private readonly config: AppConfig) {}

  // ---- writing: final marks (R-JOUR-8) ----

  /**
   * Sets (or corrects) a final mark. The teacher of the subject in the student's class or group, in
   * the period's last week and until its end; a postponed mark until its new date; after that only
   * under a reopening. Late after the deadline (flagged, not refused). Warnings, not refusals, when
   * the student has fewer current marks than the school's minimum, or none for written or practical
   * work where the subject had such work in the period.
   */
  async finalMarkSet(ctx: Ctx, input: FinalMarkSetInput): Promise<WriteResult<{ finalMark: FinalMark; warnings: FinalMarkWarning[]; average: number | null; currentMarkCount: number }>> {
    const ids = cellIds(input);
    const sees = await this.seesStudent(ctx, ids.studentId);
    return write(ctx, async (em) => {
      const { cell, staffId } = await this.writableCell(em, ctx, ids, sees);
      const existing = await this.lockedFinalMark(em, cell);
      const today = dateIn(cell.timeZone, clock.now());
      const p = new Problems();
      const postponed = existing?.kind === FinalMarkKind.POSTPONED ? existing.postponedUntil! : null;
      await this.checkOpen(em, p, cell, today, { postponedUntil: postponed });
      // The scale with its final-only values («осв», «н/а»).
      const scale = scaleFrom(await boundRows<ScaleRow>(em,
        `select gs.name, v.id, v.code, v.final_only, v.position, sch.time_zone
           from grading_system gs join school sch on sch.id = gs.school_id join grading_value v on v.grading_system_id = gs.id
          where gs.id = effective_grading_system(?::uuid, ?::uuid, ?::uuid) order by v.position`, [cell.yearId, cell.subjectId, cell.classId]), { finalMarks: true });
      const value = checkValue(p, scale, input.value, at('value'), 'a final mark');
      let kind = FinalMarkKind.MARK;
      if (value?.code === 'осв') {
        if (input.kind !== FinalMarkKind.EXEMPT && input.kind !== FinalMarkKind.MASTERED) {
          p.add(UserErrorCode.REQUIRED, '«осв» is recorded as EXEMPT (освобождён) or MASTERED (освоил): give `kind`', at('kind'));
        } else kind = input.kind;
      } else if (value?.code === 'н/а') {
        kind = FinalMarkKind.NOT_ATTESTED;
      }
      if (value && value.code !== 'осв' && input.kind != null && input.kind !== kind) {
        p.add(UserErrorCode.INVALID, `«${value.code}» is recorded as ${kind}, not ${input.kind}`, at('kind'));
      }
      p.throwIfAny();
      const dueOn = postponed ?? cell.rule.deadline;
      const now = clock.now();
      const unchanged = existing && existing.kind === kind && existing.value === value!.code;
      const finalMark = unchanged ? existing : await this.store(em, cell, existing, {
        kind, value: value!.code, gradingValue: em.getReference(GradingValue, value!.id) as never, postponedUntil: null, postponeReason: null,
        setBy: em.getReference(Staff, staffId) as never, setAt: now, dueOn, late: today > dueOn,
      });
      if (!unchanged) await this.publish(em, cell, finalMark.id, staffId);
      return { finalMark, ...(await this.justification(em, cell)) };
    });
  }

  /** Postpones a final mark (a sick student, R-JOUR-8) to a new date, with the reason; refused once a value is set. */
  async finalMarkPostpone(ctx: Ctx, input: FinalMarkPostponeInput): Promise<WriteResult<{ finalMark: FinalMark }>> {
    const ids = cellIds(input);
    const sees = await this.seesStudent(ctx, ids.studentId);
    return write(ctx, async (em) => {
      const { cell, staffId } = await this.writableCell(em, ctx, ids, sees);
      const existing = await this.lockedFinalMark(em, cell);
      const today = dateIn(cell.timeZone, clock.now());
      const p = new Problems();
      await this.checkOpen(em, p, cell, today, { postponedUntil: null, anyDayOfPeriod: true });
      if (existing && existing.kind !== FinalMarkKind.POSTPONED) {
        p.add(UserErrorCode.FINAL_MARK_SET, `The final mark is already set («${existing.value}»): correct it with finalMarkSet instead`, at('studentId'));
      }
      const latest = addDays(cell.rule.endDate, POSTPONE_MAX_DAYS);
      if (input.until < today || input.until > latest) {
        p.add(UserErrorCode.DATE_INVALID, `The new date is between today (${today}) and ${latest} (${POSTPONE_MAX_DAYS} days after the period's end)`, at('until'));
      }
      const reason = p.text(input.reason, at('reason'), 'The reason', REASON_MAX);
      p.throwIfAny();
      const finalMark = await this.store(em, cell, existing, {
        kind: FinalMarkKind.POSTPONED, value: null, gradingValue: null, postponedUntil: input.until, postponeReason: reason,
        setBy: em.getReference(Staff, staffId) as never, setAt: clock.now(), dueOn: input.until, late: false,
      });
      await this.publish(em, cell, finalMark.id, staffId);
      return { finalMark };
    });
  }

  // ---- writing: reopening (R-JOUR-9) ----

  /** The deputy or director reopens a journal of a subject in a class or group for a period (all of it, or one student's), with a reason. */
  async journalReopen(ctx: Ctx, input: JournalReopenInput): Promise<WriteResult<{ reopening: JournalReopening }>> {
    const periodId = fromGlobalId(input.periodId, 'StudyPeriod', 'periodId');
    const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    if ((input.classId == null) === (input.groupId == null)) throw badInput('Give exactly one of classId and groupId', 'classId');
    const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
    const groupId = input.groupId != null ? fromGlobalId(input.groupId, 'StudyGroup', 'groupId') : null;
    const studentId = input.studentId != null ? fromGlobalId(input.studentId, 'Student', 'studentId') : null;
    return write(ctx, async (em) => {
      const [t] = await boundRows<{ school_id: string; year_ok: boolean; subject_ok: boolean; member: boolean | null; staff_id: string | null }>(em,
        `select p.school_id,
                coalesce(c.academic_year_id, g.academic_year_id) = p.academic_year_id as year_ok,
                s.school_id = p.school_id as subject_ok,
                case when ?::uuid is null then null else exists (
                  select 1 from target_students(c.id, g.id, null, p.start_date, p.end_date) t(id) where t.id = ?::uuid) end as member,
                (select st.id from staff st where st.user_id = ?::uuid and st.school_id = p.school_id and st.archived_at is null) as staff_id
           from study_period p join subject s on s.id = ?::uuid
           left join school_class c on c.id = ?::uuid left join study_group g on g.id = ?::uuid
          where p.id = ?::uuid and (c.id is not null or g.id is not null) for share of p`,
        [studentId, studentId, ctx.viewer!.userId, subjectId, classId, groupId, periodId]);
      if (!t || !isMember(ctx, t.school_id)) throw notFound('Study period');
      if (!hasRole(ctx.viewer, REOPENERS, t.school_id)) throw forbidden('Only the deputy director or the director reopens a journal (R-JOUR-9)');
      if (!t.staff_id) throw forbidden('A journal is reopened by the deputy director or the director as a staff member of the school: this account has no current staff record there');
      const p = new Problems();
      if (!t.subject_ok) p.add(UserErrorCode.INVALID, 'Not a subject of this school', at('subjectId'));
      if (!t.year_ok) p.add(UserErrorCode.INVALID, 'The class or group is not of the period\'s academic year', at(classId ? 'classId' : 'groupId'));
      if (t.member === false) p.add(UserErrorCode.INVALID, 'The student was not in the class or group during the period', at('studentId'));
      const reason = p.text(input.reason, at('reason'), 'The reason', REASON_MAX);
      const [open] = await boundRows<{ id: string }>(em,
        `select id from journal_reopening where closed_at is null and study_period_id = ?::uuid and subject_id = ?::uuid
            and school_class_id is not distinct from ?::uuid and group_id is not distinct from ?::uuid
            and (student_id is null or student_id is not distinct from ?::uuid) for update`,
        [periodId, subjectId, classId, groupId, studentId]);
      if (open) p.add(UserErrorCode.TAKEN, 'The journal is already reopened for this: close that reopening first', at('periodId'));
      p.throwIfAny();
      const reopening = em.create(JournalReopening, {
        school: em.getReference(School, t.school_id), studyPeriod: em.getReference(StudyPeriod, periodId), subject: em.getReference(Subject, subjectId),
        schoolClass: classId ? em.getReference(SchoolClass, classId) : null, group: groupId ? em.getReference(StudyGroup, groupId) : null,
        student: studentId ? em.getReference(Student, studentId) : null, reason: reason!,
        reopenedBy: em.getReference(Staff, t.staff_id), reopenedAt: clock.now(), closedAt: null, closedBy: null,
      });
      await flush(em, {});
      return { reopening };
    });
  }

  /** Closes a reopening again: from now on the teacher's corrections need a new one. */
  async journalClose(ctx: Ctx, input: JournalCloseInput): Promise<WriteResult<{ reopening: JournalReopening }>> {
    const id = fromGlobalId(input.reopeningId, 'JournalReopening', 'reopeningId');
    return write(ctx, async (em) => {
      const reopening = await lockRow(em, JournalReopening, 'journal_reopening', id);
      if (!reopening || !isMember(ctx, reopening.school.id)) throw notFound('Reopening');
      const staffId = await ownStaffId(em, ctx.viewer!.userId, reopening.school.id);
      if (!hasRole(ctx.viewer, REOPENERS, reopening.school.id)) throw forbidden('Only the deputy director or the director closes a reopened journal (R-JOUR-9)');
      if (!staffId) throw forbidden('A reopened journal is closed by the deputy director or the director as a staff member of the school: this account has no current staff record there');
      if (reopening.closedAt) fail(UserErrorCode.INVALID, 'The reopening is already closed', at('reopeningId'));
      reopening.closedAt = clock.now();
      reopening.closedBy = em.getReference(Staff, staffId) as never;
      await em.flush();
      return { reopening };
    });
  }

  // ---- reading ----

  /** R-JOUR-11: the summary sheet of a class: its students of the year × subjects × periods and the year. */
  async summarySheet(ctx: Ctx, classGlobalId: string): Promise<SummarySheet> {
    const classId = fromGlobalId(classGlobalId, 'SchoolClass', 'classId');
    const [c] = await boundRows<Record<string, unknown> & { __leads: boolean }>(ctx.em,
      `select c.*, exists (select 1 from class_lead_at(?::timestamptz) l where l.user_id = ?::uuid and l.class_id = c.id) as "__leads"
         from school_class c where c.id = ?::uuid`, [clock.now().toISOString(), ctx.viewer!.userId, classId]);
    const schoolClass = c && leanRow(SchoolClass, c);
    if (!schoolClass || !isMember(ctx, schoolClass.school.id)) throw notFound('Class');
    if (!c.__leads && !hasRole(ctx.viewer, SUMMARY_READERS, schoolClass.school.id)) {
      throw forbidden('A class\'s summary sheet is for its class teacher and the administration');
    }
    const yearId = schoolClass.academicYear.id;
    const [periods, members, marks, subjects] = await Promise.all([
      boundRows<Record<string, unknown>>(ctx.em,
        'select p.* from study_period p where p.academic_year_id = ?::uuid and ?::smallint = any (p.grades) order by p.start_date', [yearId, schoolClass.grade]),
      boundRows<Record<string, unknown> & { __to: string | null }>(ctx.em,
        `select s.*, m.t as "__to" from student s
           join (select student_id, case when bool_or(to_date is null) then null else max(to_date)::text end as t
                   from class_membership where school_class_id = ?::uuid group by student_id) m on m.student_id = s.id
          order by s.last_name nulls last, s.first_name nulls last, s.pseudonym`, [classId]),
      boundRows<Record<string, unknown>>(ctx.em,
        `select f.* from final_mark f join class_membership cm on cm.student_id = f.student_id and cm.school_class_id = ?::uuid
           left join study_period p on p.id = f.study_period_id
          where f.academic_year_id = ?::uuid
            and (p.id is null or (cm.from_date <= p.end_date and (cm.to_date is null or cm.to_date >= p.start_date)))
          group by f.id order by f.subject_id, f.study_period_id nulls last`, [classId, yearId]),
      boundRows<Record<string, unknown>>(ctx.em,
        `select s.* from subject s where s.id in (
            select subject_id from teaching_assignment where school_class_id = ?::uuid
            union select ta.subject_id from teaching_assignment ta join study_group g on g.id = ta.group_id where g.school_class_id = ?::uuid
            union select f.subject_id from final_mark f join class_membership cm on cm.student_id = f.student_id and cm.school_class_id = ?::uuid
                   where f.academic_year_id = ?::uuid)
          order by s.name`, [classId, classId, classId, yearId]),
    ]);
    const byStudent = new Map<string, FinalMark[]>();
    for (const r of marks) {
      const f = leanRow(FinalMark, r);
      const list = byStudent.get(f.student.id);
      if (list) list.push(f);
      else byStudent.set(f.student.id, [f]);
    }
    return Object.assign(new SummarySheet(), {
      schoolClass,
      periods: leanRows(StudyPeriod, periods),
      subjects: leanRows(Subject, subjects),
      rows: members.map((r) => Object.assign(new SummarySheetRow(), {
        student: leanRow(Student, r),
        leftOn: r.__to,
        finalMarks: byStudent.get(String(r.id)) ?? [],
      })),
    });
  }

  /** A student's final marks of a year (the diary): for those who may see the student. */
  async studentFinalMarks(ctx: Ctx, studentGlobalId: string, yearGlobalId: string): Promise<FinalMark[]> {
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'studentId');
    const yearId = fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId');
    const student = await ctx.loaders.studentById.load(studentId);
    if (!student || !(await ctx.services.roster.canSeeStudent(ctx, studentId, student.school.id))) throw notFound('Student');
    const rows = await boundRows<Record<string, unknown>>(ctx.em,
      `select f.* from final_mark f join subject s on s.id = f.subject_id left join study_period p on p.id = f.study_period_id
        where f.student_id = ?::uuid and f.academic_year_id = ?::uuid order by s.name, p.start_date nulls last`, [studentId, yearId]);
    return leanRows(FinalMark, rows);
  }

  /** Open (or all) reopenings of a period: for the administration and the school's teachers. */
  async reopenings(ctx: Ctx, periodGlobalId: string, openOnly: boolean): Promise<JournalReopening[]> {
    const periodId = fromGlobalId(periodGlobalId, 'StudyPeriod', 'periodId');
    const period = await ctx.loaders.studyPeriodById.load(periodId);
    if (!period || !isMember(ctx, period.school.id)) throw notFound('Study period');
    if (!hasRole(ctx.viewer, STAFF_ROLES, period.school.id)) throw forbidden('Reopenings are for the school\'s staff');
    const rows = await boundRows<Record<string, unknown>>(ctx.em,
      `select r.* from journal_reopening r where r.study_period_id = ?::uuid ${openOnly ? 'and r.closed_at is null' : ''} order by r.reopened_at desc, r.id limit 500`, [periodId]);
    return leanRows(JournalReopening, rows);
  }

  /**
   * R-JOUR-10: the history of a journal cell — the lesson's own (topic, planned topic, notes for
   * staff, work types, homework) or a student's in it (marks and attendance) — from the audit
   * trail: who, when, old and new values, and the reopening it happened under. For those who may
   * read the cell: NOT_FOUND otherwise.
   */
  async cellHistory(ctx: Ctx, lessonGlobalId: string, studentGlobalId: string | null | undefined): Promise<JournalChange[]> {
    const lessonId = fromGlobalId(lessonGlobalId, 'Lesson', 'lessonId');
    const studentId = studentGlobalId != null ? fromGlobalId(studentGlobalId, 'Student', 'studentId') : null;
    const lesson = await ctx.loaders.lessonById.load(lessonId);
    if (!lesson || !(await canSeeLesson(ctx, lesson))) throw notFound('Lesson');
    if (studentId && !(await ctx.services.roster.canSeeStudent(ctx, studentId, lesson.school.id))) throw notFound('Student');
    const staff = hasRole(ctx.viewer, STAFF_ROLES, lesson.school.id);
    const cellEntities = studentId ? `('Mark', 'Attendance')` : `('Homework', 'LessonWorkType')`;
    const rows = await boundRows<HistoryRow>(ctx.em,
      `with ids as (select entity_type, entity_id from audit_entry
                     where action = 'CREATE' and entity_type in ${cellEntities} and chain_id = ?::uuid
                       and (changes -> 'lesson' ->> 'after') = ?::text
                       and (changes -> 'student' ->> 'after') is not distinct from ?::text
                    ${studentId ? '' : `union all select 'Lesson', ?::text`}),
            l as (select l.id, l.subject_id, l.group_id, l.student_id, lesson_class(l.id) as journal_class_id, lesson_period(l.id) as period_id
                    from lesson l where l.id = ?::uuid)
       select a.occurred_at, a.action, a.entity_type, a.entity_id, a.changes, a.seq, ${prefixedColumns(Staff, 'st', 'st__')},
              ${prefixedColumns(JournalReopening, 'r', 'r__')}
         from ids join audit_entry a on a.entity_type = ids.entity_type and a.entity_id = ids.entity_id and a.chain_id = ?::uuid
         cross join l
         left join staff st on st.user_id = a.actor_id and st.school_id = a.school_id
         left join lateral (select r.* from journal_reopening r ${UNDER_REOPENING}
                               r.study_period_id = l.period_id and r.subject_id = l.subject_id
                               and ${REOPENING_OF_LESSON('r', 'l')}
                               -- an individual lesson's history: its one student's reopenings too
                               and (r.student_id is null or r.student_id = coalesce(?::uuid, l.student_id))
                             order by ro.seq desc limit 1) r on true
        order by a.seq desc limit ${HISTORY_MAX}`,
      studentId
        ? [lesson.school.id, lessonId, studentId, lessonId, lesson.school.id, studentId]
        : [lesson.school.id, lessonId, null, lessonId, lessonId, lesson.school.id, null]);
    return rows.reverse().map((r) => this.change(r, staff)).filter((c): c is JournalChange => c !== null);
  }

  /** R-JOUR-10: the history of a final-mark cell (a student, subject and period or year). */
  async finalMarkHistory(ctx: Ctx, input: FinalMarkCellInput): Promise<JournalChange[]> {
    const ids = await this.visibleCell(ctx, input);
    const [fm] = await boundRows<{ id: string; school_id: string }>(ctx.em,
      `select f.id, f.school_id from final_mark f
        where f.student_id = ?::uuid and f.subject_id = ?::uuid
          and f.academic_year_id = coalesce(?::uuid, (select academic_year_id from study_period where id = ?::uuid))
          and f.study_period_id is not distinct from ?::uuid`, [ids.studentId, ids.subjectId, ids.yearId, ids.periodId, ids.periodId]);
    if (!fm) return [];
    // The period whose reopenings apply (a year's mark: the grade's last period), and the student's class then.
    const cell = await this.resolveCell(ctx.em, ids);
    const rows = await boundRows<HistoryRow>(ctx.em,
      `select a.occurred_at, a.action, a.entity_type, a.entity_id, a.changes, a.seq, ${prefixedColumns(Staff, 'st', 'st__')},
              ${prefixedColumns(JournalReopening, 'r', 'r__')}
         from audit_entry a
         join final_mark f on f.id = ?::uuid
         left join staff st on st.user_id = a.actor_id and st.school_id = a.school_id
         left join lateral (select r.* from journal_reopening r ${UNDER_REOPENING}
                               r.subject_id = f.subject_id and r.study_period_id = ?::uuid
                               and (r.student_id is null or r.student_id = f.student_id) and ${REOPENING_OF_CELL('r')}
                             order by ro.seq desc limit 1) r on true
        where a.chain_id = ?::uuid and a.entity_type = 'FinalMark' and a.entity_id = ?::text
        order by a.seq desc limit ${HISTORY_MAX}`, [fm.id, cell.rule.id, ...reopeningOfCellParams(cell), fm.school_id, fm.id]);
    const staff = hasRole(ctx.viewer, STAFF_ROLES, fm.school_id);
    return rows.reverse().map((r) => this.change(r, staff)).filter((c): c is JournalChange => c !== null);
  }

  // ---- helpers ----

  private change(r: HistoryRow, staff: boolean): JournalChange | null {
    const fields = HISTORY_FIELDS[r.entity_type] ?? {};
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    for (const [field, type] of Object.entries(fields)) {
      const c = r.changes?.[field];
      if (!c || (field === 'notes' && !staff)) continue;
      const id = (v: unknown) => (type && typeof v === 'string' ? toGlobalId(type, v) : v ?? null);
      changes[field] = { before: id(c.before), after: id(c.after) };
    }
    // A change of bookkeeping only (entry times), or a lesson's creation or move, shows nothing of the cell.
    if (!Object.keys(changes).length && (r.action === AuditAction.UPDATE || r.entity_type === 'Lesson')) return null;
    return Object.assign(new JournalChange(), {
      occurredAt: new Date(r.occurred_at),
      action: r.action,
      entityType: r.entity_type,
      entityId: toGlobalId(r.entity_type, r.entity_id),
      author: r.st__id ? leanRow(Staff, r as never, undefined, 'st__') : null,
      changes,
      // A reopening (its reason may name another student) is the school's staff's, as node(id) says.
      reopening: staff && r.r__id ? leanRow(JournalReopening, r as never, undefined, 'r__') : null,
    });
  }

  /** The cell's ids; NOT_FOUND unless the viewer may see the student. */
  private async visibleCell(ctx: Ctx, input: FinalMarkCellInput): Promise<CellIds> {
    const ids = cellIds(input);
    if (!(await this.seesStudent(ctx, ids.studentId))) throw notFound('Student');
    return ids;
  }

  /** Whether the viewer takes part in the student's education today (R-SEC-3). */
  private async seesStudent(ctx: Ctx, studentId: string): Promise<boolean> {
    const student = await ctx.loaders.studentById.load(studentId);
    return !!student && ctx.services.roster.canSeeStudent(ctx, studentId, student.school.id);
  }

  /**
   * A write's cell: its facts, and the teacher's staff id (`teacherOf`). The teacher of the
   * cell's dates may write it after their part in the student's education ended (a past period,
   * under a reopening or a postponement); anyone else who may not see the student today gets
   * NOT_FOUND, whatever the input's other faults, and one who may, FORBIDDEN.
   */
  private async writableCell(em: EntityManager, ctx: Ctx, ids: CellIds, sees: boolean): Promise<{ cell: Cell; staffId: string }> {
    const hidden = () => notFound('Student');
    const cell = await this.resolveCell(em, ids).catch((e: unknown) => { throw !sees && e instanceof UserErrorsException ? hidden() : e; });
    if (!isMember(ctx, cell.schoolId)) throw hidden();
    const staffId = await this.teacherOf(em, ctx, cell);
    if (!staffId) throw sees ? forbidden('A final mark is set by a teacher of the subject in the student\'s class or group') : hidden();
    return { cell, staffId };
  }

  /** The cell's period, class, school facts; NOT_FOUND for a period, year or subject of another school. */
  private async resolveCell(em: EntityManager, ids: CellIds): Promise<Cell> {
    const [r] = await boundRows<{
      year_id: string; year_start: string; year_end: string; school_id: string; time_zone: string; min_marks: number; subject_school: string | null;
      student_school: string; class_id: string | null; grade: number | null;
      p_id: string | null; p_name: string | null; p_start: string | null; p_end: string | null; p_deadline: string | null; p_grades: number[] | null;
    }>(em,
      `with y as (select ay.* from academic_year ay
                   where ay.id = coalesce(?::uuid, (select academic_year_id from study_period where id = ?::uuid))),
            given as (select * from study_period where id = ?::uuid),
            cls as (select c.id, c.grade from class_membership cm join school_class c on c.id = cm.school_class_id, y
                     left join given gp on true
                     where cm.student_id = ?::uuid and c.academic_year_id = y.id
                       and cm.from_date <= coalesce(gp.end_date, y.end_date) and (cm.to_date is null or cm.to_date >= coalesce(gp.start_date, y.start_date))
                     order by cm.from_date desc limit 1),
            rule as (select * from given
                     union all
                     select p.* from study_period p, y, cls where ?::uuid is null and p.academic_year_id = y.id and cls.grade = any (p.grades)
                     order by end_date desc limit 1)
       select y.id as year_id, y.start_date::text as year_start, y.end_date::text as year_end, sch.id as school_id, sch.time_zone,
              sch.final_mark_min_marks as min_marks, (select school_id from subject where id = ?::uuid) as subject_school,
              st.school_id as student_school, cls.id as class_id, cls.grade,
              rule.id as p_id, rule.name as p_name, rule.start_date::text as p_start, rule.end_date::text as p_end,
              rule.final_mark_deadline::text as p_deadline, rule.grades as p_grades
         from y join school sch on sch.id = y.school_id join student st on st.id = ?::uuid
         left join cls on true left join rule on true`,
      [ids.yearId, ids.periodId, ids.periodId, ids.studentId, ids.periodId, ids.subjectId, ids.studentId]);
    if (!r || r.student_school !== r.school_id) throw notFound(ids.periodId ? 'Study period' : 'Academic year');
    if (r.subject_school !== r.school_id) throw notFound('Subject');
    const p = new Problems();
    if (!r.class_id) p.add(UserErrorCode.INVALID, 'The student was in no class of the year during the period', at('studentId'));
    else if (!r.p_id) p.add(UserErrorCode.INVALID, `The year has no study period for grade ${r.grade}`, at('academicYearId'));
    else if (r.p_grades && !r.p_grades.map(Number).includes(Number(r.grade))) p.add(UserErrorCode.INVALID, `The period is not one of grade ${r.grade}`, at('periodId'));
    p.throwIfAny();
    return {
      studentId: ids.studentId, subjectId: ids.subjectId, yearId: r.year_id, periodId: ids.periodId,
      rule: { id: r.p_id!, name: r.p_name!, startDate: r.p_start!, endDate: r.p_end!, deadline: r.p_deadline! },
      from: ids.periodId ? r.p_start! : r.year_start, to: ids.periodId ? r.p_end! : r.year_end,
      classId: r.class_id!, schoolId: r.school_id, timeZone: r.time_zone, minMarks: Number(r.min_marks),
    };
  }

  /**
   * R-ROLE-4: the viewer's staff id when they teach the subject to the student's class, or to a
   * group the student was in during the period (an assignment of the year, of that period or none);
   * FORBIDDEN otherwise.
   */
  private async teacherOf(em: EntityManager, ctx: Ctx, cell: Cell): Promise<string | null> {
    // `teaching_span` (migration 0013): the relation "teaches" of the capability table, held on some
    // day of the cell's dates (a past period's marks are corrected under a reopening after its end).
    const [r] = await boundRows<{ id: string }>(em,
      `select st.id from teaching_span t join staff st on st.user_id = t.user_id and st.school_id = t.school_id and st.archived_at is null
        where t.user_id = ?::uuid and t.subject_id = ?::uuid and t.ends_at is null
          and (t.from_date is null or t.from_date <= ?::date) and (t.to_date is null or t.to_date >= ?::date)
          and (t.class_id = ?::uuid or t.group_id in (
                select gm.group_id from group_membership gm where gm.student_id = ?::uuid
                   and gm.from_date <= ?::date and (gm.to_date is null or gm.to_date >= ?::date)))
        limit 1`,
      [ctx.viewer!.userId, cell.subjectId, cell.rule.endDate, cell.rule.startDate, cell.classId, cell.studentId, cell.to, cell.from]);
    return r?.id ?? null;
  }

  private async lockedFinalMark(em: EntityManager, cell: Cell): Promise<FinalMark | null> {
    const rows = await em.execute<Record<string, unknown>[]>(
      `select * from final_mark where student_id = ? and subject_id = ? and academic_year_id = ? and study_period_id is not distinct from ?::uuid for no key update`,
      [cell.studentId, cell.subjectId, cell.yearId, cell.periodId]);
    return rows[0] ? em.map(FinalMark, rows[0] as never) : null;
  }

  /**
   * R-JOUR-8, R-JOUR-9: the window and the close. A final mark is set from the period's last week
   * (its last 7 days) until its end; a postponed one until its new date; after that only under an
   * open reopening of the subject's journal for the student (or all) in their class or group.
   */
  private async checkOpen(em: EntityManager, p: Problems, cell: Cell, today: string, o: { postponedUntil: string | null; anyDayOfPeriod?: boolean }): Promise<void> {
    const windowStart = o.anyDayOfPeriod ? cell.rule.startDate : addDays(cell.rule.endDate, -6);
    const closesAfter = o.postponedUntil && o.postponedUntil > cell.rule.endDate ? o.postponedUntil : cell.rule.endDate;
    if (today > closesAfter) {
      const [r] = await boundRows<{ id: string }>(em,
        `select r.id from journal_reopening r
          where r.closed_at is null and r.study_period_id = ?::uuid and r.subject_id = ?::uuid and (r.student_id is null or r.student_id = ?::uuid)
            and ${REOPENING_OF_CELL('r')}
          limit 1`, [cell.rule.id, cell.subjectId, cell.studentId, ...reopeningOfCellParams(cell)]);
      if (!r) p.add(UserErrorCode.JOURNAL_CLOSED, `The journal of «${cell.rule.name}» is closed (it ended on ${closesAfter}): the administration reopens it for corrections (R-JOUR-9)`, at('studentId'));
    } else if (today < windowStart && !o.postponedUntil) {
      p.add(UserErrorCode.OUTSIDE_FINAL_MARK_WINDOW, `Final marks of «${cell.rule.name}» are set from ${windowStart} (its last week) to ${cell.rule.endDate}; due by ${cell.rule.deadline}`, at('periodId'));
    }
  }

  private async store(em: EntityManager, cell: Cell, existing: FinalMark | null, values: Partial<FinalMark>): Promise<FinalMark> {
    const finalMark = existing ?? em.create(FinalMark, {
      school: em.getReference(School, cell.schoolId), academicYear: em.getReference(AcademicYear, cell.yearId),
      student: em.getReference(Student, cell.studentId), subject: em.getReference(Subject, cell.subjectId),
      studyPeriod: cell.periodId ? em.getReference(StudyPeriod, cell.periodId) : null, ...values,
    } as never);
    Object.assign(finalMark, values);
    // Two teachers setting the same cell at once: the unique index keeps one, the other is told.
    await flush(em, { unique: () => userError(UserErrorCode.TAKEN, 'The final mark was just set by someone else: read it and try again', at('studentId')) });
    return finalMark;
  }

  /**
   * R-DIARY-1, R-JOUR-11: the student's diary stream, and the teacherEvents of the teacher who set it
   * and of the class teacher today of the student's class in the period (who reads the summary sheet).
   */
  private async publish(em: EntityManager, cell: Cell, finalMarkId: string, staffId: string): Promise<void> {
    const leads = await boundRows<{ id: string }>(em,
      `select st.id from class_lead_at(?::timestamptz) l join staff st on st.user_id = l.user_id and st.school_id = l.school_id and st.archived_at is null
        where l.class_id = ?::uuid`, [clock.now().toISOString(), cell.classId]);
    await publishEvent(em, FINAL_MARK_SET, {
      schoolId: cell.schoolId, objectId: finalMarkId, dateFrom: cell.from, dateTo: cell.to,
      targets: [{ classId: null, groupId: null, studentId: cell.studentId }], teacherStaffIds: [staffId, ...leads.map((l) => l.id)], details: {},
    });
  }

  /** R-JOUR-8: the current marks behind a final mark: their weighted average and the warnings. */
  private async justification(em: EntityManager, cell: Cell): Promise<{ warnings: FinalMarkWarning[]; average: number | null; currentMarkCount: number }> {
    const [marks, [subject]] = await Promise.all([
      boundRows<{ numeric_value: number | null; weight: number; kind: string }>(em,
        `select v.numeric_value, w.weight, w.kind from mark m join lesson l on l.id = m.lesson_id
           join grading_value v on v.id = m.grading_value_id join work_type w on w.id = m.work_type_id
          where m.student_id = ?::uuid and l.subject_id = ?::uuid and l.date between ?::date and ?::date`,
        [cell.studentId, cell.subjectId, cell.from, cell.to]),
      // Whether the subject had written or practical work in the student's class or groups over the dates.
      boundRows<{ has_written: boolean }>(em,
        `with ls as (select l.id from lesson l left join study_group g on g.id = l.group_id
                      where l.subject_id = ?::uuid and l.date between ?::date and ?::date
                        and (l.school_class_id = ?::uuid or g.school_class_id = ?::uuid or l.student_id = ?::uuid))
         select exists (select 1 from ls join lesson_work_type lw on lw.lesson_id = ls.id join work_type w on w.id = lw.work_type_id
                         where w.kind in ('WRITTEN', 'PRACTICAL'))
             or exists (select 1 from ls join mark m on m.lesson_id = ls.id join work_type w on w.id = m.work_type_id
                         where w.kind in ('WRITTEN', 'PRACTICAL')) as has_written`,
        [cell.subjectId, cell.from, cell.to, cell.classId, cell.classId, cell.studentId]),
    ]);
    const warnings: FinalMarkWarning[] = [];
    if (marks.length < cell.minMarks) {
      warnings.push(Object.assign(new FinalMarkWarning(), {
        code: FinalMarkWarningCode.FEW_MARKS,
        message: `The student has ${marks.length} current mark(s) in the subject over ${cell.from} – ${cell.to}; the school's minimum for a sound final mark is ${cell.minMarks}`,
      }));
    }
    if (subject?.has_written && !marks.some((m) => m.kind === 'WRITTEN' || m.kind === 'PRACTICAL')) {
      warnings.push(Object.assign(new FinalMarkWarning(), {
        code: FinalMarkWarningCode.NO_WRITTEN_WORK,
        message: 'The subject had written or practical work over the dates, and the student has no mark for any of it',
      }));
    }
    return {
      warnings,
      currentMarkCount: marks.length,
      average: weightedAverage(marks.map((m) => ({ value: m.numeric_value == null ? null : Number(m.numeric_value), weight: Number(m.weight) }))),
    };
  }
}

interface HistoryRow extends Record<string, unknown> {
  occurred_at: string;
  action: AuditAction;
  entity_type: string;
  entity_id: string;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  st__id: string | null;
  r__id: string | null;
}
