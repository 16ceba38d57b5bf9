import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * Messages and acknowledgments (R-JOUR-12, R-DIARY-5). A thread is about one student (a staff
 * member, the student's guardians and the student) or from the class teacher to the guardians of a
 * class; a recommendation on a lesson is a thread of that lesson (and keeps the lesson from timetable
 * regeneration, LESSON_HAS_JOURNAL_DATA_SQL). Who takes part in a thread is one definition,
 * `message_thread_access_at(instant)`, built on `student_access_at` and `class_lead_at`, so a thread
 * follows the same access over time as the rest of the diary: a removed guardian link, a student who
 * left, a teacher no longer teaching the student end it. A guardian acknowledges a week of the
 * diary, a mark or a message once (unique indexes make a repeat a no-op).
 */
export class Migration0023Messages extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create type message_thread_kind as enum ('STUDENT', 'CLASS');
create table message_thread (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  kind message_thread_kind not null,
  student_id uuid references student (id),
  school_class_id uuid references school_class (id),
  lesson_id uuid references lesson (id),
  staff_id uuid not null references staff (id),
  started_by_id uuid not null references app_user (id),
  topic text not null check (length(topic) between 1 and 200),
  last_message_at timestamptz not null,
  check ((kind = 'STUDENT') = (student_id is not null) and (kind = 'CLASS') = (school_class_id is not null)),
  check (lesson_id is null or kind = 'STUDENT')
);
create index message_thread_student on message_thread (student_id, last_message_at);
create index message_thread_class on message_thread (school_class_id, last_message_at);
create index message_thread_lesson on message_thread (lesson_id) where lesson_id is not null;

create type message_author_kind as enum ('STAFF', 'GUARDIAN', 'STUDENT');
create table message (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  thread_id uuid not null references message_thread (id),
  author_id uuid not null references app_user (id),
  author_kind message_author_kind not null,
  author_staff_id uuid references staff (id),
  author_guardian_id uuid references guardian (id),
  author_student_id uuid references student (id),
  body text not null check (length(body) between 1 and 4000),
  sent_at timestamptz not null,
  check ((author_kind = 'STAFF') = (author_staff_id is not null)
     and (author_kind = 'GUARDIAN') = (author_guardian_id is not null)
     and (author_kind = 'STUDENT') = (author_student_id is not null))
);
create index message_thread_sent on message (thread_id, sent_at);

create table message_read (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  thread_id uuid not null references message_thread (id),
  user_id uuid not null references app_user (id),
  read_at timestamptz not null,
  unique (thread_id, user_id)
);

create type acknowledgment_kind as enum ('DIARY_WEEK', 'MARK', 'MESSAGE');
create table acknowledgment (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  kind acknowledgment_kind not null,
  student_id uuid not null references student (id),
  guardian_id uuid not null references guardian (id),
  user_id uuid not null references app_user (id),
  week_start date check (extract(isodow from week_start) = 1),
  -- A deleted mark takes its acknowledgments with it (the audit trail keeps the mark).
  mark_id uuid references mark (id) on delete cascade,
  message_id uuid references message (id),
  acknowledged_at timestamptz not null,
  check ((kind = 'DIARY_WEEK') = (week_start is not null) and (kind = 'MARK') = (mark_id is not null) and (kind = 'MESSAGE') = (message_id is not null))
);
create unique index acknowledgment_week on acknowledgment (guardian_id, student_id, week_start) where kind = 'DIARY_WEEK';
create unique index acknowledgment_mark on acknowledgment (guardian_id, mark_id) where kind = 'MARK';
create unique index acknowledgment_message on acknowledgment (guardian_id, student_id, message_id) where kind = 'MESSAGE';
create index acknowledgment_student on acknowledgment (student_id);
create index acknowledgment_message_id on acknowledgment (message_id) where message_id is not null;

-- R-JOUR-12, R-SEC-3: who takes part in a thread at an instant, and as what. A thread about a
-- student: its staff member while they take part in the student's education (any staff reason of
-- student_access_at), the student's guardians and the student (GUARDIAN, SELF: until the student's
-- last day, R-SEC-8). A thread to a class: its staff member while they lead the class, and the
-- guardians of the students in the class on the school's day.
create function message_thread_access_at(p_now timestamptz) returns table (user_id uuid, thread_id uuid, participant text)
language sql stable as $f$
  select st.user_id, t.id, 'STAFF'::text from message_thread t join staff st on st.id = t.staff_id
   where t.student_id is not null
     and exists (select 1 from student_access_at(p_now) a
                  where a.user_id = st.user_id and a.student_id = t.student_id and a.reason not in ('GUARDIAN', 'SELF'))
  union all
  select st.user_id, t.id, 'STAFF' from message_thread t join staff st on st.id = t.staff_id
   where t.school_class_id is not null
     and exists (select 1 from class_lead_at(p_now) l where l.user_id = st.user_id and l.class_id = t.school_class_id)
  union all
  select a.user_id, t.id, a.reason from message_thread t
    join student_access_at(p_now) a on a.student_id = t.student_id and a.reason in ('GUARDIAN', 'SELF')
  union all
  select a.user_id, t.id, a.reason from message_thread t join school sch on sch.id = t.school_id
    join class_membership cm on cm.school_class_id = t.school_class_id
     and participation_holds(cm.from_date, cm.to_date, null, (p_now at time zone sch.time_zone)::date, p_now)
    join student_access_at(p_now) a on a.student_id = cm.student_id and a.reason = 'GUARDIAN'
$f$;
`);
  }
}

export const messageMigrations: MigrationObject[] = [{ name: '0023-messages', class: Migration0023Messages }];
