import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { PdCategory, PdSubject } from './personal-data';

/**
 * Crypto-shredding of personal data in the audit trail (R-SEC-4, R-SEC-5, R-SEC-8): AES-256-GCM
 * (node's built-in `crypto`) with one key per data subject and category, kept in `pd_key`, outside
 * the hash chain. Destroying a key makes every value encrypted with it unreadable for good, while
 * the chain, which hashes the ciphertext, still verifies.
 *
 * An encrypted value is the text `pd1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`; the plaintext
 * is the value's JSON. Keys are created by the database (`pd_key_new()`) and read into memory only
 * for one flush or one page of the trail: they never travel as query parameters and never appear
 * in messages.
 */

/** What a reader sees in place of a value whose key was destroyed. */
export const ERASED = '[erased]';
/** What a reader sees in place of a value that does not decrypt (tampered; `auditVerify` reports it). */
export const UNREADABLE = '[unreadable]';

const PREFIX = 'pd1';
const FORMAT = /^pd1:([1-9][0-9]{0,18}):([A-Za-z0-9_-]+)$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Runs SQL in the caller's transaction. */
export type Execute = <T = Record<string, unknown>>(sql: string, params: unknown[]) => Promise<T[]>;

/** `Execute` on an EntityManager, inside its transaction when it has one. */
export const executeIn = (em: EntityManager): Execute => (sql, params) =>
  em.getConnection().execute(sql, params, 'all', em.getTransactionContext()) as Promise<never>;

interface LiveKey { id: string; key: Buffer }

/**
 * Each encryption's IV: the next 12 bytes of random data drawn 4 KiB at a time (a flush of 30
 * audit entries encrypts 60 values), never handed out twice.
 */
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * 341);
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES);
  ivAt += IV_BYTES;
  return iv;
}
const keyOf = (s: PdSubject, c: PdCategory) => `${s.type}|${s.id}|${c}`;

/** Whether a stored value is an encrypted one. */
export const isEncrypted = (v: unknown): v is string => typeof v === 'string' && FORMAT.test(v);

/** A live key read by the caller's transaction, with whose it is. */
export interface ReadKey { subject: PdSubject; category: PdCategory; id: string; key: Buffer }

/** Live keys a transaction has read already, by its EntityManager (see `primeKeys`). */
const primed = new WeakMap<object, ReadKey[]>();

/**
 * Hands keys a transaction read with a statement it ran anyway (a journal write reads its actor's
 * key with its checks) to the audit of that transaction's flushes, which then reads them no more.
 * Only for keys read live (`destroyed_at is null`) in the same transaction as the flush.
 */
export function primeKeys(em: object, keys: ReadKey[]): void {
  primed.set(em, [...(primed.get(em) ?? []), ...keys]);
}

/** Live keys for the values of one flush: `prepare` loads (or creates) them, `encrypt` uses them. */
export class PdKeyring {
  private readonly keys = new Map<string, LiveKey>();

  /** `primed`: the flushing transaction's EntityManager, whose keys read already are used (see `primeKeys`). */
  constructor(private readonly execute: Execute, primedBy?: object) {
    for (const k of (primedBy && primed.get(primedBy)) ?? []) this.keys.set(keyOf(k.subject, k.category), { id: k.id, key: k.key });
  }

  /** Loads the live keys of `needs`, creating those that do not exist yet: two statements at most each way. */
  async prepare(needs: { subject: PdSubject; category: PdCategory }[]): Promise<void> {
    const wanted = new Map<string, { subject: PdSubject; category: PdCategory }>();
    for (const n of needs) if (!this.keys.has(keyOf(n.subject, n.category))) wanted.set(keyOf(n.subject, n.category), n);
    if (wanted.size === 0) return;
    await this.load([...wanted.values()]);
    const missing = [...wanted.entries()].filter(([k]) => !this.keys.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, n]) => n);
    if (missing.length === 0) return;
    // Sorted, so two transactions creating keys of the same subjects take their turns without deadlock.
    await this.execute(
      `insert into pd_key (subject_type, subject_id, category) values ${missing.map(() => '(?, ?::uuid, ?::pd_category)').join(', ')}
        on conflict (subject_type, subject_id, category) where destroyed_at is null do nothing`,
      missing.flatMap((n) => [n.subject.type, n.subject.id, n.category]));
    await this.load(missing);
    const still = missing.find((n) => !this.keys.has(keyOf(n.subject, n.category)));
    if (still) throw new Error(`No personal-data key for ${still.subject.type} ${still.subject.id} (${still.category})`);
  }

  private async load(list: { subject: PdSubject; category: PdCategory }[]): Promise<void> {
    const rows = await this.execute<{ id: string; subject_type: string; subject_id: string; category: PdCategory; key: Buffer }>(
      `select id::text as id, subject_type, subject_id::text as subject_id, category::text as category, key from pd_key
        where destroyed_at is null and (subject_type, subject_id, category) in (${list.map(() => '(?, ?::uuid, ?::pd_category)').join(', ')})`,
      list.flatMap((n) => [n.subject.type, n.subject.id, n.category]));
    for (const r of rows) this.keys.set(keyOf({ type: r.subject_type, id: r.subject_id }, r.category), { id: r.id, key: r.key });
  }

  /** The value (any JSON value but null) encrypted with the subject's key of the category; `prepare` it first. */
  encrypt(subject: PdSubject, category: PdCategory, value: unknown): string {
    const live = this.keys.get(keyOf(subject, category));
    if (!live) throw new Error(`Personal-data key of ${subject.type} ${subject.id} (${category}) was not prepared`);
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', live.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${PREFIX}:${live.id}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `${PREFIX}:${live.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }
}

/**
 * Decrypts stored values: `load` the keys of the values once (one statement), then `decrypt` each.
 * Values that are not encrypted (entries written before encryption began) pass unchanged.
 */
export class PdReader {
  private readonly keys = new Map<string, Buffer | null>();

  constructor(private readonly execute: Execute) {}

  async load(values: Iterable<unknown>): Promise<void> {
    const ids = new Set<string>();
    for (const v of values) {
      if (!isEncrypted(v)) continue;
      const id = FORMAT.exec(v)![1];
      if (!this.keys.has(id)) ids.add(id);
    }
    if (ids.size === 0) return;
    const list = [...ids];
    const rows = await this.execute<{ id: string; key: Buffer | null }>(
      `select id::text as id, key from pd_key where id in (${list.map(() => '?').join(', ')})`, list);
    for (const id of list) this.keys.set(id, null);
    for (const r of rows) this.keys.set(r.id, r.key);
  }

  /** The plain value; ERASED when its key was destroyed. */
  decrypt(value: unknown): unknown {
    if (!isEncrypted(value)) return value;
    const [, id, data] = FORMAT.exec(value)!;
    const key = this.keys.get(id);
    if (!key) return ERASED;
    try {
      const raw = Buffer.from(data, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${PREFIX}:${id}`));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(plain);
    } catch {
      // Never the key or the ciphertext in a message: the reader sees a marker.
      return UNREADABLE;
    }
  }
}

/** The values of an audit entry that may be encrypted: the actor's login and address, the before/after of its changes. */
export interface AuditValues {
  actorLogin?: unknown;
  ip?: unknown;
  changes: Record<string, { before: unknown; after: unknown }> | null | undefined;
}

/**
 * R-SEC-4, R-SEC-5: the audit values of `entries` as readers see them — decrypted, "[erased]" where
 * the key was destroyed — with the keys of all of them loaded in one statement.
 */
export async function readAuditValues(execute: Execute, entries: readonly AuditValues[]): Promise<AuditValues[]> {
  const reader = new PdReader(execute);
  await reader.load(entries.flatMap((e) => [e.actorLogin, e.ip, ...Object.values(e.changes ?? {}).flatMap((c) => [c?.before, c?.after])]));
  return entries.map((e) => ({
    actorLogin: reader.decrypt(e.actorLogin ?? null),
    ip: reader.decrypt(e.ip ?? null),
    changes: e.changes && Object.fromEntries(Object.entries(e.changes).map(([k, c]) =>
      [k, c && typeof c === 'object' ? { before: reader.decrypt(c.before), after: reader.decrypt(c.after) } : c])),
  }));
}

/**
 * Destroys the live keys of a subject in the given categories (within the caller's transaction):
 * every value encrypted with them reads ERASED from the commit on. Returns how many were destroyed.
 */
export async function destroyKeys(execute: Execute, subject: PdSubject, categories: readonly PdCategory[], at: Date): Promise<number> {
  if (categories.length === 0) return 0;
  const rows = await execute<{ id: string }>(
    `update pd_key set key = null, destroyed_at = ? where subject_type = ? and subject_id = ?::uuid and destroyed_at is null
        and category in (${categories.map(() => '?::pd_category').join(', ')}) returning id::text as id`,
    [at, subject.type, subject.id, ...categories]);
  return rows.length;
}
