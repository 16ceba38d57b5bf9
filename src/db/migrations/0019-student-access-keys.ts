import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * The per-request access check (R-SEC-3) — which of these (user, student) pairs take part in the
 * student's education now — as a PL/pgSQL function: its query is planned once per database
 * connection and the plan is reused, where the same SQL sent as text was planned on every request
 * (planning `student_access_at()`'s view was about half of its cost). It needs no named prepared
 * statement, so it works the same behind a transaction-pooling PgBouncer.
 */
export class Migration0019StudentAccessKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function student_access_keys(p_now timestamptz, p_users uuid[], p_students uuid[]) returns table (user_id uuid, student_id uuid)
language plpgsql stable as $f$
begin
  return query
    select k.user_id, k.student_id from unnest(p_users, p_students) as k(user_id, student_id)
     where exists (select 1 from student_access_at(p_now) a where a.user_id = k.user_id and a.student_id = k.student_id);
end
$f$;
`);
  }
}

export const studentAccessKeysMigrations: MigrationObject[] = [{ name: '0019-student-access-keys', class: Migration0019StudentAccessKeys }];
