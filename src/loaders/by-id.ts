import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { boundRows } from '../db/bound';
import { leanRow, tableOf } from '../db/lean';

/**
 * Batches reads by id of one entity class into one bound-parameter statement per tick, as lean rows
 * (src/db/lean.ts: read-only, no identity map); results in key order. Writes load their entities in
 * their own transaction's EntityManager, never from a loader.
 */
export function byIdLoader<T extends { id: string }>(em: EntityManager, cls: new (...args: never[]) => T) {
  return new DataLoader<string, T | null>(async (ids) => {
    const map = await leanByIds(em, cls, ids);
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** The rows of these ids (those that exist) as lean rows, by id, in one bound-parameter statement. */
export async function leanByIds<T extends { id: string }>(em: EntityManager, cls: new (...args: never[]) => T, ids: readonly string[]): Promise<Map<string, T>> {
  const rows = await boundRows<Record<string, unknown>>(em, `select * from "${tableOf(cls)}" where id = any(?::uuid[])`, [`{${ids.join(',')}}`]);
  return new Map(rows.map((r) => [String(r.id), leanRow(cls, r)]));
}
