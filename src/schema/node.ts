import { Field, ID, InterfaceType } from 'type-graphql';
import { PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ErrorCode } from './errors';

/** Opaque global ID: base64url("Type:uuid"). Clients must treat it as an opaque string. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes a global ID; returns null for anything malformed. */
export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  if (typeof globalId !== 'string' || globalId.length > 200) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep <= 0) return null;
  const type = decoded.slice(0, sep);
  const id = decoded.slice(sep + 1);
  if (!UUID.test(id)) return null;
  return { type, id };
}

/**
 * Decodes a global ID that must point at `expectedType`; throws BAD_USER_INPUT otherwise. A
 * well-formed ID of a record the viewer may not see is handled later as NOT_FOUND.
 */
export function fromGlobalId(globalId: string, expectedType: string, argName = 'id'): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== expectedType) {
    throw new GraphQLError(`"${argName}" is not a valid ${expectedType} ID`, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: argName },
    });
  }
  return parsed.id;
}

/** Properties of Node that `em.create()` does not require; subclasses extend this union. */
export type NodeOptionalProps = 'createdAt' | 'updatedAt' | 'globalId';

/**
 * Base of every major object: a uuid primary key in the database, exposed to clients as an opaque
 * global ID (Relay's Node interface). The GraphQL type name is the class name.
 */
@InterfaceType('Node', { description: 'An object with a globally unique, opaque ID, fetchable with `node(id:)`.' })
export abstract class Node<Optional extends string = never> {
  [OptionalProps]?: NodeOptionalProps | Optional;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Field(() => ID, { name: 'id', description: 'Opaque global ID of this object.' })
  get globalId(): string {
    return toGlobalId(this.constructor.name, this.id);
  }
}
