import { startTestApp, TestApp } from './helpers/app';
import { collectLive } from './helpers/live';
import { insertLesson } from './helpers/db';
import { assignment, demo, gid, room, schoolClass, staff, student, subject, user } from './helpers/factories';

/**
 * Issue 11, R-DIARY-2, R-DIARY-3: one representation of a lesson. Read through the diary
 * (`studentDiary`), through `node(id)` and in a live event, the same selection serializes to the same
 * JSON for the same viewer — whichever read path (read model, ORM entity, event delivery) serves it.
 */
let app: TestApp;
const FIELDS = `id date lessonNumber plannedDate plannedLessonNumber startsAt endsAt status kind topic cancelReason moveReason moved
  isSubstitution substitutionReason movedFrom { date lessonNumber } subject { id name shortName } teacher { id fullName }
  conductingTeacher { id fullName } substituteTeacher { id fullName } room { id name } plannedRoom { id name }
  schoolClass { id name } group { id } academicYear { id name }`;

beforeAll(async () => {
  app = await startTestApp({ EVENTS_POLL_MS: '200' });
});
afterAll(async () => {
  await app?.stop();
});

test('issue 11, R-DIARY-2, R-DIARY-3: a lesson serializes identically through studentDiary, node(id) and a live event, for a parent', async () => {
  const { schoolId, yearId } = await demo(app);
  const classId = await schoolClass(app, schoolId, yearId);
  const subjectId = await subject(app, schoolId);
  const teacher = await staff(app, schoolId);
  await assignment(app, { schoolId, yearId, teacherId: teacher.staffId, subjectId, classId });
  const roomId = await room(app, schoolId);
  const parent = await user(app, schoolId, ['PARENT']);
  const child = await student(app, schoolId, { classId, guardianUserId: parent.userId });
  const lessonId = await insertLesson(app, { schoolId, yearId, subjectId, teacherId: teacher.staffId, classId, date: '2025-11-27', n: 2, roomId });
  const client = await app.as(parent.login);
  const deputy = await app.as('deputy');

  const stream = await collectLive(app.server.events, app.ws(client.token!),
    `subscription($s: ID!) { diaryEvents(studentId: $s) { kind ... on LessonCancelledEvent { lesson { ${FIELDS} } } } }`, { s: gid('Student', child.studentId) });
  const cancelled = await deputy.ok('mutation($i: LessonCancelInput!) { lessonCancel(input: $i) { userErrors { code } } }',
    { i: { lessonId: gid('Lesson', lessonId), reason: 'карантин' } });
  expect(cancelled.lessonCancel.userErrors).toEqual([]);
  await app.server.events.flush();
  await stream.until((r) => r.data.length === 1);
  const live = stream.data[0].diaryEvents.lesson;
  stream.unsubscribe();

  const viaNode = (await client.ok(`query($id: ID!) { node(id: $id) { ... on Lesson { ${FIELDS} } } }`, { id: gid('Lesson', lessonId) })).node;
  const diary = (await client.ok(`query($s: ID!) { studentDiary(studentId: $s, from: "2025-11-27", to: "2025-11-27") { lessons { ${FIELDS} } } }`,
    { s: gid('Student', child.studentId) })).studentDiary[0].lessons;
  const viaDiary = diary.find((l: { id: string }) => l.id === gid('Lesson', lessonId));

  expect(viaNode.status).toBe('CANCELLED');
  expect(JSON.stringify(viaDiary)).toBe(JSON.stringify(viaNode));
  expect(JSON.stringify(live)).toBe(JSON.stringify(viaNode));
});
