import { Migration } from '@mikro-orm/migrations';

/**
 * Roster core: subjects, rooms, staff, classes, students, guardians, study groups, class and group
 * membership over dates, teaching assignments.
 */
export class Migration0002RosterCore extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create type "subject_component" as enum ('FEDERAL', 'SCHOOL');
create type "sex" as enum ('MALE', 'FEMALE');
create type "consent_status" as enum ('NONE', 'GIVEN', 'REFUSED', 'WITHDRAWN');
create type "study_group_kind" as enum ('SUBGROUP', 'ELECTIVE', 'CLUB', 'PROFILE', 'PROJECT', 'STREAM');
create type "guardian_kind" as enum ('MOTHER', 'FATHER', 'GUARDIAN', 'OTHER');
create table "room" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "name" text not null, "capacity" int null, "archived_at" timestamptz null, constraint "room_pkey" primary key ("id"));
create index "room_school_id_index" on "room" ("school_id");
alter table "room" add constraint "room_school_id_name_unique" unique ("school_id", "name");

create table "subject" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "name" text not null, "short_name" text null, "component" "subject_component" not null, "archived_at" timestamptz null, constraint "subject_pkey" primary key ("id"));
create index "subject_school_id_index" on "subject" ("school_id");
alter table "subject" add constraint "subject_school_id_name_unique" unique ("school_id", "name");

create table "student" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "pseudonym" text not null, "last_name" text null, "first_name" text null, "middle_name" text null, "birth_date" date null, "sex" "sex" null, "enrolment_number" text null, "phone" text null, "email" text null, "consent_status" "consent_status" not null default 'NONE', "user_id" uuid null, "left_on" date null, "erased_at" timestamptz null, constraint "student_pkey" primary key ("id"));
create index "student_school_id_index" on "student" ("school_id");
alter table "student" add constraint "student_school_id_pseudonym_unique" unique ("school_id", "pseudonym");

create table "staff" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "user_id" uuid not null, "position" text not null, "archived_at" timestamptz null, constraint "staff_pkey" primary key ("id"));
create index "staff_school_id_index" on "staff" ("school_id");
alter table "staff" add constraint "staff_school_id_user_id_unique" unique ("school_id", "user_id");

create table "school_class" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "grade" smallint not null, "letter" text not null, "profile" text null, "class_teacher_id" uuid null, constraint "school_class_pkey" primary key ("id"));
create index "school_class_school_id_index" on "school_class" ("school_id");
alter table "school_class" add constraint "school_class_academic_year_id_grade_letter_unique" unique ("academic_year_id", "grade", "letter");

create table "study_group" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "name" text not null, "kind" "study_group_kind" not null, "subject_id" uuid null, "school_class_id" uuid null, "stream_class_ids" uuid[] null, "archived_at" timestamptz null, constraint "study_group_pkey" primary key ("id"));
create index "study_group_school_class_id_index" on "study_group" ("school_class_id");
create index "study_group_school_id_index" on "study_group" ("school_id");

create table "teaching_assignment" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "teacher_id" uuid not null, "subject_id" uuid not null, "school_class_id" uuid null, "group_id" uuid null, "period_id" uuid null, "hours_per_week" numeric(4,1) not null, constraint "teaching_assignment_pkey" primary key ("id"));
create index "teaching_assignment_school_id_index" on "teaching_assignment" ("school_id");
create index "teaching_assignment_group_id_index" on "teaching_assignment" ("group_id");
create index "teaching_assignment_school_class_id_index" on "teaching_assignment" ("school_class_id");
create index "teaching_assignment_teacher_id_index" on "teaching_assignment" ("teacher_id");

create table "group_membership" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "group_id" uuid not null, "student_id" uuid not null, "from_date" date not null, "to_date" date null, constraint "group_membership_pkey" primary key ("id"));
create index "group_membership_student_id_from_date_index" on "group_membership" ("student_id", "from_date");
create index "group_membership_group_id_from_date_index" on "group_membership" ("group_id", "from_date");

create table "class_membership" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "student_id" uuid not null, "school_class_id" uuid not null, "from_date" date not null, "to_date" date null, constraint "class_membership_pkey" primary key ("id"));
create index "class_membership_student_id_from_date_index" on "class_membership" ("student_id", "from_date");
create index "class_membership_school_class_id_from_date_index" on "class_membership" ("school_class_id", "from_date");

create table "guardian" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "last_name" text null, "first_name" text null, "middle_name" text null, "phone" text null, "email" text null, "user_id" uuid null, "erased_at" timestamptz null, constraint "guardian_pkey" primary key ("id"));
create index "guardian_school_id_index" on "guardian" ("school_id");

create table "student_guardian" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "student_id" uuid not null, "guardian_id" uuid not null, "kind" "guardian_kind" not null, "removed_at" timestamptz null, constraint "student_guardian_pkey" primary key ("id"));
create index "student_guardian_guardian_id_index" on "student_guardian" ("guardian_id");
create index "student_guardian_student_id_index" on "student_guardian" ("student_id");

alter table "room" add constraint "room_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;

alter table "subject" add constraint "subject_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;

alter table "student" add constraint "student_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "student" add constraint "student_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete set null;

alter table "staff" add constraint "staff_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "staff" add constraint "staff_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade;

alter table "school_class" add constraint "school_class_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "school_class" add constraint "school_class_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "school_class" add constraint "school_class_class_teacher_id_foreign" foreign key ("class_teacher_id") references "staff" ("id") on update cascade on delete no action;

alter table "study_group" add constraint "study_group_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "study_group" add constraint "study_group_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "study_group" add constraint "study_group_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade on delete no action;
alter table "study_group" add constraint "study_group_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;

alter table "teaching_assignment" add constraint "teaching_assignment_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "teaching_assignment" add constraint "teaching_assignment_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;
alter table "teaching_assignment" add constraint "teaching_assignment_teacher_id_foreign" foreign key ("teacher_id") references "staff" ("id") on update cascade;
alter table "teaching_assignment" add constraint "teaching_assignment_subject_id_foreign" foreign key ("subject_id") references "subject" ("id") on update cascade;
alter table "teaching_assignment" add constraint "teaching_assignment_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade on delete no action;
alter table "teaching_assignment" add constraint "teaching_assignment_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade on delete no action;
alter table "teaching_assignment" add constraint "teaching_assignment_period_id_foreign" foreign key ("period_id") references "study_period" ("id") on update cascade on delete no action;

alter table "group_membership" add constraint "group_membership_group_id_foreign" foreign key ("group_id") references "study_group" ("id") on update cascade;
alter table "group_membership" add constraint "group_membership_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade;

alter table "class_membership" add constraint "class_membership_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade;
alter table "class_membership" add constraint "class_membership_school_class_id_foreign" foreign key ("school_class_id") references "school_class" ("id") on update cascade;

alter table "guardian" add constraint "guardian_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "guardian" add constraint "guardian_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete set null;

alter table "student_guardian" add constraint "student_guardian_student_id_foreign" foreign key ("student_id") references "student" ("id") on update cascade;
alter table "student_guardian" add constraint "student_guardian_guardian_id_foreign" foreign key ("guardian_id") references "guardian" ("id") on update cascade;

-- Lookups by account ("which students / guardians / staff is this user").
create index "student_user_id_index" on "student" ("user_id");
create index "guardian_user_id_index" on "guardian" ("user_id");
create index "staff_user_id_index" on "staff" ("user_id");
create index "school_class_academic_year_id_index" on "school_class" ("academic_year_id");
create index "school_class_class_teacher_id_index" on "school_class" ("class_teacher_id");
create index "study_group_academic_year_id_index" on "study_group" ("academic_year_id");
create index "teaching_assignment_academic_year_id_index" on "teaching_assignment" ("academic_year_id");

alter table "school_class" add constraint "school_class_grade_check" check ("grade" between 1 and 11);
alter table "class_membership" add constraint "class_membership_dates_check" check ("to_date" is null or "from_date" <= "to_date");
alter table "group_membership" add constraint "group_membership_dates_check" check ("to_date" is null or "from_date" <= "to_date");
alter table "teaching_assignment" add constraint "teaching_assignment_target_check" check (("school_class_id" is null) <> ("group_id" is null));
alter table "teaching_assignment" add constraint "teaching_assignment_hours_check" check ("hours_per_week" > 0);
-- A student is in at most one class at a time with an open end (a transfer closes the old membership).
create unique index "class_membership_open_unique" on "class_membership" ("student_id") where "to_date" is null;
-- One current link per student and guardian; removed links stay for history.
create unique index "student_guardian_current_unique" on "student_guardian" ("student_id", "guardian_id") where "removed_at" is null;

-- R-SEC-3: who takes part in a student's education, derived from roles and assignments; every
-- query that lists students or shows personal data filters through this view.
--   ADMINISTRATION: admin, director or deputy of the student's school
--   CLASS_TEACHER:  leads a class the student is or was in
--   TEACHER:        teaches (teaching assignment) a class or group the student is or was in
--   SELF:           the student's own account
--   GUARDIAN:       a guardian with a current link
create view "student_access" as
  select ra.user_id, s.id as student_id, 'ADMINISTRATION'::text as reason
    from student s join role_assignment ra on ra.school_id = s.school_id and ra.role in ('ADMIN', 'DIRECTOR', 'DEPUTY')
  union
  select st.user_id, cm.student_id, 'CLASS_TEACHER'
    from class_membership cm join school_class c on c.id = cm.school_class_id join staff st on st.id = c.class_teacher_id
  union
  select st.user_id, cm.student_id, 'TEACHER'
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join class_membership cm on cm.school_class_id = ta.school_class_id
  union
  select st.user_id, gm.student_id, 'TEACHER'
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join group_membership gm on gm.group_id = ta.group_id
  union
  select s.user_id, s.id, 'SELF' from student s where s.user_id is not null
  union
  select g.user_id, sg.student_id, 'GUARDIAN'
    from student_guardian sg join guardian g on g.id = sg.guardian_id
   where sg.removed_at is null and g.user_id is not null;
`;
