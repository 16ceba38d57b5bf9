import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-DIARY-3: the outbox names what an event concerns generically — `object_type` (a type registered
 * in src/subscriptions/event-registry.ts) and `object_id` — instead of a column per kind of object.
 * Existing rows keep their object: a lesson's, else a control work's, else a timetable entry's id;
 * a lesson event's timetable entry, which the lesson itself refers to, moves into `details`.
 * The append-only trigger is suspended for this one rewrite only.
 */
export class Migration0016EventRegistry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table "outbox_event" add column "object_type" text null, add column "object_id" uuid null;
alter table "outbox_event" disable trigger "outbox_event_append_only";
update "outbox_event" set
  "object_type" = case when "lesson_id" is not null then 'Lesson' when "control_work_id" is not null then 'ControlWork'
                       when "timetable_entry_id" is not null then 'TimetableEntry' end,
  "object_id" = coalesce("lesson_id", "control_work_id", "timetable_entry_id"),
  "details" = case when "lesson_id" is not null and "timetable_entry_id" is not null
                   then "details" || jsonb_build_object('timetableEntryId', "timetable_entry_id") else "details" end
  where "lesson_id" is not null or "control_work_id" is not null or "timetable_entry_id" is not null;
alter table "outbox_event" enable trigger "outbox_event_append_only";
alter table "outbox_event" drop column "lesson_id", drop column "control_work_id", drop column "timetable_entry_id",
  add constraint "outbox_event_object" check (("object_type" is null) = ("object_id" is null));
`);
  }
}

export const eventRegistryMigrations: MigrationObject[] = [
  { name: '0016-event-registry', class: Migration0016EventRegistry },
];
