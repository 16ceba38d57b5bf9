import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, TestApp, HttpClient, TEST_NOW } from './helpers/app';
import { countQueries, insertLesson } from './helpers/db';
import { ensurePoppler } from './helpers/poppler';
import * as f from './helpers/factories';

/**
 * R-DIARY-4: the printable weekly diary extract (PDF) through the real server — filled through the
 * journal's mutations, fetched over HTTP, read back with poppler-utils (`pdftotext`, `pdftoppm`) —
 * and who may get it (R-SEC-2, R-SEC-3, R-SEC-8, R-ROLE-8), over time.
 */
let app: TestApp;
let demo: f.Demo;
let origin: string;
let deputy: HttpClient;
let dir: string;
let math: string;
let russian: string;

const gid = f.gid;
const ERR = 'userErrors { code field message }';
const WEEK = '2025-11-26'; // a Wednesday: the week is Monday 24 – Sunday 30 November 2025

interface Fetched { status: number; headers: Headers; body: Buffer; json: any }

/** GET /extracts/diary with the query string `query`, as the holder of `token` (none: anonymous). */
async function extract(token: string | null, query: string): Promise<Fetched> {
  const res = await fetch(`${origin}/extracts/diary?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = Buffer.from(await res.arrayBuffer());
  let json: any = null;
  try { json = JSON.parse(body.toString('utf8')); } catch { /* a PDF */ }
  return { status: res.status, headers: res.headers, body, json };
}
const forStudent = (studentId: string, week = WEEK) => `student=${encodeURIComponent(gid('Student', studentId))}&week=${week}`;

let files = 0;
/** The PDF's text (pdftotext) in the order it was drawn — cell by cell, so a wrapped cell stays together — whitespace collapsed. */
function pdfText(pdf: Buffer): string {
  const file = path.join(dir, `extract-${++files}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

/** The document's metadata as `pdfinfo` shows it (the Info dictionary and any XMP stream), UTF-8. */
const pdfInfo = (file: string): string => ['-enc', '-meta']
  .map((mode) => execFileSync('pdfinfo', mode === '-enc' ? ['-enc', 'UTF-8', file] : ['-meta', file], { encoding: 'utf8' }))
  .join('\n');

/** The fonts of a PDF file (`pdffonts`): base name without the subset tag, and whether it is embedded and has a ToUnicode map. */
function pdfFonts(file: string): { name: string; embedded: boolean; unicode: boolean }[] {
  const rows = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter((row) => row.trim());
  return rows.map((row) => {
    // name, type (may have spaces), encoding, emb, sub, uni, object number, generation
    const cols = row.trim().split(/\s+/);
    const [emb, , uni] = cols.slice(-5, -2);
    return { name: cols[0].replace(/^[A-Z]{6}\+/, ''), embedded: emb === 'yes', unicode: uni === 'yes' };
  });
}

/** A refusal: JSON with the code, no PDF byte, none of the student's data. */
function expectRefused(r: Fetched, status: number, code: string, secrets: string[] = []): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.body.includes('%PDF')).toBe(false);
  expect(r.json.errors[0].extensions.code).toBe(code);
  const text = r.body.toString('utf8');
  for (const s of secrets) expect(text).not.toContain(s);
}

const workType = async (name: string) => gid('WorkType', (await app.sql(`select id from work_type where school_id = $1 and name = $2`, [demo.schoolId, name]))[0].id);

interface Fixture {
  classId: string;
  classTeacher: { staffId: string; login: string };
  teacher: { staffId: string; login: string };
  kid: Awaited<ReturnType<typeof f.student>>;
  other: Awaited<ReturnType<typeof f.student>>;
  parent: { userId: string; login: string };
  otherParent: { userId: string; login: string };
  kidAccount: { userId: string; login: string };
  monday: string;
  tuesday: string;
}

/**
 * A class with its class teacher, a mathematics teacher (lessons on Monday, lesson 2, and Tuesday,
 * lesson 3, with the class's bell schedule) and a Russian lesson on Tuesday; two students, each
 * with a parent account; the first also with an account of their own.
 */
async function fixture(): Promise<Fixture> {
  const classTeacher = await f.staff(app, demo.schoolId, { account: { lastName: 'Классная', firstName: 'Вера', middleName: 'Ивановна' } });
  const teacher = await f.staff(app, demo.schoolId, { account: { lastName: 'Математикова', firstName: 'Нина', middleName: 'Петровна' } });
  const classId = await f.schoolClass(app, demo.schoolId, demo.yearId, { grade: 6, classTeacherId: classTeacher.staffId });
  await f.assignment(app, { schoolId: demo.schoolId, yearId: demo.yearId, teacherId: teacher.staffId, subjectId: math, classId });
  await f.assignment(app, { schoolId: demo.schoolId, yearId: demo.yearId, teacherId: classTeacher.staffId, subjectId: russian, classId });
  await f.bellSchedule(app, { schoolId: demo.schoolId, yearId: demo.yearId, classId, slots: [[1, '08:30', '09:15'], [2, '09:25', '10:10'], [3, '10:30', '11:15']] });
  const parent = await f.user(app, demo.schoolId, ['PARENT']);
  const otherParent = await f.user(app, demo.schoolId, ['PARENT']);
  const kidAccount = await f.user(app, demo.schoolId, ['STUDENT']);
  const kid = await f.student(app, demo.schoolId, { classId, guardianUserId: parent.userId, studentUserId: kidAccount.userId });
  const other = await f.student(app, demo.schoolId, { classId, guardianUserId: otherParent.userId });
  const lesson = (subjectId: string, teacherId: string, date: string, n: number) =>
    insertLesson(app, { schoolId: demo.schoolId, yearId: demo.yearId, subjectId, teacherId, classId, date, n });
  const monday = gid('Lesson', await lesson(math, teacher.staffId, '2025-11-24', 2));
  const tuesday = gid('Lesson', await lesson(math, teacher.staffId, '2025-11-25', 3));
  await lesson(russian, classTeacher.staffId, '2025-11-25', 1);
  return { classId, classTeacher, teacher, kid, other, parent, otherParent, kidAccount, monday, tuesday };
}

/** The journal of the fixture's week, written through the API by the mathematics teacher. */
async function fillJournal(fx: Fixture): Promise<void> {
  const t = await app.as(fx.teacher.login);
  const [kid, other] = [gid('Student', fx.kid.studentId), gid('Student', fx.other.studentId)];
  const answer = await workType('Ответ на уроке');
  const homeworkChecked = await workType('Домашняя работа');
  const ok = (r: any, field: string) => expect(r[field].userErrors).toEqual([]);
  ok(await t.ok(`mutation($i: LessonContentSetInput!) { lessonContentSet(input: $i) { ${ERR} } }`,
    { i: { lessonId: fx.tuesday, topic: 'Сложение дробей', notes: 'Заметка для коллег: пересадить' } }), 'lessonContentSet');
  ok(await t.ok(`mutation($i: HomeworkSetInput!) { homeworkSet(input: $i) { ${ERR} } }`,
    { i: { lessonId: fx.tuesday, text: 'Выучить правило сложения', pages: 'с. 45–47', exercises: '№ 312, 315' } }), 'homeworkSet');
  ok(await t.ok(`mutation($i: MarksPostInput!) { marksPost(input: $i) { ${ERR} } }`, { i: { lessonId: fx.tuesday, marks: [
    { studentId: kid, workTypeId: answer, value: '5', comment: 'Молодец, у доски' },
    { studentId: kid, workTypeId: homeworkChecked, value: '4' },
    { studentId: other, workTypeId: answer, value: '2', comment: 'Не готов к уроку' },
  ] } }), 'marksPost');
  // Monday's attendance, entered a day late (allowed, flagged).
  ok(await t.ok(`mutation($i: AttendanceSetInput!) { attendanceSet(input: $i) { ${ERR} } }`, { i: { lessonId: fx.monday, absences: [
    { studentId: kid, status: 'ABSENT', reason: 'ILLNESS', note: 'справка от врача' },
    { studentId: other, status: 'LATE', reason: 'UNEXCUSED', minutesLate: 10 },
  ] } }), 'attendanceSet');
}

beforeAll(async () => {
  ensurePoppler();
  app = await startTestApp({ ERASURE_POLL_SECONDS: '0' });
  demo = await f.demo(app);
  origin = new URL(app.url).origin;
  deputy = await app.as('deputy');
  dir = mkdtempSync(path.join(os.tmpdir(), 'otmetka-extract-'));
  math = await f.subject(app, demo.schoolId, { name: 'Математика' });
  russian = await f.subject(app, demo.schoolId, { name: 'Русский язык' });
}, 300_000);
afterAll(async () => {
  await app?.stop();
  // KEEP_EXTRACT_FILES=1 keeps the PDFs and the PNG (in the system's temp folder) to look at.
  if (dir && !process.env.KEEP_EXTRACT_FILES) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => app.clock.pin(TEST_NOW));

describe('R-DIARY-4: the weekly diary extract', () => {
  test('R-DIARY-4, R-JOUR-2, R-JOUR-3, R-JOUR-5: a guardian gets the week as a PDF with the marks, comments, homework and absences; it renders to PNG with Cyrillic text', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    const parent = await app.as(fx.parent.login);

    // The client finds the extract through the student.
    const link = await parent.ok(`query($id: ID!) { student(id: $id) { diaryExtractUrl(week: "${WEEK}") } }`, { id: gid('Student', fx.kid.studentId) });
    expect(link.student.diaryExtractUrl).toBe(`/extracts/diary?${forStudent(fx.kid.studentId, '2025-11-24')}`);
    const res = await fetch(`${origin}${link.student.diaryExtractUrl}`, { headers: { authorization: `Bearer ${parent.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="diary-2025-11-24.pdf"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const text = pdfText(pdf);
    // The school, the student (Cyrillic name), the class and the week.
    expect(text).toContain('Выписка из электронного дневника');
    expect(text).toContain(`${fx.kid.pd.lastName} Пётр`);
    const [cls] = await app.sql(`select grade || letter as name from school_class where id = $1`, [fx.classId]);
    expect(text).toContain(`Класс: ${cls.name}`);
    expect(text).toContain('24.11.2025 – 30.11.2025');
    expect(text).toContain('Понедельник, 24 ноября 2025');
    expect(text).toContain('Вторник, 25 ноября 2025');
    // Lessons with times, subjects, teachers and topics.
    expect(text).toContain('10:30–11:15');
    expect(text).toContain('Математика');
    expect(text).toContain('Математикова Нина Петровна');
    expect(text).toContain('Тема: Сложение дробей');
    // The student's marks with their work types and the teacher's comment.
    expect(text).toContain('5 — Ответ на уроке');
    expect(text).toContain('4 — Домашняя работа');
    expect(text).toContain('«Молодец, у доски»');
    // Homework.
    expect(text).toContain('Выучить правило сложения');
    expect(text).toContain('с. 45–47');
    expect(text).toContain('№ 312, 315');
    // The absence with its reason and note, and the week in short.
    expect(text).toContain('Отсутствие по болезни');
    expect(text).toContain('справка от врача');
    // Both marks were posted in one call: in either order.
    expect(text).toMatch(/Математика: (5, 4|4, 5) /);
    expect(text).toContain('Пропущено уроков: 1 (по болезни — 1');
    // Nothing of the classmate, nothing of the staff's notes.
    expect(text).not.toContain(fx.other.pd.lastName);
    expect(text).not.toContain('Не готов к уроку');
    expect(text).not.toContain('2 — Ответ на уроке');
    expect(text).not.toContain('Опоздание');
    expect(text).not.toContain('Заметка для коллег');
    // No personal data in the document's metadata, which pdfinfo reads as UTF-8 text (the Cyrillic
    // title shows it would show the name); the page text above does have the name.
    const file = path.join(dir, `extract-${files}.pdf`);
    const info = pdfInfo(file);
    expect(info).toContain('Выписка из электронного дневника 24.11.2025–30.11.2025');
    expect(text).toContain(fx.kid.pd.lastName);
    expect(info).not.toContain(fx.kid.pd.lastName);
    expect(info).not.toContain('Пётр');
    // DejaVu Sans (regular and bold) embedded, with a Unicode map (text can be copied and searched).
    const fonts = pdfFonts(file);
    for (const name of ['DejaVuSans', 'DejaVuSans-Bold']) {
      expect(fonts).toContainEqual({ name, embedded: true, unicode: true });
    }

    // Rendered: a PNG page of real size (50 dpi).
    execFileSync('pdftoppm', ['-png', '-r', '50', file, path.join(dir, 'page')]);
    const pngs = readdirSync(dir).filter((n) => n.startsWith('page') && n.endsWith('.png'));
    expect(pngs.length).toBeGreaterThanOrEqual(1);
    const size = statSync(path.join(dir, pngs.sort()[0])).size;
    expect(size).toBeGreaterThan(10_000);
  });

  test('R-DIARY-4, R-ROLE-5, R-ROLE-6, R-ROLE-4: the student, the class teacher (who prints it for a guardian) and the student\'s teacher get it too; staff notes stay out', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    for (const login of [fx.kidAccount.login, fx.classTeacher.login, fx.teacher.login, 'deputy']) {
      const client = await app.as(login);
      const r = await extract(client.token, forStudent(fx.kid.studentId));
      expect([login, r.status]).toEqual([login, 200]);
      const text = pdfText(r.body);
      expect(text).toContain(fx.kid.pd.lastName);
      expect(text).toContain('«Молодец, у доски»');
      expect(text).not.toContain('Заметка для коллег');
      expect(text).not.toContain(fx.other.pd.lastName);
    }
  });

  test('R-DIARY-4: a week without lessons, and a student without consent (named by pseudonym)', async () => {
    const fx = await fixture();
    const parent = await app.as(fx.parent.login);
    const empty = await extract(parent.token, forStudent(fx.kid.studentId, '2025-12-10'));
    expect(empty.status).toBe(200);
    const text = pdfText(empty.body);
    expect(text).toContain('08.12.2025 – 14.12.2025');
    expect(text).toContain('Уроков нет');
    expect(text).toContain('Отметок за неделю нет.');

    await app.sql(`update student set consent_status = 'WITHDRAWN' where id = $1`, [fx.kid.studentId]);
    const [{ pseudonym }] = await app.sql(`select pseudonym from student where id = $1`, [fx.kid.studentId]);
    const r = await extract(parent.token, forStudent(fx.kid.studentId));
    expect(r.status).toBe(200);
    const withdrawn = pdfText(r.body);
    expect(withdrawn).toContain(`Обучающийся: ${pseudonym}`);
    expect(withdrawn).not.toContain(fx.kid.pd.lastName);
  });
  test('R-DIARY-4: the statements of an extract do not grow with the lessons and marks of the week', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    const parent = await app.as(fx.parent.login);
    const get = async () => expect((await extract(parent.token, forStudent(fx.kid.studentId))).status).toBe(200);
    await get();
    const before = await countQueries(app, get);
    // Six more lessons with a mark each, on other days of the week.
    const t = await app.as(fx.teacher.login);
    const answer = await workType('Ответ на уроке');
    for (const [date, n] of [['2025-11-24', 4], ['2025-11-24', 5], ['2025-11-25', 5], ['2025-11-25', 6], ['2025-11-26', 1], ['2025-11-27', 2]] as const) {
      const lessonId = gid('Lesson', await insertLesson(app, { schoolId: demo.schoolId, yearId: demo.yearId, subjectId: math, teacherId: fx.teacher.staffId, classId: fx.classId, date, n }));
      if (date <= '2025-11-25') {
        const r = await t.ok(`mutation($i: MarksPostInput!) { marksPost(input: $i) { ${ERR} } }`,
          { i: { lessonId, marks: [{ studentId: gid('Student', fx.kid.studentId), workTypeId: answer, value: '3', comment: `урок ${n}` }] } });
        expect(r.marksPost.userErrors).toEqual([]);
      }
    }
    const after = await countQueries(app, get);
    expect(after).toBe(before);
  });
});

describe('R-SEC-2, R-SEC-3: who may not get it', () => {
  test('R-SEC-2, R-SEC-3: a guardian of another student gets 404 NOT_FOUND, the same answer as for a student that does not exist; no PDF, no data', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    const stranger = await app.as(fx.otherParent.login);
    const secrets = [fx.kid.pd.lastName, 'Молодец', 'Выучить правило'];
    const denied = await extract(stranger.token, forStudent(fx.kid.studentId));
    expectRefused(denied, 404, 'NOT_FOUND', secrets);
    const missing = await extract(stranger.token, forStudent('00000000-0000-4000-8000-000000000000'));
    expectRefused(missing, 404, 'NOT_FOUND');
    expect(denied.json).toEqual(missing.json);
    // Nor does the schema hand out the link.
    const link = await stranger.gql(`query($id: ID!) { student(id: $id) { diaryExtractUrl(week: "${WEEK}") } }`, { id: gid('Student', fx.kid.studentId) });
    expect(link.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(link)).not.toContain('/extracts/diary');
    // Their own child's extract they do get.
    const own = await extract(stranger.token, forStudent(fx.other.studentId));
    expect(own.status).toBe(200);
    const ownText = pdfText(own.body);
    expect(ownText).toContain(`Обучающийся: ${fx.other.pd.lastName}`);
    expect(ownText).not.toContain(fx.kid.pd.lastName);
  });

  test('R-SEC-1: no token, a forged token, a one-time password — 401 / 403 with their codes, before anything is read', async () => {
    const fx = await fixture();
    const anon = await extract(null, forStudent(fx.kid.studentId));
    expectRefused(anon, 401, 'UNAUTHENTICATED', [fx.kid.pd.lastName]);
    expect(anon.headers.get('www-authenticate')).toBe('Bearer');
    const forged = await extract('not-a-token', forStudent(fx.kid.studentId));
    expectRefused(forged, 401, 'UNAUTHENTICATED');
    expect(forged.json.errors[0].extensions.reason).toBe('UNKNOWN');
    // Even a malformed request is first a matter of who asks.
    expectRefused(await extract(null, 'week=bad'), 401, 'UNAUTHENTICATED');
    const parent = await app.as(fx.parent.login);
    await app.sql(`update app_user set must_change_password = true where id = $1`, [fx.parent.userId]);
    const oneTime = await extract(parent.token, forStudent(fx.kid.studentId));
    expectRefused(oneTime, 403, 'FORBIDDEN', [fx.kid.pd.lastName]);
    expect(oneTime.json.errors[0].extensions.reason).toBe('PASSWORD_CHANGE_REQUIRED');
  });

  test('R-ROLE-8, R-SEC-3: the analyst and a teacher who does not teach the student get 404 and nothing personal', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    const analyst = await f.user(app, demo.schoolId, ['ANALYST'], { lastName: 'Аналитиков', firstName: 'Андрей' });
    const outsider = await f.staff(app, demo.schoolId);
    for (const login of [analyst.login, outsider.login]) {
      const client = await app.as(login);
      expectRefused(await extract(client.token, forStudent(fx.kid.studentId)), 404, 'NOT_FOUND',
        [fx.kid.pd.lastName, fx.kid.pd.phone, 'Молодец', 'Математикова']);
    }
  });

  test('R-DIARY-4: a malformed week or student ID is 400 BAD_USER_INPUT', async () => {
    const fx = await fixture();
    const parent = await app.as(fx.parent.login);
    const student = encodeURIComponent(gid('Student', fx.kid.studentId));
    for (const query of [
      `student=${student}&week=2025-13-01`,
      `student=${student}&week=2025-02-30`,
      `student=${student}&week=yesterday`,
      `student=${student}`,
      `student=${student}&week=2025-11-24&week=2025-12-01`,
      `week=${WEEK}`,
      `student=not-an-id&week=${WEEK}`,
      `student=${encodeURIComponent(gid('Lesson', fx.kid.studentId))}&week=${WEEK}`,
    ]) {
      const r = await extract(parent.token, query);
      expectRefused(r, 400, 'BAD_USER_INPUT', [fx.kid.pd.lastName]);
    }
  });
});

describe('R-SEC-3: access over time', () => {
  test('R-SEC-3, R-YEAR-11: after a transfer the old class\'s teachers get 404 from the next day; the guardian\'s extract shows both classes of the week', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    const newClass = await f.schoolClass(app, demo.schoolId, demo.yearId, { grade: 6 });
    const r = await deputy.ok(`mutation($i: StudentTransferInput!) { studentTransfer(input: $i) { ${ERR} } }`,
      { i: { studentId: gid('Student', fx.kid.studentId), toClassId: gid('SchoolClass', newClass), date: '2025-11-26' } });
    expect(r.studentTransfer.userErrors).toEqual([]);
    const [teacher, classTeacher, parent] = [await app.as(fx.teacher.login), await app.as(fx.classTeacher.login), await app.as(fx.parent.login)];
    // The last day in the old class is today: nothing changes before the school's midnight.
    const before = await extract(teacher.token, forStudent(fx.kid.studentId));
    expect(before.status).toBe(200);
    expect(pdfText(before.body)).toContain(`Обучающийся: ${fx.kid.pd.lastName}`);

    app.clock.pin('2025-11-25T21:00:00Z'); // midnight in Moscow
    for (const client of [teacher, classTeacher]) {
      expectRefused(await extract(client.token, forStudent(fx.kid.studentId)), 404, 'NOT_FOUND', [fx.kid.pd.lastName, 'Молодец']);
    }
    const ok = await extract(parent.token, forStudent(fx.kid.studentId));
    expect(ok.status).toBe(200);
    const text = pdfText(ok.body);
    const names = await app.sql(`select grade || letter as name from school_class where id = any($1::uuid[]) order by id = $2 desc`, [[fx.classId, newClass], fx.classId]);
    expect(text).toContain(`${names[0].name} (24.11–25.11), ${names[1].name} (26.11–30.11)`);
    expect(text).toContain('«Молодец, у доски»');
  });

  test('R-SEC-8: when the student leaves the school the diary service ends at once (the guardian\'s and the student\'s accounts are blocked); the class teacher keeps the extract to the last day, 404 from the next', async () => {
    const fx = await fixture();
    await fillJournal(fx);
    const [parent, self, classTeacher] = [await app.as(fx.parent.login), await app.as(fx.kidAccount.login), await app.as(fx.classTeacher.login)];
    const r = await deputy.ok(`mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { ${ERR} } }`,
      { i: { studentId: gid('Student', fx.kid.studentId), date: '2025-11-25', reason: 'Переезд' } });
    expect(r.studentLeave.userErrors).toEqual([]);
    for (const client of [parent, self]) {
      const refused = await extract(client.token, forStudent(fx.kid.studentId));
      expectRefused(refused, 401, 'UNAUTHENTICATED', [fx.kid.pd.lastName, 'Молодец']);
      expect(['BLOCKED', 'REVOKED']).toContain(refused.json.errors[0].extensions.reason);
    }
    const lastDay = await extract(classTeacher.token, forStudent(fx.kid.studentId));
    expect(lastDay.status).toBe(200);
    expect(pdfText(lastDay.body)).toContain(`Обучающийся: ${fx.kid.pd.lastName}`);

    app.clock.pin('2025-11-26T06:00:00Z');
    expectRefused(await extract(classTeacher.token, forStudent(fx.kid.studentId)), 404, 'NOT_FOUND', [fx.kid.pd.lastName, 'Молодец']);
  });
});
