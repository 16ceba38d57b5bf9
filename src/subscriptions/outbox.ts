import type { EntityManager } from '@mikro-orm/postgresql';
import { currentActor } from '../services/audit-context';
import type { EventKind } from './event-registry';

/** PostgreSQL channel that wakes every server process when events were committed. */
export const EVENTS_CHANNEL = 'otmetka_events';

/** Whom an event concerns: exactly one of a class, a study group or a student. */
export interface EventTarget {
  classId?: string | null;
  groupId?: string | null;
  studentId?: string | null;
}

export interface EventInput {
  schoolId: string;
  /** The id of the object the kind concerns (its registered object type); null when it concerns dates only. */
  objectId?: string | null;
  /** The days the event concerns; its student audience is taken from membership over these days. */
  dateFrom: string;
  dateTo: string;
  /** The classes, groups or students concerned (their students over the dates receive `diaryEvents`). */
  targets: EventTarget[];
  /** Staff concerned (timetable teacher, substitute, …): they receive `teacherEvents`. Class teachers of the targets are added. */
  teacherStaffIds: string[];
  /** Small facts of the change the object does not keep (where a lesson moved from, a reason): the kind's own fields read them. */
  details?: Record<string, unknown>;
}

/**
 * Writes an event to the outbox in the transaction of `em`: it becomes visible, and is delivered,
 * only if that transaction commits (R-DIARY-3). The audience (students and teachers' accounts) is
 * resolved here, once, from membership history; delivery then needs no query per subscriber.
 */
export async function publishEvent(em: EntityManager, kind: EventKind, event: EventInput): Promise<void> {
  if (event.objectId && !kind.object) throw new Error(`Event kind ${kind.kind} concerns no object`);
  const targets = JSON.stringify(event.targets.map((t) => ({ class_id: t.classId ?? null, group_id: t.groupId ?? null, student_id: t.studentId ?? null })));
  await em.execute(
    `insert into outbox_event (school_id, kind, actor_id, object_type, object_id, date_from, date_to, details, student_ids, teacher_user_ids)
     select ?, ?, ?, ?, ?, ?::date, ?::date, ?::jsonb,
       array(select distinct s.id from jsonb_to_recordset(?::jsonb) t(class_id uuid, group_id uuid, student_id uuid),
             lateral target_students(t.class_id, t.group_id, t.student_id, ?::date, ?::date) s(id) where ? order by 1),
       array(select distinct u.user_id from (
               select st.user_id from staff st where st.id = any(?::uuid[])
               union all
               select st.user_id from jsonb_to_recordset(?::jsonb) t(class_id uuid, group_id uuid, student_id uuid)
                 left join study_group g on g.id = t.group_id
                 join school_class c on c.id = t.class_id or c.id = g.school_class_id or c.id = any(g.stream_class_ids)
                 join staff st on st.id = c.class_teacher_id
             ) u where u.user_id is not null and ? order by 1)`,
    [
      event.schoolId, kind.kind, currentActor()?.actorId ?? null, event.objectId ? kind.object!.name : null, event.objectId ?? null,
      event.dateFrom, event.dateTo, JSON.stringify(event.details ?? {}),
      targets, event.dateFrom, event.dateTo, kind.audience.diary, `{${event.teacherStaffIds.join(',')}}`, targets, kind.audience.teacher,
    ],
  );
  // Delivered on commit only; identical notifications of one transaction are folded into one.
  await em.execute(`select pg_notify('${EVENTS_CHANNEL}', '')`);
}
