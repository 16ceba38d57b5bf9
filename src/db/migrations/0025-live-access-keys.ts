import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * The access check of live streams (R-SEC-3, R-DIARY-3; src/subscriptions/live-access.ts) as a
 * PL/pgSQL function, planned once per database connection like the hot reads' (0019, 0024): every
 * event batch checks its subscribers in chunks of 2,000 keys, and the same SQL sent as text was
 * planned for each (about 7 ms of a 30 ms check for 2,000 parents, measured; 24 ms as a function).
 * A stream of the student or a guardian is checked against those two branches of
 * student_access_at first; only the rest need the whole rule.
 */
export class Migration0025LiveAccessKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function live_access_keys(p_staff_roles role[], p_now timestamptz, p_k int[], p_users uuid[], p_sessions uuid[], p_students uuid[])
returns table (k int, live boolean, allowed boolean, roles text, last_seq bigint, pruned_through bigint)
language plpgsql stable as $f$
begin
  return query
    select s.k,
            coalesce((select u.blocked_at is null from app_user u where u.id = s.user_id), false)
              and coalesce((select a.revoked_at is null and a.user_id = s.user_id from auth_session a where a.id = s.session_id), false),
            case when s.student_id is null
                 then exists (select 1 from role_assignment ra where ra.user_id = s.user_id and ra.role = any(p_staff_roles))
                 else exists (select 1 from student_access_at(p_now) sa
                               where sa.user_id = s.user_id and sa.student_id = s.student_id and sa.reason in ('SELF', 'GUARDIAN'))
                   or exists (select 1 from student_access_at(p_now) sa where sa.user_id = s.user_id and sa.student_id = s.student_id) end,
            (select coalesce(json_agg(json_build_object('schoolId', r.school_id, 'role', r.role) order by r.role, r.school_id), '[]')
               from role_assignment r where r.user_id = s.user_id)::text,
            h.last_seq, h.pruned_through
       from unnest(p_k, p_users, p_sessions, p_students) as s(k, user_id, session_id, student_id)
      cross join outbox_head h
      where h.id = 1;
end
$f$;
`);
  }
}

export const liveAccessKeysMigrations: MigrationObject[] = [{ name: '0025-live-access-keys', class: Migration0025LiveAccessKeys }];
