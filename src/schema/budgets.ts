import { defaultFieldResolver, GraphQLError, GraphQLSchema } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ErrorCode } from './errors';

/*
 * Time budgets per kind of work (issue 9 §1). An operation that runs out of its budget ends with
 * RATE_LIMITED, reason TIME_BUDGET_EXCEEDED and `budget` naming the kind: the server's time
 * allowance for one request is used up (retry later, or ask for less), which is neither bad input
 * nor a server fault.
 *
 * - interactive (queries and mutations, 5 s): every database connection of the server's pool
 *   starts with `statement_timeout` = this budget (the `options` startup parameter: no statement
 *   per request), so a statement waiting on a lock or scanning too long is cancelled by PostgreSQL
 *   (SQLSTATE 57014) and its transaction rolls back. Root query fields are also raced against the
 *   budget (a query changes nothing, so answering before its work ends is safe); mutations are
 *   never raced: they end when their statement is cancelled, so a reported failure never commits.
 * - report (root fields listed in REPORT_FIELDS, 30 s): raced against the report budget; their
 *   SQL runs through `withReportBudget`, which raises `statement_timeout` for its transaction only.
 * - subscription-event (per event, 5 s): each event's execution is raced against it.
 * - jobs and migrations: none. Migrations and seeding run on a connection without the timeout
 *   (main.ts); background jobs lift it for their transactions with `withoutStatementTimeout`.
 */

export type BudgetKind = 'interactive' | 'report' | 'subscription-event';

export interface Budgets { interactiveMs: number; reportMs: number; subscriptionEventMs: number }

/** Root fields that are reports: long aggregate reads with the report budget. One line per report. */
export const REPORT_FIELDS = new Set<string>([
  'Query.auditVerify', // recomputes the hash chain of a school's whole audit trail
]);

/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (or a cancel request). */
export const QUERY_CANCELED = '57014';

export function budgetError(budget: BudgetKind, ms: number): GraphQLError {
  return new GraphQLError(`The ${budget} time budget of ${ms} ms was exceeded; nothing was changed. Retry later or ask for less`, {
    extensions: { code: ErrorCode.RATE_LIMITED, reason: 'TIME_BUDGET_EXCEEDED', budget, limitMs: ms },
  });
}

/** True when `error` (or what it wraps) is a statement cancelled by PostgreSQL. */
export function isCancelledStatement(error: unknown): boolean {
  for (let e = error as { code?: unknown; originalError?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === QUERY_CANCELED) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Deadlines shared by every operation whose budget ends in the same 10 ms: one timer each, not one
 * per operation (a batch of live events starts thousands of executions at once; a timer and a
 * closure per execution cost more than the execution's own fields). A deadline holds the callbacks
 * of the operations still running, and an operation takes its own out when it settles. Not
 * `Promise.race` with a shared promise: that leaves a reaction on the shared promise per operation
 * until its timer fires, which keeps every result alive for the whole budget — measured, 300 MB of
 * class journal pages held for 5 s at 45 pages/s.
 */
const deadlines = new Map<number, Set<() => void>>();
const DEADLINE_GRAIN_MS = 10;

/** Calls `onTimeout` at least `ms` from now unless the returned function is called first. */
function atDeadline(ms: number, onTimeout: () => void): () => void {
  const at = Math.ceil((Date.now() + ms) / DEADLINE_GRAIN_MS) * DEADLINE_GRAIN_MS;
  let waiting = deadlines.get(at);
  if (!waiting) {
    const created = new Set<() => void>();
    waiting = created;
    deadlines.set(at, created);
    setTimeout(() => {
      deadlines.delete(at);
      for (const f of created) f();
    }, at - Date.now()).unref();
  }
  const set = waiting;
  set.add(onTimeout);
  return () => { set.delete(onTimeout); };
}

/** `work`, or the budget error of its kind when it has not settled within `ms`. */
function race<T>(work: Promise<T>, ms: number, budget: BudgetKind): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = atDeadline(ms, () => reject(budgetError(budget, ms)));
    work.then((v) => { cancel(); resolve(v); }, (e: unknown) => { cancel(); reject(e); });
  });
}

/** How many operations wait on a deadline now (tests: none once they have settled). */
export function pendingDeadlines(): number {
  let n = 0;
  for (const set of deadlines.values()) n += set.size;
  return n;
}

/**
 * Wraps the root fields of `schema` with their budget: queries and reports are raced, subscription
 * events are raced per event, mutations are not (see above); a cancelled statement becomes the
 * budget error of its kind everywhere.
 */
export function applyTimeBudgets(schema: GraphQLSchema, budgets: Budgets): void {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  for (const type of roots) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const key = `${type.name}.${field.name}`;
      const kind: BudgetKind = REPORT_FIELDS.has(key) ? 'report' : type === schema.getSubscriptionType() ? 'subscription-event' : 'interactive';
      const ms = kind === 'report' ? budgets.reportMs : kind === 'subscription-event' ? budgets.subscriptionEventMs : budgets.interactiveMs;
      const raced = type !== schema.getMutationType();
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = async (...args) => {
        try {
          const work = Promise.resolve(resolve(...args));
          return await (raced ? race(work, ms, kind) : work);
        } catch (e) {
          if (isCancelledStatement(e)) throw budgetError(kind, ms);
          throw e;
        }
      };
    }
  }
}

/** Runs `fn` in a transaction whose statements may take the report budget (not the pool's). */
export async function withReportBudget<T>(em: EntityManager, reportMs: number, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(async (tx) => {
    await tx.execute(`select set_config('statement_timeout', ?, true)`, [String(reportMs)]);
    return fn(tx);
  });
}

/** Lifts the statement timeout for the current transaction of `em` (background jobs: no budget). */
export async function withoutStatementTimeout(em: EntityManager): Promise<void> {
  await em.execute(`select set_config('statement_timeout', '0', true)`);
}
