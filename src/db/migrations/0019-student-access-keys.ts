import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * The per-request access check (R-SEC-3) — which of these (user, student) pairs take part in the
 * student's education now — as a PL/pgSQL function: its query is planned once per database
 * connection and the plan is reused, where the same SQL sent as text was planned on every request
 * (planning `student_access_at()`'s view was about half of its cost), and with one viewer (every
 * request) that viewer is a value the planner pushes into the view. It needs no named prepared
 * statement, so it works the same behind a transaction-pooling PgBouncer.
 */
export class Migration0019StudentAccessKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function student_access_keys(p_now timestamptz, p_users uuid[], p_students uuid[]) returns table (user_id uuid, student_id uuid)
language plpgsql stable as $f$
declare
  v_user uuid;
begin
  -- One viewer (every request's case): the user is a value, which the planner pushes into each
  -- branch of the view (that viewer's rows only); a per-row reference instead made it a semi-join
  -- over the whole view (about 10 ms for one parent on the demo school).
  if p_users is not null and cardinality(p_users) > 0 and (select count(distinct u) from unnest(p_users) u) = 1 then
    v_user := p_users[1];
    return query
      select v_user, s.id from unnest(p_students) as s(id)
       where s.id in (select a.student_id from student_access_at(p_now) a where a.user_id = v_user);
    return;
  end if;
  return query
    select k.user_id, k.student_id from unnest(p_users, p_students) as k(user_id, student_id)
     where exists (select 1 from student_access_at(p_now) a where a.user_id = k.user_id and a.student_id = k.student_id);
end
$f$;
`);
  }
}

export const studentAccessKeysMigrations: MigrationObject[] = [{ name: '0019-student-access-keys', class: Migration0019StudentAccessKeys }];
