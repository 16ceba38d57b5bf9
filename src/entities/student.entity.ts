import { Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { User } from './user.entity';
import { SchoolClass } from './school-class.entity';

export enum Sex {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
}
registerEnumType(Sex, { name: 'Sex', description: 'Sex as recorded in the school records.' });

export enum ConsentStatus {
  NONE = 'NONE',
  GIVEN = 'GIVEN',
  REFUSED = 'REFUSED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(ConsentStatus, {
  name: 'ConsentStatus',
  description: 'State of consent to personal-data processing (R-SEC-4).',
  valuesConfig: {
    NONE: { description: 'Not registered yet: no personal data may be entered.' },
    GIVEN: { description: 'Given: personal data may be entered; the electronic diary is available.' },
    REFUSED: { description: 'Refused: only an opaque record; no electronic diary.' },
    WITHDRAWN: { description: 'Withdrawn: personal data are erased within 3 working days.' },
  },
});

/**
 * A student. Only `pseudonym` exists without consent (R-SEC-4): the paper journal refers to it.
 * Personal data (names, birth date, sex, contacts) are filled only with consent and erased on
 * withdrawal; they reach GraphQL only through the access-checked field resolvers of the roster.
 */
@Entity({ tableName: 'student' })
@Unique({ properties: ['school', 'pseudonym'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A student of the school (R-YEAR-4). Personal data are visible only to those taking part in the student\'s education (R-SEC-3).' })
export class Student extends Node<'consentStatus'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => String, { description: 'Opaque record number that stays when personal data are erased, e.g. "У-0042".' })
  @Property({ type: 'text' })
  pseudonym!: string;

  @Property({ type: 'text', nullable: true })
  lastName?: string | null;

  @Property({ type: 'text', nullable: true })
  firstName?: string | null;

  @Property({ type: 'text', nullable: true })
  middleName?: string | null;

  @Property({ type: 'date', nullable: true })
  birthDate?: string | null;

  @Enum({ items: () => Sex, nativeEnumName: 'sex', nullable: true })
  sex?: Sex | null;

  @Property({ type: 'text', nullable: true })
  enrolmentNumber?: string | null;

  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Field(() => ConsentStatus, { description: 'Consent to personal-data processing (R-SEC-4).' })
  @Enum({ items: () => ConsentStatus, nativeEnumName: 'consent_status', default: ConsentStatus.NONE })
  consentStatus: ConsentStatus = ConsentStatus.NONE;

  /** Diary account of the student, once credentials were handed out. */
  @ManyToOne(() => User, { ref: true, nullable: true })
  user?: Ref<User> | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Date the student left the school (R-YEAR-11); null while enrolled.' })
  @Property({ type: 'date', nullable: true })
  leftOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Why the student left (R-YEAR-11), as recorded by the school.' })
  @Property({ type: 'text', nullable: true })
  leftReason?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the personal data were erased (R-SEC-4, R-SEC-8).' })
  @Property({ type: 'timestamptz', nullable: true })
  erasedAt?: Date | null;
}

export enum GuardianKind {
  MOTHER = 'MOTHER',
  FATHER = 'FATHER',
  GUARDIAN = 'GUARDIAN',
  OTHER = 'OTHER',
}
registerEnumType(GuardianKind, { name: 'GuardianKind', description: 'How a guardian is related to the student.' });

@Entity({ tableName: 'guardian' })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A parent or other legal representative (R-ROLE-7).' })
export class Guardian extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Property({ type: 'text', nullable: true })
  lastName?: string | null;

  @Property({ type: 'text', nullable: true })
  firstName?: string | null;

  @Property({ type: 'text', nullable: true })
  middleName?: string | null;

  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  @Property({ type: 'text', nullable: true })
  email?: string | null;

  /** Account of the guardian, once credentials were handed out. */
  @ManyToOne(() => User, { ref: true, nullable: true })
  user?: Ref<User> | null;

  @Field(() => Date, { nullable: true, description: 'When the personal data were erased.' })
  @Property({ type: 'timestamptz', nullable: true })
  erasedAt?: Date | null;
}

/** Link student ↔ guardian; removing it keeps the row (removedAt) for history and audit. */
@Entity({ tableName: 'student_guardian' })
@Index({ properties: ['student'] })
@Index({ properties: ['guardian'] })
@ObjectType({ implements: Node, description: 'A guardian of a student and how they are related.' })
export class StudentGuardian extends Node {
  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @ManyToOne(() => Guardian, { ref: true })
  guardian!: Ref<Guardian>;

  @Field(() => GuardianKind, { description: 'Relation to the student.' })
  @Enum({ items: () => GuardianKind, nativeEnumName: 'guardian_kind' })
  kind!: GuardianKind;

  @Field(() => Date, { nullable: true, description: 'When the link was removed; null while current.' })
  @Property({ type: 'timestamptz', nullable: true })
  removedAt?: Date | null;
}

/** A student's membership of a class over dates (R-YEAR-11): history is never overwritten. */
@Entity({ tableName: 'class_membership' })
@Index({ properties: ['schoolClass', 'fromDate'] })
@Index({ properties: ['student', 'fromDate'] })
@ObjectType({ implements: Node, description: 'A student in a class from one date to another (inclusive; open-ended while current).' })
export class ClassMembership extends Node {
  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @ManyToOne(() => SchoolClass, { ref: true })
  schoolClass!: Ref<SchoolClass>;

  @Field(() => LocalDateResolver, { description: 'First day in the class.' })
  @Property({ type: 'date' })
  fromDate!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day in the class; null while current.' })
  @Property({ type: 'date', nullable: true })
  toDate?: string | null;
}
