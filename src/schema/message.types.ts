import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { ConnectionType } from './connection';
import { Acknowledgment, AcknowledgmentKind, Message, MessageThread } from '../entities/message.entity';
import { Guardian, Student } from '../entities/student.entity';

/** Longest message, in characters. */
export const MESSAGE_BODY_MAX = 4000;
/** Longest thread topic, in characters. */
export const THREAD_TOPIC_MAX = 200;
/** Most rows of an acknowledgment report: the guardians of a class (≈ 2 per student, a few more). */
export const ACKNOWLEDGMENT_ROWS_MAX = 150;

export const MessageThreadConnection = ConnectionType('MessageThread', MessageThread, 'A page of message threads, the most recently active first.');
export type MessageThreadConnection = InstanceType<typeof MessageThreadConnection>;
export const MessageConnection = ConnectionType('Message', Message, 'A page of a thread\'s messages, the newest first.');
export type MessageConnection = InstanceType<typeof MessageConnection>;

// ---- messages (R-JOUR-12) ----

@InputType({ description: 'Input of `messageThreadStart`: a new thread with its first message. Give `studentId` (a thread about a student) or `classId` (the class teacher to all guardians of the class).' })
export class MessageThreadStartInput {
  @Field(() => ID, { nullable: true, description: 'The student the thread is about. Staff: a student they take part in educating today. A guardian or the student: their own child or themself, with `teacherId`.' })
  studentId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A class: a thread from its class teacher (today) to all guardians of its students; they read and acknowledge it, and do not reply.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A recommendation on a lesson (staff only): a lesson of the student the viewer conducts.' })
  lessonId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A guardian or the student writing: the staff member the thread is with, who takes part in the student\'s education today. Staff leave it out.' })
  teacherId?: string | null;

  @Field(() => String, { description: `The topic (1–${THREAD_TOPIC_MAX} characters).` })
  topic!: string;

  @Field(() => String, { description: `The first message (1–${MESSAGE_BODY_MAX} characters).` })
  body!: string;
}

@ObjectType({ description: 'Result of `messageThreadStart`.' })
export class MessageThreadStartPayload extends Payload {
  @Field(() => MessageThread, { nullable: true, description: 'The new thread; null when the input was refused.' })
  thread?: MessageThread | null;

  @Field(() => Message, { nullable: true, description: 'Its first message; null when the input was refused.' })
  message?: Message | null;
}

@InputType({ description: 'Input of `messageSend`: a message in a thread the viewer takes part in.' })
export class MessageSendInput {
  @Field(() => ID, { description: 'The thread.' })
  threadId!: string;

  @Field(() => String, { description: `The text (1–${MESSAGE_BODY_MAX} characters).` })
  body!: string;
}

@ObjectType({ description: 'Result of `messageSend`.' })
export class MessageSendPayload extends Payload {
  @Field(() => Message, { nullable: true, description: 'The message; null when it was refused.' })
  message?: Message | null;
}

@InputType({ description: 'Input of `messageThreadRead`.' })
export class MessageThreadReadInput {
  @Field(() => ID, { description: 'The thread whose messages the viewer has read, up to now.' })
  threadId!: string;
}

@ObjectType({ description: 'Result of `messageThreadRead`.' })
export class MessageThreadReadPayload extends Payload {
  @Field(() => MessageThread, { nullable: true, description: 'The thread (its `unreadCount` is 0 for the viewer).' })
  thread?: MessageThread | null;
}

// ---- acknowledgments (R-DIARY-5) ----

@InputType({ description: 'Input of `diaryAcknowledge`.' })
export class DiaryAcknowledgeInput {
  @Field(() => ID, { description: 'The guardian\'s child.' })
  studentId!: string;

  @Field(() => LocalDateResolver, { description: 'Any day of the week (Monday to Sunday) acknowledged; not a week that has not begun.' })
  week!: string;
}

@InputType({ description: 'Input of `markAcknowledge`.' })
export class MarkAcknowledgeInput {
  @Field(() => ID, { description: 'A mark of the guardian\'s child.' })
  markId!: string;
}

@InputType({ description: 'Input of `messageAcknowledge`.' })
export class MessageAcknowledgeInput {
  @Field(() => ID, { description: 'A message, not the guardian\'s own, of a thread they take part in as a guardian.' })
  messageId!: string;
}

@ObjectType({ description: 'Result of `diaryAcknowledge`, `markAcknowledge` and `messageAcknowledge`.' })
export class AcknowledgmentPayload extends Payload {
  @Field(() => [Acknowledgment], { description: 'The acknowledgments (one per child the guardian acknowledged for: a message to a class with two of their children in it is acknowledged for both); the existing ones when it was acknowledged before. Empty when refused.' })
  acknowledgments!: Acknowledgment[];
}

@InputType({ description: 'Input of `acknowledgments`: give `classId` with `week`, or `markId`, or `messageId`.' })
export class AcknowledgmentsInput {
  @Field(() => ID, { nullable: true, description: 'A class: the guardians of its students in `week` and whether each acknowledged that week\'s diary.' })
  classId?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Any day of the week, with `classId`.' })
  week?: string | null;

  @Field(() => ID, { nullable: true, description: 'A mark: the current guardians of its student and whether each acknowledged it.' })
  markId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A message: the guardians the thread is with and whether each acknowledged it.' })
  messageId?: string | null;
}

@ObjectType({ description: 'One guardian of one student, and whether they acknowledged.' })
export class AcknowledgmentStatus {
  @Field(() => Student, { description: 'The student.' })
  student!: Student;

  @Field(() => Guardian, { description: 'The guardian (a current link of the student).' })
  guardian!: Guardian;

  @Field(() => Boolean, { description: 'The guardian has an account (without one they cannot acknowledge in the system).' })
  hasAccount!: boolean;

  @Field(() => Acknowledgment, { nullable: true, description: 'Their acknowledgment; null while they have not acknowledged.' })
  acknowledgment!: Acknowledgment | null;
}

@ObjectType({ description: 'R-DIARY-5: who has and who has not acknowledged a week of a class\'s diary, a mark or a message.' })
export class AcknowledgmentReport {
  @Field(() => AcknowledgmentKind, { description: 'What the report is about.' })
  kind!: AcknowledgmentKind;

  @Field(() => LocalDateResolver, { nullable: true, description: 'DIARY_WEEK: the Monday of the week.' })
  weekStart!: string | null;

  @Field(() => [AcknowledgmentStatus], { description: 'One row per student and current guardian, by student, then guardian.' })
  rows!: AcknowledgmentStatus[];

  @Field(() => Int, { description: 'Rows acknowledged.' })
  acknowledgedCount!: number;

  @Field(() => Int, { description: 'Rows not acknowledged.' })
  pendingCount!: number;
}
