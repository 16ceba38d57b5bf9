import type { EntityManager } from '@mikro-orm/postgresql';
import { registerEnumType } from 'type-graphql';

/**
 * The event kinds of live delivery (R-DIARY-3), each registered once by its feature: its name, the
 * GraphQL type it is delivered as, the kind of object it concerns (loaded once per batch), the
 * streams that carry it and the facts of the change it keeps in `details`. The outbox, the hub and
 * the subscription resolvers read this registry and know no kind by name.
 */

/** The kind of object events concern, with its batch loader (viewer-independent rows only). */
export interface EventObjectType<T = unknown> {
  /** Stored in `outbox_event.object_type`; the GraphQL type name of the object. */
  readonly name: string;
  /** Loads the objects of a batch by id; missing ids (deleted since) are simply absent. */
  load(em: EntityManager, ids: string[]): Promise<Map<string, T>>;
}

/** The streams an event kind is delivered on. */
export interface EventAudience {
  /** `diaryEvents` of the students concerned (and so their guardians and teachers). */
  diary: boolean;
  /** `teacherEvents` of the staff concerned and the class teachers of the targets. */
  teacher: boolean;
}

/** Fields every delivered event has, whatever its kind. */
export interface EventBase {
  cursor: string;
  kind: string;
  occurredAt: Date;
  studentId: string | null;
  dateFrom: string | null;
  dateTo: string | null;
}

export interface EventKindSpec<T = unknown> {
  /** SCREAMING_SNAKE name, a value of the `DiaryEventKind` enum. */
  kind: string;
  /** What happened, for the enum value's documentation. */
  description: string;
  /** The GraphQL object type (implementing `DiaryEvent`) the kind is delivered as. */
  type: new () => object;
  /** The object the event concerns, or null when it concerns dates only. */
  object: EventObjectType<T> | null;
  /** The field of `type` that carries the object. */
  objectField?: string;
  audience?: EventAudience;
  /** The kind's own fields, read from the stored details (published by the feature). */
  fields?: (details: Record<string, unknown>) => Record<string, unknown>;
}

/** A registered kind, passed to `publishEvent`. */
export interface EventKind<T = unknown> extends Required<Omit<EventKindSpec<T>, 'objectField' | 'fields'>> {
  objectField: string | null;
  fields: (details: Record<string, unknown>) => Record<string, unknown>;
}

const kinds = new Map<string, EventKind>();
const objectTypes = new Map<string, EventObjectType>();

/** The GraphQL enum of the registered kinds; filled by `registerEventKind` before the schema is built. */
export const DiaryEventKind: Record<string, string> = {};
const kindDocs: Record<string, { description: string }> = {};
registerEnumType(DiaryEventKind, {
  name: 'DiaryEventKind',
  description: 'Kind of a live diary event (R-DIARY-3); each kind is delivered as its own type implementing `DiaryEvent`.',
  valuesConfig: kindDocs,
});

/** Declares a kind of object events concern. */
export function defineEventObject<T>(name: string, load: EventObjectType<T>['load']): EventObjectType<T> {
  if (objectTypes.has(name)) throw new Error(`Event object type ${name} defined twice`);
  const type = { name, load };
  objectTypes.set(name, type as EventObjectType);
  return type;
}

/** Registers an event kind; a kind registered twice is a programming error. */
export function registerEventKind<T>(spec: EventKindSpec<T>): EventKind<T> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(spec.kind)) throw new Error(`Event kind ${spec.kind}: use SCREAMING_SNAKE_CASE`);
  if (kinds.has(spec.kind)) throw new Error(`Event kind ${spec.kind} registered twice`);
  if (spec.object && !spec.objectField) throw new Error(`Event kind ${spec.kind}: name the field that carries the ${spec.object.name}`);
  const kind: EventKind<T> = {
    kind: spec.kind,
    description: spec.description,
    type: spec.type,
    object: spec.object,
    objectField: spec.objectField ?? null,
    audience: spec.audience ?? { diary: true, teacher: true },
    fields: spec.fields ?? (() => ({})),
  };
  kinds.set(spec.kind, kind as EventKind);
  DiaryEventKind[spec.kind] = spec.kind;
  kindDocs[spec.kind] = { description: spec.description };
  return kind;
}

/** The registered kind named `name` (stored in the outbox). */
export function eventKind(name: string): EventKind {
  const k = kinds.get(name);
  if (!k) throw new Error(`Unknown event kind ${name}`);
  return k;
}

/** Every registered kind, in registration order. */
export const eventKinds = (): EventKind[] => [...kinds.values()];

/** The object type stored as `name` in the outbox. */
export function eventObjectType(name: string): EventObjectType {
  const t = objectTypes.get(name);
  if (!t) throw new Error(`Unknown event object type ${name}`);
  return t;
}

/** The delivered GraphQL object of one event: the kind's type with the common fields, its own fields and its object. */
export function buildEvent(kind: EventKind, base: EventBase, details: Record<string, unknown>, object: unknown): object {
  const event = Object.assign(new kind.type(), base, kind.fields(details));
  if (kind.objectField) (event as Record<string, unknown>)[kind.objectField] = object ?? null;
  return event;
}

/** A string detail, or null. */
export const textDetail = (details: Record<string, unknown>, key: string): string | null =>
  (typeof details[key] === 'string' ? details[key] as string : null);

/** A number detail, or null. */
export const numberDetail = (details: Record<string, unknown>, key: string): number | null =>
  (typeof details[key] === 'number' ? details[key] as number : null);
