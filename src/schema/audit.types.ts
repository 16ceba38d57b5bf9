import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MaxLength } from 'class-validator';
import { AuditAction, AuditEntry } from '../entities/audit-entry.entity';
import { ConnectionType } from './connection';

@InputType({ description: 'Narrows the audit log; all given conditions must hold.' })
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'Type of the changed entity, e.g. "StudyPeriod".' })
  @MaxLength(100)
  entityType?: string | null;

  @Field(() => ID, { nullable: true, description: 'The changed entity: its global ID (as returned by the API), or a raw key for entities without one.' })
  @MaxLength(200)
  entityId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Global ID of the acting user.' })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'The operation (mutation name or system job, e.g. "seed:foundation").' })
  @MaxLength(100)
  operation?: string | null;

  @Field(() => AuditAction, { nullable: true, description: 'Only creations, updates or deletions.' })
  action?: AuditAction | null;

  @Field(() => Date, { nullable: true, description: 'Entries that occurred at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Entries that occurred before this time (exclusive).' })
  to?: Date | null;
}

export const AuditEntryConnection = ConnectionType(
  'AuditEntry', AuditEntry, 'A page of a school\'s audit trail, newest entry (highest `seq`) first.',
);
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;

@ObjectType({ description: 'Result of recomputing a school\'s audit chain (R-SEC-5).' })
export class AuditVerification {
  @Field(() => Boolean, { description: 'Every entry matches its hash, links to its predecessor, seqs run 1..n without gaps, and the chain head matches the last entry.' })
  ok!: boolean;

  @Field(() => Int, { description: 'Number of entries checked.' })
  checkedEntries!: number;

  @Field(() => String, { nullable: true, description: 'Seq of the first broken link (for a missing entry: the missing seq); null when ok.' })
  firstBrokenSeq?: string | null;

  @Field(() => String, { nullable: true, description: 'What is wrong at `firstBrokenSeq`; null when ok.' })
  reason?: string | null;
}
