import type { TestApp } from './app';
import { type Execute, PdReader } from '../../src/db/pd-keys';

/**
 * Rows of `audit_entry` (any select over it) with `actor_login`, `ip` and the values of `changes`
 * decrypted as the audit service shows them ("[erased]" where the key was destroyed): the
 * database holds those as ciphertext (crypto-shredding, R-SEC-4).
 */
export async function plainAudit<R extends Record<string, any> = any>(app: TestApp, sql: string, params: unknown[] = []): Promise<R[]> {
  const rows = await app.sql<R>(sql, params);
  const execute: Execute = (text, ps) => {
    let n = 0;
    return app.sql(text.replace(/\?/g, () => `$${++n}`), ps) as Promise<never>;
  };
  const reader = new PdReader(execute);
  const values: unknown[] = [];
  for (const r of rows) {
    values.push(r.actor_login, r.ip);
    for (const c of Object.values((r.changes ?? {}) as Record<string, { before: unknown; after: unknown }>)) values.push(c?.before, c?.after);
  }
  await reader.load(values);
  return rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    if ('actor_login' in r) out.actor_login = reader.decrypt(r.actor_login);
    if ('ip' in r) out.ip = reader.decrypt(r.ip);
    if (r.changes && typeof r.changes === 'object') {
      out.changes = Object.fromEntries(Object.entries(r.changes as Record<string, { before: unknown; after: unknown }>)
        .map(([k, c]) => [k, { before: reader.decrypt(c.before), after: reader.decrypt(c.after) }]));
    }
    return out as R;
  });
}

/**
 * Tables and rows of the whole database (every table of the public schema, each row as text) that
 * contain `value` (case-insensitive): a dump scan without pg_dump.
 */
export async function findInDatabase(app: TestApp, value: string): Promise<{ table: string; rows: number }[]> {
  const tables = await app.sql<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
  const out: { table: string; rows: number }[] = [];
  for (const { t } of tables) {
    const [{ n }] = await app.sql<{ n: number }>(`select count(*)::int as n from "${t.replace(/"/g, '""')}" x where strpos(lower(x::text), lower($1)) > 0`, [value]);
    if (n > 0) out.push({ table: t, rows: n });
  }
  return out;
}
