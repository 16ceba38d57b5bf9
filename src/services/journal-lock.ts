import { UserErrorCode } from '../schema/user-error';
import { fail } from './shared';

/**
 * R-JOUR-9: whether the teacher may still write a lesson's journal. The lesson belongs to a study
 * period (`lesson_period()`, migration 0022). The period's journal of the subject and class or group
 * closes after the period's last day (school time); before that, a student's current marks of the
 * period are read-only once their final mark for the subject and period is set, for lessons up to
 * the day it was set (lessons after it, and students whose final mark is postponed, stay open until
 * the end). An open reopening by the administration (all of the journal, or one student) lifts both.
 */
export class JournalLock {
  constructor(
    /** The lesson's study period; null when no period covers it (then nothing is locked). */
    readonly period: { id: string; name: string; endDate: string } | null,
    /** The period ended (school time): the journal is closed for the teacher. */
    readonly closed: boolean,
    readonly reopenedAll: boolean,
    private readonly reopenedStudents: Set<string>,
    private readonly finalized: Set<string>,
  ) {}

  /** The whole lesson (its topic, work types, homework, attendance) is read-only. */
  get lessonLocked(): boolean {
    return this.closed && !this.reopenedAll;
  }

  /** A student's current marks in the lesson are read-only. */
  studentLocked(studentId: string): boolean {
    if (this.reopenedAll || this.reopenedStudents.has(studentId)) return false;
    return this.closed || this.finalized.has(studentId);
  }

  /** Why, for a userError. */
  reason(studentId: string | null): string {
    const name = this.period ? `«${this.period.name}»` : 'the period';
    if (studentId && !this.closed && this.finalized.has(studentId)) {
      return `The student's final mark for ${name} is set: their marks of the period are read-only until the administration reopens the journal (R-JOUR-9)`;
    }
    return `The journal of ${name} is closed (it ended on ${this.period?.endDate}): the administration reopens it for corrections (R-JOUR-9)`;
  }

  /** JOURNAL_CLOSED unless the lesson's journal is open. */
  assertLessonOpen(field: string[]): void {
    if (this.lessonLocked) fail(UserErrorCode.JOURNAL_CLOSED, this.reason(null), field);
  }
}

/**
 * SQL: reopening `r` is of the journal lesson `l` is in — its class (`l.journal_class_id`: SQL
 * `lesson_class()`, migration 0027) or its group. The one rule of what a reopening covers, with the next.
 */
export const REOPENING_OF_LESSON = (r: string, l: string) =>
  `(${r}.school_class_id = ${l}.journal_class_id or ${r}.group_id = ${l}.group_id)`;

/**
 * SQL: reopening `r` is of a journal the student of a final-mark cell is in during the cell's dates:
 * the class they were in then, or a group they were in then. Its four parameters are
 * `reopeningOfCellParams(cell)`.
 */
export const REOPENING_OF_CELL = (r: string) =>
  `(${r}.school_class_id = ?::uuid
    or ${r}.group_id in (select gm.group_id from group_membership gm
                          where gm.student_id = ?::uuid and gm.from_date <= ?::date and (gm.to_date is null or gm.to_date >= ?::date)))`;
export const reopeningOfCellParams = (cell: { classId: string; studentId: string; from: string; to: string }): unknown[] =>
  [cell.classId, cell.studentId, cell.to, cell.from];

/** The lock state of a lesson as `JOURNAL_LOCK_SQL` reads it (null: no study period covers it). */
export interface JournalLockRow { id: string; name: string; end_date: string; reopened_all: boolean; reopened: string[]; finalized: string[] }

/**
 * SQL of one value, the `JournalLockRow` (json) of lesson `?` (its id) for the students `?` (a uuid[]
 * literal): the lesson's period, the open reopenings of its journal, and which of the students have
 * their final mark of the period set on or after the lesson's day. A scalar subquery, so a write reads
 * it in the statement that locks its lesson.
 */
export const JOURNAL_LOCK_SQL = `(with l as (select l.id, l.subject_id, l.date, l.student_id, l.group_id, lesson_class(l.id) as journal_class_id,
                         lesson_period(l.id) as period_id
                  from lesson l where l.id = ?::uuid),
          r as (select r.student_id from journal_reopening r, l
                 where r.closed_at is null and r.study_period_id = l.period_id and r.subject_id = l.subject_id
                   and ${REOPENING_OF_LESSON('r', 'l')})
     select json_build_object('id', p.id, 'name', p.name, 'end_date', p.end_date::text,
            -- an individual lesson is all reopened when its one student's journal is
            'reopened_all', coalesce((select bool_or(r.student_id is null or r.student_id = l.student_id) from r), false),
            'reopened', coalesce((select array_agg(student_id) from r where student_id is not null), '{}'),
            'finalized', coalesce((select array_agg(fm.student_id) from final_mark fm join school s on s.id = fm.school_id
                       where fm.study_period_id = l.period_id and fm.subject_id = l.subject_id and fm.kind <> 'POSTPONED'
                         and fm.student_id = any(?::uuid[]) and l.date <= (fm.set_at at time zone s.time_zone)::date), '{}'))
       from l join study_period p on p.id = l.period_id)`;

/** The lock from its row, `today` being the school's date. */
export function journalLockOf(r: JournalLockRow | null, today: string): JournalLock {
  if (!r) return new JournalLock(null, false, false, new Set(), new Set());
  return new JournalLock({ id: r.id, name: r.name, endDate: r.end_date }, today > r.end_date, r.reopened_all, new Set(r.reopened), new Set(r.finalized));
}
