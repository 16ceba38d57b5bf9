import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * Consent to personal-data processing (R-SEC-4): the append-only history of decisions, the durable
 * erasure jobs, and the database-level guarantee that a student's personal data exist only with consent.
 */
export class Migration0004Consent extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create type "consent_decision" as enum ('GIVEN', 'REFUSED', 'WITHDRAWN');
create type "erasure_reason" as enum ('WITHDRAWAL', 'LEFT_SCHOOL');

create table "consent" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "student_id" uuid not null, "guardian_id" uuid null, "decision" "consent_decision" not null, "decided_on" date not null, "document_ref" text not null, "recorded_by_id" uuid not null, constraint "consent_pkey" primary key ("id"));
create index "consent_school_id_index" on "consent" ("school_id");
create index "consent_student_id_created_at_index" on "consent" ("student_id", "created_at");
create index "consent_guardian_id_index" on "consent" ("guardian_id");
alter table "consent" add constraint "consent_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "consent" add constraint "consent_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade;
alter table "consent" add constraint "consent_guardian_id_foreign" foreign key ("guardian_id") references "guardian" ("id") on update cascade on delete set null;
alter table "consent" add constraint "consent_recorded_by_id_foreign" foreign key ("recorded_by_id") references "app_user" ("id") on update cascade;

create table "erasure_job" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "student_id" uuid not null, "reason" "erasure_reason" not null, "due_at" timestamptz not null, "done_at" timestamptz null, "attempts" int not null default 0, "last_error" text null, "guardian_notified_at" timestamptz null, constraint "erasure_job_pkey" primary key ("id"));
create index "erasure_job_school_id_index" on "erasure_job" ("school_id");
create index "erasure_job_student_id_index" on "erasure_job" ("student_id");
alter table "erasure_job" add constraint "erasure_job_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "erasure_job" add constraint "erasure_job_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade;
-- The runner polls pending jobs by due time.
create index "erasure_job_pending_index" on "erasure_job" ("due_at") where "done_at" is null;
-- At most one pending erasure per student.
create unique index "erasure_job_pending_unique" on "erasure_job" ("student_id") where "done_at" is null;
alter table "erasure_job" add constraint "erasure_job_attempts_check" check ("attempts" >= 0);

-- R-SEC-4: personal data exist only with consent. A withdrawal keeps them until the erasure job
-- runs (at most 3 working days), so WITHDRAWN may hold them only while not yet erased.
alter table "student" add constraint "student_personal_data_consent_check" check (
  "consent_status" = 'GIVEN'
  or ("consent_status" = 'WITHDRAWN' and "erased_at" is null)
  or ("last_name" is null and "first_name" is null and "middle_name" is null and "birth_date" is null
      and "sex" is null and "phone" is null and "email" is null and "enrolment_number" is null)
);
`;

/** Migrations of this feature, in order (classes extending Migration from @mikro-orm/migrations). */
export const consentMigrations: MigrationObject[] = [
  { name: '0004-consent', class: Migration0004Consent },
];
