import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * The journal, part 1 (R-JOUR-1..5, R-JOUR-7): work types with their weights, grading-system
 * assignments, what a lesson covered (a planned topic, work types, notes), homework, attendance and
 * current marks. Each record carries the time it was entered, when it was due (in the school's
 * time zone) and whether it was late. A lesson with any of them is never deleted by timetable
 * regeneration (LESSON_HAS_JOURNAL_DATA_SQL); foreign keys without cascade make sure of it.
 */
export class Migration0021Journal extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create type work_kind as enum ('CURRENT', 'WRITTEN', 'PRACTICAL', 'CONTROL');
create table work_type (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  name text not null, kind work_kind not null,
  weight double precision not null check (weight >= 0.1 and weight <= 10),
  archived_at timestamptz,
  unique (school_id, name)
);

alter table grading_value add column quality boolean not null default false;
-- Values counted as "quality" (R-REP): 4 and 5 of five points, 7–10 of ten points.
update grading_value v set quality = true from grading_system s
 where s.id = v.grading_system_id and not v.final_only
   and ((s.kind = 'FIVE_POINT' and v.numeric_value >= 4) or (s.kind = 'TEN_POINT' and v.numeric_value >= 7));

create table grading_assignment (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  academic_year_id uuid not null references academic_year (id),
  grading_system_id uuid not null references grading_system (id),
  subject_id uuid references subject (id),
  grade smallint check (grade between 1 and 11),
  school_class_id uuid references school_class (id)
);
create unique index grading_assignment_scope on grading_assignment (academic_year_id,
  coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid), coalesce(grade, 0),
  coalesce(school_class_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- R-YEAR-2: the grading system of a subject for a class of a year: the most specific assignment
-- (class over grade over none, with the subject over without).
create function effective_grading_system(p_year uuid, p_subject uuid, p_class uuid) returns uuid
language sql stable as $f$
  select a.grading_system_id
    from grading_assignment a
    left join school_class c on c.id = p_class
   where a.academic_year_id = p_year
     and (a.subject_id is null or a.subject_id = p_subject)
     and (a.school_class_id is null or a.school_class_id = p_class)
     and (a.grade is null or a.grade = c.grade)
   order by (a.school_class_id is not null) desc, (a.grade is not null) desc, (a.subject_id is not null) desc
   limit 1
$f$;

alter table lesson
  add column planned_topic_id uuid references planned_topic (id),
  add column notes text,
  add column content_entered_at timestamptz,
  add column content_late boolean not null default false,
  add column attendance_taken_at timestamptz,
  add column attendance_late boolean not null default false;

create table lesson_work_type (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  lesson_id uuid not null references lesson (id),
  work_type_id uuid not null references work_type (id),
  unique (lesson_id, work_type_id)
);

create table homework (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  lesson_id uuid not null unique references lesson (id),
  text text not null, pages text, exercises text,
  links text[] not null default '{}',
  estimated_minutes smallint check (estimated_minutes between 1 and 600),
  entered_at timestamptz not null, due_at timestamptz not null, late boolean not null default false
);

create type attendance_status as enum ('ABSENT', 'LATE');
create type absence_reason as enum ('ILLNESS', 'EXCUSED', 'UNEXCUSED', 'OTHER');
create table attendance (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  lesson_id uuid not null references lesson (id),
  student_id uuid not null references student (id),
  status attendance_status not null, reason absence_reason not null,
  minutes_late smallint check (minutes_late between 1 and 180),
  note text,
  entered_at timestamptz not null, late boolean not null default false,
  unique (lesson_id, student_id)
);
create index attendance_student_lesson on attendance (student_id, lesson_id);

create type credit_basis as enum ('TEACHER', 'COMMISSION');
create table mark (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  lesson_id uuid not null references lesson (id),
  student_id uuid not null references student (id),
  work_type_id uuid not null references work_type (id),
  control_work_id uuid references control_work (id),
  grading_value_id uuid not null references grading_value (id),
  value text not null, comment text,
  posted_by_id uuid not null references staff (id),
  posted_at timestamptz not null, due_at timestamptz not null, late boolean not null default false,
  credit_basis credit_basis, credit_protocol_date date, credit_protocol_number text,
  check ((credit_basis is null) = (credit_protocol_date is null) and (credit_basis is null) = (credit_protocol_number is null))
);
create index mark_student_lesson on mark (student_id, lesson_id);
create index mark_lesson on mark (lesson_id);
`);
  }
}

export const journalMigrations: MigrationObject[] = [{ name: '0021-journal', class: Migration0021Journal }];
