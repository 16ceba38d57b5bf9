import { ChangeSet, ChangeSetType, EventSubscriber, FlushEventArgs, EntityMetadata, ReferenceKind, Reference } from '@mikro-orm/core';
import { AuditAction, AuditEntry, GLOBAL_CHAIN_ID } from '../entities/audit-entry.entity';
import { notAudited } from '../entities';
import { currentActor } from '../services/audit-context';

const ACTION: Record<string, AuditAction> = {
  [ChangeSetType.CREATE]: AuditAction.CREATE,
  [ChangeSetType.UPDATE]: AuditAction.UPDATE,
  [ChangeSetType.DELETE]: AuditAction.DELETE,
};
const IGNORED_PROPS = new Set(['createdAt', 'updatedAt']);

function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Reference.isReference(value)) return String(Reference.unwrapReference(value as Reference<{ id: string }>).id);
  if (value && typeof value === 'object' && 'id' in (value as object) && !(Array.isArray(value))) {
    return String((value as { id: unknown }).id);
  }
  return value;
}

function schoolIdOf(entity: Record<string, unknown>, meta: EntityMetadata): string | null {
  if (meta.className === 'School') return entity.id as string;
  const school = entity.school as unknown;
  if (school) return plain(school) as string;
  return null;
}

/**
 * Writes one audit entry per created, updated or deleted entity in the same flush, hence the same
 * transaction, as the change itself (R-SEC-5, R-JOUR-10). Before/after values come from the ORM's
 * change sets; hidden properties (password hashes) are recorded as "[redacted]". The actor comes
 * from the async context of the operation; changes outside any operation are refused, so nothing
 * can change unattributed.
 */
export class AuditSubscriber implements EventSubscriber {
  async onFlush({ uow, em }: FlushEventArgs): Promise<void> {
    const changeSets = uow.getChangeSets().filter((cs) => !notAudited.has(cs.meta.className));
    if (changeSets.length === 0) return;
    const actor = currentActor();
    if (!actor) {
      throw new Error(`Unattributed change of ${changeSets[0].meta.className}: run it inside runAsActor()`);
    }
    for (const cs of changeSets) {
      const entry = new AuditEntry();
      const entity = cs.entity as unknown as Record<string, unknown>;
      const schoolId = schoolIdOf(entity, cs.meta) ?? schoolIdOf((cs.originalEntity ?? {}) as Record<string, unknown>, cs.meta);
      entry.chainId = schoolId ?? GLOBAL_CHAIN_ID;
      entry.schoolId = schoolId;
      entry.actorId = actor.actorId;
      entry.actorLogin = actor.actorLogin;
      entry.sessionId = actor.sessionId;
      entry.ip = actor.ip;
      entry.operation = actor.operation;
      entry.entityType = cs.meta.className;
      entry.entityId = String(cs.getPrimaryKey(true) ?? entity.id);
      entry.action = ACTION[cs.type];
      entry.changes = diff(cs);
      if (cs.type === ChangeSetType.UPDATE && Object.keys(entry.changes).length === 0) continue;
      em.persist(entry);
      uow.computeChangeSet(entry);
    }
  }
}

function diff(cs: ChangeSet<object>): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  const original = (cs.originalEntity ?? {}) as Record<string, unknown>;
  const payload = cs.payload as Record<string, unknown>;
  const entity = cs.entity as Record<string, unknown>;
  for (const prop of cs.meta.props) {
    if (IGNORED_PROPS.has(prop.name) || prop.persist === false) continue;
    if (prop.kind === ReferenceKind.ONE_TO_MANY || prop.kind === ReferenceKind.MANY_TO_MANY) continue;
    const key = prop.name;
    const redact = (v: unknown) => (prop.hidden && v != null ? '[redacted]' : plain(v));
    if (cs.type === ChangeSetType.CREATE) {
      if (entity[key] === undefined) continue;
      out[key] = { before: null, after: redact(entity[key]) };
    } else if (cs.type === ChangeSetType.DELETE) {
      out[key] = { before: redact(original[key] ?? entity[key]), after: null };
    } else if (key in payload) {
      out[key] = { before: redact(original[key]), after: redact(entity[key]) };
    }
  }
  return out;
}
