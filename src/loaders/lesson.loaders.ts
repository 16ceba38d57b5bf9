import DataLoader from 'dataloader';
import { boundRows } from '../db/bound';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ControlWork } from '../entities/control-work.entity';
import { TimetableEntry } from '../entities/timetable.entity';
import type { Lesson } from '../entities/lesson.entity';
import { viewerCheckLoader } from './roster.loaders';
import { clock } from '../clock';
import { leanRow } from '../db/lean';

/** Start and end of a lesson number in the bell schedule that applies (school-local `HH:MM:SS`). */
export interface BellTimes {
  startsAt: string;
  endsAt: string;
}

/** Key of `lessonBellTimes`: what picks the schedule (year, class, group, student on a day) and the lesson number. */
export const bellKey = (l: Lesson): string =>
  [l.academicYear.id, l.schoolClass?.id ?? '', l.group?.id ?? '', l.student?.id ?? '', l.date, l.lessonNumber].join('|');

/** Key of `lessonControlWorks`: the subject, the class or group, the day and the lesson number. */
export const lessonSlotKey = (l: Lesson): string =>
  [l.subject.id, l.schoolClass?.id ?? '', l.group?.id ?? '', l.date, l.lessonNumber].join('|');

const orNull = (v: string) => (v === '' ? null : v);

/** What picks a bell schedule and slot: a lesson's year, class, group or student, day and lesson number. */
export interface BellSlotQuery {
  key: string;
  yearId: string;
  classId: string | null;
  groupId: string | null;
  studentId: string | null;
  date: string;
  lessonNumber: number;
}

/**
 * R-YEAR-6: for each query, the bell schedule that applies (SQL effective_bell_schedule) and its
 * slot for the lesson number (null times when it has none;
 * null `schedule_id` when the year has no schedule at all). One statement for any number of queries.
 */
export async function effectiveBellSlots(em: EntityManager, items: BellSlotQuery[]) {
  return boundRows<{ key: string; schedule_id: string | null; starts_at: string | null; ends_at: string | null }>(em,
    // The schedule is picked once per distinct (year, class, group, student[, day]): the day matters
    // only for a student's individual lesson (their class that day), so a week of class lessons
    // picks it once or twice, not once per lesson.
    `with k as (select k.*, case when k.student_id is null then null else k.on_date end as pick_day
                  from jsonb_to_recordset(?::jsonb) as k(key text, year_id uuid, class_id uuid, group_id uuid, student_id uuid, on_date date, lesson_number int)),
          picked as (select p.*, effective_bell_schedule(p.year_id, p.class_id, p.group_id, p.student_id, p.pick_day, p.pick_day) as schedule_id
                       from (select distinct year_id, class_id, group_id, student_id, pick_day from k) p)
     select k.key, b.id as schedule_id, s.starts_at::text as starts_at, s.ends_at::text as ends_at
       from k
       join picked p on p.year_id = k.year_id and p.class_id is not distinct from k.class_id and p.group_id is not distinct from k.group_id
                    and p.student_id is not distinct from k.student_id and p.pick_day is not distinct from k.pick_day
       left join bell_schedule b on b.id = p.schedule_id
       left join bell_slot s on s.bell_schedule_id = b.id and s.lesson_number = k.lesson_number`,
    [JSON.stringify(items.map((i) => ({
      key: i.key, year_id: i.yearId, class_id: i.classId, group_id: i.groupId, student_id: i.studentId, on_date: i.date, lesson_number: i.lessonNumber,
    })))]);
}

/**
 * R-YEAR-10: the control works (not cancelled) of lesson slots (`lessonSlotKey`): same subject and
 * day, for the lesson's class or group (a subgroup's lesson also has its class's), at its lesson
 * number or at none; by lesson number (none last), then creation. THE rule of which control work a
 * lesson has: its field, and the control work a CONTROL mark belongs to (in a write's transaction).
 */
export async function slotControlWorks(em: EntityManager, keys: readonly string[]): Promise<Map<string, ControlWork[]>> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select cw.*, k.key as "__key"
       from jsonb_to_recordset(?::jsonb) as k(key text, subject_id uuid, class_id uuid, group_id uuid, on_date date, lesson_number int)
       left join study_group g on g.id = k.group_id
       join control_work cw on cw.subject_id = k.subject_id and cw.date = k.on_date and cw.cancelled_at is null
        and (cw.lesson_number is null or cw.lesson_number = k.lesson_number)
        and (cw.group_id = k.group_id or cw.school_class_id = coalesce(k.class_id, g.school_class_id))
      order by cw.lesson_number nulls last, cw.created_at, cw.id`,
    [JSON.stringify(keys.map((key) => {
      const [subjectId, classId, groupId, date, n] = key.split('|');
      return { key, subject_id: subjectId, class_id: orNull(classId), group_id: orNull(groupId), on_date: date, lesson_number: Number(n) };
    }))]);
  const byKey = new Map<string, ControlWork[]>();
  for (const r of rows) {
    const { __key: key, ...row } = r;
    const list = byKey.get(String(key)) ?? [];
    list.push(leanRow(ControlWork, row));
    byKey.set(String(key), list);
  }
  return byKey;
}

/**
 * DataLoaders of dated lessons, control works and the diary (R-JOUR-6, R-YEAR-10, R-DIARY-2): a list
 * of lessons costs one query per field, whatever its length or the number of days it spans.
 */
export function createLessonLoaders(em: EntityManager) {
  return {
    /**
     * R-SEC-3, R-ROLE-4: "userId|lessonId" → the user took part in the lesson: teaches or substitutes
     * it, or on its date took part in the education of one of its students. Viewer-keyed, so one
     * batch (a request, or a live event's subscribers) answers every viewer in one query.
     */
    lessonParticipation: viewerCheckLoader(em, `
      exists (select 1 from staff st where st.user_id = k.user_id and st.id in (r.teacher_id, r.substitute_teacher_id))
      or exists (select 1 from target_students(r.school_class_id, r.group_id, r.student_id, r.date, r.date) s(id)
                  join student_access_on(r.date) a on a.student_id = s.id where a.user_id = k.user_id)`, { join: 'lesson' }),
    /** R-DIARY-2: "userId|controlWorkId" → the user takes part today in the education of a student of the work's class or group on its date. */
    controlWorkParticipation: viewerCheckLoader(em, `
      exists (select 1 from target_students(r.school_class_id, r.group_id, null, r.date, r.date) s(id)
               join student_access_at(?::timestamptz) a on a.student_id = s.id where a.user_id = k.user_id)`,
    { join: 'control_work', params: () => [clock.now().toISOString()] }),
    /** R-YEAR-6: the times of a lesson from the bell schedule that applies (see effectiveBellSlots). */
    lessonBellTimes: new DataLoader<string, BellTimes | null>(async (keys) => {
      const rows = await effectiveBellSlots(em, keys.map((key) => {
        const [yearId, classId, groupId, studentId, date, n] = key.split('|');
        return { key, yearId, classId: orNull(classId), groupId: orNull(groupId), studentId: orNull(studentId), date, lessonNumber: Number(n) };
      }));
      const byKey = new Map(rows.filter((r) => r.starts_at && r.ends_at).map((r) => [r.key, { startsAt: r.starts_at!, endsAt: r.ends_at! }]));
      return keys.map((k) => byKey.get(k) ?? null);
    }),

    /**
     * R-YEAR-10: the control works (not cancelled) of a lesson's slot: same subject and day, for its
     * class or group (a subgroup's lesson also shows its class's), at its lesson number or at none.
     */
    lessonControlWorks: new DataLoader<string, ControlWork[]>(async (keys) => {
      const byKey = await slotControlWorks(em, keys);
      return keys.map((k) => byKey.get(k) ?? []);
    }),

    /** The timetable entry a lesson was generated from. */
    lessonTimetableEntryById: new DataLoader<string, TimetableEntry | null>(async (ids) => {
      const map = new Map((await em.find(TimetableEntry, { id: { $in: [...ids] } })).map((e) => [e.id, e]));
      return ids.map((id) => map.get(id) ?? null);
    }),
  };
}

export type LessonLoaders = ReturnType<typeof createLessonLoaders>;

