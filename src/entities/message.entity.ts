import { Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { SchoolClass } from './school-class.entity';
import { Guardian, Student } from './student.entity';
import { Staff } from './staff.entity';
import { Lesson } from './lesson.entity';
import { User } from './user.entity';
import { Mark } from './journal.entity';

/** Whom a thread is with (R-JOUR-12). */
export enum MessageThreadKind {
  STUDENT = 'STUDENT',
  CLASS = 'CLASS',
}
registerEnumType(MessageThreadKind, {
  name: 'MessageThreadKind',
  description: 'Whom a message thread is with (R-JOUR-12).',
  valuesConfig: {
    STUDENT: { description: 'About one student: a staff member who takes part in the student\'s education, the student\'s guardians and the student.' },
    CLASS: { description: 'The class teacher to all guardians of the class: announcements, read and acknowledged by the guardians, not replied to.' },
  },
});

/** Who wrote a message, as which participant. */
export enum MessageAuthorKind {
  STAFF = 'STAFF',
  GUARDIAN = 'GUARDIAN',
  STUDENT = 'STUDENT',
}
registerEnumType(MessageAuthorKind, {
  name: 'MessageAuthorKind',
  description: 'As which participant a message was written.',
  valuesConfig: {
    STAFF: { description: 'The thread\'s staff member (a teacher, the class teacher, the administration).' },
    GUARDIAN: { description: 'A guardian of the student (R-ROLE-7).' },
    STUDENT: { description: 'The student (R-ROLE-6).' },
  },
});

/**
 * R-JOUR-12: a conversation about one student (with their guardians and the student), or from the
 * class teacher to all guardians of a class; a recommendation on a lesson is a thread of that lesson.
 */
@Entity({ tableName: 'message_thread' })
@Index({ properties: ['student', 'lastMessageAt'] })
@Index({ properties: ['schoolClass', 'lastMessageAt'] })
@ObjectType({ implements: Node, description: 'A message thread (R-JOUR-12): about one student between a staff member, the student\'s guardians and the student, or from the class teacher to all guardians of a class. Seen only by its participants, as of today.' })
export class MessageThread extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => MessageThreadKind, { description: 'About one student, or to the guardians of a class.' })
  @Enum({ items: () => MessageThreadKind, nativeEnumName: 'message_thread_kind' })
  kind!: MessageThreadKind;

  @ManyToOne(() => Student, { ref: true, nullable: true })
  student?: Ref<Student> | null;

  @ManyToOne(() => SchoolClass, { ref: true, nullable: true })
  schoolClass?: Ref<SchoolClass> | null;

  /** A recommendation on a lesson of the student (R-JOUR-12). */
  @ManyToOne(() => Lesson, { ref: true, nullable: true })
  lesson?: Ref<Lesson> | null;

  /** The staff member the thread is with. */
  @ManyToOne(() => Staff, { ref: true })
  staff!: Ref<Staff>;

  /** Who started it (personal data in the audit trail are this account's). */
  @ManyToOne(() => User, { ref: true })
  startedBy!: Ref<User>;

  @Field(() => String, { description: 'The topic of the thread, e.g. "Рекомендации по математике".' })
  @Property({ type: 'text' })
  topic!: string;

  @Field(() => Date, { description: 'When its last message was written.' })
  @Property({ type: 'timestamptz' })
  lastMessageAt!: Date;
}

/** R-JOUR-12: one message of a thread. Messages are never changed or deleted by their authors. */
@Entity({ tableName: 'message' })
@Index({ properties: ['thread', 'sentAt'] })
@ObjectType({ implements: Node, description: 'A message of a thread (R-JOUR-12). Never changed once written.' })
export class Message extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => MessageThread, { ref: true })
  thread!: Ref<MessageThread>;

  /** The account that wrote it (whose key seals the body in the audit trail). */
  @ManyToOne(() => User, { ref: true })
  author!: Ref<User>;

  @Field(() => MessageAuthorKind, { description: 'As which participant it was written.' })
  @Enum({ items: () => MessageAuthorKind, nativeEnumName: 'message_author_kind' })
  authorKind!: MessageAuthorKind;

  @ManyToOne(() => Staff, { ref: true, nullable: true })
  authorStaff?: Ref<Staff> | null;

  @ManyToOne(() => Guardian, { ref: true, nullable: true })
  authorGuardian?: Ref<Guardian> | null;

  @ManyToOne(() => Student, { ref: true, nullable: true })
  authorStudent?: Ref<Student> | null;

  @Field(() => String, { description: 'The text (1–4000 characters).' })
  @Property({ type: 'text' })
  body!: string;

  @Field(() => Date, { description: 'When it was written.' })
  @Property({ type: 'timestamptz' })
  sentAt!: Date;
}

/** R-JOUR-12: how far a participant has read a thread (their unread count starts after it). */
@Entity({ tableName: 'message_read' })
@Unique({ properties: ['thread', 'user'] })
export class MessageRead extends Node {
  @ManyToOne(() => MessageThread, { ref: true })
  thread!: Ref<MessageThread>;

  @ManyToOne(() => User, { ref: true })
  user!: Ref<User>;

  @Property({ type: 'timestamptz' })
  readAt!: Date;
}

/** What a guardian acknowledged (R-DIARY-5). */
export enum AcknowledgmentKind {
  DIARY_WEEK = 'DIARY_WEEK',
  MARK = 'MARK',
  MESSAGE = 'MESSAGE',
}
registerEnumType(AcknowledgmentKind, {
  name: 'AcknowledgmentKind',
  description: 'What a guardian acknowledged having seen (R-DIARY-5).',
  valuesConfig: {
    DIARY_WEEK: { description: 'The student\'s diary for a week (Monday to Sunday).' },
    MARK: { description: 'One mark of the student.' },
    MESSAGE: { description: 'One message to the guardians.' },
  },
});

/** R-DIARY-5: a guardian's acknowledgment that they have seen a week of the diary, a mark or a message. */
@Entity({ tableName: 'acknowledgment' })
@ObjectType({ implements: Node, description: 'A guardian\'s acknowledgment (факт ознакомления, R-DIARY-5) that they have seen a week of a student\'s diary, a mark or a message.' })
export class Acknowledgment extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => AcknowledgmentKind, { description: 'What was acknowledged.' })
  @Enum({ items: () => AcknowledgmentKind, nativeEnumName: 'acknowledgment_kind' })
  kind!: AcknowledgmentKind;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @ManyToOne(() => Guardian, { ref: true })
  guardian!: Ref<Guardian>;

  /** The guardian's account that acknowledged. */
  @ManyToOne(() => User, { ref: true })
  user!: Ref<User>;

  @Field(() => LocalDateResolver, { nullable: true, description: 'DIARY_WEEK: the Monday of the week; null otherwise.' })
  @Property({ type: 'date', nullable: true })
  weekStart?: string | null;

  @ManyToOne(() => Mark, { ref: true, nullable: true, deleteRule: 'cascade' })
  mark?: Ref<Mark> | null;

  @ManyToOne(() => Message, { ref: true, nullable: true })
  message?: Ref<Message> | null;

  @Field(() => Date, { description: 'When it was acknowledged.' })
  @Property({ type: 'timestamptz' })
  acknowledgedAt!: Date;
}

export const messageEntities = [MessageThread, Message, MessageRead, Acknowledgment];
