import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/** Individual plans (R-YEAR-4, R-YEAR-5) and the indexes group membership checks use. */
export class Migration0005Groups extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create table "individual_plan" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "student_id" uuid not null, "reason" text not null, constraint "individual_plan_pkey" primary key ("id"));
create index "individual_plan_school_id_index" on "individual_plan" ("school_id");
create index "individual_plan_academic_year_id_index" on "individual_plan" ("academic_year_id");
alter table "individual_plan" add constraint "individual_plan_student_id_academic_year_id_unique" unique ("student_id", "academic_year_id");

create table "individual_plan_subject" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "plan_id" uuid not null, "subject_id" uuid not null, "hours_per_week" numeric(4,1) not null, constraint "individual_plan_subject_pkey" primary key ("id"));
create index "individual_plan_subject_subject_id_index" on "individual_plan_subject" ("subject_id");
alter table "individual_plan_subject" add constraint "individual_plan_subject_plan_id_subject_id_unique" unique ("plan_id", "subject_id");

alter table "individual_plan" add constraint "individual_plan_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "individual_plan" add constraint "individual_plan_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "individual_plan" add constraint "individual_plan_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade;
alter table "individual_plan_subject" add constraint "individual_plan_subject_plan_id_foreign" foreign key ("plan_id") references "individual_plan" ("id") on update cascade;
alter table "individual_plan_subject" add constraint "individual_plan_subject_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "individual_plan_subject" add constraint "individual_plan_subject_hours_check" check ("hours_per_week" > 0);

-- A student is in a group at most once with an open end (membership history is closed, never deleted).
create unique index "group_membership_open_unique" on "group_membership" ("group_id", "student_id") where "to_date" is null;
`;

/** Migrations of this feature, in order. */
export const groupMigrations: MigrationObject[] = [
  { name: '0005-groups', class: Migration0005Groups },
];
