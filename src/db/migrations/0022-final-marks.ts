import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * The journal, part 2 (R-JOUR-8..11): final marks per student, subject and period (or the year),
 * with «осв» kept as exempt or as mastered, and postponement; reopenings of a closed journal by the
 * administration, each with its reason; the school's minimum of current marks behind a sound final
 * mark; and an index that finds every mark and absence ever recorded in one journal cell (a student
 * in a lesson) in the audit trail (R-JOUR-10).
 */
export class Migration0022FinalMarks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table school add column final_mark_min_marks smallint not null default 3
  check (final_mark_min_marks between 0 and 20);

create type final_mark_kind as enum ('MARK', 'EXEMPT', 'MASTERED', 'NOT_ATTESTED', 'POSTPONED');
create table final_mark (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  academic_year_id uuid not null references academic_year (id),
  student_id uuid not null references student (id),
  subject_id uuid not null references subject (id),
  study_period_id uuid references study_period (id),
  kind final_mark_kind not null,
  grading_value_id uuid references grading_value (id),
  value text,
  postponed_until date,
  postpone_reason text,
  set_by_id uuid not null references staff (id),
  set_at timestamptz not null,
  due_on date not null,
  late boolean not null default false,
  check ((kind = 'POSTPONED') = (value is null)),
  check ((kind = 'POSTPONED') = (postponed_until is not null)),
  check ((kind = 'POSTPONED') = (grading_value_id is null))
);
create unique index final_mark_cell on final_mark (student_id, subject_id, academic_year_id,
  coalesce(study_period_id, '00000000-0000-0000-0000-000000000000'::uuid));
create index final_mark_period on final_mark (study_period_id, subject_id);

create table journal_reopening (
  id uuid primary key, created_at timestamptz not null, updated_at timestamptz not null,
  school_id uuid not null references school (id),
  study_period_id uuid not null references study_period (id),
  subject_id uuid not null references subject (id),
  school_class_id uuid references school_class (id),
  group_id uuid references study_group (id),
  student_id uuid references student (id),
  reason text not null,
  reopened_by_id uuid not null references staff (id),
  reopened_at timestamptz not null,
  closed_at timestamptz,
  closed_by_id uuid references staff (id),
  check ((school_class_id is null) <> (group_id is null)),
  check ((closed_at is null) = (closed_by_id is null))
);
create index journal_reopening_open on journal_reopening (study_period_id, subject_id) where closed_at is null;

-- R-YEAR-1: the study period a lesson belongs to: its year's period covering its date for the grade
-- of its class (a group's: its class's, a stream's: its first class's); any covering period when
-- the lesson has no class (an individual plan's).
create function lesson_period(p_lesson uuid) returns uuid language sql stable as $f$
  select p.id
    from lesson l
    left join study_group g on g.id = l.group_id
    left join school_class c on c.id = coalesce(l.school_class_id, g.school_class_id, g.stream_class_ids[1])
    join study_period p on p.academic_year_id = l.academic_year_id and l.date between p.start_date and p.end_date
   where l.id = p_lesson and (c.grade is null or c.grade = any (p.grades))
   order by p.start_date desc
   limit 1
$f$;

-- R-JOUR-10: every mark and absence ever created in a journal cell (a student in a lesson), every
-- homework and work type of a lesson.
create index audit_entry_journal_cell on audit_entry ((changes -> 'lesson' ->> 'after'), (changes -> 'student' ->> 'after'))
  where action = 'CREATE' and entity_type in ('Mark', 'Attendance', 'Homework', 'LessonWorkType');
`);
  }
}

export const finalMarkMigrations: MigrationObject[] = [{ name: '0022-final-marks', class: Migration0022FinalMarks }];
