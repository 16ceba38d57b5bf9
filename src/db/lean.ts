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
/** `lazy`: the column's place in the row's `__raw` list, for timestamps and relations (see `compile`). */
interface Column { prop: string; field: string; convert: Convert | null; ref: boolean; lazy: number }
interface Mapper { proto: object; columns: Column[]; lazyCount: number }

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
  let lazyCount = 0;
  for (const prop of meta.props) {
    // Shadows the ORM's accessors on the entity prototype: assignments make plain own properties.
    Object.defineProperty(proto, prop.name, { value: undefined, writable: true, enumerable: false, configurable: true });
    if (prop.persist === false || prop.formula || prop.embedded) continue;
    if (prop.kind === ReferenceKind.SCALAR) {
      const custom = prop.customType;
      let convert: Convert | null = null;
      let lazy = -1;
      if (custom) convert = (v) => custom.convertToJSValue(v, p);
      else if (prop.runtimeType === 'boolean') convert = (v) => !!v;
      else if (prop.runtimeType === 'Date' && !p.isNumericProperty(prop)) {
        convert = dateConverter(p.getTimezone());
        lazy = lazyCount++;
      }
      columns.push({ prop: prop.name, field: prop.fieldNames[0], convert, ref: false, lazy });
    } else if ((prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) && prop.fieldNames.length === 1) {
      columns.push({ prop: prop.name, field: prop.fieldNames[0], convert: null, ref: true, lazy: lazyCount++ });
    } else if (prop.kind === ReferenceKind.MANY_TO_ONE || prop.kind === ReferenceKind.ONE_TO_ONE) {
      throw new Error(`Lean rows do not map ${meta.className}.${prop.name} (a composite or inverse to-one relation)`);
    }
  }
  // Timestamps and relations are kept as read (a string) in the row's `__raw` list and become a Date
  // or a LeanRef when first read: a class journal page reads 1,800 marks with four timestamps and
  // seven relations each, and selects hardly any of them. What is read is the same as before.
  for (const c of columns) {
    if (c.lazy < 0) continue;
    const i = c.lazy;
    const make: Convert = c.ref ? (v) => new LeanRef(v as string) : c.convert!;
    Object.defineProperty(proto, c.prop, {
      get(this: { __raw: unknown[] }) {
        const raw = this.__raw;
        const v = raw[i];
        if (typeof v !== 'string') return v;
        return (raw[i] = make(v));
      },
      set(this: { __raw: unknown[] }, v: unknown) {
        this.__raw[i] = v;
      },
      enumerable: false,
      configurable: true,
    });
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
  return { proto, columns, lazyCount };
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
  const { proto, columns, lazyCount } = mapperOf(entity);
  const out = Object.create(proto) as Record<string, unknown>;
  out.__gid = undefined;
  const raw: unknown[] = (out.__raw = new Array(lazyCount).fill(undefined));
  for (const c of columns) {
    const v = row[prefix + c.field];
    if (v === undefined) continue;
    if (v === null) {
      if (c.lazy >= 0) raw[c.lazy] = null;
      else out[c.prop] = null;
    } else if (c.ref) {
      const rel = related?.[c.prop];
      raw[c.lazy] = rel ? new LeanRef(String(v), rel) : String(v);
    } else if (c.lazy >= 0) {
      raw[c.lazy] = typeof v === 'string' ? v : c.convert!(v);
    } else out[c.prop] = c.convert ? c.convert(v) : v;
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
