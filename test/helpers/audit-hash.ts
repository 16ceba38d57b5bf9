import { createHash } from 'node:crypto';
import type { TestApp } from './app';

/**
 * R-SEC-5: the chain hash of an audit entry, computed in the test with Node's crypto, independently
 * of the database function `audit_entry_hash` (migration 0001) that writes and verifies it. The
 * input, documented in src/services/audit.service.ts, is these columns in this order, each as text,
 * joined with "|", UTF-8, SHA-256, lower-case hex.
 */
export const AUDIT_HASH_INPUT = [
  'chain_id', 'seq', 'prev_hash', 'occurred_at', 'school_id', 'actor_id', 'actor_login', 'session_id', 'ip',
  'operation', 'entity_type', 'entity_id', 'action', 'changes',
] as const;
export type HashedColumn = (typeof AUDIT_HASH_INPUT)[number];

/** Columns of audit_entry deliberately left out of the hash, with the reason. */
export const AUDIT_UNHASHED: Readonly<Record<string, string>> = {
  id: 'storage key drawn from a sequence at insert (not in commit order); the chain orders and links entries by seq',
  hash: 'the output of the hash itself',
};

export const GENESIS_HASH = '0'.repeat(64);

/** A row of `AUDIT_ROWS_SQL`: audit_entry's columns as node-postgres reads them, plus the exact time. */
export interface AuditRow {
  id: string; chain_id: string; school_id: string | null; seq: string | null; occurred_at: Date; occurred_at_iso: string;
  actor_id: string | null; actor_login: string | null; session_id: string | null; ip: string | null;
  operation: string; entity_type: string; entity_id: string; action: string; changes: unknown; changes_text: string;
  prev_hash: string | null; hash: string | null;
}

/**
 * Rows of audit_entry (alias `a`; append a where/order clause). `occurred_at_iso` keeps the
 * microseconds a JS Date drops; `changes_text` is PostgreSQL's own text of the jsonb, to check
 * `jsonbText` against.
 */
export const AUDIT_ROWS_SQL = `select a.*, to_json(a.occurred_at) #>> '{}' as occurred_at_iso, a.changes::text as changes_text from audit_entry a`;

export const auditRows = (app: TestApp, where: string, params: unknown[] = []) =>
  app.sql<AuditRow>(`${AUDIT_ROWS_SQL} ${where}`, params);

/** Microseconds since the Unix epoch of an ISO 8601 time with up to six fractional digits. */
export function epochMicros(iso: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d(?::\d\d){0,2})$/.exec(iso);
  if (!m) throw new Error(`unexpected timestamp ${iso}`);
  const offset = m[3] === 'Z' ? 'Z' : m[3].slice(0, 6).padEnd(6, ':00');
  const ms = Date.parse(`${m[1]}${offset}`);
  if (Number.isNaN(ms) || m[3].length > 6) throw new Error(`unexpected timestamp ${iso}`);
  return BigInt(ms / 1000) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const jsonbString = (s: string) =>
  `"${s.replace(/["\\\u0000-\u001f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
/** jsonb orders an object's keys by length in bytes, then bytewise. */
const jsonbKeyOrder = (a: string, b: string) => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
};

/**
 * PostgreSQL's text of a jsonb value: keys in jsonb order, ", " between items, ": " after keys,
 * strings escaped as JSON with non-ASCII characters kept as they are.
 */
export function jsonbText(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonbString(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a JSON number: ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(', ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort(jsonbKeyOrder).map((k) => `${jsonbString(k)}: ${jsonbText(o[k])}`).join(', ')}}`;
  }
  throw new Error(`not a JSON value: ${typeof v}`);
}

const required = (column: string, v: string | null) => {
  if (v === null) throw new Error(`${column} is null: the trigger always fills it`);
  return v;
};

/** Each hashed column as text; a null optional column is the empty string. */
const ENCODE: Record<HashedColumn, (r: AuditRow) => string> = {
  chain_id: (r) => r.chain_id,
  seq: (r) => required('seq', r.seq),
  prev_hash: (r) => required('prev_hash', r.prev_hash),
  occurred_at: (r) => epochMicros(r.occurred_at_iso).toString(),
  school_id: (r) => r.school_id ?? '',
  actor_id: (r) => r.actor_id ?? '',
  actor_login: (r) => r.actor_login ?? '',
  session_id: (r) => r.session_id ?? '',
  ip: (r) => r.ip ?? '',
  operation: (r) => r.operation,
  entity_type: (r) => r.entity_type,
  entity_id: (r) => r.entity_id,
  action: (r) => r.action,
  changes: (r) => jsonbText(r.changes),
};

/** The text the hash is taken of. */
export const hashInput = (r: AuditRow) => AUDIT_HASH_INPUT.map((c) => ENCODE[c](r)).join('|');

/** The entry's hash, as the chain must hold it. */
export const auditEntryHash = (r: AuditRow) => createHash('sha256').update(hashInput(r), 'utf8').digest('hex');
