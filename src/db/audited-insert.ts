import { ReferenceKind, type EntityMetadata, type EntityProperty, type Platform } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry } from '../entities/audit-entry.entity';
import { notAudited } from '../entities';
import { creationEntries, idOf } from './audit.subscriber';
import { boundRows } from './bound';
import { leanRow } from './lean';

/**
 * Bulk creation of rows of one entity type with their audit entries, in one statement, beside the
 * unit of work: for the journal's bulk writes (a lesson's 30 marks), where creating, tracking and
 * flushing 30 entities and 30 audit entities costs several times the database's own work.
 *
 * What is written is what `em.create` + `flush` would write: the entity class's initialisers give
 * the defaults (id, timestamps, flags), the ORM's metadata gives the columns and converts the
 * values as its own inserts do, and the audit entries are the audit subscriber's
 * (`creationEntries`: same `changes`, same chain, personal values and the actor encrypted).
 * test/audited-insert.e2e.test.ts compares both ways field by field. The rows come back as lean
 * rows (`db/lean.ts`): read-only, which is what a mutation's payload needs.
 *
 * The values travel as one JSON bind parameter per table (`json_populate_recordset`, which feeds
 * each string to the column type's input function), so the statement's text does not change with
 * the data and nothing is inlined.
 */

type Data = Record<string, unknown>;
/** A row to create: property names as the entity declares them; to-one relations as ids (or entities, references). */
export type CreateData<T> = { [K in keyof T]?: unknown };

interface Column { prop: EntityProperty; field: string; toOne: boolean; json: boolean }

const columnCache = new WeakMap<EntityMetadata, Column[]>();
function columnsOf(meta: EntityMetadata): Column[] {
  let cols = columnCache.get(meta);
  if (!cols) {
    cols = [];
    for (const prop of meta.props) {
      if (prop.persist === false || prop.formula || prop.embedded || prop.fieldNames?.length !== 1) continue;
      const toOne = prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && !!prop.owner);
      if (prop.kind !== ReferenceKind.SCALAR && !toOne) continue;
      cols.push({ prop, field: prop.fieldNames[0], toOne, json: /^jsonb?$/i.test(prop.columnTypes?.[0] ?? '') });
    }
    columnCache.set(meta, cols);
  }
  return cols;
}

/** A value as its column receives it: what the ORM's insert would bind, in a form JSON carries. */
function toColumn(platform: Platform, col: Column, value: unknown): unknown {
  if (value == null) return null;
  if (col.toOne) return String(idOf(value));
  // JSON columns take the value itself (a string would be stored as a JSON string); every other
  // custom type its database form, which the column type's input function reads.
  const custom = col.json ? undefined : col.prop.customType;
  const v = custom ? custom.convertToDatabaseValue(value, platform) : value;
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) throw new Error(`insertAudited does not write binary columns (${col.field})`);
  return v;
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** `insert into T (cols) select cols from json_populate_recordset(null::T, ?::json)` for the columns the rows set. */
function insertSql(platform: Platform, meta: EntityMetadata, rows: readonly Data[]): { sql: string; json: string; dbRows: Data[] } {
  const all = columnsOf(meta);
  const cols = all.filter((c) => rows[0][c.prop.name] !== undefined);
  const dbRows = rows.map((r, i) => {
    const out: Data = {};
    for (const c of all) {
      const v = r[c.prop.name];
      if (v === undefined) {
        if (cols.includes(c)) throw new Error(`${meta.className} row ${i} lacks ${c.prop.name}, which row 0 sets`);
        continue;
      }
      if (!cols.includes(c)) throw new Error(`${meta.className} row ${i} sets ${c.prop.name}, which row 0 does not`);
      out[c.field] = toColumn(platform, c, v);
    }
    return out;
  });
  const list = cols.map((c) => quote(c.field)).join(', ');
  const table = quote(meta.tableName);
  return { sql: `insert into ${table} (${list}) select ${list} from json_populate_recordset(null::${table}, ?::json)`, json: JSON.stringify(dbRows), dbRows };
}

/**
 * Creates `rows` of `entity` and their audit entries in `em`'s transaction, in one statement, and
 * returns them as lean rows (with `related` rows for relations the caller already holds). Every row
 * must set the same properties; defaults are the class's initialisers. Entities reached by their
 * school through another relation are refused (the flush resolves those).
 */
export async function insertAudited<T extends object>(
  em: EntityManager, entity: new () => T, rows: readonly CreateData<T>[], related?: Record<string, object>,
): Promise<T[]> {
  if (!rows.length) return [];
  const meta = em.getMetadata().get(entity.name);
  const platform = em.getPlatform();
  const pk = meta.primaryKeys[0];
  // The class's initialisers (a fresh id, timestamps, flags) under the given values.
  const full = rows.map((r) => Object.assign(Object.assign({}, new entity()) as Data, r) as Data);
  for (const r of full) if (r[pk] == null) throw new Error(`insertAudited needs ${meta.className} keys known before insert`);
  const rowsInsert = insertSql(platform, meta, full);
  let sql = rowsInsert.sql;
  const params: unknown[] = [rowsInsert.json];
  if (!notAudited.has(meta.className)) {
    const entries = await creationEntries(em, meta, full.map((data) => ({ id: String(data[pk]), data })));
    const auditMeta = em.getMetadata().get(AuditEntry.name);
    const audit = insertSql(platform, auditMeta, entries as unknown as Data[]);
    // The audit entries in the statement of the rows: a data-modifying WITH runs whether read or not.
    sql = `with created as (${sql}) ${audit.sql}`;
    params.push(audit.json);
  }
  await boundRows(em, sql, params);
  return rowsInsert.dbRows.map((r) => leanRow(entity, r, related));
}
