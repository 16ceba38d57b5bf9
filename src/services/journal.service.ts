import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { rolesOf, STAFF_ROLES } from '../permissions/capabilities';
import { Lesson } from '../entities/lesson.entity';
import { AcademicYear } from '../entities/academic-year.entity';
import { GradingSystem, GradingValue } from '../entities/grading-system.entity';
import { PlannedTopic } from '../entities/curriculum.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Student, ConsentStatus } from '../entities/student.entity';
import { Subject } from '../entities/subject.entity';
import { School } from '../entities/school.entity';
import {
  Attendance, AttendanceStatus, AbsenceReason, GradingAssignment, Homework, LessonWorkType, Mark, WorkKind, WorkType,
} from '../entities/journal.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { badInput, forbidden, notFound, required } from '../schema/errors';
import { UserErrorCode, userError } from '../schema/user-error';
import {
  type AttendanceSetInput, type ClassJournalInput, type GradingSystemAssignInput, type HomeworkRemoveInput, type HomeworkSetInput,
  type LessonContentSetInput, type MarkCorrectInput, type MarkDeleteInput, type MarksPostInput, type WorkTypeCreateInput,
  type WorkTypeUpdateInput, ABSENCES_PER_LESSON_MAX, ClassJournal, JOURNAL_RANGE_MAX_DAYS, JournalRow, MARKS_PER_POST_MAX, SubjectMarks,
} from '../schema/journal.types';
import { DIARY_RANGE_MAX_DAYS } from '../schema/diary.types';
import { effectiveBellSlots, lessonSlotKey, slotControlWorks } from '../loaders/lesson.loaders';
import { boundRows } from '../db/bound';
import { leanRow } from '../db/lean';
import { type CreateData, insertAudited } from '../db/audited-insert';
import { type Scale, type ScaleRow, checkValue, scaleFrom } from './grading';
import { type EventInput, publishEvent, publishEvents } from '../subscriptions/outbox';
import {
  ATTENDANCE_CHANGED, HOMEWORK_REMOVED, HOMEWORK_SET, MARK_CHANGED, MARK_DELETED, MARK_POSTED,
} from '../subscriptions/kinds/journal.events';
import { type WriteResult, Problems, addDays, checkRange, dateIn, assertRole, at, fail, flush, isMember, lockRow, write, zonedInstant } from './shared';
import { registerNodeType } from './node.service';
import type { EventKind } from '../subscriptions/event-registry';
import { canSeeLesson } from './lesson.service';
import { assertConductsLesson, lockLessonToConduct, targetOf } from './scheduling';
import { clock } from '../clock';
import { Acknowledgment } from '../entities/message.entity';
import { type JournalLock, journalLockOf } from './journal-lock';
import { currentActor } from './audit-context';
import { ACTOR_CATEGORY } from '../db/personal-data';
import { primeKeys } from '../db/pd-keys';

/** R-YEAR-2: who sets up work types and grading assignments. */
const JOURNAL_SETUP_MANAGERS = rolesOf('canManageYear');
/** R-ROLE-2, R-ROLE-3, R-ROLE-5: who reads a class journal page without conducting its lessons (with the class teacher, by relation). */
const JOURNAL_READERS = rolesOf('canReadClassJournals');

const TOPIC_MAX = 1000;
const NOTES_MAX = 2000;
const HOMEWORK_TEXT_MAX = 4000;
const LINKS_MAX = 10;
const COMMENT_MAX = 500;
const NOTE_MAX = 500;

/** Rounded to 2 decimals, as averages are shown in the journal. */
const round2 = (x: number) => Math.round(x * 100) / 100;

/** A weighted average of numeric marks (each weighted by its work type's weight); null without any. */
export function weightedAverage(items: { value: number | null; weight: number }[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const i of items) {
    if (i.value == null) continue;
    sum += i.value * i.weight;
    weights += i.weight;
  }
  return weights > 0 ? round2(sum / weights) : null;
}

/** R-SEC-3: a mark or an attendance record is seen by those who may see its student. */
function canSeeStudentRecord(ctx: Ctx, r: { school: { id: string }; student: { id: string } }): Promise<boolean> {
  return ctx.services.roster.canSeeStudent(ctx, r.student.id, r.school.id);
}

registerNodeType<Mark>('Mark', { entity: Mark, visible: canSeeStudentRecord });
registerNodeType<Attendance>('Attendance', { entity: Attendance, visible: canSeeStudentRecord });
registerNodeType<Homework>('Homework', {
  entity: Homework,
  visible: async (ctx, h) => {
    const lesson = await ctx.loaders.lessonById.load(h.lesson.id);
    return !!lesson && canSeeLesson(ctx, lesson);
  },
});
registerNodeType<WorkType>('WorkType', { entity: WorkType, visible: (ctx, w) => isMember(ctx, w.school.id) });
registerNodeType<GradingAssignment>('GradingAssignment', { entity: GradingAssignment, visible: (ctx, a) => isMember(ctx, a.school.id) });

/** When a lesson's records are due, in the school's time zone (R-JOUR-1..5). */
interface Deadlines {
  /** The end of the lesson's day: topic, work types, attendance, current marks. */
  day: Date;
  /** Three days after: control-work marks. */
  control: Date;
  /** A week after: written and practical work. */
  written: Date;
  /** The school's time zone. */
  timeZone: string;
}

/**
 * A page's marks are some 2,000 rows: when the selection of `rows { marks }` (`markFields`) asks
 * only for these fields, only the columns they read are read, and the page's lean marks have no
 * other values (they leave the page only as these fields).
 */
const PAGE_MARK_FIELDS = new Set(['__typename', 'id', 'value', 'workType', 'lesson', 'student', 'numericValue']);
const PAGE_MARK_COLUMNS = 'm.id, m.school_id, m.lesson_id, m.student_id, m.work_type_id, m.grading_value_id, m.value';

/** A grading system as a write checks values against it (R-YEAR-2): its name, its values by lower-cased code, the school's time zone. */

/** Rolls back a journal write whose viewer does not conduct the lesson (see `writeConducted`). */
const NOT_CONDUCTED = new Error('not the teacher who conducts the lesson');

/** The part of a lesson a journal write needs, locked for the transaction. */
interface LockedLesson {
  lesson: Lesson;
  deadlines: Deadlines;
  /** R-JOUR-9: whether the lesson's period is closed, reopened, or final for some students. */
  journal: JournalLock;
}

/**
 * The journal (R-JOUR-1..5, R-JOUR-7): what a lesson covered, homework, attendance and current
 * marks, kept by the teacher who conducts the lesson (its substitute when it has one, R-JOUR-6),
 * read by those who may see the lesson and its students (R-SEC-3), and the class journal page for
 * the teacher, the class teacher and the administration. Every write locks the lesson row (one
 * writer per lesson at a time), checks everything before writing anything, is audited at the ORM
 * level and published to the outbox in its transaction (R-DIARY-1, R-DIARY-3). Late entry is
 * allowed and recorded with the deadline it missed, computed in the school's time zone.
 */
export class JournalService {
  constructor(private readonly config: AppConfig) {}

  // ---- reading: lesson fields ----

  async lessonWorkTypes(ctx: Ctx, l: Lesson): Promise<WorkType[]> {
    return ctx.loaders.workTypesByLesson.load(l.id);
  }

  async lessonHomework(ctx: Ctx, l: Lesson): Promise<Homework | null> {
    return (await ctx.loaders.homeworkByLesson.load(l.id))[0] ?? null;
  }

  /** The lesson's marks of the students the viewer may see (a parent: their child's; the teacher: all). */
  async lessonMarks(ctx: Ctx, l: Lesson, studentGlobalId?: string | null): Promise<Mark[]> {
    if (studentGlobalId == null) return this.visibleRecords(ctx, await ctx.loaders.marksByLesson.load(l.id));
    return this.oneStudentsRecords(ctx, await ctx.loaders.marksByLessonStudent.load(`${l.id}|${fromGlobalId(studentGlobalId, 'Student', 'studentId')}`));
  }

  async lessonAttendance(ctx: Ctx, l: Lesson, studentGlobalId?: string | null): Promise<Attendance[]> {
    if (studentGlobalId == null) return this.visibleRecords(ctx, await ctx.loaders.attendanceByLesson.load(l.id));
    return this.oneStudentsRecords(ctx, await ctx.loaders.attendanceByLessonStudent.load(`${l.id}|${fromGlobalId(studentGlobalId, 'Student', 'studentId')}`));
  }

  async plannedTopic(ctx: Ctx, l: Lesson): Promise<PlannedTopic | null> {
    return l.plannedTopic ? ctx.loaders.plannedTopicById.load(l.plannedTopic.id) : null;
  }

  /** The teacher's notes: for the school's staff only. */
  lessonNotes(ctx: Ctx, l: Lesson): string | null {
    return hasRole(ctx.viewer, STAFF_ROLES, l.school.id) ? l.notes ?? null : null;
  }

  async workType(ctx: Ctx, id: string): Promise<WorkType> {
    const w = await ctx.loaders.workTypeById.load(id);
    if (!w) throw notFound('Work type');
    return w;
  }

  async gradingValue(ctx: Ctx, id: string): Promise<GradingValue | null> {
    return ctx.loaders.gradingValueById.load(id);
  }

  async lessonOf(ctx: Ctx, id: string): Promise<Lesson> {
    const l = await ctx.loaders.lessonById.load(id);
    if (!l) throw notFound('Lesson');
    return l;
  }

  /** Work types of a school, by kind and name; archived ones only when asked. */
  async workTypes(ctx: Ctx, schoolGlobalId: string, includeArchived: boolean): Promise<WorkType[]> {
    const schoolId = fromGlobalId(schoolGlobalId, 'School', 'schoolId');
    if (!isMember(ctx, schoolId)) throw notFound('School');
    const rows = await boundRows<Record<string, unknown>>(ctx.em,
      'select * from work_type where school_id = ?::uuid and (?::boolean or archived_at is null) order by kind, name, id', [schoolId, includeArchived]);
    return rows.map((r) => leanRow(WorkType, r));
  }

  /** Records of one student in one lesson: one access decision for all of them. */
  private async oneStudentsRecords<T extends { school: { id: string }; student: { id: string } }>(ctx: Ctx, rows: T[]): Promise<T[]> {
    return rows.length && (await canSeeStudentRecord(ctx, rows[0])) ? rows : [];
  }

  private async visibleRecords<T extends { school: { id: string }; student: { id: string } }>(ctx: Ctx, rows: T[]): Promise<T[]> {
    if (!rows.length) return rows;
    const ok = await Promise.all(rows.map((r) => canSeeStudentRecord(ctx, r)));
    return rows.filter((_, i) => ok[i]);
  }

  // ---- reading: the class journal page and a student's marks ----

  /**
   * A class journal page: the students × the lessons of a subject for a class or group in a range.
   * For the teachers who teach the subject there (or conducted one of its lessons in the range, as
   * substitutes), the class teacher and the administration (read-only); NOT_FOUND outside the
   * viewer's schools, FORBIDDEN for other members. A fixed number of statements whatever its size.
   */
  async classJournal(ctx: Ctx, input: ClassJournalInput, markFields?: ReadonlySet<string>): Promise<ClassJournal> {
    const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    if ((input.classId == null) === (input.groupId == null)) throw badInput('Give exactly one of classId and groupId', 'classId');
    const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
    const groupId = input.groupId != null ? fromGlobalId(input.groupId, 'StudyGroup', 'groupId') : null;
    const { from, to } = input;
    checkRange(from, to, JOURNAL_RANGE_MAX_DAYS);
    const viewer = ctx.viewer!;
    // The page's target and the viewer's relations to it, in one statement.
    const [t] = await boundRows<{
      school_id: string; class_id: string | null; subject_school: string; class_teacher: boolean; teaches: boolean; conducted: boolean;
    }>(ctx.em,
      `with t as (select coalesce(c.school_id, g.school_id) as school_id, coalesce(c.id, g.school_class_id) as class_id
                    from (select 1) x left join school_class c on c.id = ?::uuid left join study_group g on g.id = ?::uuid
                   where c.id is not null or g.id is not null)
       select t.school_id, t.class_id, s.school_id as subject_school,
              exists (select 1 from school_class c join staff st on st.id = c.class_teacher_id
                       where c.id = t.class_id and st.user_id = ?::uuid and st.archived_at is null) as class_teacher,
              exists (select 1 from teaching_assignment ta join staff st on st.id = ta.teacher_id
                       where st.user_id = ?::uuid and st.archived_at is null and ta.subject_id = ?::uuid
                         and (ta.school_class_id = ?::uuid or ta.group_id = ?::uuid)) as teaches,
              exists (select 1 from lesson l join staff st on st.id = coalesce(l.substitute_teacher_id, l.teacher_id)
                       where st.user_id = ?::uuid and l.subject_id = ?::uuid and l.date between ?::date and ?::date
                         and (l.school_class_id = ?::uuid or l.group_id = ?::uuid)) as conducted
         from t join subject s on s.id = ?::uuid`,
      [classId, groupId, viewer.userId, viewer.userId, subjectId, classId, groupId, viewer.userId, subjectId, from, to, classId, groupId, subjectId]);
    if (!t || t.subject_school !== t.school_id || !isMember(ctx, t.school_id)) throw notFound(classId ? 'Class' : 'Study group');
    const writer = t.teaches || t.conducted;
    if (!writer && !t.class_teacher && !hasRole(viewer, JOURNAL_READERS, t.school_id)) {
      throw forbidden('A class journal page is for the teachers of the subject there, the class teacher and the administration');
    }
    const em = ctx.em;
    // The page's lessons, its students, their marks and absences, and the school's work types: five statements at once.
    const pageLessons = `l.subject_id = ?::uuid and l.date between ?::date and ?::date and l.status = 'SCHEDULED'
      and ${classId ? 'l.school_class_id = ?::uuid' : 'l.group_id = ?::uuid'}`;
    const pageParams = [subjectId, from, to, classId ?? groupId];
    const [lessonRows, memberRows, markRows, attendanceRows, workTypeRows] = await Promise.all([
      boundRows<Record<string, unknown>>(em, `select l.* from lesson l where ${pageLessons} order by l.date, l.lesson_number, l.id`, pageParams),
      // Everyone in the class or group on some day of the range; one row per student (their span in it).
      boundRows<Record<string, unknown> & { __from: string; __to: string | null }>(em,
        `select s.*, m.f as "__from", m.t as "__to" from student s
           join (select student_id, min(from_date)::text as f,
                        case when bool_or(to_date is null) then null else max(to_date)::text end as t
                   from ${classId ? 'class_membership where school_class_id' : 'group_membership where group_id'} = ?::uuid
                    and from_date <= ?::date and (to_date is null or to_date >= ?::date)
                  group by student_id) m on m.student_id = s.id
          order by s.last_name nulls last, s.first_name nulls last, s.pseudonym`, [classId ?? groupId, to, from]),
      boundRows<Record<string, unknown> & { __numeric: number | null; __weight: number }>(em,
        `select ${markFields && [...markFields].every((f) => PAGE_MARK_FIELDS.has(f)) ? PAGE_MARK_COLUMNS : 'm.*'}, v.numeric_value as "__numeric", w.weight as "__weight"
           from lesson l join mark m on m.lesson_id = l.id
           join grading_value v on v.id = m.grading_value_id join work_type w on w.id = m.work_type_id
          where ${pageLessons} order by l.date, l.lesson_number, m.posted_at, m.id`, pageParams),
      boundRows<Record<string, unknown>>(em,
        `select a.* from lesson l join attendance a on a.lesson_id = l.id where ${pageLessons} order by l.date, l.lesson_number, a.id`, pageParams),
      // A few rows, read once rather than beside each of the page's marks.
      boundRows<Record<string, unknown>>(em, 'select * from work_type where school_id = ?::uuid', [t.school_id]),
    ]);
    const lessons = lessonRows.map((r) => leanRow(Lesson, r));
    // A mark's or an absence's `lesson` is one of these, and a mark's work type is read with it: both
    // travel with the row (its fields resolve without a loader or a promise per mark).
    const lessonOf = new Map(lessons.map((l) => [l.id, l]));
    for (const l of lessons) ctx.loaders.lessonById.prime(l.id, l);
    const workTypes = new Map(workTypeRows.map((r) => [String(r.id), leanRow(WorkType, r)]));
    const marksOf = new Map<string, { mark: Mark; numeric: number | null; weight: number }[]>();
    for (const r of markRows) {
      const workType = workTypes.get(String(r.work_type_id));
      const lesson = lessonOf.get(String(r.lesson_id))!;
      const mark = leanRow(Mark, r, workType ? { workType, lesson } : { lesson });
      const item = { mark, numeric: r.__numeric == null ? null : Number(r.__numeric), weight: Number(r.__weight) };
      const list = marksOf.get(mark.student.id);
      if (list) list.push(item);
      else marksOf.set(mark.student.id, [item]);
    }
    const absencesOf = new Map<string, Attendance[]>();
    for (const r of attendanceRows) {
      const a = leanRow(Attendance, r, { lesson: lessonOf.get(String(r.lesson_id))! });
      const list = absencesOf.get(a.student.id);
      if (list) list.push(a);
      else absencesOf.set(a.student.id, [a]);
    }
    const rows = memberRows.map((r) => {
      const student = leanRow(Student, r);
      // Everyone listed was in the class or group: the viewer's access to their records follows the page's access.
      const marks = marksOf.get(student.id) ?? [];
      return Object.assign(new JournalRow(), {
        student,
        joinedOn: r.__from > from ? r.__from : null,
        leftOn: r.__to != null && r.__to < to ? r.__to : null,
        marks: marks.map((m) => m.mark),
        attendance: absencesOf.get(student.id) ?? [],
        average: weightedAverage(marks.map((m) => ({ value: m.numeric, weight: m.weight }))),
      });
    });
    return Object.assign(new ClassJournal(), { subjectId, classId, groupId, from, to, readOnly: !writer, lessons, rows });
  }

  /**
   * R-ROLE-5: the absences and latenesses of a class's students over at most 31 days, in every
   * subject (the lessons of the class, its groups and its students' individual plans, while they
   * were in the class): for the class teacher, who reviews attendance weekly, and the
   * administration; NOT_FOUND outside the viewer's schools, FORBIDDEN for other members.
   */
  async classAttendance(ctx: Ctx, classGlobalId: string, from: string, to: string): Promise<Attendance[]> {
    const classId = fromGlobalId(classGlobalId, 'SchoolClass', 'classId');
    checkRange(from, to, DIARY_RANGE_MAX_DAYS);
    const [c] = await boundRows<{ school_id: string; leads: boolean }>(ctx.em,
      `select c.school_id, exists (select 1 from class_lead_at(?::timestamptz) l where l.user_id = ?::uuid and l.class_id = c.id) as leads
         from school_class c where c.id = ?::uuid`, [clock.now().toISOString(), ctx.viewer!.userId, classId]);
    if (!c || !isMember(ctx, c.school_id)) throw notFound('Class');
    if (!c.leads && !hasRole(ctx.viewer, JOURNAL_READERS, c.school_id)) {
      throw forbidden('A class\'s attendance is for its class teacher and the administration');
    }
    const rows = await boundRows<Record<string, unknown>>(ctx.em,
      `select a.* from attendance a join lesson l on l.id = a.lesson_id
         join class_membership cm on cm.student_id = a.student_id and cm.school_class_id = ?::uuid
          and cm.from_date <= l.date and (cm.to_date is null or cm.to_date >= l.date)
        where l.date between ?::date and ?::date
        order by l.date, l.lesson_number, a.student_id`, [classId, from, to]);
    return rows.map((r) => leanRow(Attendance, r));
  }

  /** A student's marks by subject over a range, with weighted averages; NOT_FOUND unless the viewer may see the student. */
  async studentMarks(ctx: Ctx, studentGlobalId: string, from: string, to: string): Promise<SubjectMarks[]> {
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'studentId');
    checkRange(from, to, 400);
    const student = await ctx.loaders.studentById.load(studentId);
    if (!student || !(await ctx.services.roster.canSeeStudent(ctx, studentId, student.school.id))) throw notFound('Student');
    const rows = await boundRows<Record<string, unknown> & { __subject: string; __numeric: number | null; __weight: number }>(ctx.em,
      `select m.*, l.subject_id as "__subject", v.numeric_value as "__numeric", w.weight as "__weight"
         from mark m join lesson l on l.id = m.lesson_id join grading_value v on v.id = m.grading_value_id
         join work_type w on w.id = m.work_type_id join subject s on s.id = l.subject_id
        where m.student_id = ?::uuid and l.date between ?::date and ?::date
        order by s.name, l.date, l.lesson_number, m.posted_at, m.id`, [studentId, from, to]);
    const bySubject = new Map<string, { mark: Mark; value: number | null; weight: number }[]>();
    for (const r of rows) {
      const list = bySubject.get(r.__subject) ?? [];
      list.push({ mark: leanRow(Mark, r), value: r.__numeric == null ? null : Number(r.__numeric), weight: Number(r.__weight) });
      bySubject.set(r.__subject, list);
    }
    const out: SubjectMarks[] = [];
    for (const [subjectId, marks] of bySubject) {
      out.push(Object.assign(new SubjectMarks(), {
        subject: await required(ctx.loaders.subjectById.load(subjectId), 'Subject'),
        marks: marks.map((m) => m.mark),
        average: weightedAverage(marks),
      }));
    }
    return out;
  }

  // ---- writing: lesson content (R-JOUR-1) ----

  async lessonContentSet(ctx: Ctx, input: LessonContentSetInput): Promise<WriteResult<{ lesson: Lesson }>> {
    return this.writeConducted(ctx, input.lessonId, async (em, { lesson, deadlines }) => {
      const p = new Problems();
      let topic = input.topic !== undefined ? input.topic?.normalize('NFC').trim() || null : undefined;
      if (topic && topic.length > TOPIC_MAX) p.add(UserErrorCode.TOO_LONG, `The topic is longer than ${TOPIC_MAX} characters`, at('topic'));
      const notes = input.notes !== undefined ? input.notes?.normalize('NFC').trim() || null : undefined;
      if (notes && notes.length > NOTES_MAX) p.add(UserErrorCode.TOO_LONG, `The notes are longer than ${NOTES_MAX} characters`, at('notes'));
      let plannedTopicId: string | null | undefined;
      if (input.plannedTopicId !== undefined) {
        plannedTopicId = input.plannedTopicId === null ? null : fromGlobalId(input.plannedTopicId, 'PlannedTopic', 'plannedTopicId');
        if (plannedTopicId) {
          // A topic of the plan of this lesson's subject for its class or group (a subgroup's lesson: its class's plan too).
          const [planned] = await em.execute<{ title: string }[]>(
            `select pt.title from planned_topic pt join thematic_plan tp on tp.id = pt.plan_id
               left join study_group g on g.id = ?
              where pt.id = ? and tp.subject_id = ? and tp.academic_year_id = ?
                and (tp.school_class_id = ? or tp.group_id = ? or tp.school_class_id = g.school_class_id)`,
            [lesson.group?.id ?? null, plannedTopicId, lesson.subject.id, lesson.academicYear.id, lesson.schoolClass?.id ?? null, lesson.group?.id ?? null]);
          if (!planned) p.add(UserErrorCode.INVALID, 'The topic is not in the thematic plan of this lesson\'s subject and class or group', at('plannedTopicId'));
          else if (topic === undefined) topic = planned.title;
        }
      }
      const workTypeIds = input.workTypeIds != null
        ? [...new Set(input.workTypeIds.map((id, i) => fromGlobalId(id, 'WorkType', `workTypeIds[${i}]`)))] : undefined;
      if (workTypeIds?.length) await this.checkWorkTypes(em, p, lesson.school.id, workTypeIds, (i) => at('workTypeIds', i));
      p.throwIfAny();
      let changed = false;
      if (topic !== undefined && topic !== (lesson.topic ?? null)) { lesson.topic = topic; changed = true; }
      if (notes !== undefined && notes !== (lesson.notes ?? null)) { lesson.notes = notes; changed = true; }
      if (plannedTopicId !== undefined && plannedTopicId !== (lesson.plannedTopic?.id ?? null)) {
        lesson.plannedTopic = plannedTopicId ? em.getReference(PlannedTopic, plannedTopicId) as never : null;
        changed = true;
      }
      if (workTypeIds) {
        const current = await em.find(LessonWorkType, { lesson: lesson.id });
        const keep = new Set(workTypeIds);
        for (const lw of current) if (!keep.has(lw.workType.id)) { em.remove(lw); changed = true; }
        const had = new Set(current.map((lw) => lw.workType.id));
        for (const id of workTypeIds) {
          if (!had.has(id)) { em.create(LessonWorkType, { lesson, workType: em.getReference(WorkType, id) }); changed = true; }
        }
      }
      // The same content again (an auto-save): success that changes nothing and writes no audit entry.
      if (!changed) return { lesson };
      const now = clock.now();
      lesson.contentEnteredAt = now;
      lesson.contentLate = now > deadlines.day;
      await em.flush();
      return { lesson };
    });
  }

  // ---- writing: homework (R-JOUR-5) ----

  async homeworkSet(ctx: Ctx, input: HomeworkSetInput): Promise<WriteResult<{ homework: Homework }>> {
    return this.writeConducted(ctx, input.lessonId, async (em, { lesson, deadlines }) => {
      const p = new Problems();
      const text = p.text(input.text, at('text'), 'The homework', HOMEWORK_TEXT_MAX);
      const pages = p.optionalText(input.pages, at('pages'), 'The pages', 200);
      const exercises = p.optionalText(input.exercises, at('exercises'), 'The exercises', 500);
      const links = (input.links ?? []).map((l) => l.trim()).filter((l) => l);
      if (links.length > LINKS_MAX) p.add(UserErrorCode.INVALID, `At most ${LINKS_MAX} links`, at('links'));
      links.forEach((l, i) => {
        let ok = false;
        try { ok = ['http:', 'https:'].includes(new URL(l).protocol) && l.length <= 2000; } catch { ok = false; }
        if (!ok) p.add(UserErrorCode.INVALID, `Not an http(s) URL of at most 2000 characters: ${l.slice(0, 100)}`, at('links', i));
      });
      const minutes = input.estimatedMinutes ?? null;
      if (minutes != null && (!Number.isInteger(minutes) || minutes < 1 || minutes > 600)) {
        p.add(UserErrorCode.INVALID, `The estimated time is 1–600 minutes, not ${minutes}`, at('estimatedMinutes'));
      }
      p.throwIfAny();
      const existing = await em.findOne(Homework, { lesson: lesson.id });
      const values = { text: text!, pages, exercises, links, estimatedMinutes: minutes };
      if (existing && existing.text === values.text && (existing.pages ?? null) === pages && (existing.exercises ?? null) === exercises
        && JSON.stringify(existing.links) === JSON.stringify(links) && (existing.estimatedMinutes ?? null) === minutes) {
        return { homework: existing };
      }
      const now = clock.now();
      const dueAt = await this.homeworkDue(em, lesson, deadlines.timeZone);
      const homework = existing ?? em.create(Homework, { school: lesson.school, lesson, ...values, enteredAt: now, dueAt, late: now > dueAt });
      Object.assign(homework, values, { enteredAt: now, dueAt, late: now > dueAt });
      await em.flush();
      await this.publishLesson(em, lesson, HOMEWORK_SET, homework.id, { lessonId: toGlobalId('Lesson', lesson.id) });
      return { homework };
    });
  }

  async homeworkRemove(ctx: Ctx, input: HomeworkRemoveInput): Promise<WriteResult<{ lesson: Lesson }>> {
    return this.writeConducted(ctx, input.lessonId, async (em, { lesson }) => {
      const existing = await em.findOne(Homework, { lesson: lesson.id });
      if (!existing) fail(UserErrorCode.INVALID, 'The lesson has no homework', at('lessonId'));
      em.remove(existing);
      await em.flush();
      await this.publishLesson(em, lesson, HOMEWORK_REMOVED, null, { lessonId: toGlobalId('Lesson', lesson.id), homeworkId: toGlobalId('Homework', existing.id) });
      return { lesson };
    });
  }

  // ---- writing: attendance (R-JOUR-2) ----

  /** Sets the whole attendance of a lesson: the absences given, everyone else present; all or nothing. */
  async attendanceSet(ctx: Ctx, input: AttendanceSetInput): Promise<WriteResult<{ lesson: Lesson }>> {
    return this.writeConducted(ctx, input.lessonId, async (em, { lesson, deadlines }) => {
      const p = new Problems();
      if (input.absences.length > ABSENCES_PER_LESSON_MAX) fail(UserErrorCode.INVALID, `At most ${ABSENCES_PER_LESSON_MAX} absences per lesson`, at('absences'));
      const ids = input.absences.map((a, i) => fromGlobalId(a.studentId, 'Student', `absences[${i}].studentId`));
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        if (seen.has(id)) p.add(UserErrorCode.DUPLICATE, 'The student is listed twice', at('absences', i, 'studentId'));
        seen.add(id);
      });
      const students = await this.lessonStudents(em, lesson, ids);
      const wanted = new Map<string, { status: AttendanceStatus; reason: AbsenceReason; minutesLate: number | null; note: string | null }>();
      input.absences.forEach((a, i) => {
        if (!students.has(ids[i])) p.add(UserErrorCode.NOT_IN_LESSON, 'The student is not one of this lesson\'s students on its date', at('absences', i, 'studentId'));
        const minutesLate = a.minutesLate ?? null;
        if (minutesLate != null && (a.status !== AttendanceStatus.LATE || !Number.isInteger(minutesLate) || minutesLate < 1 || minutesLate > 180)) {
          p.add(UserErrorCode.INVALID, 'Minutes late are 1–180, for LATE only', at('absences', i, 'minutesLate'));
        }
        const note = p.optionalText(a.note, at('absences', i, 'note'), 'The note', NOTE_MAX);
        if (a.reason === AbsenceReason.OTHER && !note) p.add(UserErrorCode.REQUIRED, 'Say what the other reason is in the note', at('absences', i, 'note'));
        wanted.set(ids[i], { status: a.status, reason: a.reason, minutesLate, note });
      });
      p.throwIfAny();
      const current = await em.find(Attendance, { lesson: lesson.id });
      const now = clock.now();
      const late = now > deadlines.day;
      const changed: { studentId: string; attendance: Attendance | null }[] = [];
      for (const a of current) {
        const w = wanted.get(a.student.id);
        if (!w) {
          em.remove(a);
          changed.push({ studentId: a.student.id, attendance: null });
        } else if (a.status !== w.status || a.reason !== w.reason || (a.minutesLate ?? null) !== w.minutesLate || (a.note ?? null) !== w.note) {
          Object.assign(a, w, { enteredAt: now, late });
          changed.push({ studentId: a.student.id, attendance: a });
        }
        wanted.delete(a.student.id);
      }
      for (const [studentId, w] of wanted) {
        const a = em.create(Attendance, { school: lesson.school, lesson, student: em.getReference(Student, studentId), ...w, enteredAt: now, late });
        changed.push({ studentId, attendance: a });
      }
      lesson.attendanceTakenAt = now;
      lesson.attendanceLate = late;
      await em.flush();
      await publishEvents(em, ATTENDANCE_CHANGED, changed.map((c) => ({
        schoolId: lesson.school.id, objectId: c.attendance?.id ?? null, dateFrom: lesson.date, dateTo: lesson.date,
        targets: [{ classId: null, groupId: null, studentId: c.studentId }], teacherStaffIds: [lesson.conductingTeacherId],
        details: { lessonId: toGlobalId('Lesson', lesson.id), present: c.attendance === null },
      })));
      return { lesson };
    });
  }

  // ---- writing: marks (R-JOUR-3, R-JOUR-4, R-JOUR-7) ----

  /** Posts marks of one lesson: every mark is checked first, then all are written, or none. */
  async marksPost(ctx: Ctx, input: MarksPostInput): Promise<WriteResult<{ marks: Mark[] }>> {
    if (input.marks.length === 0 || input.marks.length > MARKS_PER_POST_MAX) {
      return { userErrors: [userError(UserErrorCode.INVALID, `Post 1–${MARKS_PER_POST_MAX} marks at a time`, at('marks'))] } as WriteResult<{ marks: Mark[] }>;
    }
    const studentIds = input.marks.map((m, i) => fromGlobalId(m.studentId, 'Student', `marks[${i}].studentId`));
    return this.writeConducted(ctx, input.lessonId, async (em, { lesson, deadlines, journal }) => {
      const p = new Problems();
      const workTypeIds = input.marks.map((m, i) => fromGlobalId(m.workTypeId, 'WorkType', `marks[${i}].workTypeId`));
      const { students, workTypes: read, scale } = await this.markChecks(em, lesson, studentIds, workTypeIds);
      const workTypes = await this.checkWorkTypes(em, p, lesson.school.id, workTypeIds, (i) => at('marks', i, 'workTypeId'), read);
      const controlWorkId = workTypes.some((w) => w?.kind === WorkKind.CONTROL) ? await this.controlWorkOf(em, lesson) : null;
      const absent = input.marks.some((m) => m.credit) ? await this.absentStudents(em, lesson.id) : new Set<string>();
      const today = clock.now();
      const items = input.marks.map((m, i) => {
        const student = students.get(studentIds[i]);
        if (!student) p.add(UserErrorCode.NOT_IN_LESSON, 'The student is not one of this lesson\'s students on its date', at('marks', i, 'studentId'));
        // R-SEC-4: no personal data (marks are) in the journal without consent.
        else if (student.consent !== ConsentStatus.GIVEN) p.add(UserErrorCode.NO_CONSENT, 'The student has no consent to personal-data processing: no electronic marks', at('marks', i, 'studentId'));
        else if (journal.studentLocked(studentIds[i])) p.add(UserErrorCode.JOURNAL_CLOSED, journal.reason(studentIds[i]), at('marks', i, 'studentId'));
        const value = checkValue(p, scale, m.value, at('marks', i, 'value'));
        const workType = workTypes[i];
        if (workType?.kind === WorkKind.CONTROL && !controlWorkId) {
          p.add(UserErrorCode.NO_CONTROL_WORK, 'No control work is scheduled for this lesson: a control-work mark belongs to one', at('marks', i, 'workTypeId'));
        }
        const comment = p.optionalText(m.comment, at('marks', i, 'comment'), 'The comment', COMMENT_MAX);
        if (m.credit) {
          if (!absent.has(studentIds[i])) p.add(UserErrorCode.CREDIT_WITHOUT_ABSENCE, 'A credit is for a topic the student missed: they are not recorded absent from this lesson', at('marks', i, 'credit'));
          const todayLocal = dateIn(deadlines.timeZone, today);
          if (m.credit.protocolDate < lesson.date || m.credit.protocolDate > todayLocal) {
            p.add(UserErrorCode.DATE_INVALID, `The protocol date is between the lesson (${lesson.date}) and today`, at('marks', i, 'credit', 'protocolDate'));
          }
          p.text(m.credit.protocolNumber, at('marks', i, 'credit', 'protocolNumber'), 'The protocol number', 50);
        }
        return { studentId: studentIds[i], workType, value, comment };
      });
      p.throwIfAny();
      // assertConductsLesson passed: the viewer is the staff member who conducts the lesson. The marks
      // are written beside the unit of work, with the audit entries a flush would write (insertAudited).
      const rows = items.map((it, i) => {
        const credit = input.marks[i].credit;
        const due = this.markDue(deadlines, it.workType!.kind, credit ? zonedInstant(addDays(credit.protocolDate, 1), '00:00:00', deadlines.timeZone) : null);
        return {
          id: randomUUID(), school: lesson.school.id, lesson: lesson.id, student: it.studentId, workType: it.workType!.id,
          controlWork: it.workType!.kind === WorkKind.CONTROL ? controlWorkId : null,
          gradingValue: it.value!.id, value: it.value!.code, comment: it.comment,
          postedBy: lesson.conductingTeacherId, postedAt: today, dueAt: due, late: today > due,
          creditBasis: credit?.basis ?? null, creditProtocolDate: credit?.protocolDate ?? null, creditProtocolNumber: credit?.protocolNumber.trim() ?? null,
        } satisfies CreateData<Mark>;
      });
      // The events before the marks: their audit entries take the school's audit chain lock, which
      // every audited write of the school then waits for until this transaction commits.
      await publishEvents(em, MARK_POSTED, rows.map((m) => this.markEvent(lesson, m.id, m.student)));
      const marks = await insertAudited(em, Mark, rows, { lesson });
      return { marks };
    }, studentIds);
  }

  async markCorrect(ctx: Ctx, input: MarkCorrectInput): Promise<WriteResult<{ mark: Mark }>> {
    const id = fromGlobalId(input.markId, 'Mark', 'markId');
    return this.writeMark(ctx, id, async (em, { lesson, mark }) => {
      const p = new Problems();
      const scale = input.value != null ? await this.scaleOf(em, lesson) : null;
      const value = input.value != null ? checkValue(p, scale, input.value, at('value')) : null;
      let workType: WorkType | null = null;
      if (input.workTypeId != null) {
        [workType] = await this.checkWorkTypes(em, p, lesson.school.id, [fromGlobalId(input.workTypeId, 'WorkType', 'workTypeId')], () => at('workTypeId'));
        if (workType && workType.kind === WorkKind.CONTROL && !mark.controlWork && !(await this.controlWorkOf(em, lesson))) {
          p.add(UserErrorCode.NO_CONTROL_WORK, 'No control work is scheduled for this lesson', at('workTypeId'));
        }
      }
      const comment = input.comment !== undefined ? p.optionalText(input.comment, at('comment'), 'The comment', COMMENT_MAX) : undefined;
      p.throwIfAny();
      let changed = false;
      if (value && value.code !== mark.value) { mark.value = value.code; mark.gradingValue = em.getReference(GradingValue, value.id) as never; changed = true; }
      if (workType && workType.id !== mark.workType.id) {
        mark.workType = em.getReference(WorkType, workType.id) as never;
        if (workType.kind === WorkKind.CONTROL && !mark.controlWork) mark.controlWork = (await this.controlWorkOf(em, lesson)) as never;
        if (workType.kind !== WorkKind.CONTROL) mark.controlWork = null;
        changed = true;
      }
      if (comment !== undefined && comment !== (mark.comment ?? null)) { mark.comment = comment; changed = true; }
      if (!changed) return { mark };
      // A correction keeps the mark's deadline; whether it was late stays as posted (the audit trail has the history).
      mark.postedAt = clock.now();
      await em.flush();
      await publishEvent(em, MARK_CHANGED, this.markEvent(lesson, mark.id, mark.student.id));
      return { mark };
    });
  }

  async markDelete(ctx: Ctx, input: MarkDeleteInput): Promise<WriteResult<{ deletedMarkId: string; lesson: Lesson }>> {
    const id = fromGlobalId(input.markId, 'Mark', 'markId');
    return this.writeMark(ctx, id, async (em, { lesson, mark }) => {
      const studentId = mark.student.id;
      // Its guardians' acknowledgments (R-DIARY-5) go with it, each with its audit entry (R-JOUR-10).
      for (const a of await em.find(Acknowledgment, { mark: id })) em.remove(a);
      em.remove(mark);
      await em.flush();
      await publishEvent(em, MARK_DELETED, {
        schoolId: lesson.school.id, objectId: null, dateFrom: lesson.date, dateTo: lesson.date,
        targets: [{ classId: null, groupId: null, studentId }], teacherStaffIds: [lesson.conductingTeacherId],
        details: { markId: toGlobalId('Mark', id), lessonId: toGlobalId('Lesson', lesson.id), value: mark.value },
      });
      return { deletedMarkId: toGlobalId('Mark', id), lesson };
    });
  }

  // ---- writing: set-up (R-YEAR-2) ----

  async workTypeCreate(ctx: Ctx, input: WorkTypeCreateInput): Promise<WriteResult<{ workType: WorkType }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    assertRole(ctx, JOURNAL_SETUP_MANAGERS, schoolId, 'School');
    return write(ctx, async (em) => {
      const p = new Problems();
      const name = p.text(input.name, at('name'), 'The name');
      this.checkWeight(p, input.weight);
      p.throwIfAny();
      const workType = em.create(WorkType, { school: em.getReference(School, schoolId), name: name!, kind: input.kind, weight: input.weight });
      await flush(em, { unique: () => userError(UserErrorCode.TAKEN, `The school already has a work type «${name}»`, at('name')) });
      return { workType };
    });
  }

  async workTypeUpdate(ctx: Ctx, input: WorkTypeUpdateInput): Promise<WriteResult<{ workType: WorkType }>> {
    const id = fromGlobalId(input.workTypeId, 'WorkType', 'workTypeId');
    return write(ctx, async (em) => {
      const workType = await lockRow(em, WorkType, 'work_type', id);
      if (!workType || !isMember(ctx, workType.school.id)) throw notFound('Work type');
      assertRole(ctx, JOURNAL_SETUP_MANAGERS, workType.school.id, 'Work type');
      const p = new Problems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : null;
      if (input.weight != null) this.checkWeight(p, input.weight);
      p.throwIfAny();
      if (name) workType.name = name;
      if (input.weight != null) workType.weight = input.weight;
      if (input.archived != null) workType.archivedAt = input.archived ? (workType.archivedAt ?? clock.now()) : null;
      await flush(em, { unique: () => userError(UserErrorCode.TAKEN, `The school already has a work type «${name}»`, at('name')) });
      return { workType };
    });
  }

  async gradingSystemAssign(ctx: Ctx, input: GradingSystemAssignInput): Promise<WriteResult<{ assignment: GradingAssignment }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const systemId = fromGlobalId(input.gradingSystemId, 'GradingSystem', 'gradingSystemId');
    const subjectId = input.subjectId != null ? fromGlobalId(input.subjectId, 'Subject', 'subjectId') : null;
    const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
    return write(ctx, async (em) => {
      const year = await lockRow(em, AcademicYear, 'academic_year', yearId, 'share');
      if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
      assertRole(ctx, JOURNAL_SETUP_MANAGERS, year.school.id, 'Academic year');
      const p = new Problems();
      const system = await em.findOne(GradingSystem, systemId);
      if (!system || system.school.id !== year.school.id) throw notFound('Grading system');
      if (subjectId && (await em.findOne(Subject, subjectId))?.school.id !== year.school.id) throw notFound('Subject');
      if (classId && (await em.findOne(SchoolClass, classId))?.academicYear.id !== yearId) throw notFound('Class');
      const grade = input.grade ?? null;
      if (grade != null && (!Number.isInteger(grade) || grade < 1 || grade > 11)) p.add(UserErrorCode.GRADE_INVALID, `A grade is 1–11, not ${grade}`, at('grade'));
      if (grade != null && classId) p.add(UserErrorCode.INVALID, 'Give a grade or a class, not both', at('grade'));
      p.throwIfAny();
      const existing = await em.findOne(GradingAssignment, { academicYear: yearId, subject: subjectId, grade, schoolClass: classId });
      const assignment = existing ?? em.create(GradingAssignment, {
        school: year.school, academicYear: year, gradingSystem: system, subject: subjectId ? em.getReference(Subject, subjectId) : null,
        grade, schoolClass: classId ? em.getReference(SchoolClass, classId) : null,
      });
      assignment.gradingSystem = em.getReference(GradingSystem, systemId) as never;
      // Two assignments of the same scope at once: the unique index keeps one, the other is told.
      await flush(em, { unique: () => userError(UserErrorCode.TAKEN, 'Another assignment of the same scope was just made: read it and try again', at('gradingSystemId')) });
      return { assignment };
    });
  }

  // ---- helpers ----

  /**
   * A journal write of one lesson: in its transaction, the lesson row locked (one writer per lesson
   * at a time) with whether the viewer conducts it and its school's time zone, read in the same
   * statement (`lockLessonToConduct`); the teacher who conducts a lesson of their school sees it.
   * Anyone else is answered after the transaction rolled back — its connection must not wait for
   * another one of the pool while it holds a lock (the request's loaders read on their own):
   * NOT_FOUND when the viewer may not see the lesson, else FORBIDDEN (R-JOUR-6). A cancelled lesson
   * is LESSON_CANCELLED (`assertConductsLesson`). `work` gets the lesson and its deadlines.
   */
  private async writeConducted<T extends object>(
    ctx: Ctx, lessonGlobalId: string, work: (em: EntityManager, locked: LockedLesson) => Promise<T>, students?: readonly string[],
  ): Promise<WriteResult<T>> {
    const id = fromGlobalId(lessonGlobalId, 'Lesson', 'lessonId');
    let refused: Lesson | null = null;
    const result = await write(ctx, async (em) => {
      const locked = await lockLessonToConduct(em, ctx.viewer!.userId, id, students ?? []);
      if (!locked) throw notFound('Lesson');
      const { lesson, conducts, timeZone } = locked;
      if (!conducts || !isMember(ctx, lesson.school.id)) {
        refused = lesson;
        throw NOT_CONDUCTED;
      }
      assertConductsLesson(lesson, true);
      // R-JOUR-9: a write of the whole lesson needs its journal open; marks check their students.
      const journal = journalLockOf(locked.journal, dateIn(timeZone, clock.now()));
      if (!students) journal.assertLessonOpen(at('lessonId'));
      return work(em, { lesson, deadlines: this.deadlines(lesson, timeZone), journal });
    }).catch((e) => {
      if (e !== NOT_CONDUCTED) throw e;
      return null;
    });
    const notConducted = refused as Lesson | null;
    if (notConducted) {
      const seen = await ctx.loaders.lessonById.load(id);
      if (!seen || !(await canSeeLesson(ctx, seen))) throw notFound('Lesson');
      assertConductsLesson(notConducted, false);
    }
    return result!;
  }

  /** `writeConducted` for the lesson of a mark, with the mark locked too. */
  private async writeMark<T extends object>(ctx: Ctx, id: string, work: (em: EntityManager, locked: { lesson: Lesson; mark: Mark }) => Promise<T>): Promise<WriteResult<T>> {
    const [row] = await boundRows<{ lesson_id: string; student_id: string }>(ctx.em, 'select lesson_id, student_id from mark where id = ?::uuid', [id]);
    if (!row) throw notFound('Mark');
    return this.writeConducted(ctx, toGlobalId('Lesson', row.lesson_id), async (em, { lesson, journal }) => {
      const mark = await lockRow(em, Mark, 'mark', id);
      if (!mark) throw notFound('Mark');
      if (journal.studentLocked(mark.student.id)) fail(UserErrorCode.JOURNAL_CLOSED, journal.reason(mark.student.id), at('markId'));
      return work(em, { lesson, mark });
    }, [row.student_id]);
  }

  private deadlines(lesson: Lesson, tz: string): Deadlines {
    const endOf = (days: number) => zonedInstant(addDays(lesson.date, days + 1), '00:00:00', tz);
    return { day: endOf(0), control: endOf(3), written: endOf(7), timeZone: tz };
  }

  /** R-JOUR-3, R-JOUR-4: current work the lesson's day; control works 3 days; written and practical work a week; a credit (R-JOUR-7) the day of its protocol. */
  private markDue(d: Deadlines, kind: WorkKind, credit: Date | null): Date {
    if (credit) return credit;
    if (kind === WorkKind.CONTROL) return d.control;
    if (kind === WorkKind.WRITTEN || kind === WorkKind.PRACTICAL) return d.written;
    return d.day;
  }

  /**
   * R-JOUR-5: 1.5 hours after the end of the class's last lesson that day (its own and its groups'),
   * by the bell schedule that applies; the end of the day when the bell schedule has no times.
   */
  private async homeworkDue(em: EntityManager, lesson: Lesson, tz: string): Promise<Date> {
    const [last] = await em.execute<Record<string, unknown>[]>(
      `select l2.* from lesson l join lesson l2 on l2.date = l.date and l2.status = 'SCHEDULED'
         left join study_group g on g.id = l.group_id
         left join study_group g2 on g2.id = l2.group_id
        where l.id = ? and (l2.id = l.id or (coalesce(l.school_class_id, g.school_class_id) is not null
              and coalesce(l2.school_class_id, g2.school_class_id) = coalesce(l.school_class_id, g.school_class_id)))
        order by l2.lesson_number desc limit 1`, [lesson.id]);
    const l = last ? leanRow(Lesson, last) : lesson;
    const [slot] = await effectiveBellSlots(em, [{ key: 'x', yearId: l.academicYear.id, ...targetOf(l), date: l.date, lessonNumber: l.lessonNumber }]);
    if (!slot?.ends_at) return zonedInstant(addDays(lesson.date, 1), '00:00:00', tz);
    return new Date(zonedInstant(lesson.date, slot.ends_at, tz).getTime() + 90 * 60_000);
  }

  /** Of the given students, those who are the lesson's students on its date, with their consent state. */
  private async lessonStudents(em: EntityManager, lesson: Lesson, ids: string[]): Promise<Map<string, { consent: ConsentStatus }>> {
    if (!ids.length) return new Map();
    const [sql, params] = this.lessonStudentsSql(lesson, ids);
    return new Map((await em.execute<{ id: string; consent_status: ConsentStatus }[]>(sql, params)).map((r) => [r.id, { consent: r.consent_status }]));
  }

  /** The select of `lessonStudents`: (id, consent_status). */
  private lessonStudentsSql(lesson: Lesson, ids: string[]): [string, unknown[]] {
    return [`select s.id, s.consent_status from target_students(?, ?, ?, ?::date, ?::date) t(id) join student s on s.id = t.id
        where t.id = any(?::uuid[])`,
    [lesson.schoolClass?.id ?? null, lesson.group?.id ?? null, lesson.student?.id ?? null, lesson.date, lesson.date, `{${[...new Set(ids)].join(',')}}`]];
  }

  /**
   * `marksPost`'s reads in one statement: of the given students, the lesson's with their consent
   * (`lessonStudents`), the work types (for `checkWorkTypes`), the grading system (`scaleOf`), and the
   * actor's live personal-data key, which the audit of the transaction's flush then uses
   * (`primeKeys`) instead of reading it.
   */
  private async markChecks(em: EntityManager, lesson: Lesson, studentIds: string[], workTypeIds: string[]): Promise<{
    students: Map<string, { consent: ConsentStatus }>; workTypes: WorkType[]; scale: Scale | null;
  }> {
    const [studentsSql, studentParams] = this.lessonStudentsSql(lesson, studentIds);
    const [scaleSql, scaleParams] = this.scaleSql(lesson);
    const actor = currentActor()?.actorId ?? null;
    const [row] = await em.execute<{ students: { id: string; consent_status: ConsentStatus }[]; work_types: Record<string, unknown>[]; scale: ScaleRow[]; key_id: string | null; key: Buffer | null }[]>(
      `select (select coalesce(json_agg(x), '[]') from (${studentsSql}) x) as students,
              (select coalesce(json_agg(w), '[]') from work_type w where w.id = any(?::uuid[])) as work_types,
              (select coalesce(json_agg(x order by x.position), '[]') from (${scaleSql}) x) as scale,
              k.id::text as key_id, k.key
         from (select 1) one
         left join pd_key k on k.subject_type = 'User' and k.subject_id = ?::uuid and k.category = ?::pd_category and k.destroyed_at is null`,
      [...studentParams, `{${[...new Set(workTypeIds)].join(',')}}`, ...scaleParams, actor, ACTOR_CATEGORY]);
    if (actor && row.key_id && row.key) primeKeys(em, [{ subject: { type: 'User', id: actor }, category: ACTOR_CATEGORY, id: row.key_id, key: row.key }]);
    return {
      students: new Map(row.students.map((r) => [r.id, { consent: r.consent_status }])),
      workTypes: row.work_types.map((r) => leanRow(WorkType, r)),
      scale: scaleFrom(row.scale, { finalMarks: false }),
    };
  }

  private async absentStudents(em: EntityManager, lessonId: string): Promise<Set<string>> {
    const rows = await em.execute<{ student_id: string }[]>(`select student_id from attendance where lesson_id = ? and status = 'ABSENT'`, [lessonId]);
    return new Set(rows.map((r) => r.student_id));
  }

  /** Work types of the school, not archived, in input order (null where refused). */
  private async checkWorkTypes(em: EntityManager, p: Problems, schoolId: string, ids: string[], field: (i: number) => string[], read?: WorkType[]): Promise<(WorkType | null)[]> {
    const rows = read ?? await em.find(WorkType, { id: { $in: [...new Set(ids)] } });
    const byId = new Map(rows.map((w) => [w.id, w]));
    return ids.map((id, i) => {
      const w = byId.get(id);
      if (!w || w.school.id !== schoolId) { p.add(UserErrorCode.INVALID, 'Not a work type of this school', field(i)); return null; }
      if (w.archivedAt) { p.add(UserErrorCode.ARCHIVED, `The work type «${w.name}» is archived`, field(i)); return null; }
      return w;
    });
  }

  private checkWeight(p: Problems, weight: number): void {
    if (!Number.isFinite(weight) || weight < 0.1 || weight > 10) p.add(UserErrorCode.INVALID, `A weight is 0.1–10, not ${weight}`, at('weight'));
  }

  /**
   * R-YEAR-2: the grading system of the lesson's subject and class (a group's: its class's; an
   * individual lesson's: the student's class that day), with its values and the school's time zone.
   */
  private async scaleOf(em: EntityManager, lesson: Lesson): Promise<Scale | null> {
    const [sql, params] = this.scaleSql(lesson);
    return scaleFrom(await em.execute<ScaleRow[]>(`${sql} order by v.position`, params), { finalMarks: false });
  }

  /** The select of `scaleOf`: one row per value of the grading system (one with null values when it has none). */
  private scaleSql(lesson: Lesson): [string, unknown[]] {
    // The lesson's class (lesson_class(), migration 0027: an individual lesson's is its student's that day).
    return [`with c as (select lesson_class(?::uuid) as class_id)
       select gs.name, v.id, v.code, v.final_only, v.position, sch.time_zone
         from c cross join lateral (select effective_grading_system(?::uuid, ?::uuid, c.class_id) as id) e
         join grading_system gs on gs.id = e.id join school sch on sch.id = gs.school_id
         left join grading_value v on v.grading_system_id = gs.id`,
    [lesson.id, lesson.academicYear.id, lesson.subject.id]];
  }

  /** The control work scheduled for the lesson (the rule of `Lesson.controlWorks`: slotControlWorks); null without one. */
  private async controlWorkOf(em: EntityManager, lesson: Lesson): Promise<string | null> {
    const key = lessonSlotKey(lesson);
    return (await slotControlWorks(em, [key])).get(key)?.[0]?.id ?? null;
  }

  /** A mark's event: its student's diary stream (their guardians) and the teacher who conducts the lesson. */
  private markEvent(lesson: Lesson, markId: string, studentId: string): EventInput {
    return {
      schoolId: lesson.school.id, objectId: markId, dateFrom: lesson.date, dateTo: lesson.date,
      targets: [{ classId: null, groupId: null, studentId }], teacherStaffIds: [lesson.conductingTeacherId], details: {},
    };
  }

  private async publishLesson(em: EntityManager, lesson: Lesson, kind: EventKind, objectId: string | null, details: Record<string, unknown>): Promise<void> {
    await publishEvent(em, kind, {
      schoolId: lesson.school.id, objectId, dateFrom: lesson.date, dateTo: lesson.date,
      targets: [targetOf(lesson)], teacherStaffIds: [lesson.conductingTeacherId], details,
    });
  }
}
