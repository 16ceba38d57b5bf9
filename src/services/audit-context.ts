import { AsyncLocalStorage } from 'node:async_hooks';
import { inScope } from '../db/async-scope';

/** Who is acting, recorded with every change (R-SEC-5). */
export interface AuditActor {
  actorId: string | null;
  actorLogin: string | null;
  sessionId: string | null;
  ip: string | null;
  /** mutation name, or the name of a system job */
  operation: string;
}

const storage = new AsyncLocalStorage<AuditActor>();

/** Runs `fn` with `actor` attached to every change it flushes (a scope of `db/async-scope`). */
export function runAsActor<T>(actor: AuditActor, fn: () => T | Promise<T>): Promise<T> {
  return inScope(() => storage.run(actor, fn));
}

export function currentActor(): AuditActor | undefined {
  return storage.getStore();
}

/** Actor for changes made by the system itself (migrations' data, seed, scheduled jobs). */
export const systemActor = (operation: string): AuditActor => ({
  actorId: null, actorLogin: null, sessionId: null, ip: null, operation,
});
