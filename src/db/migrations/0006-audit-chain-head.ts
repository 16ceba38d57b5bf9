import { Migration } from '@mikro-orm/migrations';

/**
 * The chain head (audit_chain) was updated once per audit entry: inside one transaction every
 * update leaves a row version the next one must step over, so a transaction writing n entries cost
 * O(n²) (1 000 entries ≈ 0.7 s). Now the head is locked once per transaction, carried in a
 * transaction-local setting while entries are chained, and written once, at commit, by a deferred
 * trigger. Savepoint rollbacks also roll the setting back, so the chain stays gapless.
 */
export class Migration0006AuditChainHead extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create or replace function audit_entry_chain() returns trigger language plpgsql as $f$
declare
  key text := 'otmetka.audit_head_' || replace(new.chain_id::text, '-', '');
  head text := current_setting(key, true);
  prev_seq bigint;
  prev_hash text;
begin
  if head is null or head = '' then
    insert into audit_chain (chain_id, last_seq, last_hash) values (new.chain_id, 0, repeat('0', 64))
      on conflict (chain_id) do nothing;
    -- The row lock serialises writers of one school until commit: seq has no gaps and the chain
    -- follows commit order.
    select last_seq, last_hash into prev_seq, prev_hash from audit_chain where chain_id = new.chain_id for update;
  else
    prev_seq := split_part(head, ':', 1)::bigint;
    prev_hash := split_part(head, ':', 2);
  end if;
  new.seq := prev_seq + 1;
  new.prev_hash := prev_hash;
  new.hash := audit_entry_hash(new);
  perform set_config(key, new.seq || ':' || new.hash, true);
  return new;
end
$f$;

create function audit_chain_write_head() returns trigger language plpgsql as $f$
declare
  head text := current_setting('otmetka.audit_head_' || replace(new.chain_id::text, '-', ''), true);
begin
  -- Only the transaction's last entry of the chain writes the head.
  if head is not null and head <> '' and split_part(head, ':', 1)::bigint = new.seq then
    update audit_chain set last_seq = new.seq, last_hash = new.hash where chain_id = new.chain_id;
  end if;
  return null;
end
$f$;

create constraint trigger audit_entry_chain_head after insert on audit_entry
  deferrable initially deferred for each row execute function audit_chain_write_head();
`;
