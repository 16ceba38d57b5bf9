import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { toGlobalId } from '../src/schema/node';
import { benchDatabase } from './db';

/**
 * The hot reads (issues 11, 12) against a hand-written server on the same database, in the same run:
 *   A (admin):  schoolClass(5А) { students { id fullName birthDate guardians { guardian { fullName phone } } } }
 *   B (parent): studentDiary for a week, Monday to Sunday (TEST_NOW's, or the last one before it with lessons) { date lessons { id date lessonNumber startsAt endsAt
 *               status topic subject { name } teacher { fullName } room { name } } }
 *   C (teacher): the class journal page of «Математика» in 5А for a quarter (TEST_NOW's when the demo
 *               dated its lessons, else the last one before it that has them), as the teacher of the
 *               subject there (teaching_assignment): classJournal { lessons { id date lessonNumber topic
 *               homework { text } } rows { student { id fullName } average marks { value workType { name }
 *               lesson { id } } attendance { status reason lesson { id } } } }
 *   D (parent): B with homework { text } and marks(studentId: Кирилл) { value workType { name } } on each lesson
 * Before C and D the journal is filled through the project's API by the teachers who conduct the
 * lessons (the demo password given to their accounts): every lesson of C's page and of D's week gets
 * a topic when it has none, homework, attendance (one or two absent or late) and marks (one for each
 * student present, a second for every other one, of work types weighing 1 and 1.5).
 * `otmetka` is this project's server (bench/reads-server.ts), `peer` the reference (bench/reads-peer.ts:
 * graphql-js, graphql-http, pg and DataLoader, the same access checks in SQL). Each runs alone in a
 * child process on the demo school (DEMO_YEAR=2025, the school-calendar clock at TEST_NOW), and
 * reports its CPU time and the SQL statements it sent (pg's Client.prototype.query, counted in the
 * child). Both must return byte-identical `data` for every query before anything is timed.
 *
 * Then, per query, autocannon (10 connections) drives each server: a warm-up, then a timed run,
 * alternating otmetka and peer. Figures per server: req/s, latency p50/p99, server CPU per request
 * (child's process.cpuUsage delta / the requests it answered with 200, counted in the child, read
 * once all are answered), SQL statements per request (over the run, and exactly for one request alone), PostgreSQL CPU per request (every process of the embedded
 * server, from /proc; n/a on DATABASE_URL's server), and otmetka/peer; then the issue's targets.
 *
 * Options (`npm run bench -- reads --seconds=5`):
 *   --seconds=N      timed run per server and query (default 20)
 *   --warmup=N       warm-up per server and query, not measured (default 3)
 *   --connections=N  autocannon connections (default 10)
 *   --runs=N         timed runs per server and query, alternating (default 1); figures are their mean
 *   --queries=C,D    time only these queries (default A,B,C,D; all four are still checked for identical JSON)
 *   READS_SERVER_NODE_ARGS  extra node flags for both server processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/reads-prof")
 *   BENCH_LOG_LEVEL         the project server's log level (default silent)
 *   BENCH_SQL_LOG=<file>    every statement both servers send, appended to the file (reads-child.ts)
 */

export const DEMO_YEAR = '2025';
/** A Tuesday of the second quarter of the demo year 2025/2026, 12:00 in Moscow (as the tests pin it). */
export const TEST_NOW = '2025-11-25T09:00:00Z';
/** The Sunday ending the week of TEST_NOW. */
const TEST_WEEK_END = '2025-11-30';

const QUERY_A = 'query A($id: ID!) { schoolClass(id: $id) { students { id fullName birthDate guardians { guardian { fullName phone } } } } }';
const QUERY_B = 'query B($student: ID!, $from: LocalDate!, $to: LocalDate!) { studentDiary(studentId: $student, from: $from, to: $to) '
  + '{ date lessons { id date lessonNumber startsAt endsAt status topic subject { name } teacher { fullName } room { name } } } }';
const QUERY_C = 'query C($input: ClassJournalInput!) { classJournal(input: $input) { lessons { id date lessonNumber topic homework { text } } '
  + 'rows { student { id fullName } average marks { value workType { name } lesson { id } } attendance { status reason lesson { id } } } } }';
const QUERY_D = 'query D($student: ID!, $from: LocalDate!, $to: LocalDate!) { studentDiary(studentId: $student, from: $from, to: $to) '
  + '{ date lessons { id date lessonNumber startsAt endsAt status topic subject { name } teacher { fullName } room { name } '
  + 'homework { text } marks(studentId: $student) { value workType { name } } } } }';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken userErrors { code message } } }';
/** README "Demo logins". */
export const DEMO_PASSWORD = 'demo1234';

/** Issue 11, "Targets". */
const TARGETS = { rpsRatio: 0.67, p99Ratio: 1.5, cpuMsPerRequest: 3, extraStatements: 2, pgCpuMsPerDiaryWeek: 3 };
/** Issue 12: the journal's reads at most 1.5× the hand-written reference. */
const JOURNAL_RATIO = 1.5;

export const SERVERS = ['otmetka', 'peer'] as const;
export type ServerName = (typeof SERVERS)[number];

export function option(name: string, fallback: number, min: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const v = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return v;
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** The figures of both servers side by side with otmetka/peer: one line per [label, figure, digits]. */
export function ratioTable<F>(rows: [string, (f: F) => number, number][], otm: F, peer: F): string {
  const w0 = Math.max(...rows.map(([k]) => k.length));
  const w = 13;
  let out = `${''.padEnd(w0)}  ${['otmetka', 'peer', 'otmetka/peer'].map((c) => c.padStart(w)).join('  ')}\n`;
  for (const [label, value, digits] of rows) {
    const a = value(otm);
    const b = value(peer);
    const ratio = Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, 2)}×` : 'n/a';
    out += `${label.padEnd(w0)}  ${[fmt(a, digits), fmt(b, digits), ratio].map((c) => c.padStart(w)).join('  ')}\n`;
  }
  return out;
}
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Server processes

export interface Stats { cpu: NodeJS.CpuUsage; statements: number; requests: number; answered: number; ok: number }

export class ServerProcess {
  private readonly pending = new Map<number, { resolve: (m: any) => void; reject: (e: Error) => void }>();
  private next = 1;
  private readonly exited: Promise<number | null>;

  private constructor(readonly name: ServerName, private readonly child: ChildProcess, readonly url: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (m: any) => {
      const p = this.pending.get(m?.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${name}: ${m.error}`));
      else p.resolve(m);
    });
    child.once('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  static async start(name: ServerName, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
    const script = name === 'otmetka' ? 'reads-server.js' : 'reads-peer.js';
    const execArgv = (process.env.READS_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = fork(path.join(__dirname, script), [], { execPath: process.execPath, execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
      child.once('message', (m: any) => (m?.type === 'ready' ? resolve(m) : reject(new Error(`${name}: unexpected ${JSON.stringify(m)}`))));
    });
    return new ServerProcess(name, child, ready.url);
  }

  private request<T>(type: string): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, type });
    });
  }

  stats = () => this.request<Stats>('stats');

  /** The stats once every request received has been answered (autocannon leaves some in flight when it stops). */
  async settled(timeoutMs = 30000): Promise<Stats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.stats();
      if (s.answered >= s.requests) return s;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${s.requests - s.answered} requests still unanswered after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
    await this.request('stop').catch(() => undefined);
    await this.exited;
    clearTimeout(killer);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL CPU: every process of the embedded server, from /proc

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU milliseconds of the postmaster, its live children, and the children it has reaped; null when unknown. */
export function postgresCpuMs(postmasterPid: number | null): number | null {
  if (postmasterPid === null) return null;
  const stat = (pid: string) => {
    try {
      const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
    } catch {
      return null; // gone meanwhile
    }
  };
  const pm = stat(String(postmasterPid));
  if (!pm) return null;
  // After the ")": state ppid … utime(11) stime(12) cutime(13) cstime(14), in clock ticks.
  let ticks = pm[11] + pm[12] + pm[13] + pm[14];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = stat(pid);
    if (s && s[1] === postmasterPid) ticks += s[11] + s[12];
  }
  return (ticks * 1000) / clockTicks;
}

export function postmasterPid(dataDir: string | null): number | null {
  if (!dataDir) return null;
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && postgresCpuMs(pid) !== null ? pid : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Query { name: 'A' | 'B' | 'C' | 'D'; title: string; query: string; variables: Record<string, unknown>; token: string }

const body = (q: Query) => JSON.stringify({ query: q.query, variables: q.variables });
const headers = (q: Query) => ({ 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${q.token}` });

async function post(url: string, q: Query): Promise<{ status: number; raw: string; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: headers(q), body: body(q) });
  const raw = await res.text();
  let json: any;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${q.name} at ${url}: not JSON (status ${res.status}): ${raw.slice(0, 300)}`);
  }
  return { status: res.status, raw, json };
}

export async function login(url: string, loginName: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { input: { login: loginName, password: DEMO_PASSWORD } } }),
  });
  const r = (await res.json()) as any;
  const token = r?.data?.login?.accessToken;
  if (!token) throw new Error(`login ${loginName} failed: ${JSON.stringify(r)}`);
  return token;
}

// ---------------------------------------------------------------------------------------------
// Filling the journal through the API

type Connection = ReturnType<Awaited<ReturnType<typeof benchDatabase>>['orm']['em']['getConnection']>;

const ERR = 'userErrors { code field message }';
const FILL = {
  content: `mutation Content($i: LessonContentSetInput!) { lessonContentSet(input: $i) { ${ERR} } }`,
  homework: `mutation Homework($i: HomeworkSetInput!) { homeworkSet(input: $i) { ${ERR} } }`,
  attendance: `mutation Attendance($i: AttendanceSetInput!) { attendanceSet(input: $i) { ${ERR} } }`,
  marks: `mutation Marks($i: MarksPostInput!) { marksPost(input: $i) { ${ERR} } }`,
  reopen: `mutation Reopen($i: JournalReopenInput!) { journalReopen(input: $i) { ${ERR} } }`,
};

/** A mutation that must succeed: no errors, no userErrors. */
async function mutate(url: string, token: string, query: string, i: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: { i } }) });
  const r = (await res.json()) as any;
  const payload = r?.data && Object.values(r.data)[0] as { userErrors?: unknown[] } | undefined;
  if (r.errors || !payload || payload.userErrors?.length) throw new Error(`filling the journal: ${JSON.stringify(r).slice(0, 500)}`);
}

/** Marks as a teacher gives them, by a fixed pattern. */
const MARK_VALUES = ['5', '4', '4', '3', '5', '2', '4', '5', '3', '4', '5'];

/**
 * Fills the given lessons through the API, as the teachers who conduct them (their accounts given
 * the demo password): a topic when the lesson has none, homework, attendance (one absent, every
 * third lesson also one late) and marks — one for each student present, a second («Домашняя
 * работа», or «Самостоятельная работа» weighing 1.5) for every other one. Returns what it wrote.
 */
async function fillJournal(conn: Connection, url: string, lessonIds: string[]): Promise<{ lessons: number; marks: number; absences: number }> {
  const lessons = await conn.execute<{ id: string; topic: string | null; user_id: string; login: string; students: string[] }[]>(
    `select l.id, l.topic, u.id as user_id, u.login,
            (select coalesce(json_agg(s.id order by s.pseudonym), '[]') from target_students(l.school_class_id, l.group_id, l.student_id, l.date, l.date) t(id)
               join student s on s.id = t.id where s.consent_status = 'GIVEN' and s.erased_at is null) as students
       from lesson l join staff st on st.id = coalesce(l.substitute_teacher_id, l.teacher_id) join app_user u on u.id = st.user_id
      where l.id = any(?::uuid[]) and l.status = 'SCHEDULED'
      order by l.date, l.lesson_number, l.id`, [`{${lessonIds.join(',')}}`]);
  await conn.execute(`update app_user set password_hash = (select password_hash from app_user where login = 'admin') where id = any(?::uuid[])`,
    [`{${[...new Set(lessons.map((l) => l.user_id))].join(',')}}`]);
  const [workTypes] = await conn.execute<{ answer: string; homework: string; independent: string }[]>(
    `select max(id::text) filter (where name = 'Ответ на уроке') as answer, max(id::text) filter (where name = 'Домашняя работа') as homework,
            max(id::text) filter (where name = 'Самостоятельная работа') as independent from work_type`);
  const tokens = new Map<string, string>();
  // Lessons of a period that has ended are closed for their teachers (R-JOUR-9): the deputy reopens
  // those journals first, as a school would to fill in what was missed.
  const closed = await conn.execute<{ period_id: string; subject_id: string; school_class_id: string | null; group_id: string | null }[]>(
    `select distinct p.id as period_id, l.subject_id, l.school_class_id, l.group_id
       from lesson l join study_period p on p.id = lesson_period(l.id) join school s on s.id = l.school_id
      where l.id = any(?::uuid[]) and p.end_date < (?::timestamptz at time zone s.time_zone)::date
        and (l.school_class_id is not null or l.group_id is not null)`, [`{${lessonIds.join(',')}}`, TEST_NOW]);
  if (closed.length) {
    const deputy = await login(url, 'deputy');
    for (const c of closed) {
      await mutate(url, deputy, FILL.reopen, {
        periodId: toGlobalId('StudyPeriod', c.period_id), subjectId: toGlobalId('Subject', c.subject_id), reason: 'заполнение журнала для замера',
        ...(c.school_class_id ? { classId: toGlobalId('SchoolClass', c.school_class_id) } : { groupId: toGlobalId('StudyGroup', c.group_id!) }),
      });
    }
  }
  let marks = 0;
  let absences = 0;
  for (const [i, l] of lessons.entries()) {
    if (!tokens.has(l.login)) tokens.set(l.login, await login(url, l.login));
    const token = tokens.get(l.login)!;
    const lessonId = toGlobalId('Lesson', l.id);
    if (!l.topic) await mutate(url, token, FILL.content, { lessonId, topic: `Тема урока ${i + 1}` });
    await mutate(url, token, FILL.homework, { lessonId, text: `§ ${i + 1}, упражнения ${100 + i}–${103 + i}`, pages: `с. ${10 + i}` });
    const n = l.students.length;
    const absent: { studentId: string; status: 'ABSENT' | 'LATE'; reason: string; minutesLate?: number }[] = [];
    if (n >= 4) absent.push({ studentId: l.students[(i * 5) % n], status: 'ABSENT', reason: ['ILLNESS', 'EXCUSED', 'UNEXCUSED'][i % 3] });
    if (n >= 4 && i % 3 === 0) absent.push({ studentId: l.students[(i * 5 + 3) % n], status: 'LATE', reason: 'UNEXCUSED', minutesLate: 5 + (i % 20) });
    await mutate(url, token, FILL.attendance, { lessonId, absences: absent.map((a) => ({ ...a, studentId: toGlobalId('Student', a.studentId) })) });
    absences += absent.length;
    const away = new Set(absent.filter((a) => a.status === 'ABSENT').map((a) => a.studentId));
    const list = l.students.filter((s) => !away.has(s)).flatMap((s, j) => [
      { studentId: toGlobalId('Student', s), workTypeId: toGlobalId('WorkType', workTypes.answer), value: MARK_VALUES[(i + j * 3) % MARK_VALUES.length] },
      ...((i + j) % 2 === 0
        ? [{ studentId: toGlobalId('Student', s), workTypeId: toGlobalId('WorkType', i % 3 === 0 ? workTypes.independent : workTypes.homework), value: MARK_VALUES[(i * 7 + j) % MARK_VALUES.length] }]
        : []),
    ]);
    if (list.length) await mutate(url, token, FILL.marks, { lessonId, marks: list });
    marks += list.length;
  }
  return { lessons: lessons.length, marks, absences };
}

/** Where two strings first differ, with some context. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `at character ${i}:\n  otmetka …${a.slice(Math.max(0, i - 120), i + 120)}…\n  peer    …${b.slice(Math.max(0, i - 120), i + 120)}…`;
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  cpuMsPerRequest: number;
  statementsPerRequest: number;
  pgCpuMsPerRequest: number;
}

interface Figures extends Run {
  /** statements of one request alone */
  statementsOne: number;
  runs: Run[];
}

async function statementsOfOne(server: ServerProcess, q: Query): Promise<number> {
  const before = await server.settled();
  const r = await post(server.url, q);
  if (r.status !== 200 || r.json.errors) throw new Error(`${server.name} ${q.name}: ${r.raw.slice(0, 300)}`);
  const after = await server.settled();
  return after.statements - before.statements;
}

/**
 * How autocannon checks every response against `expected`. It appends each received chunk of a body
 * to a string by itself, so a character of several bytes split between two chunks comes out garbled:
 * a large body with non-ASCII text (C's names and work types) is checked by its length, within a
 * few characters per chunk, and the absence of errors, instead of character by character.
 */
function bodyCheck(expected: string | undefined): { expectBody?: string; verifyBody?: (b: string) => boolean } {
  if (expected === undefined) return {};
  if (expected.length < 16384 || /^[\x00-\x7f]*$/.test(expected)) return { expectBody: expected };
  const slack = 8 + Math.ceil(expected.length / 4096);
  return { verifyBody: (b) => Math.abs(b.length - expected.length) <= slack && !b.includes('"errors"') && b.startsWith(expected.slice(0, 40)) };
}

async function cannon(server: ServerProcess, q: Query, seconds: number, connections: number, expectBody: string | undefined) {
  const result = await autocannon({
    url: server.url, method: 'POST', headers: headers(q), body: body(q), connections, duration: seconds, timeout: 30, ...bodyCheck(expectBody),
  });
  const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
  if (failed) {
    throw new Error(`${server.name} ${q.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, `
      + `${result.mismatches} responses other than the checked one, of ${result.requests.total}`);
  }
  return result;
}

async function timedRun(server: ServerProcess, q: Query, o: Options, expectBody: string | undefined, pm: number | null): Promise<Run> {
  const before = await server.settled();
  const pg0 = postgresCpuMs(pm);
  const result = await cannon(server, q, o.seconds, o.connections, expectBody);
  const after = await server.settled();
  const pg1 = postgresCpuMs(pm);
  // Per request the server answered: those completed, and those it read before autocannon stopped.
  const n = after.ok - before.ok;
  const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    cpuMsPerRequest: cpuMs / n,
    statementsPerRequest: (after.statements - before.statements) / n,
    pgCpuMsPerRequest: pg0 === null || pg1 === null ? NaN : (pg1 - pg0) / n,
  };
}

const mean = (runs: Run[], key: keyof Run) => runs.reduce((s, r) => s + r[key], 0) / runs.length;

interface Options { seconds: number; warmup: number; connections: number; runs: number }

// ---------------------------------------------------------------------------------------------
// Printing

function printQuery(q: Query, figures: Record<ServerName, Figures>, o: Options): void {
  const otm = figures.otmetka;
  const peer = figures.peer;
  const rows: [string, (f: Figures) => number, number][] = [
    ['req/s', (f) => f.rps, 1],
    ['latency p50 (ms)', (f) => f.p50, 1],
    ['latency p99 (ms)', (f) => f.p99, 1],
    ['server CPU (ms/request)', (f) => f.cpuMsPerRequest, 2],
    ['SQL statements/request (run)', (f) => f.statementsPerRequest, 2],
    ['SQL statements (one request)', (f) => f.statementsOne, 0],
    ['PostgreSQL CPU (ms/request)', (f) => f.pgCpuMsPerRequest, 2],
    ['requests completed', (f) => f.requests, 0],
  ];
  let out = `\n${q.name}: ${q.title}\n${o.connections} connections, ${o.runs} × ${o.seconds} s per server after ${o.warmup} s of warm-up\n`;
  out += ratioTable(rows, otm, peer);
  if (o.runs > 1) {
    for (const name of SERVERS) {
      out += `  ${name} runs: ${figures[name].runs.map((r) => `${fmt(r.rps)} req/s p99 ${fmt(r.p99)} ms`).join('; ')}\n`;
    }
  }
  const journal = q.name === 'C' || q.name === 'D';
  const checks: [string, string, boolean][] = journal
    ? [
      // Issue 12: the time per request (1 / req/s) and p99 at most 1.5× the reference's.
      [`time per request ≤ ${JOURNAL_RATIO}× the peer's (req/s ≥ ${fmt(1 / JOURNAL_RATIO, 2)} of it)`, `${fmt(peer.rps / otm.rps, 2)}×`, otm.rps * JOURNAL_RATIO >= peer.rps],
      [`p99 ≤ ${JOURNAL_RATIO}× the peer's`, `${fmt(otm.p99 / peer.p99, 2)}×`, otm.p99 <= JOURNAL_RATIO * peer.p99],
    ]
    : [
      [`req/s ≥ ${TARGETS.rpsRatio} of the peer's`, `${fmt(otm.rps / peer.rps, 2)}`, otm.rps >= TARGETS.rpsRatio * peer.rps],
      [`p99 ≤ ${TARGETS.p99Ratio}× the peer's`, `${fmt(otm.p99 / peer.p99, 2)}×`, otm.p99 <= TARGETS.p99Ratio * peer.p99],
      [`server CPU ≤ ${TARGETS.cpuMsPerRequest} ms/request`, `${fmt(otm.cpuMsPerRequest, 2)} ms`, otm.cpuMsPerRequest <= TARGETS.cpuMsPerRequest],
      [`statements ≤ the peer's + ${TARGETS.extraStatements}`, `${otm.statementsOne} vs ${peer.statementsOne}`, otm.statementsOne <= peer.statementsOne + TARGETS.extraStatements],
      // Issue 11: PostgreSQL CPU per diary week (B) at most 3 ms.
      ...(q.name === 'B' ? [[`PostgreSQL CPU ≤ ${TARGETS.pgCpuMsPerDiaryWeek} ms/request`, `${fmt(otm.pgCpuMsPerRequest, 2)} ms`,
        otm.pgCpuMsPerRequest <= TARGETS.pgCpuMsPerDiaryWeek] as [string, string, boolean]] : []),
    ];
  const wl = Math.max(...checks.map(([k]) => k.length));
  const wv = Math.max(...checks.map(([, v]) => v.length));
  out += `issue ${journal ? 12 : 11} targets, ${q.name}:\n`;
  for (const [k, v, ok] of checks) out += `  ${k.padEnd(wl)}  ${v.padStart(wv)}  ${ok ? 'met' : 'NOT MET'}\n`;
  process.stdout.write(out);
}

// ---------------------------------------------------------------------------------------------
// The benchmark

/**
 * Runs the benchmark `name` in a process of its own with DEMO_YEAR pinned, unless this one is: the
 * demo calendar is fixed when its module loads (src/db/seed/calendar.ts). True when it ran there.
 */
export async function ranInPinnedYear(name: string): Promise<boolean> {
  if (process.env.DEMO_YEAR === DEMO_YEAR) return false;
  const child = fork(path.join(__dirname, 'run.js'), [name, ...process.argv.slice(2).filter((a) => a.startsWith('--'))], {
    execPath: process.execPath, env: { ...process.env, DEMO_YEAR }, stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`the ${name} benchmark (DEMO_YEAR=${DEMO_YEAR}) exited with ${code}`);
  return true;
}

/** The environment of both server processes: the bench database, quiet, the school-calendar clock at TEST_NOW. */
export function serverEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    ERASURE_POLL_SECONDS: '0',
    // The outbox's fallback poll would add its statements to the count.
    EVENTS_POLL_MS: '3600000',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    TEST_NOW,
  };
}

export async function readsBench(): Promise<void> {
  if (await ranInPinnedYear('reads')) return;
  const o: Options = {
    seconds: option('seconds', 20, 1), warmup: option('warmup', 3, 0), connections: option('connections', 10, 1), runs: option('runs', 1, 1),
  };

  const db = await benchDatabase();
  const servers: Partial<Record<ServerName, ServerProcess>> = {};
  try {
    const conn = db.orm.em.getConnection();
    const [klass] = await conn.execute<{ id: string; name: string }[]>(
      `select c.id, c.grade || c.letter as name from school_class c join academic_year y on y.id = c.academic_year_id
        where c.grade = 5 and c.letter = 'А' and ?::date between y.start_date and y.end_date`, [TEST_NOW.slice(0, 10)]);
    const [child] = await conn.execute<{ id: string }[]>(
      `select s.id from student s join student_guardian sg on sg.student_id = s.id and sg.removed_at is null
         join guardian g on g.id = sg.guardian_id join app_user u on u.id = g.user_id
        where u.login = 'parent' and s.first_name = 'Кирилл'`);
    if (!klass || !child) throw new Error('the demo school has no class 5А in 2025/2026, or the parent no child Кирилл');
    // The seed dates the lessons of the study period containing the real today, else of the year's
    // first: the diary week is the one of TEST_NOW when it has lessons, else the last one before it that has.
    const [week] = await conn.execute<{ from: string; to: string }[]>(
      `select to_char(w, 'YYYY-MM-DD') as "from", to_char(w + 6, 'YYYY-MM-DD') as "to"
         from (select date_trunc('week', max(l.date))::date as w from lesson l
                 join class_membership cm on cm.school_class_id = l.school_class_id and cm.student_id = ?
                where l.date <= ?::date and l.date between cm.from_date and coalesce(cm.to_date, l.date)) x
        where w is not null`, [child.id, TEST_WEEK_END]);
    if (!week) throw new Error('the demo seed dated no lessons of Кирилл\'s class before TEST_NOW');

    const env = serverEnv(db.url);
    // C: «Математика» in 5А, its teacher by the teaching load, the quarter (of grade 5) of TEST_NOW
    // when the demo dated lessons of it, else the last one before it that has them.
    const [page] = await conn.execute<{ subject_id: string; login: string; period: string; from: string; to: string }[]>(
      `select ta.subject_id, u.login, p.name as period, p.start_date::text as "from", p.end_date::text as "to"
         from teaching_assignment ta join subject s on s.id = ta.subject_id and s.name = 'Математика'
         join staff st on st.id = ta.teacher_id join app_user u on u.id = st.user_id
         join school_class c on c.id = ta.school_class_id
         join study_period p on p.academic_year_id = c.academic_year_id and c.grade = any(p.grades)
        where ta.school_class_id = ?
          and exists (select 1 from lesson l where l.school_class_id = c.id and l.subject_id = s.id and l.date between p.start_date and p.end_date)
        order by (?::date between p.start_date and p.end_date) desc, (p.start_date <= ?::date) desc, p.start_date desc
        limit 1`, [klass.id, TEST_NOW.slice(0, 10), TEST_NOW.slice(0, 10)]);
    if (!page) throw new Error('the demo school has no dated lessons of Математика in 5А with a teaching assignment');
    const pageLessons = await conn.execute<{ id: string }[]>(
      `select id from lesson where school_class_id = ? and subject_id = ? and date between ?::date and ?::date`, [klass.id, page.subject_id, page.from, page.to]);
    const weekLessons = await conn.execute<{ id: string }[]>(
      `select l.id from lesson l where l.date between ?::date and ?::date
          and l.id in (select l2.id from lesson l2 join class_membership cm on cm.school_class_id = l2.school_class_id and cm.student_id = ?
                        where l2.date between cm.from_date and coalesce(cm.to_date, l2.date)
                       union select l2.id from lesson l2 join group_membership gm on gm.group_id = l2.group_id and gm.student_id = ?
                        where l2.date between gm.from_date and coalesce(gm.to_date, l2.date)
                       union select l2.id from lesson l2 where l2.student_id = ?)`,
      [week.from, week.to, child.id, child.id, child.id]);

    servers.otmetka = await ServerProcess.start('otmetka', env);
    const adminToken = await login(servers.otmetka.url, 'admin');
    const parentToken = await login(servers.otmetka.url, 'parent');
    const t0 = Date.now();
    const filled = await fillJournal(conn, servers.otmetka.url, [...new Set([...pageLessons, ...weekLessons].map((l) => l.id))]);
    const teacherToken = await login(servers.otmetka.url, page.login);
    const cVariables = { input: { subjectId: toGlobalId('Subject', page.subject_id), classId: toGlobalId('SchoolClass', klass.id), from: page.from, to: page.to } };
    // The project's cost limit may refuse C's selection: then otmetka runs with its limit raised to C's cost, and says so.
    let costNote = '';
    const probe = await post(servers.otmetka.url, { name: 'C', title: '', query: QUERY_C, variables: cVariables, token: teacherToken });
    const refused = probe.json.errors?.find((e: any) => e.extensions?.reason === 'COST_LIMIT');
    if (refused) {
      const cost = Number(refused.extensions.cost);
      costNote = `C: the project refuses the page with its default cost limit (${refused.message}): otmetka runs with GRAPHQL_MAX_COST=${cost}\n`;
      await servers.otmetka.stop();
      servers.otmetka = await ServerProcess.start('otmetka', { ...env, GRAPHQL_MAX_COST: String(cost) });
    }
    servers.peer = await ServerProcess.start('peer', env);
    const all = SERVERS.map((name) => servers[name]!);

    const queries: Query[] = [
      { name: 'A', title: `admin: schoolClass(${klass.name}) { students { id fullName birthDate guardians { guardian { fullName phone } } } }`,
        query: QUERY_A, variables: { id: toGlobalId('SchoolClass', klass.id) }, token: adminToken },
      { name: 'B', title: `parent: studentDiary(Кирилл, ${week.from}…${week.to}) { date lessons { id date lessonNumber startsAt endsAt status topic subject teacher room } }`,
        query: QUERY_B, variables: { student: toGlobalId('Student', child.id), from: week.from, to: week.to }, token: parentToken },
      { name: 'C', title: `teacher (${page.login}): classJournal(Математика, ${klass.name}, ${page.period} ${page.from}…${page.to}) { lessons { id date lessonNumber topic homework } `
        + 'rows { student { id fullName } average marks { value workType lesson } attendance { status reason lesson } } }',
        query: QUERY_C, variables: cVariables, token: teacherToken },
      { name: 'D', title: `parent: B with homework { text } and marks(studentId: Кирилл) { value workType { name } } on each lesson`,
        query: QUERY_D, variables: { student: toGlobalId('Student', child.id), from: week.from, to: week.to }, token: parentToken },
    ];

    process.stdout.write(`node ${process.version}, ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`
      + `demo school (DEMO_YEAR=${DEMO_YEAR}), school-calendar clock at ${TEST_NOW}\n`
      + `journal filled through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${filled.lessons} lessons (C's page and D's week), `
      + `${filled.marks} marks, ${filled.absences} absences and latenesses, homework for each\n${costNote}`);

    // Both servers must answer alike before anything is timed.
    const expected = new Map<string, string | undefined>();
    for (const q of queries) {
      const [a, b] = await Promise.all(all.map((s) => post(s.url, q)));
      for (const [name, r] of [['otmetka', a], ['peer', b]] as const) {
        if (r.status !== 200 || r.json.errors || !r.json.data) throw new Error(`${name} ${q.name}: status ${r.status}: ${r.raw.slice(0, 500)}`);
      }
      const da = JSON.stringify(a.json.data);
      const dbody = JSON.stringify(b.json.data);
      if (da !== dbody) throw new Error(`${q.name}: the servers' data differ ${firstDifference(da, dbody)}`);
      // Every response of the timed runs must be this body (when a server's body is stable).
      for (const [s, r] of [[all[0], a], [all[1], b]] as const) {
        const again = await post(s.url, q);
        expected.set(`${s.name}|${q.name}`, again.raw === r.raw ? r.raw : undefined);
      }
      const sameRaw = a.raw === b.raw ? 'raw bodies identical' : `raw bodies differ (${a.raw.length} vs ${b.raw.length} bytes), data identical`;
      if (q.name === 'A') {
        const students = a.json.data.schoolClass.students as { guardians: unknown[]; fullName: string | null }[];
        process.stdout.write(`A: identical JSON (${da.length} bytes; ${sameRaw}): ${students.length} students, `
          + `${students.reduce((n, s) => n + s.guardians.length, 0)} guardian links, ${students.filter((s) => s.fullName === null).length} without a name\n`);
      } else if (q.name === 'C') {
        const journal = a.json.data.classJournal as {
          lessons: { homework: unknown }[]; rows: { student: { fullName: string | null }; average: number | null; marks: unknown[]; attendance: unknown[] }[];
        };
        const rows = journal.rows;
        process.stdout.write(`C: identical JSON (${da.length} bytes; ${sameRaw}): ${journal.lessons.length} lessons `
          + `(${journal.lessons.filter((l) => l.homework).length} with homework), ${rows.length} students `
          + `(${rows.filter((r) => r.student.fullName === null).length} without a name), ${rows.reduce((n, r) => n + r.marks.length, 0)} marks, `
          + `${rows.reduce((n, r) => n + r.attendance.length, 0)} absences and latenesses, ${rows.filter((r) => r.average !== null).length} averages\n`);
      } else {
        const days = b.json.data.studentDiary as { lessons: { status: string; topic: string | null; startsAt: string | null; marks?: unknown[]; homework?: unknown }[] }[];
        const lessons = days.flatMap((d) => d.lessons);
        process.stdout.write(`${q.name}: identical JSON (${da.length} bytes; ${sameRaw}): ${days.length} days, ${lessons.length} lessons, `
          + `${lessons.filter((l) => l.status === 'CANCELLED').length} cancelled, ${lessons.filter((l) => l.topic).length} with a topic, `
          + `${lessons.filter((l) => l.startsAt).length} with times`
          + `${q.name === 'D' ? `, ${lessons.reduce((n, l) => n + (l.marks?.length ?? 0), 0)} marks, ${lessons.filter((l) => l.homework).length} with homework` : ''}\n`);
      }
    }

    const pm = postmasterPid(db.dataDir);
    if (pm === null) process.stdout.write('PostgreSQL CPU: n/a (not the embedded server, or /proc unreadable)\n');

    const timed = (process.argv.find((a) => a.startsWith('--queries='))?.slice('--queries='.length) ?? 'A,B,C,D').toUpperCase().split(',');
    if (!timed.every((n) => queries.some((q) => q.name === n))) throw new Error('--queries lists some of A, B, C, D');
    for (const q of queries.filter((x) => timed.includes(x.name))) {
      const runs: Record<ServerName, Run[]> = { otmetka: [], peer: [] };
      const one: Record<ServerName, number> = { otmetka: 0, peer: 0 };
      for (const s of all) one[s.name] = await statementsOfOne(s, q);
      for (let r = 0; r < o.runs; r++) {
        for (const s of all) {
          const expectBody = expected.get(`${s.name}|${q.name}`);
          if (o.warmup > 0) await cannon(s, q, o.warmup, o.connections, expectBody);
          await sleep(200);
          runs[s.name].push(await timedRun(s, q, o, expectBody, pm));
        }
      }
      const figures = {} as Record<ServerName, Figures>;
      for (const name of SERVERS) {
        const rs = runs[name];
        figures[name] = {
          rps: mean(rs, 'rps'), p50: mean(rs, 'p50'), p99: mean(rs, 'p99'), requests: rs.reduce((n, r) => n + r.requests, 0),
          cpuMsPerRequest: mean(rs, 'cpuMsPerRequest'), statementsPerRequest: mean(rs, 'statementsPerRequest'),
          pgCpuMsPerRequest: mean(rs, 'pgCpuMsPerRequest'), statementsOne: one[name], runs: rs,
        };
      }
      printQuery(q, figures, o);
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    await db.close();
  }
}
