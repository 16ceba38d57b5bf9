import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { toGlobalId } from '../src/schema/node';
import { readAuditValues } from '../src/db/pd-keys';
import { benchDatabase } from './db';
import {
  DEMO_YEAR, SERVERS, TEST_NOW, ServerProcess, type ServerName, type Stats, fmt, login, option, postgresCpuMs, postmasterPid,
  ranInPinnedYear, ratioTable, serverEnv, sleep,
} from './reads.bench';

/**
 * Bulk posting of marks (issue 12): a teacher's `marksPost` of 30 marks — one for each student of a
 * class of 30 consenting students — against the same rows written by hand-written SQL, in the same
 * run on the same database:
 *   otmetka: this project's server (bench/reads-server.ts): the marks, one audit entry per mark
 *            (the ORM's audit subscriber, hash-chained by the database trigger) and one outbox event
 *            per mark (MARK_POSTED, publishEvent), all or nothing in one transaction;
 *   peer:    the hand-written reference (bench/reads-peer.ts): the same checks (the lesson's conducting
 *            teacher, its students with consent, the grading system, the work types) and the same rows
 *            — marks, audit entries (the actor's login and address encrypted with the actor's
 *            personal-data key as the project stores them, chained by the same trigger) and outbox
 *            events — in one transaction with one lock of the lesson row and one multi-row insert per
 *            table.
 * Both run alone in a child process, the school-calendar clock at TEST_NOW, the demo school of
 * DEMO_YEAR=2025, plus the class of 30 made here (its teacher, teaching assignment, and one dated
 * lesson per post: every post goes to a lesson of its own while the year has enough weekday lessons,
 * then they are reused in turn).
 *
 * Before anything is timed, one post through each server is checked in the database: 30 marks with
 * the values posted, 30 audit entries of entity type Mark with valid hashes and consecutive places in
 * the chain, 30 outbox events of kind MARK_POSTED — and the two servers' rows are compared field by
 * field (but for ids, times and the lesson): the reference writes what the project writes.
 *
 * Each server posts N times over HTTP (keep-alive) from one client, then from `--clients` clients at
 * once, after a warm-up; the servers take turns. Figures per server: posts/s, latency p50/p99 (this
 * process's clock around each request), server CPU per post (the child's process.cpuUsage), SQL
 * statements per post (counted in the child as reads.bench.ts counts them: over the run, and of one
 * post alone; otmetka's include its event hub's wake-up after each commit, which numbers the new
 * outbox events and reads them), PostgreSQL CPU per post (the embedded server's processes), and
 * otmetka/peer. The target: time per post (1 / posts/s) at most twice the reference's, with one
 * client and with many; p50 and p99 are shown beside it. At the end the school's audit chain is
 * verified whole (every hash recomputed, no gap in the sequence).
 *
 * The project's server runs with its default connection pool (10, `--pool` to change it): a journal
 * write holds one connection at a time — whether the viewer may see a lesson they do not conduct is
 * asked after its transaction rolled back — so `--clients=16` with the default pool passes. The
 * reference needs one connection per post.
 *
 * Options (`npm run bench -- journal --runs=50`):
 *   --runs=N      timed posts per server and mode (default 200)
 *   --warmup=N    posts per server and mode before timing, not measured (default 20)
 *   --clients=N   clients posting at once in the concurrent mode (default 10)
 *   --pool=N      DB_POOL_MAX of the project's server (default 10, the server's default)
 *   BENCH_LOG_LEVEL, BENCH_SQL_LOG, READS_SERVER_NODE_ARGS as for the reads benchmark
 */

const MARKS = 30;
/** Issue 12: bulk posting at most twice the hand-written SQL. */
const TARGET_RATIO = 2;
const POST = 'mutation Post($input: MarksPostInput!) { marksPost(input: $input) { marks { id value } userErrors { code field message } } }';

interface Setup {
  schoolId: string;
  teacherLogin: string;
  studentIds: string[];
  workTypeId: string;
  /** lessons of the bench class, by date and number */
  lessons: { id: string; date: string; lessonNumber: number }[];
}

/** A class of 30 consenting students, its Математика teacher (the demo password) and its dated lessons, on weekdays of the year. */
async function createBenchClass(c: pg.Client, lessonsWanted: number): Promise<Setup> {
  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
    const { rows } = await c.query(sql, params);
    if (!rows[0]) throw new Error(`the demo school lacks what the journal benchmark needs: ${sql.slice(0, 120)}`);
    return rows[0] as T;
  };
  const year = await one<{ school_id: string; year_id: string; start_date: string; end_date: string }>(
    `select y.school_id, y.id as year_id, y.start_date::text as start_date, y.end_date::text as end_date
       from academic_year y where $1::date between y.start_date and y.end_date`, [TEST_NOW.slice(0, 10)]);
  const subject = await one<{ id: string }>(`select id from subject where school_id = $1 and name = 'Математика'`, [year.school_id]);
  const workType = await one<{ id: string }>(`select id from work_type where school_id = $1 and kind = 'CURRENT' and name = 'Ответ на уроке'`, [year.school_id]);
  const { password_hash: passwordHash } = await one<{ password_hash: string }>(`select password_hash from app_user where login = 'admin'`);
  const teacherLogin = 'bench.journal';
  const user = await one<{ id: string }>(
    `insert into app_user (id, created_at, updated_at, login, password_hash, last_name, first_name, middle_name)
     values (gen_random_uuid(), now(), now(), $1, $2, 'Журналова', 'Вера', 'Павловна') returning id`, [teacherLogin, passwordHash]);
  await c.query(`insert into role_assignment (id, created_at, updated_at, user_id, school_id, role) values (gen_random_uuid(), now(), now(), $1, $2, 'TEACHER')`,
    [user.id, year.school_id]);
  const staff = await one<{ id: string }>(`insert into staff (id, created_at, updated_at, school_id, user_id, position)
    values (gen_random_uuid(), now(), now(), $1, $2, 'Учитель') returning id`, [year.school_id, user.id]);
  const klass = await one<{ id: string }>(`insert into school_class (id, created_at, updated_at, school_id, academic_year_id, grade, letter)
    values (gen_random_uuid(), now(), now(), $1, $2, 5, 'Я') returning id`, [year.school_id, year.year_id]);
  const { rows: students } = await c.query<{ id: string }>(
    `insert into student (id, created_at, updated_at, school_id, pseudonym, consent_status, last_name, first_name, sex, birth_date)
     select gen_random_uuid(), now(), now(), $1, 'Ж-' || lpad(i::text, 3, '0'), 'GIVEN',
            (array['Абрамов', 'Белова', 'Волков', 'Громова', 'Давыдов', 'Егорова'])[1 + i % 6] || '-' || i,
            case when i % 2 = 0 then 'Иван' else 'Мария' end, case when i % 2 = 0 then 'MALE' else 'FEMALE' end::sex,
            date '2014-01-01' + i * 7
       from generate_series(1, $2::int) i
     returning id`, [year.school_id, MARKS]);
  await c.query(`insert into class_membership (id, created_at, updated_at, student_id, school_class_id, from_date)
    select gen_random_uuid(), now(), now(), s, $2, $3::date from unnest($1::uuid[]) s`, [students.map((s) => s.id), klass.id, year.start_date]);
  await c.query(`insert into teaching_assignment (id, created_at, updated_at, school_id, academic_year_id, teacher_id, subject_id, school_class_id, hours_per_week)
    values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, 5)`, [year.school_id, year.year_id, staff.id, subject.id, klass.id]);
  // Lessons 1–7 of every weekday from the start of today's study period (earlier periods' journals are
  // closed, R-JOUR-9), as many as wanted (the class and its teacher have no others).
  const period = await one<{ start_date: string }>(
    `select start_date::text as start_date from study_period where academic_year_id = $1 and 5 = any (grades) and $2::date between start_date and end_date`,
    [year.year_id, TEST_NOW.slice(0, 10)]);
  await c.query(
    `insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number, date, lesson_number,
                         subject_id, teacher_id, school_class_id, kind)
     select gen_random_uuid(), now(), now(), $1, $2, d, n, d, n, $3, $4, $5, 'MAIN'
       from (select d::date as d, n from generate_series($6::date, $7::date, interval '1 day') d cross join generate_series(1, 7) n
              where extract(isodow from d) < 6 order by 1, 2 limit $8) x`,
    [year.school_id, year.year_id, subject.id, staff.id, klass.id, period.start_date, year.end_date, lessonsWanted]);
  const { rows: lessons } = await c.query<{ id: string; date: string; lessonNumber: number }>(
    `select id, date::text as date, lesson_number as "lessonNumber" from lesson where school_class_id = $1 order by date, lesson_number`, [klass.id]);
  return { schoolId: year.school_id, teacherLogin, studentIds: students.map((s) => s.id), workTypeId: workType.id, lessons };
}

/** The marks of one post: each student one, values 2–5 varying with the student and the post. */
function postBody(setup: Setup, lessonId: string, k: number): string {
  return JSON.stringify({
    query: POST,
    variables: {
      input: {
        lessonId: toGlobalId('Lesson', lessonId),
        marks: setup.studentIds.map((s, i) => ({ studentId: toGlobalId('Student', s), workTypeId: toGlobalId('WorkType', setup.workTypeId), value: String(2 + ((i + k) % 4)) })),
      },
    },
  });
}

const expectedValues = (setup: Setup, k: number) => setup.studentIds.map((_, i) => String(2 + ((i + k) % 4)));

async function postOnce(url: string, token: string, body: string): Promise<{ marks: { id: string; value: string }[]; raw: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` }, body });
  const raw = await res.text();
  let json: any;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`not JSON (status ${res.status}): ${raw.slice(0, 300)}`);
  }
  const payload = json?.data?.marksPost;
  if (res.status !== 200 || json.errors || !payload || payload.userErrors.length || payload.marks.length !== MARKS) {
    throw new Error(`marksPost failed (status ${res.status}): ${raw.slice(0, 500)}`);
  }
  return { marks: payload.marks, raw };
}

// ---------------------------------------------------------------------------------------------
// Correctness before timing

/** What one post wrote: its marks, their audit entries and outbox events, normalised to compare the servers (keyed by student). */
async function writtenRows(c: pg.Client, lessonId: string, markIds: string[]) {
  const { rows: marks } = await c.query(
    `select id, school_id, student_id, work_type_id, control_work_id, grading_value_id, value, comment, posted_by_id, due_at, late,
            credit_basis, credit_protocol_date, credit_protocol_number
       from mark where lesson_id = $1 order by student_id`, [lessonId]);
  const { rows: audit } = await c.query(
    `select a.seq::bigint as seq, a.chain_id, a.school_id, a.actor_id, a.actor_login, a.session_id, a.ip, a.operation, a.entity_type, a.entity_id,
            a.action, a.changes, a.hash = audit_entry_hash(a) and a.prev_hash is not null as hash_ok
       from audit_entry a where a.entity_type = 'Mark' and a.entity_id = any($1::text[]) order by a.seq`, [markIds]);
  const { rows: events } = await c.query(
    `select school_id, kind, actor_id, object_type, object_id, date_from::text as date_from, date_to::text as date_to, details, student_ids, teacher_user_ids
       from outbox_event where object_type = 'Mark' and object_id = any($1::uuid[]) order by id`, [markIds]);
  const decrypted = await readAuditValues(async (sql, params) => {
    let i = 0;
    return (await c.query(sql.replace(/\?/g, () => `$${++i}`), params)).rows;
  }, audit.map((a) => ({ actorLogin: a.actor_login, ip: a.ip, changes: a.changes })));
  const markOf = new Map(marks.map((m) => [m.id as string, m]));
  return {
    marks,
    audit,
    events,
    comparable: {
      marks: marks.map(({ id: _id, ...rest }) => rest),
      audit: audit.map((a, i) => {
        const { seq: _seq, actor_login: _l, ip: _ip, entity_id: entityId, hash_ok: _h, changes, ...rest } = a;
        const { lesson: _lesson, postedAt: _posted, ...fields } = changes as Record<string, unknown>;
        return { ...rest, student: markOf.get(entityId)?.student_id, actorLogin: decrypted[i].actorLogin, ip: decrypted[i].ip, changes: fields };
      }).sort((x, y) => String(x.student).localeCompare(String(y.student))),
      events: events.map(({ object_id: objectId, ...rest }) => ({ ...rest, student: markOf.get(objectId)?.student_id }))
        .sort((x, y) => String(x.student).localeCompare(String(y.student))),
    },
  };
}

async function checkPost(c: pg.Client, server: string, setup: Setup, lessonId: string, k: number, posted: { id: string; value: string }[]) {
  const fail = (what: string) => { throw new Error(`${server}: after one post, ${what}`); };
  const want = expectedValues(setup, k);
  if (posted.map((m) => m.value).join() !== want.join()) fail(`the response's values are ${posted.map((m) => m.value).join()}`);
  const ids = posted.map((m) => Buffer.from(m.id, 'base64url').toString('utf8').replace(/^Mark:/, ''));
  const rows = await writtenRows(c, lessonId, ids);
  const valueOf = new Map(setup.studentIds.map((s, i) => [s, want[i]]));
  if (rows.marks.length !== MARKS) fail(`the lesson has ${rows.marks.length} marks, not ${MARKS}`);
  const wrong = rows.marks.filter((m) => valueOf.get(m.student_id) !== m.value);
  if (wrong.length) fail(`${wrong.length} marks have another value or student than posted`);
  if (new Set(rows.marks.map((m) => m.id)).size !== MARKS || rows.marks.some((m) => !ids.includes(m.id))) fail('the marks are not those answered');
  if (rows.audit.length !== MARKS) fail(`${rows.audit.length} audit entries of entity type Mark, not ${MARKS}`);
  if (rows.audit.some((a) => !a.hash_ok)) fail('an audit entry\'s hash does not verify');
  if (Number(rows.audit[MARKS - 1].seq) - Number(rows.audit[0].seq) !== MARKS - 1) fail('the audit entries are not consecutive in the chain');
  if (rows.audit.some((a) => a.action !== 'CREATE' || a.operation !== 'marksPost' || a.chain_id !== setup.schoolId)) fail('an audit entry is not a CREATE by marksPost in the school\'s chain');
  if (rows.events.length !== MARKS || rows.events.some((e) => e.kind !== 'MARK_POSTED')) fail(`${rows.events.length} outbox events, not ${MARKS} of kind MARK_POSTED`);
  return rows;
}

function sameRows(a: unknown, b: unknown, what: string): void {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x === y) return;
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  throw new Error(`the servers wrote different ${what}, at character ${i}:\n  otmetka …${x.slice(Math.max(0, i - 150), i + 150)}…\n  peer    …${y.slice(Math.max(0, i - 150), i + 150)}…`);
}

// ---------------------------------------------------------------------------------------------
// Timing

interface Run {
  posts: number;
  seconds: number;
  p50: number;
  p99: number;
  cpuMsPerPost: number;
  statementsPerPost: number;
  pgCpuMsPerPost: number;
}

/** The nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

class Lessons {
  private next = 0;
  constructor(private readonly setup: Setup, start: number) {
    this.next = start;
  }
  /** The next lesson (each post its own while there are enough) and the post's number. */
  take(): { id: string; k: number } {
    const k = this.next++;
    return { id: this.setup.lessons[k % this.setup.lessons.length].id, k };
  }
}

/** `count` posts by `clients` clients at once, each posting its next one as soon as the last was answered. */
async function drive(url: string, token: string, setup: Setup, lessons: Lessons, count: number, clients: number): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (started < count) {
      started++;
      const { id, k } = lessons.take();
      const body = postBody(setup, id, k);
      const t = performance.now();
      await postOnce(url, token, body);
      latencies.push(performance.now() - t);
    }
  }));
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

/** The stats once everything the posts caused is done (the event hub's wake-up follows each commit). */
async function quiet(server: ServerProcess): Promise<Stats> {
  await server.settled();
  await sleep(150);
  return server.settled();
}

async function timedRun(server: ServerProcess, token: string, setup: Setup, lessons: Lessons, count: number, clients: number, pm: number | null): Promise<Run> {
  const before = await quiet(server);
  const pg0 = postgresCpuMs(pm);
  const { latencies, seconds } = await drive(server.url, token, setup, lessons, count, clients);
  const after = await quiet(server);
  const pg1 = postgresCpuMs(pm);
  const n = after.ok - before.ok;
  if (n !== count) throw new Error(`${server.name}: ${n} posts answered with 200, not ${count}`);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    posts: count,
    seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    cpuMsPerPost: (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000 / n,
    statementsPerPost: (after.statements - before.statements) / n,
    pgCpuMsPerPost: pg0 === null || pg1 === null ? NaN : (pg1 - pg0) / n,
  };
}

async function statementsOfOne(server: ServerProcess, token: string, setup: Setup, lessons: Lessons): Promise<number> {
  const before = await quiet(server);
  await drive(server.url, token, setup, lessons, 1, 1);
  const after = await quiet(server);
  return after.statements - before.statements;
}

// ---------------------------------------------------------------------------------------------
// Printing

interface Figures extends Run { statementsOne: number }

function printMode(title: string, figures: Record<ServerName, Figures>, warmup: number): boolean {
  const otm = figures.otmetka;
  const peer = figures.peer;
  const rows: [string, (f: Figures) => number, number][] = [
    ['posts/s', (f) => f.posts / f.seconds, 1],
    ['marks/s', (f) => (f.posts * MARKS) / f.seconds, 0],
    ['latency p50 (ms)', (f) => f.p50, 1],
    ['latency p99 (ms)', (f) => f.p99, 1],
    ['server CPU (ms/post)', (f) => f.cpuMsPerPost, 2],
    ['SQL statements/post (run)', (f) => f.statementsPerPost, 2],
    ['SQL statements (one post)', (f) => f.statementsOne, 0],
    ['PostgreSQL CPU (ms/post)', (f) => f.pgCpuMsPerPost, 2],
  ];
  let out = `\n${title}: ${otm.posts} posts of ${MARKS} marks per server after ${warmup} of warm-up\n`;
  out += ratioTable(rows, otm, peer);
  const perPost = (f: Figures) => f.seconds / f.posts;
  const ratio = perPost(otm) / perPost(peer);
  const ok = ratio <= TARGET_RATIO;
  out += `  time per post ≤ ${TARGET_RATIO}× the peer's: ${fmt(perPost(otm) * 1000, 1)} vs ${fmt(perPost(peer) * 1000, 1)} ms = ${fmt(ratio, 2)}×  ${ok ? 'met' : 'NOT MET'}`
    + `  (p50 ${fmt(otm.p50 / peer.p50, 2)}×, p99 ${fmt(otm.p99 / peer.p99, 2)}×)\n`;
  process.stdout.write(out);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function journalBench(): Promise<void> {
  if (await ranInPinnedYear('journal')) return;
  const clients = option('clients', 10, 2);
  const o = { runs: option('runs', 200, 1), warmup: option('warmup', 20, 0), clients, pool: option('pool', 10, 2) };
  // Posts of the whole run: the checks, the single-post counts, warm-ups and timed runs, per server and mode.
  const totalPosts = 2 + 2 * 2 + 2 * 2 * (o.runs + o.warmup);

  const db = await benchDatabase();
  const servers: Partial<Record<ServerName, ServerProcess>> = {};
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const setup = await createBenchClass(c, totalPosts);
    process.stdout.write(`node ${process.version}, ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`
      + `demo school (DEMO_YEAR=${DEMO_YEAR}), school-calendar clock at ${TEST_NOW}; a class of ${setup.studentIds.length} consenting students, `
      + `${setup.lessons.length} dated lessons of its teacher (${setup.lessons[0].date} … ${setup.lessons[setup.lessons.length - 1].date})`
      + `${setup.lessons.length < totalPosts ? `: fewer than the ${totalPosts} posts, reused in turn` : ', one per post'}\n`
      + `otmetka's connection pool: DB_POOL_MAX=${o.pool}\n`);

    const env = serverEnv(db.url);
    servers.otmetka = await ServerProcess.start('otmetka', { ...env, DB_POOL_MAX: String(o.pool) });
    const token = await login(servers.otmetka.url, setup.teacherLogin);
    servers.peer = await ServerProcess.start('peer', env);
    const all = SERVERS.map((name) => servers[name]!);

    // One post through each, on two lessons of the same day (the same deadlines), then the rows compared.
    const [first, second] = setup.lessons;
    if (first.date !== second.date) throw new Error('the first two lessons of the bench class are on different days');
    const checked: Awaited<ReturnType<typeof checkPost>>[] = [];
    for (const [s, lesson] of [[all[0], first], [all[1], second]] as const) {
      const r = await postOnce(s.url, token, postBody(setup, lesson.id, 0));
      checked.push(await checkPost(c, s.name, setup, lesson.id, 0, r.marks));
    }
    sameRows(checked[0].comparable.marks, checked[1].comparable.marks, 'marks');
    sameRows(checked[0].comparable.audit, checked[1].comparable.audit, 'audit entries');
    sameRows(checked[0].comparable.events, checked[1].comparable.events, 'outbox events');
    process.stdout.write(`checked: one post through each server wrote ${MARKS} marks with the values posted, ${MARKS} audit entries of Mark `
      + `(hashes verified, consecutive in the chain) and ${MARKS} MARK_POSTED outbox events; the two servers' rows are the same but for ids, times and the lesson\n`);

    const pm = postmasterPid(db.dataDir);
    if (pm === null) process.stdout.write('PostgreSQL CPU: n/a (not the embedded server, or /proc unreadable)\n');
    const lessons = new Lessons(setup, 2);
    const one: Record<ServerName, number> = { otmetka: 0, peer: 0 };
    for (const s of all) one[s.name] = await statementsOfOne(s, token, setup, lessons);

    let met = true;
    for (const [title, clients] of [['sequential (1 client)', 1], [`concurrent (${o.clients} clients)`, o.clients]] as const) {
      const figures = {} as Record<ServerName, Figures>;
      for (const s of all) {
        if (o.warmup > 0) await drive(s.url, token, setup, lessons, o.warmup, clients);
        figures[s.name] = { ...(await timedRun(s, token, setup, lessons, o.runs, clients, pm)), statementsOne: one[s.name] };
      }
      met = printMode(title, figures, o.warmup) && met;
    }

    const { rows: [chain] } = await c.query<{ entries: string; bad_hashes: string; gapless: boolean }>(
      `select count(*) as entries, count(*) filter (where hash is distinct from audit_entry_hash(a)) as bad_hashes,
              max(seq) - min(seq) + 1 = count(*) and min(seq) = 1 as gapless
         from audit_entry a where chain_id = $1`, [setup.schoolId]);
    process.stdout.write(`\naudit chain of the school after the run: ${chain.entries} entries, ${chain.bad_hashes} with a wrong hash, `
      + `${chain.gapless ? 'no gap in the sequence' : 'GAPS in the sequence'}\n`);
    if (Number(chain.bad_hashes) > 0 || !chain.gapless) throw new Error('the audit chain does not verify after the run');
    process.stdout.write(`issue 12 target: bulk posting ≤ ${TARGET_RATIO}× the hand-written SQL: ${met ? 'met' : 'NOT MET'}\n`);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await c.end();
    await db.close();
  }
}
