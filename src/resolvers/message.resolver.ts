import { Arg, Args, Ctx as GqlCtx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { Lesson } from '../entities/lesson.entity';
import { Guardian, Student } from '../entities/student.entity';
import { Staff } from '../entities/staff.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Acknowledgment, Message, MessageThread } from '../entities/message.entity';
import { required } from '../schema/errors';
import { toGlobalId } from '../schema/node';
import { PageArgs } from '../schema/connection';
import {
  AcknowledgmentPayload, AcknowledgmentReport, AcknowledgmentsInput, DiaryAcknowledgeInput, MarkAcknowledgeInput, MessageAcknowledgeInput,
  MessageConnection, MessageSendInput, MessageSendPayload, MessageThreadConnection, MessageThreadReadInput, MessageThreadReadPayload,
  MessageThreadStartInput, MessageThreadStartPayload,
} from '../schema/message.types';

const inputArg = { description: 'The input of the action.' } as const;

@Resolver(() => MessageThread)
export class MessageThreadResolver {
  @FieldResolver(() => Student, { nullable: true, description: 'The student the thread is about (personal data as the viewer may see them); null for a class thread.' })
  student(@Root() t: MessageThread, @GqlCtx() ctx: Ctx): Promise<Student | null> {
    return t.student ? ctx.loaders.studentById.load(t.student.id) : Promise.resolve(null);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class whose guardians a class thread is to; null for a thread about a student.' })
  schoolClass(@Root() t: MessageThread, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return t.schoolClass ? ctx.loaders.schoolClassById.load(t.schoolClass.id) : Promise.resolve(null);
  }

  @FieldResolver(() => Lesson, { nullable: true, description: 'A recommendation on a lesson: the lesson; null for other threads.' })
  lesson(@Root() t: MessageThread, @GqlCtx() ctx: Ctx): Promise<Lesson | null> {
    return ctx.services.messages.threadLesson(ctx, t);
  }

  @FieldResolver(() => Staff, { description: 'The staff member the thread is with.' })
  staff(@Root() t: MessageThread, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return required(ctx.loaders.staffById.load(t.staff.id), 'Staff member');
  }

  @FieldResolver(() => MessageConnection, { description: 'Its messages, the newest first.' })
  messages(@Root() t: MessageThread, @Args(() => PageArgs) page: PageArgs, @GqlCtx() ctx: Ctx): Promise<MessageConnection> {
    return ctx.services.messages.messages(ctx, t, page.first, page.after);
  }

  @FieldResolver(() => Message, { nullable: true, description: 'Its latest message.' })
  lastMessage(@Root() t: MessageThread, @GqlCtx() ctx: Ctx): Promise<Message | null> {
    return ctx.services.messages.lastMessage(ctx, t);
  }

  @FieldResolver(() => Int, { description: 'Messages of others the viewer has not read (written after their last `messageThreadRead` of it).' })
  unreadCount(@Root() t: MessageThread, @GqlCtx() ctx: Ctx): Promise<number> {
    return ctx.services.messages.unreadCount(ctx, t);
  }
}

@Resolver(() => Message)
export class MessageResolver {
  @FieldResolver(() => MessageThread, { description: 'The thread.' })
  thread(@Root() m: Message, @GqlCtx() ctx: Ctx): Promise<MessageThread> {
    return ctx.services.messages.thread(ctx, m.thread.id);
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'The author, when a staff member wrote it.' })
  authorStaff(@Root() m: Message, @GqlCtx() ctx: Ctx): Promise<Staff | null> {
    return m.authorStaff ? ctx.loaders.staffById.load(m.authorStaff.id) : Promise.resolve(null);
  }

  @FieldResolver(() => Guardian, { nullable: true, description: 'The author, when a guardian wrote it (personal data as the viewer may see them).' })
  authorGuardian(@Root() m: Message, @GqlCtx() ctx: Ctx): Promise<Guardian | null> {
    return m.authorGuardian ? ctx.loaders.guardianById.load(m.authorGuardian.id) : Promise.resolve(null);
  }

  @FieldResolver(() => Student, { nullable: true, description: 'The author, when the student wrote it.' })
  authorStudent(@Root() m: Message, @GqlCtx() ctx: Ctx): Promise<Student | null> {
    return m.authorStudent ? ctx.loaders.studentById.load(m.authorStudent.id) : Promise.resolve(null);
  }

  @FieldResolver(() => Boolean, { description: 'The viewer wrote it.' })
  mine(@Root() m: Message, @GqlCtx() ctx: Ctx): boolean {
    return m.author.id === ctx.viewer?.userId;
  }
}

@Resolver(() => Acknowledgment)
export class AcknowledgmentResolver {
  @FieldResolver(() => Student, { description: 'The student.' })
  student(@Root() a: Acknowledgment, @GqlCtx() ctx: Ctx): Promise<Student> {
    return required(ctx.loaders.studentById.load(a.student.id), 'Student');
  }

  @FieldResolver(() => Guardian, { description: 'The guardian who acknowledged (personal data as the viewer may see them).' })
  guardian(@Root() a: Acknowledgment, @GqlCtx() ctx: Ctx): Promise<Guardian> {
    return required(ctx.loaders.guardianById.load(a.guardian.id), 'Guardian');
  }

  @FieldResolver(() => ID, { nullable: true, description: 'MARK: global ID of the mark; null otherwise.' })
  markId(@Root() a: Acknowledgment): string | null {
    return a.mark ? toGlobalId('Mark', a.mark.id) : null;
  }

  @FieldResolver(() => ID, { nullable: true, description: 'MESSAGE: global ID of the message; null otherwise.' })
  messageId(@Root() a: Acknowledgment): string | null {
    return a.message ? toGlobalId('Message', a.message.id) : null;
  }
}

/** Messages and acknowledgments (R-JOUR-12, R-DIARY-5). */
@Resolver()
export class MessagesResolver {
  @Query(() => MessageThreadConnection, { description: 'R-JOUR-12: the message threads the viewer takes part in today, the most recently active first; optionally of one student or class. A guardian\'s: their children\'s threads and their classes\' announcements; a student\'s: their own; staff: the threads they are the staff member of. Everyone but the analyst.' })
  messageThreads(
    @Arg('studentId', () => ID, { nullable: true, description: 'Only the threads about this student.' }) studentId: string | null | undefined,
    @Arg('classId', () => ID, { nullable: true, description: 'Only the threads to this class.' }) classId: string | null | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @GqlCtx() ctx: Ctx,
  ): Promise<MessageThreadConnection> {
    return ctx.services.messages.threads(ctx, { studentId, classId, first: page.first, after: page.after });
  }

  @Query(() => Int, { description: 'R-JOUR-12: messages of others the viewer has not read, over every thread they take part in (of one school, if given).' })
  messageUnreadCount(
    @Arg('schoolId', () => ID, { nullable: true, description: 'Only this school\'s threads.' }) schoolId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<number> {
    return ctx.services.messages.unreadTotal(ctx, schoolId);
  }

  @Query(() => AcknowledgmentReport, { description: 'R-DIARY-5: which guardians have and have not acknowledged a week of a class\'s diary (the class teacher, the DIRECTOR and the DEPUTY), a mark (they and the teacher who posted it) or a message (they and the thread\'s staff member). NOT_FOUND outside the viewer\'s schools; FORBIDDEN for other members.' })
  acknowledgments(@Arg('input', () => AcknowledgmentsInput, { description: 'What the report is about.' }) input: AcknowledgmentsInput, @GqlCtx() ctx: Ctx): Promise<AcknowledgmentReport> {
    return ctx.services.messages.acknowledgments(ctx, input);
  }

  @Mutation(() => MessageThreadStartPayload, { description: 'R-JOUR-12: starts a thread with its first message — staff about a student they take part in educating (with `lessonId`: a recommendation on a lesson they conduct), the class teacher to all guardians of their class (`classId`), a guardian or the student to a staff member of the student (`teacherId`). A student the viewer may not see is NOT_FOUND; a class they do not lead is NOT_CLASS_TEACHER. Audited; delivered live to the participants.' })
  async messageThreadStart(@Arg('input', () => MessageThreadStartInput, inputArg) input: MessageThreadStartInput, @GqlCtx() ctx: Ctx): Promise<MessageThreadStartPayload> {
    return Object.assign(new MessageThreadStartPayload(), await ctx.services.messages.threadStart(ctx, input));
  }

  @Mutation(() => MessageSendPayload, { description: 'R-JOUR-12: writes a message in a thread the viewer takes part in today; a class thread only by its class teacher (others: REPLIES_CLOSED). Audited; delivered live to the participants.' })
  async messageSend(@Arg('input', () => MessageSendInput, inputArg) input: MessageSendInput, @GqlCtx() ctx: Ctx): Promise<MessageSendPayload> {
    return Object.assign(new MessageSendPayload(), await ctx.services.messages.send(ctx, input));
  }

  @Mutation(() => MessageThreadReadPayload, { description: 'R-JOUR-12: records that the viewer has read a thread up to now (their read receipt): its `unreadCount` becomes 0 for them.' })
  async messageThreadRead(@Arg('input', () => MessageThreadReadInput, inputArg) input: MessageThreadReadInput, @GqlCtx() ctx: Ctx): Promise<MessageThreadReadPayload> {
    return Object.assign(new MessageThreadReadPayload(), await ctx.services.messages.threadRead(ctx, input));
  }

  @Mutation(() => AcknowledgmentPayload, { description: 'R-DIARY-5: a guardian acknowledges a week of their child\'s diary. Again: the same acknowledgment, nothing written. Delivered live to the class teacher.' })
  async diaryAcknowledge(@Arg('input', () => DiaryAcknowledgeInput, inputArg) input: DiaryAcknowledgeInput, @GqlCtx() ctx: Ctx): Promise<AcknowledgmentPayload> {
    return Object.assign(new AcknowledgmentPayload(), { acknowledgments: [] }, await ctx.services.messages.diaryAcknowledge(ctx, input));
  }

  @Mutation(() => AcknowledgmentPayload, { description: 'R-DIARY-5: a guardian acknowledges a mark of their child. Again: the same acknowledgment, nothing written.' })
  async markAcknowledge(@Arg('input', () => MarkAcknowledgeInput, inputArg) input: MarkAcknowledgeInput, @GqlCtx() ctx: Ctx): Promise<AcknowledgmentPayload> {
    return Object.assign(new AcknowledgmentPayload(), { acknowledgments: [] }, await ctx.services.messages.markAcknowledge(ctx, input));
  }

  @Mutation(() => AcknowledgmentPayload, { description: 'R-DIARY-5: a guardian acknowledges a message of a thread they take part in (for each of their children it concerns). Again: the same acknowledgments, nothing written.' })
  async messageAcknowledge(@Arg('input', () => MessageAcknowledgeInput, inputArg) input: MessageAcknowledgeInput, @GqlCtx() ctx: Ctx): Promise<AcknowledgmentPayload> {
    return Object.assign(new AcknowledgmentPayload(), { acknowledgments: [] }, await ctx.services.messages.messageAcknowledge(ctx, input));
  }
}

export const messageResolvers = [MessageThreadResolver, MessageResolver, AcknowledgmentResolver, MessagesResolver];
