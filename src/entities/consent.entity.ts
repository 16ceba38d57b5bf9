import { Entity, Enum, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { User } from './user.entity';
import { Guardian, Student } from './student.entity';
import { PdCategory } from '../db/personal-data';

export enum ConsentDecision {
  GIVEN = 'GIVEN',
  REFUSED = 'REFUSED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(ConsentDecision, {
  name: 'ConsentDecision',
  description: 'A decision about personal-data processing (R-SEC-4).',
  valuesConfig: {
    GIVEN: { description: 'Consent given.' },
    REFUSED: { description: 'Consent refused.' },
    WITHDRAWN: { description: 'Consent withdrawn: the personal data are erased within 3 working days.' },
  },
});

/** One registered decision about a student's personal data; rows are only ever added (history). */
@Entity({ tableName: 'consent' })
@Index({ properties: ['student', 'createdAt'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A registered decision about a student\'s personal data (R-SEC-4); the history is append-only.' })
export class Consent extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  /** Who decided; null when the student decided for themselves (of age). */
  @ManyToOne(() => Guardian, { ref: true, nullable: true })
  guardian?: Ref<Guardian> | null;

  @Field(() => ConsentDecision, { description: 'The decision.' })
  @Enum({ items: () => ConsentDecision, nativeEnumName: 'consent_decision' })
  decision!: ConsentDecision;

  @Field(() => LocalDateResolver, { description: 'Date of the decision, as on the signed document.' })
  @Property({ type: 'date' })
  decidedOn!: string;

  @Field(() => String, { description: 'Reference of the signed paper document, e.g. "Заявление № 12 от 01.09.2025".' })
  @Property({ type: 'text' })
  documentRef!: string;

  /** The staff member's account that registered the decision. */
  @ManyToOne(() => User, { ref: true })
  recordedBy!: Ref<User>;
}

export enum ErasureReason {
  WITHDRAWAL = 'WITHDRAWAL',
  LEFT_SCHOOL = 'LEFT_SCHOOL',
}
registerEnumType(ErasureReason, {
  name: 'ErasureReason',
  description: 'Why a student\'s personal data are erased.',
  valuesConfig: {
    WITHDRAWAL: { description: 'Consent was withdrawn (R-SEC-4).' },
    LEFT_SCHOOL: { description: 'The student finished or left the school (R-SEC-8).' },
  },
});

/** A scheduled erasure of a student's personal data, run by the erasure job once due; durable across restarts. */
@Entity({ tableName: 'erasure_job' })
@Index({ properties: ['student'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A scheduled erasure of a student\'s personal data (R-SEC-4, R-SEC-8).' })
export class ErasureJob extends Node<'attempts' | 'categories'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @Field(() => ErasureReason, { description: 'Why the data are erased.' })
  @Enum({ items: () => ErasureReason, nativeEnumName: 'erasure_reason' })
  reason!: ErasureReason;

  @Field(() => Date, { description: 'The erasure runs no later than this moment.' })
  @Property({ type: 'timestamptz' })
  dueAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the erasure was done; null while pending.' })
  @Property({ type: 'timestamptz', nullable: true })
  doneAt?: Date | null;

  @Field(() => Int, { description: 'Runs tried so far (a failed run is retried at the next poll).' })
  @Property({ type: 'int', default: 0 })
  attempts: number = 0;

  /** Error of the last failed run, for operators. */
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the guardians were notified of the erasure.' })
  @Property({ type: 'timestamptz', nullable: true })
  guardianNotifiedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'The written notice to the guardians (R-SEC-8): what ends, what is destroyed and by when; it names the student by pseudonym only.' })
  @Property({ type: 'text', nullable: true })
  notice?: string | null;

  @Field(() => [PdCategory], { description: 'The categories of personal data the job erases: both on a withdrawal of consent, the diary-service data on leaving (the identity stays on the school records).' })
  get categories(): PdCategory[] {
    return erasureCategories(this.reason);
  }
}

/** R-SEC-4, R-SEC-8: what an erasure destroys, by its reason. */
export function erasureCategories(reason: ErasureReason): PdCategory[] {
  return reason === ErasureReason.WITHDRAWAL ? [PdCategory.IDENTITY, PdCategory.DIARY_SERVICE] : [PdCategory.DIARY_SERVICE];
}

/** Entities of this feature. */
export const consentEntities: Function[] = [Consent, ErasureJob];
