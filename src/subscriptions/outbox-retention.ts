import type { MikroORM } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../schema/errors';
import type { Logger } from '../logger';
import { clock } from '../clock';
import { withoutStatementTimeout } from '../schema/budgets';
import { PeriodicRun } from '../services/periodic';

/** Events deleted per transaction: the head row stays locked (delivery numbering waits) for one batch only. */
export const PRUNE_BATCH = 5000;
/** How often each server process prunes (the first run at start). */
export const PRUNE_POLL_SECONDS = 3600;

const DAY_MS = 24 * 3600 * 1000;

/**
 * A cursor below `outbox_head.pruned_through`: events after it were pruned, so resuming from it would
 * miss some. The client reloads the current state and subscribes live.
 */
export const cursorExpired = () =>
  new GraphQLError('Events after this cursor are no longer kept: refetch the current state (studentDiary, or teacherTimetable for teacherEvents) and subscribe without "after"', {
    extensions: { code: ErrorCode.CONFLICT, reason: 'CURSOR_EXPIRED', field: 'after' },
  });

/** Events that occurred before this instant may be pruned: `retentionDays` whole days before `now`. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

export interface PruneResult {
  /** events deleted by this run */
  deleted: number;
  /** another transaction was pruning (it does the work): this run deleted nothing */
  skipped: boolean;
}

/**
 * R-DIARY-3: deletes the events that occurred before `before`, oldest cursor first, in batches of
 * `batch` (one transaction each), through `outbox_prune()` (migration 0017): events not yet
 * numbered, the numbering and `last_seq` are untouched; `outbox_head.pruned_through` records the
 * last cursor deleted. Safe with several server processes: a transaction-level advisory lock lets
 * one prune at a time, and a second finds nothing left to do.
 */
export async function pruneOutbox(orm: MikroORM, before: Date, batch = PRUNE_BATCH): Promise<PruneResult> {
  let deleted = 0;
  for (;;) {
    const n = await orm.em.fork().transactional(async (em) => {
      await withoutStatementTimeout(em); // a job: no time budget
      const [row] = await em.execute<{ n: string | null }[]>('select outbox_prune(?::timestamptz, ?) as n', [before.toISOString(), batch]);
      return row.n === null ? null : Number(row.n);
    });
    if (n === null) return { deleted, skipped: true };
    deleted += n;
    if (n < batch) return { deleted, skipped: false };
  }
}

export interface OutboxRetentionOptions {
  /** days events are kept; 0 = for ever (the job does not run) */
  retentionDays: number;
  /** seconds between runs of `start()` */
  pollSeconds?: number;
  log?: Logger;
}

/**
 * Keeps the event log to `retentionDays` (EVENTS_RETENTION_DAYS), measured on the school-calendar
 * clock (`clock.now()`, which tests pin). Runs at start and then every `pollSeconds` until `stop()`.
 */
export class OutboxRetentionJob {
  private readonly poll: PeriodicRun;

  constructor(private readonly orm: MikroORM, private readonly options: OutboxRetentionOptions) {
    this.poll = new PeriodicRun(() => this.runOnce(), (options.pollSeconds ?? PRUNE_POLL_SECONDS) * 1000,
      'event log pruning failed; retried at the next poll', options.log);
  }

  /** Starts polling (the first run right away); does not keep the process alive. */
  start(): void {
    if (this.options.retentionDays > 0) this.poll.start();
  }

  /** Stops polling and waits for a run in progress. */
  stop(): Promise<void> {
    return this.poll.stop();
  }

  /** Prunes what is older than the retention at `now`. */
  async runOnce(now: Date = clock.now()): Promise<PruneResult> {
    if (this.options.retentionDays <= 0) return { deleted: 0, skipped: false };
    const result = await pruneOutbox(this.orm, retentionCutoff(now, this.options.retentionDays));
    if (result.deleted > 0) this.options.log?.info({ deleted: result.deleted, retentionDays: this.options.retentionDays }, 'event log pruned');
    return result;
  }
}
