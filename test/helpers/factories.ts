import type { TestApp } from './app';

/**
 * Rows of the school as the services would write them, in a line each, for tests that need a
 * particular situation (a class, a teacher, a student with guardians, an assignment). Dates are
 * `YYYY-MM-DD`; every builder returns raw ids (use `gid` for global IDs).
 */
export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

let n = 0;
const next = () => ++n;

export interface Demo { schoolId: string; yearId: string }

/** The demo school and its academic year 2025/2026 (tests pin DEMO_YEAR=2025). */
export async function demo(app: TestApp): Promise<Demo> {
  const [row] = await app.sql(`select s.id as school_id, y.id as year_id from school s join academic_year y on y.school_id = s.id
    where y.start_date <= '2025-11-25' and y.end_date >= '2025-11-25' limit 1`);
  return { schoolId: row.school_id, yearId: row.year_id };
}

export async function academicYear(app: TestApp, schoolId: string, start: string, end: string): Promise<string> {
  const [{ id }] = await app.sql(`insert into academic_year (id, created_at, updated_at, school_id, name, start_date, end_date)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4) returning id`, [schoolId, `${start.slice(0, 4)}/${end.slice(0, 4)} ${next()}`, start, end]);
  return id;
}

/** An account with the demo password holding `roles` in the school. */
export async function user(app: TestApp, schoolId: string, roles: string[], o: { login?: string; lastName?: string } = {}): Promise<{ userId: string; login: string }> {
  const login = o.login ?? `user${next()}x${Date.now() % 100000}`;
  const [{ password_hash }] = await app.sql(`select password_hash from app_user where login = 'admin'`);
  const [{ id }] = await app.sql(`insert into app_user (id, created_at, updated_at, login, password_hash, last_name, first_name)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, 'Анна') returning id`, [login, password_hash, o.lastName ?? 'Сотрудникова']);
  for (const role of roles) {
    await app.sql(`insert into role_assignment (id, created_at, updated_at, user_id, school_id, role) values (gen_random_uuid(), now(), now(), $1, $2, $3::role)`, [id, schoolId, role]);
  }
  return { userId: id, login };
}

/** A staff member (a new TEACHER account by default) of the school. */
export async function staff(app: TestApp, schoolId: string, o: { userId?: string; roles?: string[] } = {}): Promise<{ staffId: string; userId: string; login: string }> {
  const u = o.userId
    ? { userId: o.userId, login: (await app.sql(`select login from app_user where id = $1`, [o.userId]))[0].login as string }
    : await user(app, schoolId, o.roles ?? ['TEACHER']);
  const [{ id }] = await app.sql(`insert into staff (id, created_at, updated_at, school_id, user_id, position)
    values (gen_random_uuid(), now(), now(), $1, $2, 'Учитель') returning id`, [schoolId, u.userId]);
  return { staffId: id, ...u };
}

export async function schoolClass(app: TestApp, schoolId: string, yearId: string, o: { grade?: number; classTeacherId?: string | null } = {}): Promise<string> {
  const [{ id }] = await app.sql(`insert into school_class (id, created_at, updated_at, school_id, academic_year_id, grade, letter, class_teacher_id)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5) returning id`, [schoolId, yearId, o.grade ?? 7, `Ф${next()}`, o.classTeacherId ?? null]);
  return id;
}

export async function subject(app: TestApp, schoolId: string): Promise<string> {
  const [{ id }] = await app.sql(`insert into subject (id, created_at, updated_at, school_id, name, component)
    values (gen_random_uuid(), now(), now(), $1, $2, 'FEDERAL') returning id`, [schoolId, `Предмет ${next()}`]);
  return id;
}

/** A teaching assignment of `teacherId` (Staff) to a class or group for a year (optionally one period). */
export async function assignment(app: TestApp, o: { schoolId: string; yearId: string; teacherId: string; subjectId: string; classId?: string; groupId?: string }): Promise<string> {
  const [{ id }] = await app.sql(`insert into teaching_assignment (id, created_at, updated_at, school_id, academic_year_id, teacher_id, subject_id, school_class_id, group_id, hours_per_week)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $6, 2) returning id`, [o.schoolId, o.yearId, o.teacherId, o.subjectId, o.classId ?? null, o.groupId ?? null]);
  return id;
}

export interface PersonalData { lastName: string; birthDate: string; phone: string; guardianLastName: string; guardianPhone: string }

/**
 * A consenting student with personal data and one guardian (with a phone), in `classId` from
 * `from` (to `to`, if given). Returns the ids and the personal data written, for content scans.
 */
export async function student(app: TestApp, schoolId: string, o: { classId?: string; from?: string; to?: string | null; guardianUserId?: string; studentUserId?: string } = {}):
  Promise<{ studentId: string; guardianId: string; pd: PersonalData }> {
  const k = next();
  const pd: PersonalData = {
    lastName: `Фамилиев${k}`, birthDate: `2013-0${(k % 9) + 1}-1${k % 10}`, phone: `+7 901 ${String(100 + k).padStart(3, '0')}-00-01`,
    guardianLastName: `Родителева${k}`, guardianPhone: `+7 902 ${String(100 + k).padStart(3, '0')}-00-02`,
  };
  const [{ id }] = await app.sql(`insert into student (id, created_at, updated_at, school_id, pseudonym, consent_status, last_name, first_name, birth_date, phone, user_id)
    values (gen_random_uuid(), now(), now(), $1, $2, 'GIVEN', $3, 'Пётр', $4, $5, $6) returning id`,
  [schoolId, `Ф-${k}`, pd.lastName, pd.birthDate, pd.phone, o.studentUserId ?? null]);
  if (o.classId) await enrol(app, id, o.classId, o.from ?? '2025-09-01', o.to ?? null);
  const [{ id: guardianId }] = await app.sql(`insert into guardian (id, created_at, updated_at, school_id, last_name, first_name, phone, user_id)
    values (gen_random_uuid(), now(), now(), $1, $2, 'Мария', $3, $4) returning id`, [schoolId, pd.guardianLastName, pd.guardianPhone, o.guardianUserId ?? null]);
  await app.sql(`insert into student_guardian (id, created_at, updated_at, student_id, guardian_id, kind) values (gen_random_uuid(), now(), now(), $1, $2, 'MOTHER')`, [id, guardianId]);
  return { studentId: id, guardianId, pd };
}

/** A class membership from `from` (to `to`, inclusive, if given). */
export async function enrol(app: TestApp, studentId: string, classId: string, from: string, to: string | null = null): Promise<void> {
  await app.sql(`insert into class_membership (id, created_at, updated_at, student_id, school_class_id, from_date, to_date)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4)`, [studentId, classId, from, to]);
}

export async function room(app: TestApp, schoolId: string): Promise<string> {
  const [{ id }] = await app.sql(`insert into room (id, created_at, updated_at, school_id, name)
    values (gen_random_uuid(), now(), now(), $1, $2) returning id`, [schoolId, `Кабинет ${next()}`]);
  return id;
}

/** A study group of a year (an ELECTIVE of no class by default). */
export async function studyGroup(app: TestApp, o: { schoolId: string; yearId: string; kind?: string; classId?: string; subjectId?: string }): Promise<string> {
  const [{ id }] = await app.sql(`insert into study_group (id, created_at, updated_at, school_id, academic_year_id, name, kind, school_class_id, subject_id)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4::study_group_kind, $5, $6) returning id`,
  [o.schoolId, o.yearId, `Группа ${next()}`, o.kind ?? 'ELECTIVE', o.classId ?? null, o.subjectId ?? null]);
  return id;
}
