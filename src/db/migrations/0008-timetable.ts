import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * Bell schedules (R-YEAR-6), the weekly timetable (R-YEAR-9), dated lessons with substitutions,
 * moves and cancellations (R-JOUR-6), the control-work schedule (R-YEAR-10) and the event outbox
 * every live update is delivered from (R-DIARY-3).
 */
export class Migration0008Timetable extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const NONE = `'00000000-0000-0000-0000-000000000000'::uuid`;

const SQL = `
create type "lesson_kind" as enum ('MAIN', 'EXTRACURRICULAR', 'ADDITIONAL');
create type "lesson_status" as enum ('SCHEDULED', 'CANCELLED');
create type "control_form" as enum ('CONTROL_WORK', 'TEST', 'DICTATION', 'ESSAY', 'SUMMARY', 'PRACTICAL', 'LABORATORY', 'ORAL', 'DIAGNOSTIC', 'OTHER');

-- R-YEAR-6: a bell schedule of a year; with neither class nor group it is the school's default.
create table "bell_schedule" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "name" text not null, "school_class_id" uuid null, "group_id" uuid null, constraint "bell_schedule_pkey" primary key ("id"));
create index "bell_schedule_school_id_index" on "bell_schedule" ("school_id");
alter table "bell_schedule" add constraint "bell_schedule_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "bell_schedule" add constraint "bell_schedule_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "bell_schedule" add constraint "bell_schedule_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;
alter table "bell_schedule" add constraint "bell_schedule_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade on delete no action;
alter table "bell_schedule" add constraint "bell_schedule_target_check" check ("school_class_id" is null or "group_id" is null);
create unique index "bell_schedule_target_unique" on "bell_schedule" ("academic_year_id", coalesce("school_class_id", "group_id", ${NONE}));

create table "bell_slot" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "bell_schedule_id" uuid not null, "lesson_number" smallint not null, "starts_at" time not null, "ends_at" time not null, constraint "bell_slot_pkey" primary key ("id"));
alter table "bell_slot" add constraint "bell_slot_bell_schedule_id_foreign" foreign key ("bell_schedule_id") references "bell_schedule" ("id") on update cascade on delete cascade;
alter table "bell_slot" add constraint "bell_slot_bell_schedule_id_lesson_number_unique" unique ("bell_schedule_id", "lesson_number");
alter table "bell_slot" add constraint "bell_slot_lesson_number_check" check ("lesson_number" between 0 and 15);
alter table "bell_slot" add constraint "bell_slot_times_check" check ("starts_at" < "ends_at");

-- R-YEAR-9: a weekly timetable line for exactly one of a class, a study group (incl. a stream) or one student.
create table "timetable_entry" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "weekday" smallint not null, "lesson_number" smallint not null, "subject_id" uuid not null, "teacher_id" uuid not null, "room_id" uuid null, "school_class_id" uuid null, "group_id" uuid null, "student_id" uuid null, "kind" "lesson_kind" not null, "valid_from" date not null, "valid_to" date not null, constraint "timetable_entry_pkey" primary key ("id"));
create index "timetable_entry_school_id_index" on "timetable_entry" ("school_id");
create index "timetable_entry_academic_year_id_index" on "timetable_entry" ("academic_year_id", "weekday", "lesson_number");
create index "timetable_entry_teacher_id_index" on "timetable_entry" ("teacher_id");
create index "timetable_entry_room_id_index" on "timetable_entry" ("room_id");
create index "timetable_entry_school_class_id_index" on "timetable_entry" ("school_class_id");
create index "timetable_entry_group_id_index" on "timetable_entry" ("group_id");
create index "timetable_entry_student_id_index" on "timetable_entry" ("student_id");
create index "timetable_entry_subject_id_index" on "timetable_entry" ("subject_id");
alter table "timetable_entry" add constraint "timetable_entry_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "timetable_entry" add constraint "timetable_entry_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "timetable_entry" add constraint "timetable_entry_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "timetable_entry" add constraint "timetable_entry_teacher_id_foreign" foreign key ("teacher_id") references "staff" ("id") on update cascade;
alter table "timetable_entry" add constraint "timetable_entry_room_id_foreign" foreign key ("room_id") references "room" ("id") on update cascade on delete no action;
alter table "timetable_entry" add constraint "timetable_entry_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;
alter table "timetable_entry" add constraint "timetable_entry_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade on delete no action;
alter table "timetable_entry" add constraint "timetable_entry_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade on delete no action;
alter table "timetable_entry" add constraint "timetable_entry_target_check" check (num_nonnulls("school_class_id", "group_id", "student_id") = 1);
alter table "timetable_entry" add constraint "timetable_entry_weekday_check" check ("weekday" between 1 and 7);
alter table "timetable_entry" add constraint "timetable_entry_lesson_number_check" check ("lesson_number" between 0 and 15);
alter table "timetable_entry" add constraint "timetable_entry_dates_check" check ("valid_from" <= "valid_to");

-- A dated lesson: the timetable expanded per day (planned_*), with what actually happens
-- (date, lesson_number, room after a move; a substitute; a cancellation). The journal hangs on it.
create table "lesson" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "timetable_entry_id" uuid null, "planned_date" date not null, "planned_lesson_number" smallint not null, "planned_room_id" uuid null, "date" date not null, "lesson_number" smallint not null, "room_id" uuid null, "subject_id" uuid not null, "teacher_id" uuid not null, "school_class_id" uuid null, "group_id" uuid null, "student_id" uuid null, "kind" "lesson_kind" not null, "status" "lesson_status" not null default 'SCHEDULED', "substitute_teacher_id" uuid null, "substitution_reason" text null, "move_reason" text null, "cancel_reason" text null, "topic" text null, constraint "lesson_pkey" primary key ("id"));
create index "lesson_school_id_date_index" on "lesson" ("school_id", "date");
create index "lesson_academic_year_id_index" on "lesson" ("academic_year_id");
create index "lesson_school_class_id_date_index" on "lesson" ("school_class_id", "date");
create index "lesson_group_id_date_index" on "lesson" ("group_id", "date");
create index "lesson_student_id_date_index" on "lesson" ("student_id", "date");
create index "lesson_teacher_id_date_index" on "lesson" ("teacher_id", "date");
create index "lesson_substitute_teacher_id_date_index" on "lesson" ("substitute_teacher_id", "date");
create index "lesson_room_id_date_index" on "lesson" ("room_id", "date");
create index "lesson_subject_id_index" on "lesson" ("subject_id");
create index "lesson_planned_room_id_index" on "lesson" ("planned_room_id");
create unique index "lesson_entry_planned_date_unique" on "lesson" ("timetable_entry_id", "planned_date");
alter table "lesson" add constraint "lesson_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "lesson" add constraint "lesson_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "lesson" add constraint "lesson_timetable_entry_id_foreign" foreign key ("timetable_entry_id") references "timetable_entry" ("id") on update cascade on delete set null;
alter table "lesson" add constraint "lesson_planned_room_id_foreign" foreign key ("planned_room_id") references "room" ("id") on update cascade on delete no action;
alter table "lesson" add constraint "lesson_room_id_foreign" foreign key ("room_id") references "room" ("id") on update cascade on delete no action;
alter table "lesson" add constraint "lesson_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "lesson" add constraint "lesson_teacher_id_foreign" foreign key ("teacher_id") references "staff" ("id") on update cascade;
alter table "lesson" add constraint "lesson_substitute_teacher_id_foreign" foreign key ("substitute_teacher_id") references "staff" ("id") on update cascade on delete no action;
alter table "lesson" add constraint "lesson_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;
alter table "lesson" add constraint "lesson_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade on delete no action;
alter table "lesson" add constraint "lesson_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade on delete no action;
alter table "lesson" add constraint "lesson_target_check" check (num_nonnulls("school_class_id", "group_id", "student_id") = 1);
alter table "lesson" add constraint "lesson_lesson_number_check" check ("lesson_number" between 0 and 15 and "planned_lesson_number" between 0 and 15);
alter table "lesson" add constraint "lesson_substitution_check" check ("substitute_teacher_id" is null or ("substitute_teacher_id" <> "teacher_id" and "substitution_reason" is not null));
alter table "lesson" add constraint "lesson_cancel_check" check (("status" = 'CANCELLED') = ("cancel_reason" is not null));

-- R-YEAR-10: a dated control work of a class or a group, with its form of control.
create table "control_work" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "date" date not null, "lesson_number" smallint null, "subject_id" uuid not null, "school_class_id" uuid null, "group_id" uuid null, "form" "control_form" not null, "title" text null, "cancelled_at" timestamptz null, "cancel_reason" text null, constraint "control_work_pkey" primary key ("id"));
create index "control_work_school_id_date_index" on "control_work" ("school_id", "date");
create index "control_work_school_class_id_date_index" on "control_work" ("school_class_id", "date");
create index "control_work_group_id_date_index" on "control_work" ("group_id", "date");
create index "control_work_academic_year_id_index" on "control_work" ("academic_year_id");
create index "control_work_subject_id_index" on "control_work" ("subject_id");
alter table "control_work" add constraint "control_work_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "control_work" add constraint "control_work_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "control_work" add constraint "control_work_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "control_work" add constraint "control_work_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;
alter table "control_work" add constraint "control_work_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade on delete no action;
alter table "control_work" add constraint "control_work_target_check" check (num_nonnulls("school_class_id", "group_id") = 1);
alter table "control_work" add constraint "control_work_lesson_number_check" check ("lesson_number" is null or "lesson_number" between 0 and 15);

-- The students a class, group or individual lesson concerns between two dates (membership history).
create function target_students(p_class uuid, p_group uuid, p_student uuid, p_from date, p_to date) returns setof uuid
language sql stable as $f$
  select cm.student_id from class_membership cm
   where p_class is not null and cm.school_class_id = p_class and cm.from_date <= p_to and (cm.to_date is null or cm.to_date >= p_from)
  union
  select gm.student_id from group_membership gm
   where p_group is not null and gm.group_id = p_group and gm.from_date <= p_to and (gm.to_date is null or gm.to_date >= p_from)
  union
  select p_student where p_student is not null
$f$;

-- R-DIARY-3: the outbox. Events are inserted in the transaction of the change; after commit a
-- sequencer gives them a gapless delivery number (seq) in commit order, so a cursor never skips an
-- event whose transaction committed late. Audiences are fixed when the event is written.
create table "outbox_event" ("id" bigserial primary key, "seq" bigint null, "school_id" uuid not null, "occurred_at" timestamptz not null default clock_timestamp(), "kind" text not null, "actor_id" uuid null, "lesson_id" uuid null, "control_work_id" uuid null, "timetable_entry_id" uuid null, "date_from" date null, "date_to" date null, "details" jsonb not null default '{}', "student_ids" uuid[] not null default '{}', "teacher_user_ids" uuid[] not null default '{}');
create unique index "outbox_event_seq_unique" on "outbox_event" ("seq");
create index "outbox_event_unsequenced" on "outbox_event" ("id") where "seq" is null;
create index "outbox_event_student_ids_index" on "outbox_event" using gin ("student_ids");
create index "outbox_event_teacher_user_ids_index" on "outbox_event" using gin ("teacher_user_ids");
create table "outbox_head" ("id" smallint primary key check ("id" = 1), "last_seq" bigint not null);
insert into "outbox_head" ("id", "last_seq") values (1, 0);

create function outbox_event_reject_change() returns trigger language plpgsql as $f$
begin
  if tg_op = 'UPDATE' and old.seq is null and new.seq is not null
     and (to_jsonb(old) - 'seq') = (to_jsonb(new) - 'seq') then
    return new;
  end if;
  raise exception 'outbox_event is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end
$f$;
create trigger outbox_event_append_only before update or delete on outbox_event for each row execute function outbox_event_reject_change();

-- Numbers committed, not yet numbered events in id order and returns the last number. The head row
-- lock serialises sequencers of every server process; each statement sees what committed before it.
create function outbox_sequence(max_rows int default 10000) returns bigint language plpgsql as $f$
declare
  head bigint;
  n bigint;
begin
  if not exists (select 1 from outbox_event where seq is null) then
    return (select last_seq from outbox_head where id = 1);
  end if;
  select last_seq into head from outbox_head where id = 1 for update;
  with todo as (
    select id, row_number() over (order by id) as rn from outbox_event where seq is null order by id limit max_rows
  )
  update outbox_event e set seq = head + todo.rn from todo where e.id = todo.id;
  get diagnostics n = row_count;
  if n > 0 then
    update outbox_head set last_seq = head + n where id = 1;
  end if;
  return head + n;
end
$f$;
`;

export const timetableMigrations: MigrationObject[] = [{ name: '0008-timetable', class: Migration0008Timetable }];
