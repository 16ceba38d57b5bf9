import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { boundRows } from '../db/bound';
import { leanRow, prefixedColumns } from '../db/lean';
import { Attendance, Homework, Mark, WorkType } from '../entities/journal.entity';
import { GradingValue } from '../entities/grading-system.entity';
import { PlannedTopic } from '../entities/curriculum.entity';
import { Lesson } from '../entities/lesson.entity';
import { ControlWork } from '../entities/control-work.entity';
import { byIdLoader } from './by-id';

/** Rows of `table` for many lessons in one bound-parameter statement, grouped by lesson id, as lean rows. */
function byLesson<T extends object>(em: EntityManager, cls: new (...args: never[]) => T, sql: string) {
  return new DataLoader<string, T[]>(async (lessonIds) => {
    const rows = await boundRows<Record<string, unknown>>(em, sql, [`{${lessonIds.join(',')}}`]);
    const out = new Map<string, T[]>();
    for (const r of rows) {
      const key = String(r.__lesson_id ?? r.lesson_id);
      const list = out.get(key);
      const row = leanRow(cls, r);
      if (list) list.push(row);
      else out.set(key, [row]);
    }
    return lessonIds.map((id) => out.get(id) ?? []);
  });
}

/** Rows of `table` for many (lesson, student) pairs in one statement, keyed "lessonId|studentId", as lean rows. */
function byLessonStudent<T extends object>(em: EntityManager, cls: new (...args: never[]) => T, table: string, order: string, withWorkType = false) {
  return new DataLoader<string, T[]>(async (keys) => {
    const pairs = keys.map((k) => k.split('|'));
    // A mark travels with its work type (a diary shows it beside every mark): no loader per mark.
    const rows = await boundRows<Record<string, unknown>>(em,
      `select t.*${withWorkType ? `, ${prefixedColumns(WorkType, 'w', 'w__')}` : ''} from unnest(?::uuid[], ?::uuid[]) k(lesson_id, student_id)
         join ${table} t on t.lesson_id = k.lesson_id and t.student_id = k.student_id
         ${withWorkType ? 'join work_type w on w.id = t.work_type_id' : ''} order by ${order}`,
      [`{${pairs.map((p) => p[0]).join(',')}}`, `{${pairs.map((p) => p[1]).join(',')}}`]);
    const out = new Map<string, T[]>();
    for (const r of rows) {
      const key = `${String(r.lesson_id)}|${String(r.student_id)}`;
      const row = leanRow(cls, r, withWorkType ? { workType: leanRow(WorkType, r, undefined, 'w__') } : undefined);
      const list = out.get(key);
      if (list) list.push(row);
      else out.set(key, [row]);
    }
    return keys.map((k) => out.get(k) ?? []);
  });
}

/**
 * DataLoaders of the journal (R-JOUR-1..5): a lesson's work types, homework, marks and attendance,
 * whatever the number of lessons, one statement per field. Rows are viewer-independent: the
 * service filters marks and attendance by the students the viewer may see.
 */
export function createJournalLoaders(em: EntityManager) {
  return {
    lessonById: byIdLoader(em, Lesson),
    controlWorkById: byIdLoader(em, ControlWork),
    workTypeById: byIdLoader(em, WorkType),
    gradingValueById: byIdLoader(em, GradingValue),
    plannedTopicById: byIdLoader(em, PlannedTopic),
    workTypesByLesson: byLesson(em, WorkType,
      `select w.*, lw.lesson_id as "__lesson_id" from lesson_work_type lw join work_type w on w.id = lw.work_type_id
        where lw.lesson_id = any(?::uuid[]) order by w.name, w.id`),
    homeworkByLesson: byLesson(em, Homework, 'select * from homework where lesson_id = any(?::uuid[])'),
    marksByLesson: byLesson(em, Mark, 'select * from mark where lesson_id = any(?::uuid[]) order by posted_at, id'),
    attendanceByLesson: byLesson(em, Attendance, 'select * from attendance where lesson_id = any(?::uuid[]) order by id'),
    /** "lessonId|studentId" → that student's marks in that lesson (a diary asks for one student's). */
    marksByLessonStudent: byLessonStudent(em, Mark, 'mark', 't.posted_at, t.id', true),
    /** "lessonId|studentId" → that student's absence or lateness in that lesson, if any. */
    attendanceByLessonStudent: byLessonStudent(em, Attendance, 'attendance', 't.id'),
    /** plannedTopicId → the dates of the lessons (not cancelled) that covered it (R-JOUR-1, R-YEAR-8). */
    coverageByTopic: new DataLoader<string, string[]>(async (topicIds) => {
      const rows = await boundRows<{ planned_topic_id: string; date: string }>(em,
        `select planned_topic_id, date::text as date from lesson where planned_topic_id = any(?::uuid[]) and status = 'SCHEDULED' order by date, lesson_number`,
        [`{${topicIds.join(',')}}`]);
      const out = new Map<string, string[]>();
      for (const r of rows) out.set(r.planned_topic_id, [...(out.get(r.planned_topic_id) ?? []), r.date]);
      return topicIds.map((id) => out.get(id) ?? []);
    }),
  };
}

export type JournalLoaders = ReturnType<typeof createJournalLoaders>;
