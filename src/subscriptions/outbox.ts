import type { EntityManager } from '@mikro-orm/postgresql';
import { currentActor } from '../services/audit-context';
import { boundRows } from '../db/bound';
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
  /**
   * When given, only these accounts receive the event, on whichever of their streams it reaches (a
   * private conversation: the participants of a message thread, not every teacher of the student).
   */
  recipientUserIds?: string[];
}

/** The detail under which an event's recipient accounts are stored (never a field of a kind). */
const RECIPIENTS = '__recipients';

/** The accounts an event is limited to (`EventInput.recipientUserIds`), or null when it is not. */
export function recipientsOf(details: Record<string, unknown>): Set<string> | null {
  const r = details[RECIPIENTS];
  return Array.isArray(r) ? new Set(r as string[]) : null;
}

/**
 * Writes an event to the outbox in the transaction of `em`: it becomes visible, and is delivered,
 * only if that transaction commits (R-DIARY-3). The audience (students and teachers' accounts) is
 * resolved here, once, from membership history; delivery then needs no query per subscriber.
 */
export async function publishEvent(em: EntityManager, kind: EventKind, event: EventInput): Promise<void> {
  await publishEvents(em, kind, [event]);
}

/**
 * `publishEvent` for several events of one kind (the marks of one post, the attendance of one
 * lesson) in one statement, numbered in the order given, with its wake-up: a write of 30 marks costs
 * one statement here, not sixty.
 */
export async function publishEvents(em: EntityManager, kind: EventKind, events: readonly EventInput[]): Promise<void> {
  if (!events.length) return;
  for (const e of events) if (e.objectId && !kind.object) throw new Error(`Event kind ${kind.kind} concerns no object`);
  const rows = JSON.stringify(events.map((e) => ({
    school_id: e.schoolId, object_id: e.objectId ?? null, date_from: e.dateFrom, date_to: e.dateTo,
    details: e.recipientUserIds ? { ...e.details, [RECIPIENTS]: [...new Set(e.recipientUserIds)].sort() } : e.details ?? {},
    teacher_staff_ids: e.teacherStaffIds,
    targets: e.targets.map((t) => ({ class_id: t.classId ?? null, group_id: t.groupId ?? null, student_id: t.studentId ?? null })),
  })));
  // The wake-up of every server process is sent with the insert, delivered on commit only;
  // identical notifications of one transaction are folded into one. The rows travel as a bind
  // parameter (`boundRows`), not inlined into the statement's text.
  await boundRows(em,
    `with inserted as (
     insert into outbox_event (school_id, kind, actor_id, object_type, object_id, date_from, date_to, details, student_ids, teacher_user_ids)
     select e.school_id, ?, ?, case when e.object_id is null then null else ?::text end, e.object_id, e.date_from, e.date_to, e.details,
       array(select distinct s.id from jsonb_to_recordset(e.targets) t(class_id uuid, group_id uuid, student_id uuid),
             lateral target_students(t.class_id, t.group_id, t.student_id, e.date_from, e.date_to) s(id) where ? order by 1),
       array(select distinct u.user_id from (
               select st.user_id from staff st where st.id = any(e.teacher_staff_ids)
               union all
               select st.user_id from jsonb_to_recordset(e.targets) t(class_id uuid, group_id uuid, student_id uuid)
                 left join study_group g on g.id = t.group_id
                 join school_class c on c.id = t.class_id or c.id = g.school_class_id or c.id = any(g.stream_class_ids)
                 join staff st on st.id = c.class_teacher_id
             ) u where u.user_id is not null and ? order by 1)
       from rows from (jsonb_to_recordset(?::jsonb) as (school_id uuid, object_id uuid, date_from date, date_to date, details jsonb,
                                                        teacher_staff_ids uuid[], targets jsonb))
            with ordinality as e(school_id, object_id, date_from, date_to, details, teacher_staff_ids, targets, n)
      order by e.n
     returning 1)
     select pg_notify('${EVENTS_CHANNEL}', '')`,
    [kind.kind, currentActor()?.actorId ?? null, kind.object ? kind.object.name : null, kind.audience.diary, kind.audience.teacher, rows],
  );
}
