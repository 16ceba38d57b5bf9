import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { collectLive, Received } from './helpers/live';
import { insertLesson } from './helpers/db';
import { assignment, demo, gid, schoolClass, staff, student, subject, user } from './helpers/factories';
import { eventKinds } from '../src/subscriptions/event-registry';
import '../src/subscriptions/kinds';
import { clock } from '../src/clock';

/**
 * R-SEC-3, R-DIARY-3: every subscriber of a batch gets exactly what the same query over HTTP gives
 * it, whoever else receives the same event. One batch carries subscribers with different rights: the
 * administration (everything), a parent (their own child only), the lesson's teacher, a substitute,
 * and the teacher of one student's individual entry. Each event's object is compared, field for
 * field, with `node(id)` over HTTP by the same viewer, for every registered event kind.
 */
let app: TestApp;
let deputy: HttpClient;
let schoolId: string;
let yearId: string;
let classId: string;
let subjectId: string;
let lessonId: string;
/** the parent's child, and a classmate the parent may not see */
let child: { studentId: string; pd: { lastName: string } };
let classmate: { studentId: string; pd: { lastName: string; guardianPhone: string } };
const viewers: Record<string, HttpClient & { userId: string }> = {};
const staffIds: Record<string, string> = {};

const STUDENTS = 'studentCount students { id fullName birthDate phone guardians { guardian { fullName phone } } }';
/** The selection of each kind's object, the same in the event and over HTTP. */
const SELECTION: Record<string, { type: string; field: string; fields: string }> = {
  Lesson: { type: 'Lesson', field: 'lesson', fields: `id status date lessonNumber isSubstitution subject { name } teacher { fullName } conductingTeacher { fullName } schoolClass { name ${STUDENTS} }` },
  ControlWork: { type: 'ControlWork', field: 'controlWork', fields: `id date form title cancelReason schoolClass { name ${STUDENTS} }` },
  Mark: { type: 'Mark', field: 'mark', fields: 'id value comment late student { id fullName birthDate phone } workType { name } lesson { id }' },
  Homework: { type: 'Homework', field: 'homework', fields: `id text pages late lesson { id schoolClass { name ${STUDENTS} } }` },
  Attendance: { type: 'Attendance', field: 'attendance', fields: 'id status reason student { id fullName birthDate phone } lesson { id }' },
  FinalMark: { type: 'FinalMark', field: 'finalMark', fields: 'id kind value late student { id fullName birthDate phone } subject { name } setBy { fullName }' },
  Message: { type: 'Message', field: 'message', fields: 'id body authorKind mine authorStaff { fullName } authorGuardian { fullName phone } thread { id topic unreadCount student { id fullName birthDate phone } }' },
  Acknowledgment: { type: 'Acknowledgment', field: 'acknowledgment', fields: 'id kind weekStart student { id fullName birthDate phone } guardian { fullName phone }' },
  TimetableEntry: { type: 'TimetableEntry', field: 'timetableEntry', fields: `id weekday lessonNumber teacher { fullName } student { id fullName birthDate phone guardians { guardian { fullName phone } } currentClass { name ${STUDENTS} } }` },
};
const fragments = eventKinds().map((k) => {
  const sel = k.object ? SELECTION[k.object.name] : null;
  return `... on ${k.type.name} { ${sel ? `${sel.field} { ${sel.fields} }` : '__typename dateFrom'} }`;
}).join(' ');
const DIARY = `subscription($s: ID!) { diaryEvents(studentId: $s) { cursor kind ${fragments} } }`;
const TEACHER = `subscription { teacherEvents { cursor kind ${fragments} } }`;

interface Subscriber { name: string; client: HttpClient; stream: Received }
let subscribers: Subscriber[] = [];
const covered = new Set<string>();

/**
 * Runs `change`, waits for `kind` at every subscriber in `expected`, and compares each one's object
 * with what `node(id)` gives the same viewer over HTTP. Returns the objects by subscriber.
 */
async function expectSameAsHttp(kind: string, expected: string[], change: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const before = new Map(subscribers.map((s) => [s.name, s.stream.data.length]));
  const errorsBefore = new Map(subscribers.map((s) => [s.name, s.stream.errors.length]));
  await change();
  await app.server.events.flush();
  const got: Record<string, unknown> = {};
  const spec = eventKinds().find((k) => k.kind === kind)!;
  const sel = SELECTION[spec.object!.name];
  let objectId: string | undefined;
  for (const s of subscribers) {
    const fresh = () => s.stream.data.slice(before.get(s.name)).map((d) => d.diaryEvents ?? d.teacherEvents);
    if (expected.includes(s.name)) await s.stream.until(() => fresh().some((e) => e.kind === kind));
    const events = fresh();
    if (!expected.includes(s.name)) {
      expect({ subscriber: s.name, kinds: events.map((e) => e.kind) }).toEqual({ subscriber: s.name, kinds: [] });
      continue;
    }
    const [event] = events.filter((e) => e.kind === kind);
    const object = event[sel.field];
    // The object's id as the first expected subscriber received it (the administration, when expected, sees everything).
    objectId ??= object.id as string;
    const http = await s.client.gql(`query($id: ID!) { node(id: $id) { ... on ${sel.type} { ${sel.fields} } } }`, { id: objectId });
    // Errors inside the object (a field the viewer may not read) are the same too, by code and path.
    const errorsOf = (list: any[], skip: number) => list.map((e) => ({ code: e.extensions?.code, path: (e.path ?? []).slice(skip) }));
    const eventErrors = errorsOf(s.stream.errors.slice(errorsBefore.get(s.name)), 2);
    const httpErrors = errorsOf((http.errors ?? []).filter((e) => e.extensions?.code !== 'NOT_FOUND' || (e.path ?? []).length > 1), 1);
    expect({ subscriber: s.name, kind, object, errors: eventErrors })
      .toEqual({ subscriber: s.name, kind, object: http.data?.node ?? null, errors: httpErrors });
    got[s.name] = object;
  }
  // The administration sees every object: a kind whose object never arrives (say, an object type
  // without a node() registration) would otherwise compare null with null and pass.
  if (expected.includes('admin')) expect({ kind, admin: got.admin ?? null }).not.toEqual({ kind, admin: null });
  else expect(Object.keys(got).length).toBeGreaterThan(0);
  covered.add(kind);
  return got;
}

/** An event kind without an object (a deletion): exactly the `expected` subscribers receive it, with the same fields. */
async function expectReceivers(kind: string, expected: string[], change: () => Promise<unknown>): Promise<void> {
  const before = new Map(subscribers.map((s) => [s.name, s.stream.data.length]));
  await change();
  await app.server.events.flush();
  const seen: unknown[] = [];
  for (const s of subscribers) {
    const fresh = () => s.stream.data.slice(before.get(s.name)).map((d) => d.diaryEvents ?? d.teacherEvents);
    if (expected.includes(s.name)) await s.stream.until(() => fresh().some((e) => e.kind === kind));
    const events = fresh().filter((e) => e.kind === kind).map(({ cursor: _c, ...rest }) => rest);
    expect({ subscriber: s.name, count: events.length }).toEqual({ subscriber: s.name, count: expected.includes(s.name) ? 1 : 0 });
    seen.push(...events);
  }
  for (const e of seen) expect(e).toEqual(seen[0]);
  covered.add(kind);
}

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '200' });
  ({ schoolId, yearId } = await demo(app));
  deputy = await app.as('deputy');
  viewers.admin = await app.as('admin');
  const parent = await user(app, schoolId, ['PARENT']);
  for (const name of ['teacher', 'substitute', 'individual']) {
    const s = await staff(app, schoolId);
    staffIds[name] = s.staffId;
    viewers[name] = await app.as(s.login);
  }
  viewers.parent = await app.as(parent.login);
  classId = await schoolClass(app, schoolId, yearId);
  subjectId = await subject(app, schoolId);
  await assignment(app, { schoolId, yearId, teacherId: staffIds.teacher, subjectId, classId });
  child = await student(app, schoolId, { classId, guardianUserId: parent.userId });
  classmate = await student(app, schoolId, { classId });
  lessonId = await insertLesson(app, { schoolId, yearId, subjectId, teacherId: staffIds.teacher, classId, date: '2025-11-27', n: 3 });

  const diary = async (name: string) => ({ name, client: viewers[name], stream: await collectLive(app.server.events, app.ws(viewers[name].token), DIARY, { s: gid('Student', child.studentId) }) });
  const teacher = async (name: string) => ({ name, client: viewers[name], stream: await collectLive(app.server.events, app.ws(viewers[name].token), TEACHER) });
  subscribers = [await diary('admin'), await diary('parent'), await teacher('teacher'), await teacher('substitute'), await teacher('individual')];
});
afterAll(async () => {
  for (const s of subscribers) s.stream.unsubscribe();
  await app?.stop();
});

const L = () => gid('Lesson', lessonId);
const mutate = (doc: string, i: Record<string, unknown>) => deputy.ok(doc, { i }).then((d) => {
  const payload = Object.values(d)[0] as { userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
  return payload;
});

describe('R-SEC-3: each subscriber of a batch sees what it may, as over HTTP', () => {
  test('R-SEC-3, R-JOUR-6: lesson events — the parent gets their own child only, the administration the whole class, in the same batch', async () => {
    const got = await expectSameAsHttp('LESSON_SUBSTITUTED', ['admin', 'parent', 'teacher', 'substitute'], () =>
      mutate(`mutation($i: LessonSubstituteInput!) { lessonSubstitute(input: $i) { userErrors { code } } }`,
        { lessonId: L(), substituteTeacherId: gid('Staff', staffIds.substitute), reason: 'курсы' }));
    // The group was split by rights: the parent's payload holds their child, not the classmate.
    const parentText = JSON.stringify(got.parent);
    expect(parentText).toContain(child.pd.lastName);
    expect(parentText).not.toContain(classmate.pd.lastName);
    expect(parentText).not.toContain(classmate.pd.guardianPhone);
    expect(JSON.stringify(got.admin)).toContain(classmate.pd.lastName);
    expect(got.parent).not.toEqual(got.admin);

    await expectSameAsHttp('LESSON_MOVED', ['admin', 'parent', 'teacher', 'substitute'], () =>
      mutate(`mutation($i: LessonMoveInput!) { lessonMove(input: $i) { userErrors { code } } }`, { lessonId: L(), lessonNumber: 4, reason: 'перенос' }));
    await expectSameAsHttp('LESSON_SUBSTITUTION_REMOVED', ['admin', 'parent', 'teacher', 'substitute'], () =>
      mutate(`mutation($i: LessonSubstitutionRemoveInput!) { lessonSubstitutionRemove(input: $i) { userErrors { code } } }`, { lessonId: L() }));
    await expectSameAsHttp('LESSON_CANCELLED', ['admin', 'parent', 'teacher'], () =>
      mutate(`mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { userErrors { code } } }`, { lessonId: L(), reason: 'карантин' }));
    await expectSameAsHttp('LESSON_RESTORED', ['admin', 'parent', 'teacher'], () =>
      mutate(`mutation($i: LessonRestoreInput!) { lessonRestore(input: $i) { userErrors { code } } }`, { lessonId: L() }));
  });

  test('R-SEC-3, R-YEAR-10: control-work events — the same, for each subscriber', async () => {
    const scheduled = await expectSameAsHttp('CONTROL_WORK_SCHEDULED', ['admin', 'parent', 'teacher'], () =>
      mutate(`mutation($i: ControlWorkScheduleInput!) { controlWorkSchedule(input: $i) { controlWork { id } userErrors { code } } }`,
        { academicYearId: gid('AcademicYear', yearId), form: 'CONTROL_WORK', classId: gid('SchoolClass', classId), subjectId: gid('Subject', subjectId), date: '2025-12-03' }));
    const id = (scheduled.admin as { id: string }).id;
    expect(JSON.stringify(scheduled.parent)).not.toContain(classmate.pd.lastName);
    await expectSameAsHttp('CONTROL_WORK_CHANGED', ['admin', 'parent', 'teacher'], () =>
      mutate(`mutation($i: ControlWorkUpdateInput!) { controlWorkUpdate(input: $i) { userErrors { code } } }`, { id, date: '2025-12-04' }));
    await expectSameAsHttp('CONTROL_WORK_CANCELLED', ['admin', 'parent', 'teacher'], () =>
      mutate(`mutation($i: ControlWorkCancelInput!) { controlWorkCancel(input: $i) { userErrors { code } } }`, { id, reason: 'перенос программы' }));
  });

  test('R-SEC-3: an individual entry — its teacher gets exactly what HTTP gives them, though the administration shares the batch', async () => {
    // The reproduction of the leak: with the administration subscribed to the student's diary in the
    // same batch, the individual teacher's payload must still equal their own HTTP view.
    const got = await expectSameAsHttp('TIMETABLE_CHANGED', ['admin', 'parent', 'individual'], () =>
      mutate(`mutation($i: TimetableEntryCreateInput!) { timetableEntryCreate(input: $i) { userErrors { code } } }`, {
        academicYearId: gid('AcademicYear', yearId), weekday: 3, lessonNumber: 8, validFrom: '2025-11-26', validTo: '2025-12-24',
        studentId: gid('Student', child.studentId), subjectId: gid('Subject', subjectId), teacherId: gid('Staff', staffIds.individual),
      }));
    // Whatever the individual teacher may see of the student, never the classmates of the class.
    expect(JSON.stringify(got.individual)).not.toContain(classmate.pd.lastName);
    expect(JSON.stringify(got.parent)).not.toContain(classmate.pd.lastName);
    expect(JSON.stringify(got.admin)).toContain(classmate.pd.lastName);
  });

  test('R-SEC-3, R-DIARY-1: journal events — a mark, homework, attendance: each subscriber as over HTTP; a classmate\'s mark reaches only the teacher', async () => {
    const t = viewers.teacher;
    const run = (doc: string, i: Record<string, unknown>) => t.ok(doc, { i }).then((d) => {
      const payload = Object.values(d)[0] as { userErrors: unknown[] };
      expect(payload.userErrors).toEqual([]);
      return payload as any;
    });
    const [w] = await app.sql(`select id from work_type where name = 'Ответ на уроке' limit 1`);
    const post = (studentId: string, value: string) => run(`mutation($i: MarksPostInput!) { marksPost(input: $i) { marks { id } userErrors { code } } }`,
      { lessonId: L(), marks: [{ studentId: gid('Student', studentId), workTypeId: gid('WorkType', w.id), value }] });
    // The classmate's mark: not on the parent's child's diary stream (nor the administration's, subscribed to that child), only the teacher's.
    let classmateMark = '';
    await expectSameAsHttp('MARK_POSTED', ['teacher'], async () => { classmateMark = (await post(classmate.studentId, '2')).marks[0].id; });
    const got = await expectSameAsHttp('MARK_POSTED', ['admin', 'parent', 'teacher'], () => post(child.studentId, '5'));
    expect(JSON.stringify(got.parent)).toContain(child.pd.lastName);
    const markId = (got.admin as { id: string }).id;
    await expectSameAsHttp('MARK_CHANGED', ['admin', 'parent', 'teacher'], () =>
      run(`mutation($i: MarkCorrectInput!) { markCorrect(input: $i) { userErrors { code } } }`, { markId, value: '4', comment: 'исправлено' }));
    await expectReceivers('MARK_DELETED', ['admin', 'parent', 'teacher'], () =>
      run(`mutation($i: MarkDeleteInput!) { markDelete(input: $i) { userErrors { code } } }`, { markId }));
    await expectReceivers('MARK_DELETED', ['teacher'], () =>
      run(`mutation($i: MarkDeleteInput!) { markDelete(input: $i) { userErrors { code } } }`, { markId: classmateMark }));
    const hw = await expectSameAsHttp('HOMEWORK_SET', ['admin', 'parent', 'teacher'], () =>
      run(`mutation($i: HomeworkSetInput!) { homeworkSet(input: $i) { userErrors { code } } }`, { lessonId: L(), text: 'с. 12, № 5' }));
    // The class list inside the homework's lesson: the parent's view holds their child only.
    expect(JSON.stringify(hw.parent)).not.toContain(classmate.pd.lastName);
    expect(JSON.stringify(hw.admin)).toContain(classmate.pd.lastName);
    await expectReceivers('HOMEWORK_REMOVED', ['admin', 'parent', 'teacher'], () =>
      run(`mutation($i: HomeworkRemoveInput!) { homeworkRemove(input: $i) { userErrors { code } } }`, { lessonId: L() }));
    await expectSameAsHttp('ATTENDANCE_CHANGED', ['admin', 'parent', 'teacher'], () =>
      run(`mutation($i: AttendanceSetInput!) { attendanceSet(input: $i) { userErrors { code } } }`,
        { lessonId: L(), absences: [{ studentId: gid('Student', child.studentId), status: 'LATE', reason: 'UNEXCUSED', minutesLate: 5 }] }));
  });

  test('R-SEC-3, R-JOUR-8: a final mark — each subscriber as over HTTP; a classmate\'s reaches only the teacher', async () => {
    const [q2] = await app.sql(`select id from study_period where academic_year_id = $1 and name = '2 четверть' and 7 = any (grades)`, [yearId]);
    clock.pin('2025-12-22T09:00:00Z'); // the second quarter's last week
    try {
      const set = (studentId: string, value: string) => viewers.teacher.ok(`mutation($i: FinalMarkSetInput!) { finalMarkSet(input: $i) { userErrors { code } } }`,
        { i: { studentId: gid('Student', studentId), subjectId: gid('Subject', subjectId), periodId: gid('StudyPeriod', q2.id), value } })
        .then((d) => expect(d.finalMarkSet.userErrors).toEqual([]));
      await expectSameAsHttp('FINAL_MARK_SET', ['teacher'], () => set(classmate.studentId, '3'));
      const got = await expectSameAsHttp('FINAL_MARK_SET', ['admin', 'parent', 'teacher'], () => set(child.studentId, '5'));
      expect(JSON.stringify(got.parent)).toContain(child.pd.lastName);
      expect(JSON.stringify(got.parent)).not.toContain(classmate.pd.lastName);
    } finally {
      clock.pin('2025-11-25T09:00:00Z');
    }
  });

  test('R-SEC-3, R-JOUR-12, R-DIARY-5: a message reaches only the thread\'s participants, each as over HTTP; the administration on the same diary stream gets nothing; an acknowledgment as over HTTP', async () => {
    const START = `mutation($i: MessageThreadStartInput!) { messageThreadStart(input: $i) { thread { id } message { id } userErrors { code } } }`;
    let threadId = '';
    const first = await expectSameAsHttp('MESSAGE_POSTED', ['parent', 'teacher'], async () => {
      const r = await viewers.teacher.ok(START, { i: { studentId: gid('Student', child.studentId), topic: 'Рекомендации', body: 'Повторить таблицу умножения.' } });
      expect(r.messageThreadStart.userErrors).toEqual([]);
      threadId = r.messageThreadStart.thread.id;
    });
    // The same message, two viewers with different rights in one batch: each their own view (`mine`, unread counts).
    expect(first.teacher).toMatchObject({ mine: true, thread: { unreadCount: 0 } });
    expect(first.parent).toMatchObject({ mine: false, thread: { unreadCount: 1 } });
    // Not a participant: nothing on the stream, and nothing over HTTP either.
    const messageId = (first.teacher as { id: string }).id;
    expect((await viewers.admin.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: messageId })).data?.node ?? null).toBeNull();
    const reply = await expectSameAsHttp('MESSAGE_POSTED', ['parent', 'teacher'], () =>
      viewers.parent.ok(`mutation($i: MessageSendInput!) { messageSend(input: $i) { userErrors { code } } }`, { i: { threadId, body: 'Спасибо!' } }));
    expect(reply.teacher).toMatchObject({ authorKind: 'GUARDIAN', mine: false });
    expect(JSON.stringify(reply.parent)).not.toContain(classmate.pd.lastName);
    const ack = await expectSameAsHttp('ACKNOWLEDGED', ['admin', 'parent'], () =>
      viewers.parent.ok(`mutation($i: DiaryAcknowledgeInput!) { diaryAcknowledge(input: $i) { userErrors { code } } }`, { i: { studentId: gid('Student', child.studentId), week: '2025-11-24' } }));
    expect(ack.parent).toMatchObject({ kind: 'DIARY_WEEK', weekStart: '2025-11-24' });
  });

  test('R-DIARY-3: every registered event kind is covered by this file', () => {
    expect([...covered].sort()).toEqual(eventKinds().map((k) => k.kind).sort());
  });
});
