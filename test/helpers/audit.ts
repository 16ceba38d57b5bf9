import type { TestApp } from './app';
import { type Execute, readAuditValues } from '../../src/db/pd-keys';

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
  const plain = await readAuditValues(execute, rows.map((r) => ({ actorLogin: r.actor_login, ip: r.ip, changes: r.changes })));
  return rows.map((r, i) => {
    const out: Record<string, unknown> = { ...r };
    if ('actor_login' in r) out.actor_login = plain[i].actorLogin;
    if ('ip' in r) out.ip = plain[i].ip;
    if ('changes' in r) out.changes = plain[i].changes;
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
