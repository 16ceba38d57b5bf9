import type { TestApp } from './app';

/*
 * Rows of the school as the services would write them, in a line each, for tests that need a
 * particular situation (a class, a teacher, a student with guardians, an assignment). Dates are
 * `YYYY-MM-DD`; every builder returns raw ids (use `gid` for global IDs). Options left out leave
 * their columns to the table's defaults (mostly null).
 */

/** The global ID of a row of `type`. */
export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

let n = 0;
const next = () => ++n;

/** Inserts one row of `table` with a fresh id and timestamps; columns given as `undefined` are not written. */
async function insert(app: TestApp, table: string, row: Record<string, unknown>): Promise<string> {
  const cols = Object.entries(row).filter(([, v]) => v !== undefined);
  const [{ id }] = await app.sql(`insert into ${table} (id, created_at, updated_at${cols.map(([c]) => `, ${c}`).join('')})
    values (gen_random_uuid(), now(), now()${cols.map((_, i) => `, $${i + 1}`).join('')}) returning id`, cols.map(([, v]) => v));
  return id;
}

/** The id of the account `login` (throws if there is none). */
async function userIdOf(app: TestApp, login: string): Promise<string> {
  const [row] = await app.sql(`select id from app_user where login = $1`, [login]);
  if (!row) throw new Error(`no account ${login}`);
  return row.id;
}

/** The demo school's and its current year's raw ids. */
export interface Demo { schoolId: string; yearId: string }

/** The demo school and its academic year 2025/2026 (tests pin DEMO_YEAR=2025). */
export async function demo(app: TestApp): Promise<Demo> {
  const [row] = await app.sql(`select s.id as school_id, y.id as year_id from school s join academic_year y on y.school_id = s.id
    where y.start_date <= '2025-11-25' and y.end_date >= '2025-11-25' limit 1`);
  return { schoolId: row.school_id, yearId: row.year_id };
}

/** An academic year of the school from `start` to `end` (named after its years and a counter unless `name` is given). */
export async function academicYear(app: TestApp, schoolId: string, start: string, end: string, o: { name?: string } = {}): Promise<string> {
  return insert(app, 'academic_year', { school_id: schoolId, name: o.name ?? `${start.slice(0, 4)}/${end.slice(0, 4)} ${next()}`, start_date: start, end_date: end });
}

/** An account with the demo password holding `roles` in the school (`blocked`: blocked now, for that reason). */
export async function user(app: TestApp, schoolId: string, roles: string[],
  o: { login?: string; lastName?: string; firstName?: string; middleName?: string; blocked?: string } = {}): Promise<{ userId: string; login: string }> {
  const login = o.login ?? `user${next()}x${Date.now() % 100000}`;
  const [{ password_hash }] = await app.sql(`select password_hash from app_user where login = 'admin'`);
  const id = await insert(app, 'app_user', {
    login, password_hash, last_name: o.lastName ?? 'Сотрудникова', first_name: o.firstName ?? 'Анна', middle_name: o.middleName,
    blocked_at: o.blocked === undefined ? undefined : new Date(), blocked_reason: o.blocked,
  });
  for (const role of roles) await grantRole(app, id, schoolId, role);
  return { userId: id, login };
}

/** A role of an existing account in a school. */
export async function grantRole(app: TestApp, userId: string, schoolId: string, role: string): Promise<void> {
  await insert(app, 'role_assignment', { user_id: userId, school_id: schoolId, role });
}

/** The Staff row (made if missing) of `userId`, of the account `login`, or of a new account with `roles` (TEACHER) and `account`'s options. */
export async function staff(app: TestApp, schoolId: string,
  o: { userId?: string; login?: string; roles?: string[]; account?: Parameters<typeof user>[3]; archived?: boolean } = {}): Promise<{ staffId: string; userId: string; login: string }> {
  const u = o.userId ? { userId: o.userId, login: (await app.sql(`select login from app_user where id = $1`, [o.userId]))[0].login as string }
    : o.login ? { userId: await userIdOf(app, o.login), login: o.login }
    : await user(app, schoolId, o.roles ?? ['TEACHER'], o.account);
  const [{ id }] = await app.sql(`insert into staff (id, created_at, updated_at, school_id, user_id, position, archived_at)
    values (gen_random_uuid(), now(), now(), $1, $2, 'Учитель', $3)
    on conflict (school_id, user_id) do update set position = staff.position returning id`, [schoolId, u.userId, o.archived ? new Date() : null]);
  return { staffId: id, ...u };
}

/** A class of a year (grade 7 and a fresh letter by default), led by `classTeacherId` (Staff) if given. */
export async function schoolClass(app: TestApp, schoolId: string, yearId: string,
  o: { grade?: number; letter?: string; classTeacherId?: string | null } = {}): Promise<string> {
  return insert(app, 'school_class', { school_id: schoolId, academic_year_id: yearId, grade: o.grade ?? 7, letter: o.letter ?? `Ф${next()}`, class_teacher_id: o.classTeacherId ?? null });
}

/** A FEDERAL subject of the school (archived now, with `archived`). */
export async function subject(app: TestApp, schoolId: string, o: { name?: string; archived?: boolean } = {}): Promise<string> {
  return insert(app, 'subject', { school_id: schoolId, name: o.name ?? `Предмет ${next()}`, component: 'FEDERAL', archived_at: o.archived ? new Date() : undefined });
}

/** A room of the school (archived now, with `archived`). */
export async function room(app: TestApp, schoolId: string, o: { name?: string; archived?: boolean } = {}): Promise<string> {
  return insert(app, 'room', { school_id: schoolId, name: o.name ?? `Кабинет ${next()}`, archived_at: o.archived ? new Date() : undefined });
}

/** A teaching assignment of `teacherId` (Staff) to a class or group for a year (2 hours a week by default). */
export async function assignment(app: TestApp,
  o: { schoolId: string; yearId: string; teacherId: string; subjectId: string; classId?: string; groupId?: string; hoursPerWeek?: number }): Promise<string> {
  return insert(app, 'teaching_assignment', {
    school_id: o.schoolId, academic_year_id: o.yearId, teacher_id: o.teacherId, subject_id: o.subjectId,
    school_class_id: o.classId ?? null, group_id: o.groupId ?? null, hours_per_week: o.hoursPerWeek ?? 2,
  });
}

/** The columns of a student row a test may set; the rest stay null (consent: NONE). */
export interface StudentFields {
  pseudonym?: string; consent?: 'NONE' | 'GIVEN' | 'REFUSED' | 'WITHDRAWN';
  lastName?: string; firstName?: string; birthDate?: string; sex?: 'MALE' | 'FEMALE'; phone?: string; userId?: string | null;
}

/** A student row with only the fields given (a fresh pseudonym by default), in `classId` from `from` (2025-09-01) to `to`, if given. */
export async function studentRow(app: TestApp, schoolId: string, o: StudentFields & { classId?: string; from?: string; to?: string | null } = {}): Promise<string> {
  const id = await insert(app, 'student', {
    school_id: schoolId, pseudonym: o.pseudonym ?? `Ф-${next()}`, consent_status: o.consent, last_name: o.lastName, first_name: o.firstName,
    birth_date: o.birthDate, sex: o.sex, phone: o.phone, user_id: o.userId,
  });
  if (o.classId) await enrol(app, id, o.classId, o.from ?? '2025-09-01', o.to ?? null);
  return id;
}

/** The personal data `student` writes, for content scans. */
export interface PersonalData { lastName: string; birthDate: string; phone: string; guardianLastName: string; guardianPhone: string }

/** A consenting student with personal data and one guardian (with a phone), in `classId` from `from` (to `to`, if given). */
export async function student(app: TestApp, schoolId: string, o: { classId?: string; from?: string; to?: string | null; guardianUserId?: string; studentUserId?: string } = {}):
  Promise<{ studentId: string; guardianId: string; pd: PersonalData }> {
  const k = next();
  const pd: PersonalData = {
    lastName: `Фамилиев${k}`, birthDate: `2013-0${(k % 9) + 1}-1${k % 10}`, phone: `+7 901 ${String(100 + k).padStart(3, '0')}-00-01`,
    guardianLastName: `Родителева${k}`, guardianPhone: `+7 902 ${String(100 + k).padStart(3, '0')}-00-02`,
  };
  const id = await studentRow(app, schoolId, {
    pseudonym: `Ф-${k}`, consent: 'GIVEN', lastName: pd.lastName, firstName: 'Пётр', birthDate: pd.birthDate, phone: pd.phone, userId: o.studentUserId ?? null,
    classId: o.classId, from: o.from, to: o.to,
  });
  const guardianId = await guardian(app, schoolId, { lastName: pd.guardianLastName, firstName: 'Мария', phone: pd.guardianPhone, userId: o.guardianUserId ?? null });
  await linkGuardian(app, id, guardianId);
  return { studentId: id, guardianId, pd };
}

/** A class membership from `from` (to `to`, inclusive, if given). */
export async function enrol(app: TestApp, studentId: string, classId: string, from: string, to: string | null = null): Promise<void> {
  await insert(app, 'class_membership', { student_id: studentId, school_class_id: classId, from_date: from, to_date: to });
}

/** A guardian row of the school with only the fields given (of the account `login` or `userId`, if given). */
export async function guardian(app: TestApp, schoolId: string,
  o: { lastName?: string; firstName?: string; phone?: string; email?: string; userId?: string | null; login?: string } = {}): Promise<string> {
  const userId = o.login ? await userIdOf(app, o.login) : o.userId;
  return insert(app, 'guardian', { school_id: schoolId, last_name: o.lastName, first_name: o.firstName, phone: o.phone, email: o.email, user_id: userId });
}

/** Makes `guardianId` a guardian (MOTHER by default) of `studentId`. */
export async function linkGuardian(app: TestApp, studentId: string, guardianId: string, kind = 'MOTHER'): Promise<void> {
  await insert(app, 'student_guardian', { student_id: studentId, guardian_id: guardianId, kind });
}

/** Makes the account `login` (the demo parent by default) a guardian (Морозова Ольга, MOTHER) of a student; returns the guardian's id. */
export async function guardianAccount(app: TestApp, schoolId: string, studentId: string, login = 'parent',
  o: { lastName?: string; firstName?: string; kind?: string } = {}): Promise<string> {
  const id = await guardian(app, schoolId, { lastName: o.lastName ?? 'Морозова', firstName: o.firstName ?? 'Ольга', login });
  await linkGuardian(app, studentId, id, o.kind);
  return id;
}

/** A study group of a year (an ELECTIVE of no class by default). */
export async function studyGroup(app: TestApp,
  o: { schoolId: string; yearId: string; kind?: string; name?: string; classId?: string; subjectId?: string; streamClassIds?: string[] }): Promise<string> {
  return insert(app, 'study_group', {
    school_id: o.schoolId, academic_year_id: o.yearId, name: o.name ?? `Группа ${next()}`, kind: o.kind ?? 'ELECTIVE',
    school_class_id: o.classId ?? null, subject_id: o.subjectId ?? null, stream_class_ids: o.streamClassIds,
  });
}

/** A group membership from `from` (to `to`, inclusive, if given). */
export async function groupMember(app: TestApp, studentId: string, groupId: string, from: string, to: string | null = null): Promise<void> {
  await insert(app, 'group_membership', { group_id: groupId, student_id: studentId, from_date: from, to_date: to });
}

/** A bell schedule of a year (of the class or group if given, else the school's default) with its slots `[lesson, "HH:MM", "HH:MM"]`. */
export async function bellSchedule(app: TestApp,
  o: { schoolId: string; yearId: string; classId?: string; groupId?: string; slots: [number, string, string][] }): Promise<string> {
  const id = await insert(app, 'bell_schedule', {
    school_id: o.schoolId, academic_year_id: o.yearId, name: `Режим ${next()}`, school_class_id: o.classId ?? null, group_id: o.groupId ?? null,
  });
  for (const [lesson, start, end] of o.slots) await insert(app, 'bell_slot', { bell_schedule_id: id, lesson_number: lesson, starts_at: start, ends_at: end });
  return id;
}
