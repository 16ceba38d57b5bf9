import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { newToken } from '../src/services/tokens';

/** One subscriber of the benchmark: its own account, session and access token, and the child it follows. */
export interface BenchViewer {
  userId: string;
  login: string;
  token: string;
  studentId: string;
}

/** Rows per INSERT … SELECT FROM unnest(…). */
const CHUNK = 5000;

/**
 * `n` parent accounts of the school, each a guardian (kind GUARDIAN, a current link) of one of
 * `studentIds` (round-robin: several parents per student), each with a login session and an access
 * token of its own: the rows a login writes — `auth_session`, and `auth_token` holding the token's
 * SHA-256 (src/services/tokens.ts `newToken`, as AuthService.issueTokens stores it) — written in
 * bulk. No password is set (the hash verifies nothing): the accounts cannot log in, and creating
 * them costs neither argon2 nor login throttling.
 */
export async function createParentSessions(
  databaseUrl: string, schoolId: string, studentIds: string[], n: number, ttlSeconds: number,
): Promise<BenchViewer[]> {
  if (studentIds.length === 0) throw new Error('no students to link the bench parents to');
  const run = randomBytes(3).toString('hex');
  const viewers: BenchViewer[] = [];
  for (let i = 0; i < n; i++) {
    viewers.push({ userId: randomUUID(), login: `bench-parent-${run}-${i}`, token: '', studentId: studentIds[i % studentIds.length] });
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    for (let from = 0; from < n; from += CHUNK) {
      const chunk = viewers.slice(from, from + CHUNK);
      const users = chunk.map((v) => v.userId);
      const guardians = chunk.map(() => randomUUID());
      const sessions = chunk.map(() => randomUUID());
      const hashes = chunk.map((v) => {
        const access = newToken('otm_at');
        v.token = access.token;
        return access.hash;
      });
      await client.query(
        `insert into app_user (id, created_at, updated_at, login, password_hash, last_name, first_name, must_change_password)
         select u, now(), now(), l, '!', 'Bench', 'Parent ' || ordinality, false
           from unnest($1::uuid[], $2::text[]) with ordinality as t(u, l, ordinality)`,
        [users, chunk.map((v) => v.login)],
      );
      await client.query(
        `insert into role_assignment (id, created_at, updated_at, user_id, school_id, role)
         select gen_random_uuid(), now(), now(), u, $2, 'PARENT' from unnest($1::uuid[]) as t(u)`,
        [users, schoolId],
      );
      await client.query(
        `insert into guardian (id, created_at, updated_at, school_id, last_name, first_name, user_id)
         select g, now(), now(), $3, 'Bench', 'Parent', u from unnest($1::uuid[], $2::uuid[]) as t(g, u)`,
        [guardians, users, schoolId],
      );
      await client.query(
        `insert into student_guardian (id, created_at, updated_at, student_id, guardian_id, kind)
         select gen_random_uuid(), now(), now(), s, g, 'GUARDIAN' from unnest($1::uuid[], $2::uuid[]) as t(s, g)`,
        [chunk.map((v) => v.studentId), guardians],
      );
      await client.query(
        `insert into auth_session (id, user_id, created_at, ip, user_agent)
         select s, u, now(), '127.0.0.1', 'otmetka-bench' from unnest($1::uuid[], $2::uuid[]) as t(s, u)`,
        [sessions, users],
      );
      await client.query(
        `insert into auth_token (hash, session_id, kind, created_at, expires_at)
         select h, s, 'ACCESS', now(), now() + make_interval(secs => $3) from unnest($1::text[], $2::uuid[]) as t(h, s)`,
        [hashes, sessions, ttlSeconds],
      );
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return viewers;
}
