import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * A school's time zone is read by nearly every request (today's date there decides memberships and
 * access) and changes rarely: server processes keep it in memory. Every change of a school row
 * announces itself on the `otmetka_school` channel with the school's id, delivered at commit to
 * every process, which forgets its copy (src/services/school-zones.ts). Whatever writes the row — a
 * service, a migration, an operator's SQL — the trigger announces it.
 */
export class Migration0018SchoolChangeNotify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create or replace function school_announce_change() returns trigger language plpgsql as $f$
begin
  perform pg_notify('otmetka_school', coalesce(new.id, old.id)::text);
  return null;
end
$f$;

create trigger school_announce_change after update or delete on "school"
  for each row execute function school_announce_change();
`);
  }
}

export const schoolChangeNotifyMigrations: MigrationObject[] = [{ name: '0018-school-change-notify', class: Migration0018SchoolChangeNotify }];
