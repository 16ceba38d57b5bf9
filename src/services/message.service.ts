import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, hasRole, memberSchoolIds } from '../context';
import { rolesOf } from '../permissions/capabilities';
import { School } from '../entities/school.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { ConsentStatus, Guardian, Student } from '../entities/student.entity';
import { Staff } from '../entities/staff.entity';
import { Lesson } from '../entities/lesson.entity';
import { User } from '../entities/user.entity';
import { Mark } from '../entities/journal.entity';
import {
  Acknowledgment, AcknowledgmentKind, Message, MessageAuthorKind, MessageRead, MessageThread, MessageThreadKind,
} from '../entities/message.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { badInput, forbidden, notFound } from '../schema/errors';
import { UserErrorCode } from '../schema/user-error';
import { type Connection, decodeCursor, toConnection } from '../schema/connection';
import {
  type AcknowledgmentsInput, type DiaryAcknowledgeInput, type MarkAcknowledgeInput, type MessageAcknowledgeInput, type MessageSendInput,
  type MessageThreadReadInput, type MessageThreadStartInput, AcknowledgmentReport, AcknowledgmentStatus, MESSAGE_BODY_MAX, THREAD_TOPIC_MAX,
} from '../schema/message.types';
import { boundRows } from '../db/bound';
import { leanRow, prefixedColumns } from '../db/lean';
import { uuidArray, viewerKey } from '../loaders/roster.loaders';
import { publishEvent, publishEvents } from '../subscriptions/outbox';
import { ACKNOWLEDGED, MESSAGE_POSTED } from '../subscriptions/kinds/message.events';
import { type WriteResult, Problems, addDays, at, dateIn, isMember, lockRow, mondayOf, write, writeOnce } from './shared';
import { registerNodeType } from './node.service';
import { canSeeLesson } from './lesson.service';
import { FAMILY_ACCESS_REASONS, leadsClass, ownStaffId } from './participation';
import { clock } from '../clock';

/** R-DIARY-5: who reads acknowledgment reports by role (the class teacher by relation). */
const ACKNOWLEDGMENT_READERS = rolesOf('canReadAcknowledgments');

/** How the viewer writes in a thread. */
type Author =
  | { kind: MessageAuthorKind.STAFF; staffId: string }
  | { kind: MessageAuthorKind.GUARDIAN; guardianId: string }
  | { kind: MessageAuthorKind.STUDENT; studentId: string };


/** A page cursor's key: the last item's time (ISO, UTC) and id. */
const isPageKey = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2
  && typeof v[0] === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v[0])
  && typeof v[1] === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v[1]);

/** R-JOUR-12, R-SEC-3: a thread and its messages are seen by its participants today (`message_thread_access_at`). */
async function canSeeThread(ctx: Ctx, threadId: string, schoolId: string): Promise<boolean> {
  if (!ctx.viewer || !isMember(ctx, schoolId)) return false;
  return (await ctx.loaders.threadParticipation.load(viewerKey(ctx.viewer.userId, threadId))).length > 0;
}

registerNodeType<MessageThread>('MessageThread', { entity: MessageThread, visible: (ctx, t) => canSeeThread(ctx, t.id, t.school.id) });
registerNodeType<Message>('Message', { entity: Message, visible: (ctx, m) => canSeeThread(ctx, m.thread.id, m.school.id) });
// An acknowledgment is a fact of the student's diary: seen by those who may see the student (R-SEC-3);
// one of a message, like the message, only by the thread's participants.
registerNodeType<Acknowledgment>('Acknowledgment', {
  entity: Acknowledgment,
  visible: async (ctx, a) => {
    if (!a.message) return ctx.services.roster.canSeeStudent(ctx, a.student.id, a.school.id);
    const message = await ctx.loaders.messageById.load(a.message.id);
    return !!message && canSeeThread(ctx, message.thread.id, a.school.id);
  },
});

/**
 * R-SEC-4: no personal data of a student without consent (or after erasure) in the journal: a
 * message about them is refused like their marks (NO_CONSENT).
 */
function noConsent(p: Problems, student: Student, field: string[]): void {
  if (student.consentStatus !== ConsentStatus.GIVEN || student.erasedAt) {
    p.add(UserErrorCode.NO_CONSENT, 'The student has no consent to personal-data processing: no messages about them', field);
  }
}

/**
 * Messages and acknowledgments (R-JOUR-12, R-DIARY-5). A thread is about one student — between a
 * staff member who takes part in the student's education, the student's guardians and the student —
 * or from the class teacher to all guardians of a class (an announcement, not replied to). Who takes
 * part is decided today by one SQL definition (`message_thread_access_at`, on `student_access_at`),
 * so a removed guardian link, a student who left or a teacher no longer teaching ends access as
 * everywhere else. Every write is audited at the ORM level and published to the thread's
 * participants only (R-DIARY-3). A guardian acknowledges a week of the diary, a mark or a message
 * once; the class teacher and the administration read who has and has not.
 */
export class MessageService {
  constructor(private readonly config: AppConfig) {}

  // ---- reading ----

  /** The threads the viewer takes part in, the most recently active first (keyset pages). */
  async threads(ctx: Ctx, args: { studentId?: string | null; classId?: string | null; first: number; after?: string | null }): Promise<Connection<MessageThread>> {
    const viewer = ctx.viewer!;
    const studentId = args.studentId != null ? fromGlobalId(args.studentId, 'Student', 'studentId') : null;
    const classId = args.classId != null ? fromGlobalId(args.classId, 'SchoolClass', 'classId') : null;
    const key = decodeCursor(args.after, isPageKey);
    const rows = await boundRows<Record<string, unknown> & { __kinds: string[] }>(ctx.em,
      `with p as (select a.thread_id, array_agg(distinct a.participant) as kinds
                    from message_thread_access_at(?::timestamptz) a where a.user_id = ?::uuid group by a.thread_id)
       select t.*, p.kinds as "__kinds" from message_thread t join p on p.thread_id = t.id
        where t.school_id = any(?::uuid[]) and (?::uuid is null or t.student_id = ?::uuid) and (?::uuid is null or t.school_class_id = ?::uuid)
          ${key ? 'and (t.last_message_at, t.id) < (?::timestamptz, ?::uuid)' : ''}
        order by t.last_message_at desc, t.id desc limit ?`,
      [clock.now().toISOString(), viewer.userId, uuidArray(memberSchoolIds(ctx.viewer)), studentId, studentId, classId, classId, ...(key ?? []), args.first + 1]);
    const threads = rows.map((r) => {
      ctx.loaders.threadParticipation.prime(viewerKey(viewer.userId, String(r.id)), r.__kinds);
      return leanRow(MessageThread, r);
    });
    return toConnection(threads, args.first, (t) => [t.lastMessageAt.toISOString(), t.id]);
  }

  /** A thread's messages, the newest first; empty for a viewer who no longer takes part in it. */
  async messages(ctx: Ctx, t: MessageThread, first: number, after?: string | null): Promise<Connection<Message>> {
    const key = decodeCursor(after, isPageKey);
    if (!(await canSeeThread(ctx, t.id, t.school.id))) return toConnection([], first, () => null);
    const page = await ctx.loaders.threadMessages.load([t.id, first, ...(key ?? ['', ''])].join('|'));
    return toConnection(page, first, (m) => [m.sentAt.toISOString(), m.id]);
  }

  async unreadCount(ctx: Ctx, t: MessageThread): Promise<number> {
    if (!(await canSeeThread(ctx, t.id, t.school.id))) return 0;
    return ctx.loaders.threadUnread.load(viewerKey(ctx.viewer!.userId, t.id));
  }

  async lastMessage(ctx: Ctx, t: MessageThread): Promise<Message | null> {
    if (!(await canSeeThread(ctx, t.id, t.school.id))) return null;
    return ctx.loaders.lastMessageByThread.load(t.id);
  }

  /** Messages of others the viewer has not read, over every thread they take part in (of one school, if given). */
  async unreadTotal(ctx: Ctx, schoolGlobalId?: string | null): Promise<number> {
    const viewer = ctx.viewer!;
    const schools = schoolGlobalId != null ? [fromGlobalId(schoolGlobalId, 'School', 'schoolId')] : memberSchoolIds(ctx.viewer);
    if (schools.some((s) => !isMember(ctx, s))) throw notFound('School');
    const [r] = await boundRows<{ n: number }>(ctx.em,
      `select count(m.id)::int as n
         from (select distinct a.thread_id from message_thread_access_at(?::timestamptz) a where a.user_id = ?::uuid) p
         join message_thread t on t.id = p.thread_id and t.school_id = any(?::uuid[])
         join message m on m.thread_id = t.id and m.author_id <> ?::uuid
         left join message_read r on r.thread_id = t.id and r.user_id = ?::uuid
        where r.read_at is null or m.sent_at > r.read_at`,
      [clock.now().toISOString(), viewer.userId, uuidArray(schools), viewer.userId, viewer.userId]);
    return Number(r?.n ?? 0);
  }

  /** The thread's lesson (a recommendation), where the viewer may see it. */
  async threadLesson(ctx: Ctx, t: MessageThread): Promise<Lesson | null> {
    if (!t.lesson) return null;
    const l = await ctx.loaders.lessonById.load(t.lesson.id);
    return l && (await canSeeLesson(ctx, l)) ? l : null;
  }

  async thread(ctx: Ctx, id: string): Promise<MessageThread> {
    const t = await ctx.loaders.messageThreadById.load(id);
    if (!t) throw notFound('Message thread');
    return t;
  }

  // ---- writing: messages (R-JOUR-12) ----

  /**
   * Starts a thread with its first message: staff about a student they take part in educating (a
   * recommendation on a lesson they conduct), the class teacher to all guardians of their class, a
   * guardian or the student to a staff member who takes part in the student's education.
   */
  async threadStart(ctx: Ctx, input: MessageThreadStartInput): Promise<WriteResult<{ thread: MessageThread; message: Message }>> {
    const viewer = ctx.viewer!;
    if ((input.studentId == null) === (input.classId == null)) throw badInput('Give exactly one of studentId and classId', 'studentId');
    const p = new Problems();
    const topic = p.text(input.topic, at('topic'), 'The topic', THREAD_TOPIC_MAX);
    const body = p.text(input.body, at('body'), 'The message', MESSAGE_BODY_MAX);
    let schoolId: string;
    let kind: MessageThreadKind;
    let studentId: string | null = null;
    let classId: string | null = null;
    let lessonId: string | null = null;
    let staffId: string | null = null;
    let author: Author | null = null;
    if (input.classId != null) {
      kind = MessageThreadKind.CLASS;
      classId = fromGlobalId(input.classId, 'SchoolClass', 'classId');
      const cls = await ctx.loaders.schoolClassById.load(classId);
      if (!cls || !isMember(ctx, cls.school.id)) throw notFound('Class');
      schoolId = cls.school.id;
      if (input.lessonId != null) p.add(UserErrorCode.INVALID, 'A message to a class has no lesson', at('lessonId'));
      if (input.teacherId != null) p.add(UserErrorCode.INVALID, 'A message to a class is written by its class teacher: no teacherId', at('teacherId'));
      staffId = await ownStaffId(ctx.em, viewer.userId, schoolId);
      if (!staffId || !(await leadsClass(ctx.em, viewer.userId, classId))) {
        p.add(UserErrorCode.NOT_CLASS_TEACHER, 'Only the class teacher of this class writes to all of its guardians', at('classId'));
      } else author = { kind: MessageAuthorKind.STAFF, staffId };
    } else {
      kind = MessageThreadKind.STUDENT;
      studentId = fromGlobalId(input.studentId!, 'Student', 'studentId');
      const student = await ctx.loaders.studentById.load(studentId);
      if (!student || !isMember(ctx, student.school.id) || !(await ctx.services.roster.canSeeStudent(ctx, studentId, student.school.id))) throw notFound('Student');
      schoolId = student.school.id;
      noConsent(p, student, at('studentId'));
      const reasons = await this.accessReasons(ctx.em, viewer.userId, studentId);
      if (input.teacherId != null) {
        // A guardian or the student writes to a staff member of the student.
        if (input.lessonId != null) p.add(UserErrorCode.INVALID, 'A recommendation on a lesson is written by the teacher who conducts it', at('lessonId'));
        const teacherId = fromGlobalId(input.teacherId, 'Staff', 'teacherId');
        const teacher = await ctx.loaders.staffById.load(teacherId);
        const teaches = !!teacher && teacher.school.id === schoolId && !teacher.archivedAt
          && (await this.accessReasons(ctx.em, teacher.user.id, studentId)).some(isStaffReason);
        if (!teaches) p.add(UserErrorCode.NOT_PARTICIPANT, 'This staff member does not take part in the student\'s education', at('teacherId'));
        staffId = teacherId;
        if (reasons.includes('GUARDIAN')) {
          const [g] = await this.ownGuardianships(ctx.em, viewer.userId, [studentId]);
          if (g) author = { kind: MessageAuthorKind.GUARDIAN, guardianId: g.guardian_id };
        } else if (reasons.includes('SELF')) {
          author = { kind: MessageAuthorKind.STUDENT, studentId };
        }
        if (!author) p.add(UserErrorCode.INVALID, 'teacherId is for the student\'s guardians and the student; staff write without it', at('teacherId'));
      } else {
        staffId = await ownStaffId(ctx.em, viewer.userId, schoolId);
        if (!staffId || !reasons.some(isStaffReason)) {
          p.add(UserErrorCode.NOT_PARTICIPANT, 'Only staff who take part in the student\'s education start a thread about them; a guardian or the student names the teacher (teacherId)', at('studentId'));
        } else {
          author = { kind: MessageAuthorKind.STAFF, staffId };
          if (input.lessonId != null) {
            lessonId = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
            const lesson = await ctx.loaders.lessonById.load(lessonId);
            if (!lesson || !(await canSeeLesson(ctx, lesson))) throw notFound('Lesson');
            if (lesson.conductingTeacherId !== staffId) {
              p.add(UserErrorCode.NOT_TEACHER, 'A recommendation on a lesson is written by the teacher who conducts it', at('lessonId'));
            } else if (!(await this.isLessonStudent(ctx.em, lesson, studentId))) {
              p.add(UserErrorCode.NOT_IN_LESSON, 'The student is not one of this lesson\'s students on its date', at('lessonId'));
            }
          }
        }
      }
    }
    const tz = await ctx.services.schoolZones.of(ctx.em, schoolId);
    return write(ctx, async (em) => {
      p.throwIfAny();
      const now = clock.now();
      const thread = em.create(MessageThread, {
        school: em.getReference(School, schoolId), kind,
        student: studentId ? em.getReference(Student, studentId) : null,
        schoolClass: classId ? em.getReference(SchoolClass, classId) : null,
        lesson: lessonId ? em.getReference(Lesson, lessonId) : null,
        staff: em.getReference(Staff, staffId!), startedBy: em.getReference(User, viewer.userId), topic: topic!, lastMessageAt: now,
      });
      const message = this.newMessage(em, thread, viewer.userId, author!, body!, now);
      await em.flush();
      await this.publishMessage(em, thread, message, tz);
      return { thread, message };
    });
  }

  /** A message in a thread the viewer takes part in; a class thread is written by its class teacher only. */
  async send(ctx: Ctx, input: MessageSendInput): Promise<WriteResult<{ message: Message }>> {
    const viewer = ctx.viewer!;
    const threadId = fromGlobalId(input.threadId, 'MessageThread', 'threadId');
    const thread = await ctx.loaders.messageThreadById.load(threadId);
    if (!thread || !(await canSeeThread(ctx, threadId, thread.school.id))) throw notFound('Message thread');
    const kinds = await ctx.loaders.threadParticipation.load(viewerKey(viewer.userId, threadId));
    const p = new Problems();
    const body = p.text(input.body, at('body'), 'The message', MESSAGE_BODY_MAX);
    if (thread.student) {
      const student = await ctx.loaders.studentById.load(thread.student.id);
      if (student) noConsent(p, student, at('threadId'));
    }
    let author: Author | null = null;
    if (kinds.includes('STAFF')) author = { kind: MessageAuthorKind.STAFF, staffId: thread.staff.id };
    else if (thread.kind === MessageThreadKind.CLASS) {
      p.add(UserErrorCode.REPLIES_CLOSED, 'A message to the whole class is not replied to: write to the class teacher about your child (messageThreadStart with studentId and teacherId)', at('threadId'));
    } else if (kinds.includes('GUARDIAN')) {
      const [g] = await this.ownGuardianships(ctx.em, viewer.userId, [thread.student!.id]);
      if (g) author = { kind: MessageAuthorKind.GUARDIAN, guardianId: g.guardian_id };
    } else if (kinds.includes('SELF')) author = { kind: MessageAuthorKind.STUDENT, studentId: thread.student!.id };
    if (!author && !p.any) throw notFound('Message thread');
    const tz = await ctx.services.schoolZones.of(ctx.em, thread.school.id);
    return write(ctx, async (em) => {
      p.throwIfAny();
      // One writer per thread at a time: its last message time follows its messages.
      const locked = await lockRow(em, MessageThread, 'message_thread', threadId);
      if (!locked) throw notFound('Message thread');
      const now = clock.now();
      const message = this.newMessage(em, locked, viewer.userId, author!, body!, now);
      locked.lastMessageAt = now;
      await em.flush();
      await this.publishMessage(em, locked, message, tz);
      return { message };
    });
  }

  /** The viewer has read the thread up to now: its unread count for them is 0 (their read receipt). */
  async threadRead(ctx: Ctx, input: MessageThreadReadInput): Promise<WriteResult<{ thread: MessageThread }>> {
    const viewer = ctx.viewer!;
    const threadId = fromGlobalId(input.threadId, 'MessageThread', 'threadId');
    const thread = await ctx.loaders.messageThreadById.load(threadId);
    if (!thread || !(await canSeeThread(ctx, threadId, thread.school.id))) throw notFound('Message thread');
    return writeOnce(ctx, async (em) => {
      const now = clock.now();
      const read = await em.findOne(MessageRead, { thread: threadId, user: viewer.userId });
      if (read) read.readAt = now;
      else em.create(MessageRead, { thread: em.getReference(MessageThread, threadId), user: em.getReference(User, viewer.userId), readAt: now });
      await em.flush();
      return { thread };
    });
  }

  // ---- writing: acknowledgments (R-DIARY-5) ----

  /** A guardian acknowledges a week of their child's diary; again is a no-op. */
  async diaryAcknowledge(ctx: Ctx, input: DiaryAcknowledgeInput): Promise<WriteResult<{ acknowledgments: Acknowledgment[] }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const student = await ctx.loaders.studentById.load(studentId);
    if (!student || !isMember(ctx, student.school.id) || !(await ctx.services.roster.canSeeStudent(ctx, studentId, student.school.id))) throw notFound('Student');
    const tz = await ctx.services.schoolZones.of(ctx.em, student.school.id);
    const weekStart = mondayOf(input.week);
    const p = new Problems();
    if (weekStart > dateIn(tz, clock.now())) p.add(UserErrorCode.DATE_INVALID, `The week of ${input.week} has not begun`, at('week'));
    return this.acknowledge(ctx, p, student.school.id, tz, AcknowledgmentKind.DIARY_WEEK, [studentId], { weekStart });
  }

  /** A guardian acknowledges a mark of their child; again is a no-op. */
  async markAcknowledge(ctx: Ctx, input: MarkAcknowledgeInput): Promise<WriteResult<{ acknowledgments: Acknowledgment[] }>> {
    const markId = fromGlobalId(input.markId, 'Mark', 'markId');
    const [row] = await boundRows<Record<string, unknown>>(ctx.em, 'select * from mark where id = ?::uuid', [markId]);
    const mark = row ? leanRow(Mark, row) : null;
    if (!mark || !isMember(ctx, mark.school.id) || !(await ctx.services.roster.canSeeStudent(ctx, mark.student.id, mark.school.id))) throw notFound('Mark');
    const tz = await ctx.services.schoolZones.of(ctx.em, mark.school.id);
    return this.acknowledge(ctx, new Problems(), mark.school.id, tz, AcknowledgmentKind.MARK, [mark.student.id], { markId });
  }

  /** A guardian acknowledges a message of a thread they take part in as a guardian (for each of their children it concerns). */
  async messageAcknowledge(ctx: Ctx, input: MessageAcknowledgeInput): Promise<WriteResult<{ acknowledgments: Acknowledgment[] }>> {
    const messageId = fromGlobalId(input.messageId, 'Message', 'messageId');
    const message = await ctx.loaders.messageById.load(messageId);
    if (!message || !(await canSeeThread(ctx, message.thread.id, message.school.id))) throw notFound('Message');
    const thread = await this.thread(ctx, message.thread.id);
    const p = new Problems();
    if (message.author.id === ctx.viewer!.userId) p.add(UserErrorCode.INVALID, 'One\'s own message needs no acknowledgment', at('messageId'));
    const tz = await ctx.services.schoolZones.of(ctx.em, message.school.id);
    const students = thread.student ? [thread.student.id] : await this.classStudents(ctx.em, thread.schoolClass!.id, dateIn(tz, clock.now()), dateIn(tz, clock.now()));
    return this.acknowledge(ctx, p, message.school.id, tz, AcknowledgmentKind.MESSAGE, students, { messageId, threadId: thread.id });
  }

  /**
   * The one acknowledgment write: for each of the viewer's guardianships among `studentIds` (a
   * current link, `student_access_at` GUARDIAN), the acknowledgment of `target`, created unless it
   * exists. FORBIDDEN for a viewer who is no guardian of them. Only new ones are audited and published.
   */
  private async acknowledge(ctx: Ctx, p: Problems, schoolId: string, tz: string, kind: AcknowledgmentKind, studentIds: string[],
    target: { weekStart?: string; markId?: string; messageId?: string; threadId?: string }): Promise<WriteResult<{ acknowledgments: Acknowledgment[] }>> {
    const viewer = ctx.viewer!;
    const guardianships = await this.ownGuardianships(ctx.em, viewer.userId, studentIds);
    if (guardianships.length === 0) throw forbidden('Only a guardian of the student acknowledges (R-DIARY-5)');
    return writeOnce(ctx, async (em) => {
      p.throwIfAny();
      const now = clock.now();
      const out: Acknowledgment[] = [];
      const created: Acknowledgment[] = [];
      for (const g of guardianships) {
        const existing = await em.findOne(Acknowledgment, {
          kind, guardian: g.guardian_id, student: g.student_id,
          ...(target.weekStart ? { weekStart: target.weekStart } : {}), ...(target.markId ? { mark: target.markId } : {}), ...(target.messageId ? { message: target.messageId } : {}),
        });
        if (existing) { out.push(existing); continue; }
        const a = em.create(Acknowledgment, {
          school: em.getReference(School, schoolId), kind, student: em.getReference(Student, g.student_id), guardian: em.getReference(Guardian, g.guardian_id),
          user: em.getReference(User, viewer.userId), weekStart: target.weekStart ?? null,
          mark: target.markId ? em.getReference(Mark, target.markId) : null, message: target.messageId ? em.getReference(Message, target.messageId) : null,
          acknowledgedAt: now,
        });
        out.push(a);
        created.push(a);
      }
      if (created.length === 0) return { acknowledgments: out };
      await em.flush();
      const today = dateIn(tz, now);
      // The class teachers today (class_lead_at: the year's lead, not archived) of the students' classes today.
      const leads = await boundRows<{ student_id: string; staff_id: string }>(em,
        `select cm.student_id, st.id as staff_id from class_membership cm
           join class_lead_at(?::timestamptz) l on l.class_id = cm.school_class_id
           join staff st on st.user_id = l.user_id and st.school_id = ?::uuid and st.archived_at is null
          where cm.student_id = any(?::uuid[]) and cm.from_date <= ?::date and (cm.to_date is null or cm.to_date >= ?::date)`,
        [now.toISOString(), schoolId, uuidArray(created.map((a) => a.student.id)), today, today]);
      // The student's diary stream (the guardians, the student, their teachers) and the class teacher's
      // teacherEvents; one of a message only to the thread's participants, like the message itself.
      const recipientUserIds = target.threadId ? await this.threadRecipients(em, target.threadId) : undefined;
      await publishEvents(em, ACKNOWLEDGED, created.map((a) => ({
        schoolId, objectId: a.id, dateFrom: today, dateTo: today,
        targets: [{ studentId: a.student.id }], teacherStaffIds: leads.filter((l) => l.student_id === a.student.id).map((l) => l.staff_id),
        recipientUserIds,
      })));
      return { acknowledgments: out };
    });
  }

  // ---- reading: acknowledgments (R-DIARY-5) ----

  /**
   * Who has and has not acknowledged: a class's week of the diary (its class teacher today and the
   * DIRECTOR and DEPUTY), a mark (they, the student's class teacher and the teacher who posted it)
   * or a message (they, the student's class teacher and the thread's staff member). NOT_FOUND for a
   * record of another school; FORBIDDEN for other members.
   */
  async acknowledgments(ctx: Ctx, input: AcknowledgmentsInput): Promise<AcknowledgmentReport> {
    const viewer = ctx.viewer!;
    const given = [input.classId != null, input.markId != null, input.messageId != null].filter(Boolean).length;
    if (given !== 1) throw badInput('Give exactly one of classId (with week), markId and messageId', 'classId');
    let kind: AcknowledgmentKind;
    let schoolId: string;
    let students: string[];
    let weekStart: string | null = null;
    let allowed = false;
    let match: string;
    let param: string;
    if (input.classId != null) {
      if (input.week == null) throw badInput('Give the week with classId', 'week');
      const classId = fromGlobalId(input.classId, 'SchoolClass', 'classId');
      const cls = await ctx.loaders.schoolClassById.load(classId);
      if (!cls || !isMember(ctx, cls.school.id)) throw notFound('Class');
      schoolId = cls.school.id;
      kind = AcknowledgmentKind.DIARY_WEEK;
      weekStart = mondayOf(input.week);
      allowed = hasRole(viewer, ACKNOWLEDGMENT_READERS, schoolId) || (await leadsClass(ctx.em, viewer.userId, classId));
      // Everyone in the class on some day of the week.
      students = await this.classStudents(ctx.em, classId, weekStart, addDays(weekStart, 6));
      match = 'a.week_start = ?::date';
      param = weekStart;
    } else if (input.markId != null) {
      const markId = fromGlobalId(input.markId, 'Mark', 'markId');
      const [m] = await boundRows<{ school_id: string; student_id: string; posted_by_user: string }>(ctx.em,
        'select m.school_id, m.student_id, st.user_id as posted_by_user from mark m join staff st on st.id = m.posted_by_id where m.id = ?::uuid', [markId]);
      if (!m || !isMember(ctx, m.school_id)) throw notFound('Mark');
      schoolId = m.school_id;
      kind = AcknowledgmentKind.MARK;
      students = [m.student_id];
      // The teacher who posted it, while they take part in the student's education (as of today, as every relation).
      allowed = hasRole(viewer, ACKNOWLEDGMENT_READERS, schoolId)
        || (m.posted_by_user === viewer.userId && await ctx.services.roster.canSeeStudent(ctx, m.student_id, schoolId))
        || (await this.accessReasons(ctx.em, viewer.userId, m.student_id)).includes('CLASS_TEACHER');
      match = 'a.mark_id = ?::uuid';
      param = markId;
    } else {
      const messageId = fromGlobalId(input.messageId!, 'Message', 'messageId');
      const message = await ctx.loaders.messageById.load(messageId);
      if (!message || !isMember(ctx, message.school.id)) throw notFound('Message');
      schoolId = message.school.id;
      kind = AcknowledgmentKind.MESSAGE;
      const thread = await this.thread(ctx, message.thread.id);
      const tz = await ctx.services.schoolZones.of(ctx.em, schoolId);
      students = thread.student ? [thread.student.id] : await this.classStudents(ctx.em, thread.schoolClass!.id, dateIn(tz, clock.now()), dateIn(tz, clock.now()));
      allowed = hasRole(viewer, ACKNOWLEDGMENT_READERS, schoolId)
        || (await ctx.loaders.threadParticipation.load(viewerKey(viewer.userId, thread.id))).includes('STAFF')
        || (!!thread.student && (await this.accessReasons(ctx.em, viewer.userId, thread.student.id)).includes('CLASS_TEACHER'));
      match = 'a.message_id = ?::uuid';
      param = messageId;
    }
    if (!allowed) throw forbidden('Acknowledgments are read by the class teacher, the DIRECTOR and the DEPUTY (and the author of the mark or message)');
    const rows = await boundRows<Record<string, unknown> & { __has_account: boolean; __ack: string | null }>(ctx.em,
      `select s.*, g.user_id is not null as "__has_account", a.id as "__ack", ${prefixedColumns(Guardian, 'g', 'g__')}, ${prefixedColumns(Acknowledgment, 'a', 'a__')}
         from student s join student_guardian sg on sg.student_id = s.id and sg.removed_at is null
         join guardian g on g.id = sg.guardian_id
         left join acknowledgment a on a.guardian_id = g.id and a.student_id = s.id and a.kind = ?::acknowledgment_kind and ${match}
        where s.id = any(?::uuid[])
        order by s.last_name nulls last, s.first_name nulls last, s.pseudonym, g.last_name nulls last, g.first_name nulls last, g.id`,
      [kind, param, uuidArray(students)]);
    const out = rows.map((r) => Object.assign(new AcknowledgmentStatus(), {
      student: leanRow(Student, r),
      guardian: leanRow(Guardian, r, undefined, 'g__'),
      hasAccount: r.__has_account,
      acknowledgment: r.__ack ? leanRow(Acknowledgment, r, undefined, 'a__') : null,
    }));
    const acknowledgedCount = out.filter((r) => r.acknowledgment).length;
    return Object.assign(new AcknowledgmentReport(), { kind, weekStart, rows: out, acknowledgedCount, pendingCount: out.length - acknowledgedCount });
  }

  // ---- helpers ----

  private newMessage(em: EntityManager, thread: MessageThread, userId: string, author: Author, body: string, now: Date): Message {
    return em.create(Message, {
      school: thread.school, thread, author: em.getReference(User, userId), authorKind: author.kind,
      authorStaff: author.kind === MessageAuthorKind.STAFF ? em.getReference(Staff, author.staffId) : null,
      authorGuardian: author.kind === MessageAuthorKind.GUARDIAN ? em.getReference(Guardian, author.guardianId) : null,
      authorStudent: author.kind === MessageAuthorKind.STUDENT ? em.getReference(Student, author.studentId) : null,
      body, sentAt: now,
    });
  }

  /**
   * R-DIARY-3: a message to the streams of the student it concerns (each student of the class for a
   * class thread) and the staff member's teacherEvents — limited to the thread's participants now,
   * so another teacher of the student, subscribed to the same diary, does not receive it.
   */
  private async publishMessage(em: EntityManager, thread: MessageThread, message: Message, tz: string): Promise<void> {
    const today = dateIn(tz, message.sentAt);
    const recipients = await this.threadRecipients(em, thread.id);
    await publishEvent(em, MESSAGE_POSTED, {
      schoolId: thread.school.id, objectId: message.id, dateFrom: today, dateTo: today,
      targets: thread.student ? [{ studentId: thread.student.id }] : [{ classId: thread.schoolClass!.id }],
      teacherStaffIds: [thread.staff.id], details: { threadId: toGlobalId('MessageThread', thread.id) },
      recipientUserIds: recipients,
    });
  }

  /** The accounts taking part in a thread now (`message_thread_access_at`): the only receivers of its events. */
  private async threadRecipients(em: EntityManager, threadId: string): Promise<string[]> {
    const rows = await boundRows<{ user_id: string }>(em,
      'select distinct user_id from message_thread_access_at(?::timestamptz) where thread_id = ?::uuid', [clock.now().toISOString(), threadId]);
    return rows.map((r) => r.user_id);
  }

  /** How a user takes part in a student's education today (`student_access_at` reasons). */
  private async accessReasons(em: EntityManager, userId: string, studentId: string): Promise<string[]> {
    const rows = await boundRows<{ reason: string }>(em,
      'select distinct reason from student_access_at(?::timestamptz) where user_id = ?::uuid and student_id = ?::uuid', [clock.now().toISOString(), userId, studentId]);
    return rows.map((r) => r.reason);
  }

  /** The user's guardian rows linked today (GUARDIAN access) to these students. */
  private async ownGuardianships(em: EntityManager, userId: string, studentIds: string[]): Promise<{ student_id: string; guardian_id: string }[]> {
    if (!studentIds.length) return [];
    return boundRows<{ student_id: string; guardian_id: string }>(em,
      `select distinct a.student_id, g.id as guardian_id from student_access_at(?::timestamptz) a
         join student_guardian sg on sg.student_id = a.student_id and sg.removed_at is null
         join guardian g on g.id = sg.guardian_id and g.user_id = a.user_id
        where a.user_id = ?::uuid and a.reason = 'GUARDIAN' and a.student_id = any(?::uuid[])
        order by a.student_id, g.id`, [clock.now().toISOString(), userId, uuidArray(studentIds)]);
  }


  /** The class's students on some day from `from` to `to` (target_students). */
  private async classStudents(em: EntityManager, classId: string, from: string, to: string): Promise<string[]> {
    const rows = await boundRows<{ id: string }>(em, 'select t.id from target_students(?::uuid, null, null, ?::date, ?::date) t(id)', [classId, from, to]);
    return rows.map((r) => r.id);
  }

  private async isLessonStudent(em: EntityManager, lesson: Lesson, studentId: string): Promise<boolean> {
    const rows = await boundRows(em, 'select 1 from target_students(?::uuid, ?::uuid, ?::uuid, ?::date, ?::date) t(id) where t.id = ?::uuid',
      [lesson.schoolClass?.id ?? null, lesson.group?.id ?? null, lesson.student?.id ?? null, lesson.date, lesson.date, studentId]);
    return rows.length > 0;
  }
}

/** A reason of `student_access_at` that is the school's (not the family's). */
const isStaffReason = (reason: string) => !FAMILY_ACCESS_REASONS.includes(reason);
