import type { FilterQuery } from '@mikro-orm/core';
import { withReportBudget } from '../schema/budgets';
import { rolesOf } from '../permissions/capabilities';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import { hasRole } from '../context';
import { AuditEntry } from '../entities/audit-entry.entity';
import { Role } from '../entities/user.entity';
import { badInput, notFound } from '../schema/errors';
import { fromGlobalId, parseGlobalId } from '../schema/node';
import { Connection, decodeCursor, PageArgs, toConnection } from '../schema/connection';
import type { AuditLogFilter, AuditVerification } from '../schema/audit.types';
import { executeIn, readAuditValues } from '../db/pd-keys';

/** Roles that read a school's audit trail (R-SEC-5). */
export const AUDIT_READER_ROLES: readonly Role[] = rolesOf('canReadAudit');

const GENESIS_HASH = '0'.repeat(64);
const isSeqCursor = (v: unknown): v is string => typeof v === 'string' && /^[1-9][0-9]{0,18}$/.test(v);

/** Reading and verifying the audit trail (R-SEC-5, R-JOUR-10). */
export class AuditService {
  constructor(private readonly config: AppConfig) {}

  /** The school's raw id, when the viewer may read its audit trail; NOT_FOUND otherwise. */
  private readableSchool(ctx: Ctx, schoolGlobalId: string): string {
    const schoolId = fromGlobalId(schoolGlobalId, 'School', 'schoolId');
    if (!hasRole(ctx.viewer, AUDIT_READER_ROLES, schoolId)) throw notFound('School');
    return schoolId;
  }

  /** A page of the school's chain, newest first, keyset-paginated on `seq`. */
  async log(ctx: Ctx, schoolGlobalId: string, filter: AuditLogFilter | null | undefined, page: PageArgs): Promise<Connection<AuditEntry>> {
    const schoolId = this.readableSchool(ctx, schoolGlobalId);
    const after = decodeCursor(page.after, isSeqCursor);
    const where: Record<string, unknown> = { chainId: schoolId };
    if (after) where.seq = { $lt: after };
    if (filter?.entityType) where.entityType = filter.entityType;
    if (filter?.entityId) {
      const parsed = parseGlobalId(filter.entityId);
      if (parsed) {
        if (filter.entityType && filter.entityType !== parsed.type) {
          throw badInput(`"filter.entityId" is an ID of ${parsed.type}, not of ${filter.entityType}`, 'filter.entityId');
        }
        where.entityType = parsed.type;
        where.entityId = parsed.id;
      } else {
        where.entityId = filter.entityId;
      }
    }
    if (filter?.actor) where.actorId = fromGlobalId(filter.actor, 'User', 'filter.actor');
    if (filter?.operation) where.operation = filter.operation;
    if (filter?.action) where.action = filter.action;
    if (filter?.from && filter?.to && filter.from > filter.to) throw badInput('"filter.from" is after "filter.to"', 'filter.from');
    if (filter?.from || filter?.to) {
      where.occurredAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    }
    const rows = await ctx.em.find(AuditEntry, where as FilterQuery<AuditEntry>, {
      orderBy: { seq: 'desc' },
      limit: page.first + 1,
    });
    return toConnection(await this.decrypted(ctx, rows), page.first, (e) => e.seq);
  }

  /**
   * R-SEC-4: the entries with their personal values decrypted (one statement loads the keys of the
   * page), "[erased]" where the key was destroyed. Detached copies: the managed rows keep their
   * ciphertext, so nothing decrypted can ever be written back.
   */
  private async decrypted(ctx: Ctx, rows: AuditEntry[]): Promise<AuditEntry[]> {
    const plain = await readAuditValues(executeIn(ctx.em), rows);
    return rows.map((e, i) => {
      const copy = new AuditEntry();
      Object.assign(copy, {
        id: e.id, chainId: e.chainId, schoolId: e.schoolId, seq: e.seq, occurredAt: e.occurredAt, actorId: e.actorId,
        sessionId: e.sessionId, operation: e.operation, entityType: e.entityType, entityId: e.entityId, action: e.action,
        prevHash: e.prevHash, hash: e.hash,
      }, plain[i]);
      return copy;
    });
  }


  /**
   * Recomputes the school's chain in one statement: every hash against `audit_entry_hash`, every
   * `prev_hash` against the previous entry's hash, seqs 1..n without gaps, and the head kept in
   * `audit_chain` against the last entry. Reports the first broken link.
   *
   * The hash (`audit_entry_hash`, migration 0001) is the lower-case hex SHA-256 of the UTF-8 text
   * `chain_id|seq|prev_hash|occurred_at|school_id|actor_id|actor_login|session_id|ip|operation|entity_type|entity_id|action|changes`:
   * uuids in canonical lower-case form, `seq` in decimal, `occurred_at` as whole microseconds since
   * 1970-01-01 UTC in decimal, a null optional column as the empty string, `actor_login` and `ip` as
   * stored (ciphertext), `action` as its label and `changes` as PostgreSQL's jsonb text (keys by
   * length, then bytewise; ", " and ": " separators; encrypted values as stored). `prev_hash` of the
   * first entry is 64 zeros. `id` (a storage key) and `hash` itself are not hashed.
   */
  async verify(ctx: Ctx, schoolGlobalId: string): Promise<AuditVerification> {
    const schoolId = this.readableSchool(ctx, schoolGlobalId);
    // A report: the whole chain is read, with the report time budget.
    const [row] = await withReportBudget(ctx.em, ctx.config.budgets.reportMs, (em) => em.execute<{
      checked: string; broken_seq: string | null; reason: string | null;
      last_seq: string | null; last_hash: string | null; head_seq: string | null; head_hash: string | null;
    }[]>(
      `with e as (
         select a.seq, a.hash, a.prev_hash, audit_entry_hash(a) as recomputed,
                lag(a.hash) over w as prev_row_hash,
                row_number() over w as rn
           from audit_entry a
          where a.chain_id = ?
         window w as (order by a.seq)
       ),
       broken as (
         select case when seq is distinct from rn then rn else seq end as seq,
                case
                  when seq is null then 'entry has no seq'
                  when seq <> rn then 'entry ' || rn || ' is missing (next entry has seq ' || seq || ')'
                  when hash is distinct from recomputed then 'hash does not match the entry''s content'
                  when prev_hash is distinct from coalesce(prev_row_hash, ?) then 'prev_hash does not match the previous entry''s hash'
                end as reason
           from e
       ),
       first_broken as (select seq, reason from broken where reason is not null order by seq limit 1),
       last_entry as (select seq, hash from e order by seq desc nulls last limit 1)
       select (select count(*) from e)::text as checked,
              fb.seq::text as broken_seq, fb.reason,
              le.seq::text as last_seq, le.hash as last_hash,
              h.last_seq::text as head_seq, h.last_hash as head_hash
         from (select 1) one
         left join first_broken fb on true
         left join last_entry le on true
         left join audit_chain h on h.chain_id = ?`,
      [schoolId, GENESIS_HASH, schoolId],
    ));
    const checkedEntries = Number(row.checked);
    const result = (firstBrokenSeq: string | null, reason: string | null): AuditVerification =>
      ({ ok: firstBrokenSeq === null && reason === null, checkedEntries, firstBrokenSeq, reason });
    if (row.reason) return result(row.broken_seq, row.reason);
    // The links are intact; the head must point at the last entry (a cut-off tail leaves no gap).
    if (row.head_seq === null) {
      return row.last_seq === null ? result(null, null) : result('1', 'the chain head is missing');
    }
    if (row.last_seq === null || BigInt(row.head_seq) > BigInt(row.last_seq)) {
      const missing = row.last_seq === null ? '1' : String(BigInt(row.last_seq) + 1n);
      return result(missing, `entry ${missing} is missing (the chain head is at seq ${row.head_seq})`);
    }
    if (row.head_seq !== row.last_seq || row.head_hash !== row.last_hash) {
      return result(row.last_seq, 'the chain head does not match the last entry');
    }
    return result(null, null);
  }
}
