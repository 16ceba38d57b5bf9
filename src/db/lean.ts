import { ReferenceKind, type EntityMetadata, type MetadataStorage, type MikroORM, type Platform } from '@mikro-orm/core';

/**
 * Lean rows: plain objects of an entity's class built from SQL rows for reads, without the
 * EntityManager — no identity map, no change tracking, no reference entities. A dated lesson mapped
 * by `em.map` creates about eleven objects (the entity, its helper, a reference entity with a helper
 * per relation); a lean lesson is one object and one small `LeanRef` per relation. The hot reads
 * (the diary, class lists, the teacher timetable and the names their fields load) use them; writes
 * keep the ORM, its audit and its checks, and a lean row refuses to enter a unit of work.
 *
 * A lean row is an instance of the entity class (`instanceof`, the GraphQL type and `globalId`
 * work as for an entity) whose prototype shadows the ORM's property accessors with plain data
 * properties; scalars are converted as the ORM's hydrator converts them (custom types, booleans,
 * timestamps), so a field serialises identically whichever way the row was read
 * (test/lesson-representation.e2e.test.ts compares them).
 */

/** A to-one relation of a lean row: the id, and the row when it was read with it (the read API of the ORM's `Ref`). */
export class LeanRef<T extends object = object> {
  constructor(readonly id: string, private readonly row?: T) {}

  isInitialized(): boolean {
    return this.row !== undefined;
  }

  unwrap(): T {
    if (this.row === undefined) throw new Error(`A lean read did not load ${this.id}: read it through its loader`);
    return this.row;
  }

  getEntity(): T {
    return this.unwrap();
  }

  get $(): T {
    return this.unwrap();
  }
}

type Convert = (value: unknown) => unknown;
interface Column { prop: string; field: string; convert: Convert | null; ref: boolean }
interface Mapper { proto: object; columns: Column[] }

const mappers = new WeakMap<EntityMetadata, Mapper>();
let platform: Platform | undefined;
let metadata: MetadataStorage | undefined;

/** Called once the ORM is initialised (server, tests, seed): lean mapping reads its metadata. */
export function useLeanMetadata(orm: MikroORM): void {
  metadata = orm.getMetadata();
  platform = orm.em.getPlatform();
}

function dateConverter(tz: string | undefined): Convert {
  return (v) => {
    if (v instanceof Date || typeof v === 'number') return v instanceof Date ? v : new Date(v);
    const s = String(v);
    if (!tz || tz === 'local' || s.includes('+') || s.lastIndexOf('-') > 10 || s.endsWith('Z')) return new Date(s);
    return new Date(s + tz);
  };
}

function compile(meta: EntityMetadata): Mapper {
  if (!platform) throw new Error('useLeanMetadata(orm) was not called');
  const p = platform;
  const proto = Object.create(meta.class.prototype) as Record<string, unknown>;
  const columns: Column[] = [];
  for (const prop of meta.props) {
    // Shadows the ORM's accessors on the entity prototype: assignments make plain own properties.
    Object.defineProperty(proto, prop.name, { value: undefined, writable: true, enumerable: false, configurable: true });
    if (prop.persist === false || prop.formula || prop.embedded) continue;
    if (prop.kind === ReferenceKind.SCALAR) {
      const custom = prop.customType;
      let convert: Convert | null = null;
      if (custom) convert = (v) => custom.convertToJSValue(v, p);
      else if (prop.runtimeType === 'boolean') convert = (v) => !!v;
      else if (prop.runtimeType === 'Date' && !p.isNumericProperty(prop)) convert = dateConverter(p.getTimezone());
      columns.push({ prop: prop.name, field: prop.fieldNames[0], convert, ref: false });
    } else if ((prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) && prop.fieldNames.length === 1) {
      columns.push({ prop: prop.name, field: prop.fieldNames[0], convert: null, ref: true });
    } else if (prop.kind === ReferenceKind.MANY_TO_ONE || prop.kind === ReferenceKind.ONE_TO_ONE) {
      throw new Error(`Lean rows do not map ${meta.className}.${prop.name} (a composite or inverse to-one relation)`);
    }
  }
  // The global ID is computed once per row: a page repeats the same lesson behind each of its marks.
  let owner: object | null = meta.class.prototype;
  let globalId: PropertyDescriptor | undefined;
  while (owner && !(globalId = Object.getOwnPropertyDescriptor(owner, 'globalId'))) owner = Object.getPrototypeOf(owner);
  const computeGlobalId = globalId?.get;
  if (computeGlobalId) {
    Object.defineProperty(proto, 'globalId', {
      get(this: { __gid?: string }) { return (this.__gid ??= computeGlobalId.call(this) as string); },
      configurable: true,
    });
  }
  // Any attempt to persist, merge or wrap a lean row fails loudly instead of writing a half-known row.
  Object.defineProperty(proto, '__helper', {
    get() { throw new Error(`A lean ${meta.className} row is read-only: load the entity through the EntityManager to change it`); },
    configurable: true,
  });
  return { proto, columns };
}

function mapperOf(entity: { name: string }): Mapper {
  if (!metadata) throw new Error('useLeanMetadata(orm) was not called');
  const meta = metadata.get(entity.name);
  let m = mappers.get(meta);
  if (!m) mappers.set(meta, (m = compile(meta)));
  return m;
}

/**
 * The SQL row (column names as in the table, e.g. `select l.*`) as a lean instance of `entity`.
 * `related` supplies rows read with it for some relations (e.g. a staff member's account).
 */
export function leanRow<T extends object>(
  entity: new (...args: never[]) => T, row: Record<string, unknown>, related?: Record<string, object>, prefix = '',
): T {
  const { proto, columns } = mapperOf(entity);
  const out = Object.create(proto) as Record<string, unknown>;
  out.__gid = undefined;
  for (const c of columns) {
    const v = row[prefix + c.field];
    if (v === undefined) continue;
    if (v === null) out[c.prop] = null;
    else if (c.ref) out[c.prop] = new LeanRef(String(v), related?.[c.prop]);
    else out[c.prop] = c.convert ? c.convert(v) : v;
  }
  return out as T;
}

/**
 * The select list of an entity's columns from `alias`, each named with `prefix` (for a row read
 * joined to another: `leanRow(entity, row, undefined, prefix)` maps it back).
 */
export function prefixedColumns(entity: { name: string }, alias: string, prefix: string): string {
  return mapperOf(entity).columns.map((c) => `${alias}."${c.field}" as "${prefix}${c.field}"`).join(', ');
}

/** `leanRow` for each row. */
export function leanRows<T extends object>(entity: new (...args: never[]) => T, rows: Record<string, unknown>[]): T[] {
  return rows.map((r) => leanRow(entity, r));
}

/** The table of an entity class (for lean reads written in SQL). */
export function tableOf(entity: { name: string }): string {
  if (!metadata) throw new Error('useLeanMetadata(orm) was not called');
  return metadata.get(entity.name).tableName;
}
