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
  const sql = `select * from "${tableOf(cls)}" where id = any(?::uuid[])`;
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await boundRows<Record<string, unknown>>(em, sql, [`{${ids.join(',')}}`]);
    const map = new Map(rows.map((r) => [String(r.id), leanRow(cls, r)]));
    return ids.map((id) => map.get(id) ?? null);
  });
}
