import { AsyncLocalStorage } from 'node:async_hooks';
import { RawQueryFragment, TransactionContext, UnitOfWork } from '@mikro-orm/core';

/**
 * Scopes for AsyncLocalStorage, so that the process runs without promise hooks between writes.
 *
 * On Node 20 an AsyncLocalStorage, from its first `run()`, makes every promise of the process go
 * through promise hooks (to carry the store along), and keeps doing so until every instance in the
 * process is disabled — which nothing does by itself. Measured on the hot reads and on live
 * delivery: some 10% of a read's server CPU and 13 µs of a delivery's 75, for stores no read uses.
 *
 * Here AsyncLocalStorage is used only in scopes that end: the audit actor of a mutation or system
 * job (`runAsActor`), and in MikroORM a transaction's context (`em.transactional`, whose store only
 * the global EntityManager reads — the services work on forks), a flush (`UnitOfWork.commit`) and
 * a raw-fragment cache scope (`RawQueryFragment.run`); the three are wrapped as scopes here.
 * `inScope` counts the scopes open and records every instance enabled inside one; when the last
 * scope ends, those instances are disabled and the hooks go off until the next scope begins.
 * Inside scopes everything is as before. A promise started in a scope and left running past its end
 * would read no store; nothing here does so, and an audited change without an actor is refused
 * loudly (the audit subscriber). On a Node whose AsyncLocalStorage needs no hooks (24) nothing is
 * installed.
 */

type Enable = (this: AsyncLocalStorage<unknown>) => void;
const proto = AsyncLocalStorage.prototype as unknown as { _enable?: Enable };

const storages = new Set<AsyncLocalStorage<unknown>>();
let open = 0;

/** Runs `fn` as a scope: the AsyncLocalStorage stores it sets work until it settles. */
export async function inScope<T>(fn: () => T | Promise<T>): Promise<T> {
  open++;
  try {
    return await fn();
  } finally {
    if (--open === 0) for (const s of storages) s.disable();
  }
}

/** Scopes open, instances recorded and those of them enabled (tests: all 0 enabled between scopes). */
export function scopeState(): { open: number; recorded: number; enabled: number } {
  const enabled = [...storages].filter((s) => (s as unknown as { enabled?: boolean }).enabled).length;
  return { open, recorded: storages.size, enabled };
}

let installed = false;
let active = false;
/** Whether the scopes are in force: on a Node whose AsyncLocalStorage uses promise hooks (20, 22). */
export const asyncScopesActive = (): boolean => active;

/** Installs the scopes (once per process, before the ORM is used). */
export function installAsyncScopes(): void {
  if (installed) return;
  installed = true;
  const enable = proto._enable;
  if (typeof enable !== 'function') return;
  active = true;
  proto._enable = function scopedEnable(this: AsyncLocalStorage<unknown>) {
    if (open > 0) storages.add(this);
    return enable.call(this);
  };
  wrap(TransactionContext as unknown as Record<string, unknown>, 'create');
  wrap(RawQueryFragment as unknown as Record<string, unknown>, 'run');
  wrap(UnitOfWork.prototype as unknown as Record<string, unknown>, 'commit');
}

function wrap(owner: Record<string, unknown>, name: string): void {
  const original = owner[name];
  if (typeof original !== 'function') throw new Error(`MikroORM has no ${name} to scope any more: review db/async-scope.ts`);
  owner[name] = function scoped(this: unknown, ...args: unknown[]) {
    return inScope(() => (original as (...a: unknown[]) => unknown).apply(this, args));
  };
}
