import { toGlobalId } from '../../src/schema/node';
import { EVERY_USER, STAFF_ADMIN, type Actor, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

const CORRESPONDENTS: Actor[] = EVERY_USER.filter((a) => a !== 'analyst');
const STAFF: Actor[] = [...STAFF_ADMIN, 'teacher', 'classteacher'];
const FAMILY: Actor[] = ['student', 'parent'];
const ERR = 'userErrors { code message }';

/**
 * Matrix entries of messages and acknowledgments (R-JOUR-12, R-DIARY-5). Everyone but the analyst
 * corresponds in the threads they take part in; a thread is started by staff about a student they
 * take part in educating, or by a guardian or the student to a staff member of the student; only a
 * guardian acknowledges; the class teacher, the DIRECTOR and the DEPUTY read who has and has not.
 */
export function messageOps(fx: MatrixFixtures): MatrixOp[] {
  const sql = (text: string, params: unknown[]) => fx.app.sql(text, params);
  /** The staff member a thread about `actor`'s student is with: the actor themself when staff, else the class teacher. */
  const threadStaff = (actor: Actor) => fx.staffUuid(STAFF.includes(actor) ? actor : 'classteacher');

  /** A thread (with one message by its staff member, an hour before the tests' school clock) about a student `actor` may see, the actor a participant where they can be. */
  async function thread(actor: Actor): Promise<{ threadId: string; messageId: string; studentId: string; classId: string }> {
    const { studentId, classId } = await fx.studentFor(actor);
    const staffUuid = await threadStaff(actor);
    const [u] = await sql('select user_id from staff where id = $1', [staffUuid]);
    const [t] = await sql(`insert into message_thread (id, created_at, updated_at, school_id, kind, student_id, staff_id, started_by_id, topic, last_message_at)
      values (gen_random_uuid(), now(), now(), $1, 'STUDENT', $2, $3, $4, 'Тема', '2025-11-25T08:00:00Z') returning id`, [fx.demoSchoolUuid(), fx.uuidOf(studentId), staffUuid, u.user_id]);
    const [m] = await sql(`insert into message (id, created_at, updated_at, school_id, thread_id, author_id, author_kind, author_staff_id, body, sent_at)
      values (gen_random_uuid(), now(), now(), $1, $2, $3, 'STAFF', $4, 'Сообщение', '2025-11-25T08:00:00Z') returning id`, [fx.demoSchoolUuid(), t.id, u.user_id, staffUuid]);
    return { threadId: toGlobalId('MessageThread', t.id), messageId: toGlobalId('Message', m.id), studentId, classId };
  }

  /** A mark of `actor`'s student (written directly, as marksPost would). */
  async function mark(actor: Actor): Promise<string> {
    const { studentId, classId } = await fx.studentFor(actor);
    const teacher = await fx.staffUuid('teacher');
    const [l] = await sql(`insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number,
        date, lesson_number, subject_id, teacher_id, school_class_id, kind)
      values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-20', 2, '2025-11-20', 2, $3, $4, $5, 'MAIN') returning id`,
    [fx.demoSchoolUuid(), fx.demoYearUuid(), await fx.newSubjectRow(), teacher, fx.uuidOf(classId)]);
    const [m] = await sql(`insert into mark (id, created_at, updated_at, school_id, lesson_id, student_id, work_type_id, grading_value_id, value, posted_by_id, posted_at, due_at)
      select gen_random_uuid(), now(), now(), $1, $2, $3, w.id, v.id, '4', $4, now(), now()
        from work_type w, grading_value v join grading_system s on s.id = v.grading_system_id
       where w.school_id = $1 and w.name = 'Ответ на уроке' and s.school_id = $1 and s.kind = 'FIVE_POINT' and v.code = '4' returning id`,
    [fx.demoSchoolUuid(), l.id, fx.uuidOf(studentId), teacher]);
    return toGlobalId('Mark', m.id);
  }

  /** Another family's thread, per call: a parent's or student's list must never hold it. */
  const foreign = new Map<string, { own: string; other: string }>();

  return [
    { field: 'Query.messageThreads', requirement: 'R-JOUR-12', allowed: CORRESPONDENTS,
      document: `query { messageThreads(first: 100) { nodes { id topic student { id } lastMessage { body } } } }`,
      variables: async (env) => {
        const own = await thread(env.actor);
        const other = await thread('admin');
        foreign.set(env.unique, { own: own.threadId, other: other.threadId });
        return {};
      },
      // A parent sees only their own child's threads (a student only their own), staff only the threads they are the staff member of.
      check: (r, env) => {
        const ids = r.data.messageThreads.nodes.map((n: { id: string }) => n.id);
        const { own, other } = foreign.get(env.unique)!;
        if (env.actor !== 'admin') expect(ids).not.toContain(other);
        expect(ids).toContain(own);
      } },
    { field: 'Query.messageUnreadCount', requirement: 'R-JOUR-12', allowed: CORRESPONDENTS,
      document: `query { messageUnreadCount }`,
      variables: async ({ actor }) => { await thread(actor); return {}; },
      check: (r, env) => {
        if (FAMILY.includes(env.actor)) expect(r.data.messageUnreadCount).toBeGreaterThan(0);
      } },
    { field: 'Query.acknowledgments', requirement: 'R-DIARY-5', allowed: ['director', 'deputy', 'classteacher'],
      document: `query($i: AcknowledgmentsInput!) { acknowledgments(input: $i) { kind acknowledgedCount pendingCount rows { student { id } guardian { id } acknowledgment { id } } } }`,
      variables: async () => {
        const { classId, studentId } = await fx.studentFor('parent');
        await sql(`insert into acknowledgment (id, created_at, updated_at, school_id, kind, student_id, guardian_id, user_id, week_start, acknowledged_at)
          select gen_random_uuid(), now(), now(), g.school_id, 'DIARY_WEEK', sg.student_id, g.id, g.user_id, '2025-11-17', now()
            from student_guardian sg join guardian g on g.id = sg.guardian_id where sg.student_id = $1`, [fx.uuidOf(studentId)]);
        return { i: { classId, week: '2025-11-19' } };
      },
      check: (r) => expect(r.data.acknowledgments).toMatchObject({ kind: 'DIARY_WEEK', acknowledgedCount: 1, pendingCount: 0 }) },

    { field: 'Mutation.messageThreadStart', requirement: 'R-JOUR-12', allowed: CORRESPONDENTS,
      document: `mutation($i: MessageThreadStartInput!) { messageThreadStart(input: $i) { thread { id kind } message { id authorKind } ${ERR} } }`,
      variables: async ({ actor }) => {
        const { studentId } = await fx.studentFor(actor);
        if (STAFF.includes(actor)) await fx.staffUuid(actor);
        const teacherId = FAMILY.includes(actor) ? toGlobalId('Staff', await fx.staffUuid('classteacher')) : undefined;
        return { i: { studentId, teacherId, topic: `Тема ${fx.next()}`, body: 'Добрый день!' } };
      } },
    { field: 'Mutation.messageSend', requirement: 'R-JOUR-12', allowed: CORRESPONDENTS,
      document: `mutation($i: MessageSendInput!) { messageSend(input: $i) { message { id authorKind } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { threadId: (await thread(actor)).threadId, body: 'Ответ' } }) },
    { field: 'Mutation.messageThreadRead', requirement: 'R-JOUR-12', allowed: CORRESPONDENTS,
      document: `mutation($i: MessageThreadReadInput!) { messageThreadRead(input: $i) { thread { id unreadCount } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { threadId: (await thread(actor)).threadId } }),
      check: (r) => expect(r.data.messageThreadRead.thread.unreadCount).toBe(0) },
    { field: 'Mutation.diaryAcknowledge', requirement: 'R-DIARY-5', allowed: ['parent'],
      document: `mutation($i: DiaryAcknowledgeInput!) { diaryAcknowledge(input: $i) { acknowledgments { id weekStart } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { studentId: (await fx.studentFor(actor)).studentId, week: '2025-11-19' } }) },
    { field: 'Mutation.markAcknowledge', requirement: 'R-DIARY-5', allowed: ['parent'],
      document: `mutation($i: MarkAcknowledgeInput!) { markAcknowledge(input: $i) { acknowledgments { id markId } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { markId: await mark(actor) } }) },
    { field: 'Mutation.messageAcknowledge', requirement: 'R-DIARY-5', allowed: ['parent'],
      document: `mutation($i: MessageAcknowledgeInput!) { messageAcknowledge(input: $i) { acknowledgments { id messageId } ${ERR} } }`,
      variables: async ({ actor }) => ({ i: { messageId: (await thread(actor)).messageId } }) },
  ];
}
