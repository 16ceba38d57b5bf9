import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-DIARY-3: the event log is kept a configured number of days (EVENTS_RETENTION_DAYS), not for
 * ever. `outbox_prune(before)` deletes the oldest numbered events, always a prefix in cursor order,
 * and records in `outbox_head.pruned_through` the last cursor deleted: a cursor below it has lost
 * events and is refused as expired; one at or above it replays everything after it.
 *
 * The append-only trigger lets exactly this through: a DELETE while outbox_prune() runs (a
 * transaction-local flag it sets and clears) of a numbered event at or below `pruned_through`.
 * Every other UPDATE or DELETE is still refused. `outbox_head` only moves forward: `last_seq` to
 * the last event numbered, `pruned_through` only through outbox_prune(). These guard against
 * mistakes, not against the table's owner, who can disable a trigger anyway.
 */
export class Migration0017OutboxRetention extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
alter table "outbox_head" add column "pruned_through" bigint not null default 0,
  add constraint "outbox_head_pruned_through_check" check ("pruned_through" between 0 and "last_seq");

create or replace function outbox_event_reject_change() returns trigger language plpgsql as $f$
begin
  -- outbox_sequence(): numbering an event once, nothing else changed
  if tg_op = 'UPDATE' and old.seq is null and new.seq is not null
     and (to_jsonb(old) - 'seq') = (to_jsonb(new) - 'seq') then
    return new;
  end if;
  -- outbox_prune(): a numbered event at or below the cursor it has already recorded as pruned
  if tg_op = 'DELETE' and current_setting('otmetka.outbox_prune', true) = 'on' and old.seq is not null
     and old.seq <= (select h.pruned_through from outbox_head h where h.id = 1) then
    return old;
  end if;
  raise exception 'outbox_event is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end
$f$;

create function outbox_head_forward_only() returns trigger language plpgsql as $f$
begin
  if tg_op = 'DELETE' then
    raise exception 'outbox_head keeps its row: DELETE is not allowed' using errcode = 'insufficient_privilege';
  end if;
  if new.id <> old.id or new.last_seq < old.last_seq or new.pruned_through < old.pruned_through then
    raise exception 'outbox_head only moves forward' using errcode = 'insufficient_privilege';
  end if;
  -- outbox_sequence() moves last_seq to the event it has just numbered last: never past it (a gap)
  if new.last_seq <> old.last_seq and new.last_seq is distinct from (select max(e.seq) from outbox_event e) then
    raise exception 'outbox_head.last_seq follows the numbering of outbox_sequence() only' using errcode = 'insufficient_privilege';
  end if;
  if new.pruned_through <> old.pruned_through and current_setting('otmetka.outbox_prune', true) is distinct from 'on' then
    raise exception 'outbox_head.pruned_through is moved by outbox_prune() only' using errcode = 'insufficient_privilege';
  end if;
  return new;
end
$f$;
create trigger outbox_head_forward_only before update or delete on outbox_head for each row execute function outbox_head_forward_only();

-- Deletes at most max_rows of the oldest numbered events, the longest run in cursor order that all
-- occurred before \`before\`, and returns how many; null when another prune holds the lock (it does
-- the work). Events not yet numbered (seq null) are never touched, nor is last_seq, so numbering
-- continues gaplessly. Reads at most max_rows index entries per call.
create function outbox_prune(before timestamptz, max_rows int default 5000) returns bigint language plpgsql as $f$
declare
  through bigint;
  target bigint;
  n bigint;
begin
  if not pg_try_advisory_xact_lock(hashtext('otmetka.outbox_prune')) then
    return null;
  end if;
  select h.pruned_through into through from outbox_head h where h.id = 1;
  with w as (
    select e.seq, e.occurred_at from outbox_event e where e.seq > through order by e.seq limit max_rows
  )
  select coalesce((select min(w.seq) - 1 from w where w.occurred_at >= before), (select max(w.seq) from w), through)
    into target;
  if target <= through then
    return 0;
  end if;
  -- the head row lock also waits for (and then holds off) outbox_sequence() until commit: one batch
  perform set_config('otmetka.outbox_prune', 'on', true);
  update outbox_head set pruned_through = target where id = 1;
  delete from outbox_event where seq > through and seq <= target;
  get diagnostics n = row_count;
  perform set_config('otmetka.outbox_prune', '', true);
  return n;
end
$f$;
`;

export const outboxRetentionMigrations: MigrationObject[] = [
  { name: '0017-outbox-retention', class: Migration0017OutboxRetention },
];
