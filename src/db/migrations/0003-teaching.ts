import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/** Curriculum (R-YEAR-5), thematic plans (R-YEAR-8) and uniqueness of teaching assignments (R-YEAR-7). */
export class Migration0003Teaching extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

// Stands for "no period" / "no group" in unique indexes (PostgreSQL 15 still lets nulls differ).
const NONE = `'00000000-0000-0000-0000-000000000000'::uuid`;

const SQL = `
create table "curriculum_item" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "grade" smallint not null, "profile" text null, "subject_id" uuid not null, "hours_per_week" numeric(4,1) not null, "period_id" uuid null, constraint "curriculum_item_pkey" primary key ("id"));
create index "curriculum_item_school_id_index" on "curriculum_item" ("school_id");
create index "curriculum_item_academic_year_id_grade_index" on "curriculum_item" ("academic_year_id", "grade");
alter table "curriculum_item" add constraint "curriculum_item_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "curriculum_item" add constraint "curriculum_item_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "curriculum_item" add constraint "curriculum_item_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "curriculum_item" add constraint "curriculum_item_period_id_foreign" foreign key ("period_id") references "study_period" ("id") on update cascade on delete no action;
alter table "curriculum_item" add constraint "curriculum_item_grade_check" check ("grade" between 1 and 11);
alter table "curriculum_item" add constraint "curriculum_item_hours_check" check ("hours_per_week" > 0);
create unique index "curriculum_item_line_unique" on "curriculum_item" ("academic_year_id", "grade", coalesce("profile", ''), "subject_id", coalesce("period_id", ${NONE}));
create index "curriculum_item_subject_id_index" on "curriculum_item" ("subject_id");

create table "thematic_plan" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "subject_id" uuid not null, "school_class_id" uuid null, "group_id" uuid null, constraint "thematic_plan_pkey" primary key ("id"));
create index "thematic_plan_school_id_index" on "thematic_plan" ("school_id");
create index "thematic_plan_academic_year_id_index" on "thematic_plan" ("academic_year_id");
alter table "thematic_plan" add constraint "thematic_plan_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "thematic_plan" add constraint "thematic_plan_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "thematic_plan" add constraint "thematic_plan_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "thematic_plan" add constraint "thematic_plan_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;
alter table "thematic_plan" add constraint "thematic_plan_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade on delete no action;
alter table "thematic_plan" add constraint "thematic_plan_target_check" check (("school_class_id" is null) <> ("group_id" is null));
-- One plan per subject and class/group of a year.
create unique index "thematic_plan_target_unique" on "thematic_plan" ("academic_year_id", "subject_id", coalesce("school_class_id", "group_id"));

create table "planned_topic" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "plan_id" uuid not null, "position" smallint not null, "title" text not null, "hours" smallint not null, "planned_date" date null, constraint "planned_topic_pkey" primary key ("id"));
create index "planned_topic_plan_id_index" on "planned_topic" ("plan_id");
alter table "planned_topic" add constraint "planned_topic_plan_id_foreign" foreign key ("plan_id") references "thematic_plan" ("id") on update cascade;
alter table "planned_topic" add constraint "planned_topic_hours_check" check ("hours" > 0);
-- Deferred: a reorder swaps positions within one transaction.
alter table "planned_topic" add constraint "planned_topic_plan_id_position_unique" unique ("plan_id", "position") deferrable initially deferred;

-- R-YEAR-7: the same teacher, subject, class/group and period once.
create unique index "teaching_assignment_line_unique" on "teaching_assignment" ("teacher_id", "subject_id", coalesce("school_class_id", "group_id"), coalesce("period_id", ${NONE}));
create index "teaching_assignment_subject_id_index" on "teaching_assignment" ("subject_id");
`;

/** Migrations of this feature, in order (classes extending Migration from @mikro-orm/migrations). */
export const teachingMigrations: MigrationObject[] = [{ name: '0003-teaching', class: Migration0003Teaching }];
