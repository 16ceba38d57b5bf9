import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

export enum AuditAction {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
}
registerEnumType(AuditAction, { name: 'AuditAction', description: 'What happened to the entity.' });

/** The nil uuid keys the chain of changes that belong to no school (e.g. a password change). */
export const GLOBAL_CHAIN_ID = '00000000-0000-0000-0000-000000000000';

/**
 * One row of the append-only audit trail (R-SEC-5, R-JOUR-10). `seq`, `prevHash` and `hash` are
 * filled by a database trigger that chains the rows per school; UPDATE and DELETE are rejected by
 * another trigger. In the database `actorLogin`, `ip` and the personal values of `changes` are
 * ciphertext (see db/pd-keys.ts); the audit service decrypts them for readers.
 */
@Entity({ tableName: 'audit_entry' })
@Index({ properties: ['entityType', 'entityId'] })
@Index({ properties: ['actorId'] })
@ObjectType({ description: 'One recorded change: who, when, through which operation, what changed (before/after).' })
export class AuditEntry {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  chainId!: string;

  @Property({ type: 'uuid', nullable: true })
  schoolId?: string | null;

  @Field(() => String, { description: 'Position in the school\'s chain, from 1 without gaps (a decimal string).' })
  @Property({ type: 'bigint', nullable: true })
  seq?: string;

  @Field(() => Date, { description: 'When the change was written (server time, UTC).' })
  @Property({ type: 'timestamptz' })
  occurredAt: Date = new Date();

  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Login of the acting user at the time; null for system jobs; "[erased]" once the account\'s data were erased (R-SEC-4, R-SEC-8).' })
  @Property({ type: 'text', nullable: true })
  actorLogin?: string | null;

  @Property({ type: 'uuid', nullable: true })
  sessionId?: string | null;

  @Field(() => String, { nullable: true, description: 'Client address of the request; "[erased]" once the account\'s data were erased.' })
  @Property({ type: 'text', nullable: true })
  ip?: string | null;

  @Field(() => String, { description: 'The API operation (mutation name) or system job that made the change.' })
  @Property({ type: 'text' })
  operation!: string;

  @Field(() => String, { description: 'Type of the changed entity, e.g. "StudyPeriod".' })
  @Property({ type: 'text' })
  entityType!: string;

  @Property({ type: 'text' })
  entityId!: string;

  @Field(() => AuditAction, { description: 'Created, updated or deleted.' })
  @Enum({ items: () => AuditAction, nativeEnumName: 'audit_action' })
  action!: AuditAction;

  @Field(() => GraphQLJSONObject, { description: 'Changed fields: `{ field: { before, after } }`. Secrets are recorded as "[redacted]"; personal data whose erasure was done (R-SEC-4, R-SEC-8) read "[erased]".' })
  @Property({ type: 'jsonb' })
  changes!: Record<string, { before: unknown; after: unknown }>;

  @Field(() => String, { description: 'SHA-256 of the previous entry of the chain (64 zeros for the first).' })
  @Property({ type: 'text', nullable: true })
  prevHash?: string;

  @Field(() => String, { description: 'SHA-256 over this entry and prevHash.' })
  @Property({ type: 'text', nullable: true })
  hash?: string;
}
