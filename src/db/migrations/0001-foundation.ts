import { Migration } from '@mikro-orm/migrations';

/** Accounts, sessions, roles, the audit trail and the school-year structure. */
export class Migration0001Foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create type "audit_action" as enum ('CREATE', 'UPDATE', 'DELETE');
create type "grading_system_kind" as enum ('FIVE_POINT', 'PASS_FAIL', 'TEN_POINT', 'CUSTOM');
create type "study_period_kind" as enum ('QUARTER', 'TRIMESTER', 'HALF_YEAR', 'YEAR');
create type "role" as enum ('ADMIN', 'DIRECTOR', 'DEPUTY', 'TEACHER', 'STUDENT', 'PARENT', 'ANALYST');
create type "token_kind" as enum ('ACCESS', 'REFRESH');
create table "audit_entry" ("id" bigserial primary key, "chain_id" uuid not null, "school_id" uuid null, "seq" bigint null, "occurred_at" timestamptz not null, "actor_id" uuid null, "actor_login" text null, "session_id" uuid null, "ip" text null, "operation" text not null, "entity_type" text not null, "entity_id" text not null, "action" "audit_action" not null, "changes" jsonb not null, "prev_hash" text null, "hash" text null);
create index "audit_entry_actor_id_index" on "audit_entry" ("actor_id");
create index "audit_entry_entity_type_entity_id_index" on "audit_entry" ("entity_type", "entity_id");

create table "login_attempt" ("id" bigserial primary key, "login" text not null, "ip" text not null, "at" timestamptz not null, "success" boolean not null);
create index "login_attempt_ip_at_index" on "login_attempt" ("ip", "at");
create index "login_attempt_login_at_index" on "login_attempt" ("login", "at");

create table "school" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" text not null, "time_zone" text not null, constraint "school_pkey" primary key ("id"));

create table "grading_system" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "name" text not null, "kind" "grading_system_kind" not null, constraint "grading_system_pkey" primary key ("id"));
alter table "grading_system" add constraint "grading_system_school_id_name_unique" unique ("school_id", "name");

create table "grading_value" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "grading_system_id" uuid not null, "code" text not null, "label" text not null, "numeric_value" double precision null, "passing" boolean not null, "final_only" boolean not null default false, "position" smallint not null, constraint "grading_value_pkey" primary key ("id"));
alter table "grading_value" add constraint "grading_value_grading_system_id_code_unique" unique ("grading_system_id", "code");

create table "academic_year" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "name" text not null, "start_date" date not null, "end_date" date not null, constraint "academic_year_pkey" primary key ("id"));
alter table "academic_year" add constraint "academic_year_school_id_name_unique" unique ("school_id", "name");

create table "holiday" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "name" text not null, "start_date" date not null, "end_date" date not null, "grades" smallint[] null, constraint "holiday_pkey" primary key ("id"));
create index "holiday_academic_year_id_index" on "holiday" ("academic_year_id");

create table "study_period" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "school_id" uuid not null, "academic_year_id" uuid not null, "name" text not null, "kind" "study_period_kind" not null, "grades" smallint[] not null, "start_date" date not null, "end_date" date not null, "final_mark_deadline" date not null, constraint "study_period_pkey" primary key ("id"));
create index "study_period_academic_year_id_index" on "study_period" ("academic_year_id");

create table "app_user" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "login" text not null, "password_hash" text not null, "last_name" text not null, "first_name" text not null, "middle_name" text null, "must_change_password" boolean not null default false, "blocked_at" timestamptz null, "blocked_reason" text null, constraint "app_user_pkey" primary key ("id"));
alter table "app_user" add constraint "app_user_login_unique" unique ("login");

create table "role_assignment" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "user_id" uuid not null, "school_id" uuid not null, "role" "role" not null, constraint "role_assignment_pkey" primary key ("id"));
alter table "role_assignment" add constraint "role_assignment_user_id_school_id_role_unique" unique ("user_id", "school_id", "role");

create table "auth_session" ("id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "ip" text null, "user_agent" text null, "last_refreshed_at" timestamptz null, "revoked_at" timestamptz null, "revoked_reason" text null, constraint "auth_session_pkey" primary key ("id"));
create index "auth_session_user_id_index" on "auth_session" ("user_id");

create table "auth_token" ("hash" text not null, "session_id" uuid not null, "kind" "token_kind" not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "auth_token_pkey" primary key ("hash"));
create index "auth_token_session_id_index" on "auth_token" ("session_id");

alter table "grading_system" add constraint "grading_system_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;

alter table "grading_value" add constraint "grading_value_grading_system_id_foreign" foreign key ("grading_system_id") references "grading_system" ("id") on update cascade;

alter table "academic_year" add constraint "academic_year_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;

alter table "holiday" add constraint "holiday_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "holiday" add constraint "holiday_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;

alter table "study_period" add constraint "study_period_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;
alter table "study_period" add constraint "study_period_academic_year_id_foreign" foreign key ("academic_year_id") references "academic_year" ("id") on update cascade;

alter table "role_assignment" add constraint "role_assignment_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;
alter table "role_assignment" add constraint "role_assignment_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade;

alter table "auth_session" add constraint "auth_session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade;

alter table "auth_token" add constraint "auth_token_session_id_foreign" foreign key ("session_id") references "auth_session" ("id") on update cascade on delete cascade;

-- Demo seed steps already applied (each applied once).
create table "seed_step" ("name" text primary key, "applied_at" timestamptz not null default now());

-- Foreign keys used for lookups get their own index.
create index "role_assignment_school_id_index" on "role_assignment" ("school_id");
create index "academic_year_school_id_index" on "academic_year" ("school_id");
create index "grading_system_school_id_index" on "grading_system" ("school_id");
create index "auth_token_expires_at_index" on "auth_token" ("expires_at");

alter table "academic_year" add constraint "academic_year_dates_check" check ("start_date" <= "end_date");
alter table "study_period" add constraint "study_period_dates_check" check ("start_date" <= "end_date");
alter table "holiday" add constraint "holiday_dates_check" check ("start_date" <= "end_date");

-- R-SEC-5: the audit trail is append-only and hash-chained per school (chain_id).
create table "audit_chain" ("chain_id" uuid primary key, "last_seq" bigint not null, "last_hash" text not null);

create function audit_entry_hash(e audit_entry) returns text language sql immutable as $f$
  select encode(sha256(convert_to(concat_ws('|',
    e.chain_id::text, e.seq::text, e.prev_hash,
    ((extract(epoch from e.occurred_at) * 1000000)::bigint)::text,
    coalesce(e.school_id::text, ''), coalesce(e.actor_id::text, ''), coalesce(e.actor_login, ''),
    coalesce(e.session_id::text, ''), coalesce(e.ip, ''), e.operation, e.entity_type, e.entity_id,
    e.action::text, e.changes::text), 'UTF8')), 'hex')
$f$;

create function audit_entry_chain() returns trigger language plpgsql as $f$
declare
  head audit_chain%rowtype;
begin
  insert into audit_chain (chain_id, last_seq, last_hash) values (new.chain_id, 0, repeat('0', 64))
    on conflict (chain_id) do nothing;
  -- The row lock serialises writers of one school until commit, so seq has no gaps and the
  -- chain follows commit order.
  select * into head from audit_chain where chain_id = new.chain_id for update;
  new.seq := head.last_seq + 1;
  new.prev_hash := head.last_hash;
  new.hash := audit_entry_hash(new);
  update audit_chain set last_seq = new.seq, last_hash = new.hash where chain_id = new.chain_id;
  return new;
end
$f$;

create trigger audit_entry_chain before insert on audit_entry for each row execute function audit_entry_chain();

create function audit_entry_reject_change() returns trigger language plpgsql as $f$
begin
  raise exception 'audit_entry is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end
$f$;

create trigger audit_entry_append_only before update or delete on audit_entry for each row execute function audit_entry_reject_change();
create trigger audit_entry_no_truncate before truncate on audit_entry for each statement execute function audit_entry_reject_change();
create unique index "audit_entry_chain_seq_unique" on "audit_entry" ("chain_id", "seq");

`;
