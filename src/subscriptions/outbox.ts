import type { EntityManager } from '@mikro-orm/postgresql';
import { registerEnumType } from 'type-graphql';
import { currentActor } from '../services/audit-context';

/** PostgreSQL channel that wakes every server process when events were committed. */
export const EVENTS_CHANNEL = 'otmetka_events';

/** What happened, as delivered to diaries and teachers (R-DIARY-3). */
export enum DiaryEventKind {
  TIMETABLE_CHANGED = 'TIMETABLE_CHANGED',
  LESSON_SUBSTITUTED = 'LESSON_SUBSTITUTED',
  LESSON_SUBSTITUTION_REMOVED = 'LESSON_SUBSTITUTION_REMOVED',
  LESSON_MOVED = 'LESSON_MOVED',
  LESSON_CANCELLED = 'LESSON_CANCELLED',
  LESSON_RESTORED = 'LESSON_RESTORED',
  CONTROL_WORK_SCHEDULED = 'CONTROL_WORK_SCHEDULED',
  CONTROL_WORK_CHANGED = 'CONTROL_WORK_CHANGED',
  CONTROL_WORK_CANCELLED = 'CONTROL_WORK_CANCELLED',
}
registerEnumType(DiaryEventKind, {
  name: 'DiaryEventKind',
  description: 'Kind of a live diary event (R-DIARY-3).',
  valuesConfig: {
    TIMETABLE_CHANGED: { description: 'Timetable entries or the dated lessons of `dateFrom`…`dateTo` changed: refetch that range.' },
    LESSON_SUBSTITUTED: { description: 'A substitute teacher conducts `lesson` (R-JOUR-6).' },
    LESSON_SUBSTITUTION_REMOVED: { description: 'The substitution of `lesson` was withdrawn: its own teacher conducts it.' },
    LESSON_MOVED: { description: '`lesson` moved to another date, lesson number or room; `details` says from where.' },
    LESSON_CANCELLED: { description: '`lesson` is cancelled.' },
    LESSON_RESTORED: { description: 'A cancelled `lesson` takes place after all.' },
    CONTROL_WORK_SCHEDULED: { description: '`controlWork` was scheduled (R-YEAR-10).' },
    CONTROL_WORK_CHANGED: { description: '`controlWork` changed (date, lesson number, form or title).' },
    CONTROL_WORK_CANCELLED: { description: '`controlWork` was cancelled.' },
  },
});

/** Whom an event concerns: exactly one of a class, a study group or a student. */
export interface EventTarget {
  classId?: string | null;
  groupId?: string | null;
  studentId?: string | null;
}

export interface EventInput {
  schoolId: string;
  kind: DiaryEventKind;
  lessonId?: string | null;
  controlWorkId?: string | null;
  timetableEntryId?: string | null;
  /** The days the event concerns; its student audience is taken from membership over these days. */
  dateFrom: string;
  dateTo: string;
  /** The classes, groups or students concerned (their students over the dates receive `diaryEvents`). */
  targets: EventTarget[];
  /** Staff concerned (timetable teacher, substitute, …): they receive `teacherEvents`. Class teachers of the targets are added. */
  teacherStaffIds: string[];
  /** Small facts of the change the objects do not keep (e.g. where a lesson moved from, a reason). */
  details?: Record<string, unknown>;
}

/**
 * Writes an event to the outbox in the transaction of `em`: it becomes visible, and is delivered,
 * only if that transaction commits (R-DIARY-3). The audience (students and teachers' accounts) is
 * resolved here, once, from membership history; delivery then needs no query per subscriber.
 */
export async function publishEvent(em: EntityManager, event: EventInput): Promise<void> {
  const targets = JSON.stringify(event.targets.map((t) => ({ class_id: t.classId ?? null, group_id: t.groupId ?? null, student_id: t.studentId ?? null })));
  await em.execute(
    `insert into outbox_event (school_id, kind, actor_id, lesson_id, control_work_id, timetable_entry_id, date_from, date_to, details, student_ids, teacher_user_ids)
     select ?, ?, ?, ?, ?, ?, ?::date, ?::date, ?::jsonb,
       array(select distinct s.id from jsonb_to_recordset(?::jsonb) t(class_id uuid, group_id uuid, student_id uuid),
             lateral target_students(t.class_id, t.group_id, t.student_id, ?::date, ?::date) s(id) order by 1),
       array(select distinct u.user_id from (
               select st.user_id from staff st where st.id = any(?::uuid[])
               union all
               select st.user_id from jsonb_to_recordset(?::jsonb) t(class_id uuid, group_id uuid, student_id uuid)
                 left join study_group g on g.id = t.group_id
                 join school_class c on c.id = t.class_id or c.id = g.school_class_id or c.id = any(g.stream_class_ids)
                 join staff st on st.id = c.class_teacher_id
             ) u where u.user_id is not null order by 1)`,
    [
      event.schoolId, event.kind, currentActor()?.actorId ?? null, event.lessonId ?? null, event.controlWorkId ?? null,
      event.timetableEntryId ?? null, event.dateFrom, event.dateTo, JSON.stringify(event.details ?? {}),
      targets, event.dateFrom, event.dateTo, `{${event.teacherStaffIds.join(',')}}`, targets,
    ],
  );
  // Delivered on commit only; identical notifications of one transaction are folded into one.
  await em.execute(`select pg_notify('${EVENTS_CHANNEL}', '')`);
}
