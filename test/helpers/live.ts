import type { Client as WsClient } from 'graphql-ws';
import type { TestApp } from './app';
import type { EventHub } from '../../src/subscriptions/event-hub';

/**
 * Subscribes and waits until the server has registered the subscription, so an event committed
 * next is live for it (a subscription without a cursor receives only events after it started).
 */
export async function collectLive<T = any>(hub: EventHub, client: WsClient, query: string, variables?: Record<string, unknown>): Promise<Received<T>> {
  const before = hub.registered;
  const r = collect<T>(client, query, variables);
  const started = Date.now();
  while (hub.registered === before && !r.completed) {
    if (Date.now() - started > 5000) throw new Error('subscription not registered within 5 s');
    await new Promise((res) => setTimeout(res, 5));
  }
  return r;
}

/** What a subscription has received so far. */
export interface Received<T = any> {
  data: T[];
  errors: any[];
  completed: boolean;
  unsubscribe(): void;
  /** Resolves once `pred` holds (checked at every message); rejects after `ms`. */
  until(pred: (r: Received<T>) => boolean, ms?: number): Promise<void>;
}

/** Subscribes over graphql-ws and collects every message. */
export function collect<T = any>(client: WsClient, query: string, variables?: Record<string, unknown>): Received<T> {
  const waiters = new Set<() => void>();
  const poke = () => { for (const w of [...waiters]) w(); };
  const r: Received<T> = {
    data: [],
    errors: [],
    completed: false,
    unsubscribe: () => undefined,
    until(pred, ms = 5000) {
      if (pred(r)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${ms} ms; received ${JSON.stringify({ data: r.data, errors: r.errors, completed: r.completed })}`));
        }, ms);
        const check = () => {
          if (!pred(r)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
  r.unsubscribe = client.subscribe({ query, variables }, {
    next: (v: any) => {
      if (v.errors) r.errors.push(...v.errors);
      if (v.data) r.data.push(v.data);
      poke();
    },
    error: (e: any) => {
      r.errors.push(...(Array.isArray(e) ? e : [e]));
      r.completed = true;
      poke();
    },
    complete: () => {
      r.completed = true;
      poke();
    },
  });
  return r;
}

/**
 * Commits one outbox event for `studentIds` (and teacher accounts) the way publishEvent does, in a
 * transaction of its own, optionally held open `holdMs` before COMMIT (to commit out of order).
 */
export async function commitEvent(app: TestApp, schoolId: string, studentIds: string[], opts: { teacherUserIds?: string[]; holdMs?: number; notify?: boolean } = {}): Promise<void> {
  await app.tx(async (sql) => {
    await sql(`insert into outbox_event (school_id, kind, student_ids, teacher_user_ids, date_from, date_to, details)
      values ($1, 'TIMETABLE_CHANGED', $2::uuid[], $3::uuid[], current_date, current_date, '{}')`, [schoolId, studentIds, opts.teacherUserIds ?? []]);
    if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
    if (opts.notify !== false) await sql(`select pg_notify('otmetka_events', '')`);
  });
}
