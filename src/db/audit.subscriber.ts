import {
  ChangeSet, ChangeSetType, EntityManager, EntityMetadata, EntityProperty, EventSubscriber, FlushEventArgs,
  Reference, ReferenceKind, equals, helper,
} from '@mikro-orm/core';
import { AuditAction, AuditEntry, GLOBAL_CHAIN_ID } from '../entities/audit-entry.entity';
import { notAudited } from '../entities';
import { currentActor, type AuditActor } from '../services/audit-context';
import { ACTOR_CATEGORY, ANONYMOUS_SUBJECT, PdCategory, PdSubject, checkPersonalData, personalProps } from './personal-data';
import { PdKeyring, executeIn } from './pd-keys';

const ACTION: Record<ChangeSetType, AuditAction> = {
  [ChangeSetType.CREATE]: AuditAction.CREATE,
  [ChangeSetType.UPDATE]: AuditAction.UPDATE,
  [ChangeSetType.UPDATE_EARLY]: AuditAction.UPDATE,
  [ChangeSetType.DELETE]: AuditAction.DELETE,
  [ChangeSetType.DELETE_EARLY]: AuditAction.DELETE,
};
/** Bookkeeping timestamps: `occurredAt` of the entry already says when. */
const IGNORED_PROPS = new Set(['createdAt', 'updatedAt']);
export const REDACTED = '[redacted]';

type Changes = Record<string, { before: unknown; after: unknown }>;
type Data = Record<string, unknown>;

const isToOne = (prop: EntityProperty) =>
  prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && !!prop.owner);

/** Properties recorded in `changes`: persisted scalars and owning to-one relations (as ids). */
const audited = new WeakMap<EntityMetadata, EntityProperty[]>();
function auditedProps(meta: EntityMetadata): EntityProperty[] {
  let props = audited.get(meta);
  if (!props) {
    props = meta.props.filter((p) =>
      !IGNORED_PROPS.has(p.name) && p.persist !== false && !p.primary && !p.formula && !p.embedded
      && (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.EMBEDDED || isToOne(p)),
    );
    audited.set(meta, props);
  }
  return props;
}

/** A to-one value (entity, Ref, or the primary key itself) as its id. */
export function idOf(value: unknown): unknown {
  if (value == null) return null;
  const target = Reference.isReference(value) ? Reference.unwrapReference(value as Reference<object>) : value;
  if (typeof target !== 'object') return target;
  const pk = helper(target as object).getPrimaryKey(true);
  return Array.isArray(pk) ? pk.map(String) : pk == null ? null : String(pk);
}

/** A JS value as JSON: dates as ISO strings, bigints as decimal strings. */
function toJson(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}

/** A value of the entity itself (JS form). */
const fromEntity = (prop: EntityProperty, value: unknown): unknown => (isToOne(prop) ? idOf(value) : toJson(value));

/** A value of the ORM's snapshot (`originalEntity`), which holds custom types in database form. */
function fromSnapshot(em: EntityManager, prop: EntityProperty, value: unknown): unknown {
  if (value == null) return null;
  if (isToOne(prop)) return Array.isArray(value) ? value.map(String) : String(value);
  if (prop.customType) {
    return toJson(prop.customType.convertToJSValue(value, em.getPlatform(), { force: true } as never));
  }
  return toJson(value);
}

/** The change recorded for a property of a created entity: its value, when it has one. */
function createdChange(out: Changes, prop: EntityProperty, value: unknown): void {
  const after = fromEntity(prop, value);
  if (after !== null) out[prop.name] = { before: null, after: prop.hidden ? REDACTED : after };
}

/**
 * The `changes` of a created row given as data (property names; to-one relations as ids, entities
 * or references), exactly as a flush of the same entity records them (`insertAudited`).
 */
export function creationChanges(meta: EntityMetadata, data: Data): Changes {
  const out: Changes = {};
  for (const prop of auditedProps(meta)) createdChange(out, prop, data[prop.name]);
  return out;
}

function diff(em: EntityManager, cs: ChangeSet<object>): Changes {
  const out: Changes = {};
  // A delete's change set carries no snapshot: the entity's own one is the state in the database.
  const original = (cs.originalEntity ?? helper(cs.entity).__originalEntityData ?? {}) as Data;
  const entity = cs.entity as Data;
  const payload = cs.payload as Data;
  for (const prop of auditedProps(cs.meta)) {
    const key = prop.name;
    // Secrets: the fact of a change is recorded, never the value.
    const show = (v: unknown) => (prop.hidden && v !== null ? REDACTED : v);
    if (cs.type === ChangeSetType.CREATE) {
      createdChange(out, prop, entity[key]);
    } else if (cs.type === ChangeSetType.DELETE || cs.type === ChangeSetType.DELETE_EARLY) {
      // Unloaded lazy properties are unknown: left out rather than reported as null.
      const before = key in original ? fromSnapshot(em, prop, original[key]) : fromEntity(prop, entity[key]);
      if (before !== null) out[key] = { before: show(before), after: null };
    } else if (key in payload) {
      const after = fromEntity(prop, entity[key]);
      if (prop.hidden) {
        const before = key in original ? fromSnapshot(em, prop, original[key]) : REDACTED;
        out[key] = { before: show(before), after: show(after) };
        continue;
      }
      const before = fromSnapshot(em, prop, original[key]);
      if (!equals(before, after)) out[key] = { before, after };
    }
  }
  return out;
}

/** Whose personal data the personal properties of a change are (the entity, or the one it points at). */
function subjectOfData(className: string, entityId: string, data: Data, original?: Data): PdSubject | null {
  const spec = personalProps(className);
  if (!spec) return null;
  if (!spec.subject) return { type: className, id: entityId };
  const id = idOf(data[spec.subject.via] ?? original?.[spec.subject.via]);
  if (id == null || Array.isArray(id)) throw new Error(`Cannot tell whose personal data ${className} ${entityId} holds`);
  return { type: spec.subject.type, id: id as string };
}

/** What a flush of `changes` must encrypt (`encryptPersonalData`). */
function pendingOf(entry: AuditEntry, changes: Changes, data: Data, original?: Data): Pending {
  const spec = personalProps(entry.entityType);
  const personal = spec ? Object.keys(changes).filter((k) => k in spec.props) : [];
  return {
    entry,
    subject: personal.length ? subjectOfData(entry.entityType, entry.entityId, data, original) : null,
    categories: spec ? Object.fromEntries(personal.map((k) => [k, spec.props[k]])) : {},
  };
}

/** An audit entry of the actor's operation, not yet encrypted (`encryptPersonalData`). */
function auditEntry(
  actor: AuditActor, occurredAt: Date, schoolId: string | null, entityType: string, entityId: string, action: AuditAction, changes: Changes,
): AuditEntry {
  const entry = new AuditEntry();
  entry.chainId = schoolId ?? GLOBAL_CHAIN_ID;
  entry.schoolId = schoolId;
  entry.occurredAt = occurredAt;
  entry.actorId = actor.actorId;
  entry.actorLogin = actor.actorLogin;
  entry.sessionId = actor.sessionId;
  entry.ip = actor.ip;
  entry.operation = actor.operation;
  entry.entityType = entityType;
  entry.entityId = entityId;
  entry.action = action;
  entry.changes = changes;
  return entry;
}

/**
 * The audit entries of rows created without the unit of work (`insertAudited`): the entries a
 * flush of the same entities would write — one per row, its `changes` as `creationChanges`, in the
 * chain of the row's school (a `school` relation of the row, or the row itself for a School), with
 * the personal values and the actor's login and address encrypted. The actor is the operation's.
 */
export async function creationEntries(em: EntityManager, meta: EntityMetadata, rows: readonly { id: string; data: Data }[]): Promise<AuditEntry[]> {
  const actor = currentActor();
  if (!actor) throw new Error(`Unattributed change of ${meta.className}: run it inside runAsActor()`);
  const path = schoolPath(meta);
  if (path && path.length > 1) throw new Error(`${meta.className} reaches its school through ${path.join('.')}: write it through the unit of work`);
  const occurredAt = new Date();
  const pending = rows.map(({ id, data }) => {
    const changes = creationChanges(meta, data);
    const school = !path ? null : path.length === 0 ? id : idOf(data[path[0]]);
    if (Array.isArray(school)) throw new Error(`${meta.className} has a composite school reference`);
    return pendingOf(auditEntry(actor, occurredAt, (school as string | null) ?? null, meta.className, id, AuditAction.CREATE, changes), changes, data);
  });
  await encryptPersonalData(em, actor, pending);
  return pending.map((p) => p.entry);
}

const actorSubject = (actor: AuditActor): PdSubject => (actor.actorId ? { type: 'User', id: actor.actorId } : ANONYMOUS_SUBJECT);

/** What a flush must encrypt: the personal values of its changes, and the actor's login and address. */
interface Pending { entry: AuditEntry; subject: PdSubject | null; categories: Record<string, PdCategory> }

/**
 * Path of to-one properties from an entity to its School (`['school']`, or e.g.
 * `['gradingSystem', 'school']` for a grading value); `[]` for School itself; null when the entity
 * belongs to no school (users, sessions).
 */
const schoolPaths = new Map<string, string[] | null>();
function schoolPath(meta: EntityMetadata, seen = new Set<string>()): string[] | null {
  const cached = schoolPaths.get(meta.className);
  if (cached !== undefined) return cached;
  let found: string[] | null = null;
  if (meta.className === 'School') found = [];
  else if (!seen.has(meta.className) && seen.size < 4) {
    seen.add(meta.className);
    const relations = meta.props.filter(isToOne);
    const direct = relations.find((p) => p.name === 'school' && p.targetMeta?.className === 'School')
      ?? relations.find((p) => p.targetMeta?.className === 'School');
    if (direct) found = [direct.name];
    else {
      for (const p of relations) {
        const rest = p.targetMeta ? schoolPath(p.targetMeta, new Set(seen)) : null;
        if (rest) { found = [p.name, ...rest]; break; }
      }
    }
  }
  if (seen.size <= 1) schoolPaths.set(meta.className, found);
  return found;
}

/**
 * The school whose chain records a change. Walks loaded references in memory; a reference that
 * is not loaded (e.g. the grading system of an updated grading value) costs one lookup per flush.
 */
async function resolveSchoolId(
  em: EntityManager, cs: ChangeSet<object>, lookups: Map<string, Promise<string | null>>,
): Promise<string | null> {
  const path = schoolPath(cs.meta);
  if (!path) return null;
  if (path.length === 0) return String(cs.getPrimaryKey());
  let meta = cs.meta;
  let data: Data = cs.entity as Data;
  for (let i = 0; i < path.length; i++) {
    const prop = meta.properties[path[i] as never] as EntityProperty;
    let value = data[prop.name];
    if (value === undefined) value = (cs.originalEntity as Data | undefined)?.[prop.name];
    const id = idOf(value);
    if (id == null || Array.isArray(id)) return null;
    if (i === path.length - 1) return id as string;
    const target = Reference.isReference(value) ? Reference.unwrapReference(value as Reference<object>) : value;
    const targetMeta = prop.targetMeta!;
    if (target && typeof target === 'object' && helper(target as object).__initialized) {
      meta = targetMeta;
      data = target as Data;
      continue;
    }
    const key = `${targetMeta.className}:${id}:${path.slice(i + 1).join('.')}`;
    if (!lookups.has(key)) lookups.set(key, lookupSchoolId(em, targetMeta, id as string, path.slice(i + 1)));
    return lookups.get(key)!;
  }
  return null;
}

/** Follows `path` from the row `id` of `meta` in the database, one join per step. */
async function lookupSchoolId(em: EntityManager, meta: EntityMetadata, id: string, path: string[]): Promise<string | null> {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const joins: string[] = [];
  let alias = 't0';
  let current = meta;
  let select = '';
  path.forEach((name, i) => {
    const prop = current.properties[name as never] as EntityProperty;
    if (i === path.length - 1) {
      select = `${alias}.${q(prop.fieldNames[0])}`;
      return;
    }
    const next = prop.targetMeta!;
    const nextAlias = `t${i + 1}`;
    const pk = next.properties[next.primaryKeys[0] as never] as EntityProperty;
    joins.push(`join ${q(next.tableName)} ${nextAlias} on ${nextAlias}.${q(pk.fieldNames[0])} = ${alias}.${q(prop.fieldNames[0])}`);
    alias = nextAlias;
    current = next;
  });
  const pk = meta.properties[meta.primaryKeys[0] as never] as EntityProperty;
  const sql = `select ${select}::text as school_id from ${q(meta.tableName)} t0 ${joins.join(' ')} where t0.${q(pk.fieldNames[0])} = ?`;
  const rows = await em.getConnection().execute<{ school_id: string | null }[]>(sql, [id], 'all', em.getTransactionContext());
  return rows[0]?.school_id ?? null;
}

/**
 * Writes one audit entry per created, updated or deleted entity in the same flush, hence the same
 * transaction, as the change itself (R-SEC-5, R-JOUR-10): before/after of the changed properties
 * only, relations as ids, hidden properties (password hashes) as "[redacted]". An update that
 * changes nothing but bookkeeping timestamps writes no entry. Entries go to the chain of the
 * entity's school (found through its `school` or through the references leading to it), or to
 * the global chain when there is none.
 *
 * Personal data (R-SEC-4, R-SEC-8): values of the properties listed in `personal-data.ts` and the
 * actor's login and client address are stored encrypted per data subject and category
 * (crypto-shredding, `pd-keys.ts`); erasure destroys the keys, the hash chain covers the ciphertext.
 *
 * The actor comes from the async context of the operation; changes outside any operation are
 * refused, so nothing changes unattributed. Bulk writes that bypass the unit of work
 * (`nativeUpdate`, query builder, raw SQL) are not seen here and must not touch audited tables.
 */
export class AuditSubscriber implements EventSubscriber {
  private checked = false;

  async onFlush({ uow, em }: FlushEventArgs): Promise<void> {
    const changeSets = uow.getChangeSets().filter((cs) => !notAudited.has(cs.meta.className));
    if (changeSets.length === 0) return;
    const actor = currentActor();
    if (!actor) {
      throw new Error(`Unattributed change of ${changeSets[0].meta.className}: run it inside runAsActor()`);
    }
    if (!this.checked) {
      checkPersonalData(em.getMetadata());
      this.checked = true;
    }
    const occurredAt = new Date();
    const lookups = new Map<string, Promise<string | null>>();
    const entries: AuditEntry[] = [];
    const pending: Pending[] = [];
    for (const cs of changeSets) {
      // Not getPrimaryKey(true): that returns `{ id }`, not the key.
      const entityId = cs.getPrimaryKey();
      if (entityId == null) {
        throw new Error(`Cannot audit ${cs.meta.className} without a primary key known before insert (use a uuid key)`);
      }
      const changes = diff(em, cs);
      if (Object.keys(changes).length === 0 && (cs.type === ChangeSetType.UPDATE || cs.type === ChangeSetType.UPDATE_EARLY)) continue;
      const schoolId = await resolveSchoolId(em, cs, lookups);
      const id = Array.isArray(entityId) ? entityId.map(String).join(':') : String(entityId);
      const entry = auditEntry(actor, occurredAt, schoolId, cs.meta.className, id, ACTION[cs.type], changes);
      entries.push(entry);
      pending.push(pendingOf(entry, changes, cs.entity as Data, cs.originalEntity as Data | undefined));
    }
    await encryptPersonalData(em, actor, pending);
    for (const entry of entries) {
      em.persist(entry);
      uow.computeChangeSet(entry);
    }
  }
}

/**
 * R-SEC-4, R-SEC-5: replaces the personal values of the entries — before/after of personal
 * properties, the actor's login and client address — with their ciphertext under the key of their
 * subject and category (created on first use). Nulls and redacted secrets stay as they are.
 */
async function encryptPersonalData(em: EntityManager, actor: AuditActor, pending: Pending[]): Promise<void> {
  const actorKey = actorSubject(actor);
  const needs: { subject: PdSubject; category: PdCategory }[] = [];
  if (actor.actorLogin != null || actor.ip != null) needs.push({ subject: actorKey, category: ACTOR_CATEGORY });
  for (const p of pending) {
    if (!p.subject) continue;
    for (const category of new Set(Object.values(p.categories))) needs.push({ subject: p.subject, category });
  }
  if (needs.length === 0) return;
  const keyring = new PdKeyring(executeIn(em), em);
  await keyring.prepare(needs);
  const seal = (subject: PdSubject, category: PdCategory, v: unknown) =>
    (v === null || v === undefined || v === REDACTED ? v ?? null : keyring.encrypt(subject, category, v));
  for (const { entry, subject, categories } of pending) {
    entry.actorLogin = seal(actorKey, ACTOR_CATEGORY, entry.actorLogin) as string | null;
    entry.ip = seal(actorKey, ACTOR_CATEGORY, entry.ip) as string | null;
    if (!subject) continue;
    for (const [prop, category] of Object.entries(categories)) {
      const change = entry.changes[prop];
      entry.changes[prop] = { before: seal(subject, category, change.before), after: seal(subject, category, change.after) };
    }
  }
}
