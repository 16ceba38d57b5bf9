import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * The two statements every hot read runs, as PL/pgSQL functions whose queries are planned once per
 * database connection (then a generic plan is reused), where the same SQL sent as text was planned
 * on every request — most of their PostgreSQL time (measured on the demo school: the session check
 * 0.6 ms of planning for 0.1 ms of execution; the diary week 1.25 ms of planning for 1.0 ms). Like
 * `student_access_keys()` (0019) they need no named prepared statement, so they work the same
 * behind a transaction-pooling PgBouncer.
 *
 * - `auth_sessions_by_hash(hashes)`: the session check of every request (R-SEC-1): per access-token
 *   hash, the token's expiry, its session (revoked?), the account (blocked? must change its
 *   password?) and its roles. Nothing cached: a block, a logout or a role change counts at once.
 * - `student_diary_lessons(now, user, student, from, to, times)`: the diary (R-DIARY-2) — whether the
 *   user takes part in the student's education now (`student_access_keys`); if so, the lessons of the
 *   student's classes and groups by membership on each day and their individual ones, each with its
 *   bell times when `times` (the schedule picked once per distinct class, group, student and day, as
 *   `effective_bell_schedule()` says); one row (ok, null lesson) when there are none, one row (not
 *   ok) for a viewer without access.
 */
export class Migration0024HotReadFunctions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function auth_sessions_by_hash(p_hashes text[])
returns table (hash text, expires_at timestamptz, session_id uuid, revoked_at timestamptz, user_id uuid, login text,
               blocked_at timestamptz, must_change_password boolean, roles json)
language plpgsql stable as $f$
begin
  return query
    select t.hash, t.expires_at, s.id, s.revoked_at, u.id, u.login, u.blocked_at, u.must_change_password,
           coalesce(json_agg(json_build_object('schoolId', r.school_id, 'role', r.role)) filter (where r.id is not null), '[]')
      from auth_token t
      join auth_session s on s.id = t.session_id
      join app_user u on u.id = s.user_id
      left join role_assignment r on r.user_id = u.id
     where t.hash = any(p_hashes) and t.kind = 'ACCESS'
     group by t.hash, s.id, u.id;
end
$f$;
create function student_diary_lessons(p_now timestamptz, p_user uuid, p_student uuid, p_from date, p_to date, p_times boolean)
returns table (ok boolean, lesson lesson, starts_at time, ends_at time)
language plpgsql stable as $f$
begin
  if not exists (select 1 from student_access_keys(p_now, array[p_user], array[p_student])) then
    return query select false, null::lesson, null::time, null::time;
    return;
  end if;
  if p_times then
    return query
      with cls as (select school_class_id as id, greatest(from_date, p_from) as f, least(coalesce(to_date, p_to), p_to) as t
                     from class_membership where student_id = p_student and from_date <= p_to and (to_date is null or to_date >= p_from)),
           grp as (select group_id as id, greatest(from_date, p_from) as f, least(coalesce(to_date, p_to), p_to) as t
                     from group_membership where student_id = p_student and from_date <= p_to and (to_date is null or to_date >= p_from)),
           les as (select l.* from lesson l join cls on l.school_class_id = cls.id and l.date between cls.f and cls.t
                   union
                   select l.* from lesson l join grp on l.group_id = grp.id and l.date between grp.f and grp.t
                   union
                   select l.* from lesson l where l.student_id = p_student and l.date between p_from and p_to),
           picked as (select p.*, effective_bell_schedule(p.year_id, p.class_id, p.group_id, p.student_id, p.pick_day, p.pick_day) as schedule_id
                        from (select distinct l.academic_year_id as year_id, l.school_class_id as class_id, l.group_id, l.student_id,
                                     case when l.student_id is null then null else l.date end as pick_day from les l) p)
      select true, les::lesson, bs.starts_at, bs.ends_at
        from les
        left join picked p on p.year_id = les.academic_year_id and p.class_id is not distinct from les.school_class_id
              and p.group_id is not distinct from les.group_id and p.student_id is not distinct from les.student_id
              and p.pick_day is not distinct from (case when les.student_id is null then null else les.date end)
        left join bell_slot bs on bs.bell_schedule_id = p.schedule_id and bs.lesson_number = les.lesson_number;
  else
    return query
      with cls as (select school_class_id as id, greatest(from_date, p_from) as f, least(coalesce(to_date, p_to), p_to) as t
                     from class_membership where student_id = p_student and from_date <= p_to and (to_date is null or to_date >= p_from)),
           grp as (select group_id as id, greatest(from_date, p_from) as f, least(coalesce(to_date, p_to), p_to) as t
                     from group_membership where student_id = p_student and from_date <= p_to and (to_date is null or to_date >= p_from))
      select true, l, null::time, null::time from lesson l join cls on l.school_class_id = cls.id and l.date between cls.f and cls.t
      union
      select true, l, null::time, null::time from lesson l join grp on l.group_id = grp.id and l.date between grp.f and grp.t
      union
      select true, l, null::time, null::time from lesson l where l.student_id = p_student and l.date between p_from and p_to;
  end if;
  if not found then
    return query select true, null::lesson, null::time, null::time;
  end if;
end
$f$;
`);
  }
}

export const hotReadFunctionMigrations: MigrationObject[] = [{ name: '0024-hot-read-functions', class: Migration0024HotReadFunctions }];
