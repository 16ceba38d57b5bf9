import type { TestApp } from './app';
import { user } from './factories';

/** The tables the school-year feature writes (audit trail included). */
export const YEAR_TABLES = ['school', 'academic_year', 'study_period', 'holiday', 'grading_system', 'grading_value', 'audit_entry'];

/** Row count and content fingerprint of every table in `tables`. */
export async function tableSnapshot(app: TestApp, tables: readonly string[]): Promise<Record<string, string>> {
  const cols = tables.map((t) => `(select count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') from "${t}" x) as "${t}"`);
  return (await app.sql(`select ${cols.join(', ')}`))[0];
}

/** Every outbox row but its delivery number (the server numbers earlier events meanwhile). */
const outboxRows = async (app: TestApp) =>
  (await app.sql(`select coalesce(md5(string_agg((to_jsonb(x) - 'seq')::text, '|' order by x.id)), '') as rows, count(*)::int as n from outbox_event x`))[0];

/**
 * Runs `fn` and asserts it changed nothing in `tables` (at least one) and published no live event
 * (the outbox's rows are compared, not only counted).
 */
export async function expectUnchanged<T>(app: TestApp, tables: readonly string[], fn: () => Promise<T>): Promise<T> {
  if (tables.length === 0) throw new Error('expectUnchanged: name the tables that must stay unchanged');
  const before = await tableSnapshot(app, tables);
  const events = await outboxRows(app);
  const r = await fn();
  expect(await tableSnapshot(app, tables)).toEqual(before);
  expect(await outboxRows(app)).toEqual(events);
  return r;
}

/** A dated lesson as lesson generation would create it (planned slot = actual slot); returns its id. */
export interface LessonRow {
  schoolId: string; yearId: string; subjectId: string; teacherId: string;
  classId?: string | null; groupId?: string | null; studentId?: string | null;
  date: string; n: number; roomId?: string | null;
}
export async function insertLesson(app: TestApp, o: LessonRow): Promise<string> {
  const [r] = await app.sql(`insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number, planned_room_id,
      date, lesson_number, room_id, subject_id, teacher_id, school_class_id, group_id, student_id, kind)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $3, $4, $5, $6, $7, $8, $9, $10, 'MAIN') returning id`,
  [o.schoolId, o.yearId, o.date, o.n, o.roomId ?? null, o.subjectId, o.teacherId, o.classId ?? null, o.groupId ?? null, o.studentId ?? null]);
  return r.id;
}

/**
 * A second school (`name`, `timeZone`) with its own user `login` (the demo password) holding `role`
 * there, who is no member of the demo school.
 */
export async function createOtherSchool(
  app: TestApp,
  { login, role, name, timeZone }: { login: string; role: string; name: string; timeZone: string },
): Promise<{ schoolId: string; schoolUuid: string }> {
  const [{ id: schoolUuid }] = await app.sql(`insert into school (id, created_at, updated_at, name, time_zone)
    values (gen_random_uuid(), now(), now(), $1, $2) returning id`, [name, timeZone]);
  await user(app, schoolUuid, [role], { login, lastName: 'Чужов', firstName: 'Пётр' });
  return { schoolId: Buffer.from(`School:${schoolUuid}`).toString('base64url'), schoolUuid };
}

/**
 * Counts that a refused auth call must leave unchanged: audit entries, sessions (all and revoked),
 * tokens, a fingerprint of the users, and with `usedTokens` the tokens already spent (`used`).
 */
export async function authCounts(app: TestApp, { usedTokens = false } = {}) {
  const used = usedTokens ? `(select count(*) from auth_token where used_at is not null)::int as used,` : '';
  const [row] = await app.sql(
    `select (select count(*) from audit_entry)::int as audit,
            (select count(*) from auth_session)::int as sessions,
            (select count(*) from auth_session where revoked_at is not null)::int as revoked,
            (select count(*) from auth_token)::int as tokens, ${used}
            (select md5(string_agg(u::text, ',' order by u.id)) from app_user u) as users`,
  );
  return row;
}

/** Statements of the server's background loops, which run on the same connection pool. */
const BACKGROUND = /outbox_sequence|outbox_prune|from outbox_event|outbox_head|erasure_job/;

/** Counts the SQL statements the server runs while `fn` runs (only those matching `only`, if given). */
export async function countQueries(app: TestApp, fn: () => Promise<unknown>, only?: RegExp): Promise<number> {
  const conn = app.orm.em.getConnection() as unknown as { logQuery: (...a: unknown[]) => void };
  const original = conn.logQuery;
  let n = 0;
  conn.logQuery = function (this: unknown, ...a: unknown[]) {
    // Background work of the server process (event delivery, erasure jobs) is not the request's.
    const sql = String(a[0]);
    if (!BACKGROUND.test(sql) && (!only || only.test(sql))) n++;
    return original.apply(this, a);
  };
  try {
    await fn();
  } finally {
    conn.logQuery = original;
  }
  return n;
}
