import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { toGlobalId } from '../src/schema/node';
import { benchDatabase } from './db';

/**
 * The hot reads (issue 11) against a hand-written server on the same database, in the same run:
 *   A (admin):  schoolClass(5А) { students { id fullName birthDate guardians { guardian { fullName phone } } } }
 *   B (parent): studentDiary for a week, Monday to Sunday (TEST_NOW's, or the last one before it with lessons) { date lessons { id date lessonNumber startsAt endsAt
 *               status topic subject { name } teacher { fullName } room { name } } }
 * `otmetka` is this project's server (bench/reads-server.ts), `peer` the reference (bench/reads-peer.ts:
 * graphql-js, graphql-http, pg and DataLoader, the same access checks in SQL). Each runs alone in a
 * child process on the demo school (DEMO_YEAR=2025, the school-calendar clock at TEST_NOW), and
 * reports its CPU time and the SQL statements it sent (pg's Client.prototype.query, counted in the
 * child). Both must return byte-identical `data` for both queries before anything is timed.
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
 *   READS_SERVER_NODE_ARGS  extra node flags for both server processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/reads-prof")
 */

const DEMO_YEAR = '2025';
/** A Tuesday of the second quarter of the demo year 2025/2026, 12:00 in Moscow (as the tests pin it). */
const TEST_NOW = '2025-11-25T09:00:00Z';
/** The Sunday ending the week of TEST_NOW. */
const TEST_WEEK_END = '2025-11-30';

const QUERY_A = 'query A($id: ID!) { schoolClass(id: $id) { students { id fullName birthDate guardians { guardian { fullName phone } } } } }';
const QUERY_B = 'query B($student: ID!, $from: LocalDate!, $to: LocalDate!) { studentDiary(studentId: $student, from: $from, to: $to) '
  + '{ date lessons { id date lessonNumber startsAt endsAt status topic subject { name } teacher { fullName } room { name } } } }';
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken userErrors { code message } } }';
/** README "Demo logins". */
const DEMO_PASSWORD = 'demo1234';

/** Issue 11, "Targets". */
const TARGETS = { rpsRatio: 0.67, p99Ratio: 1.5, cpuMsPerRequest: 3, extraStatements: 2 };

const SERVERS = ['otmetka', 'peer'] as const;
type ServerName = (typeof SERVERS)[number];

function option(name: string, fallback: number, min: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const v = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return v;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Server processes

interface Stats { cpu: NodeJS.CpuUsage; statements: number; requests: number; answered: number; ok: number }

class ServerProcess {
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
function postgresCpuMs(postmasterPid: number | null): number | null {
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

function postmasterPid(dataDir: string | null): number | null {
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

interface Query { name: 'A' | 'B'; title: string; query: string; variables: Record<string, unknown>; token: string }

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

async function login(url: string, loginName: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { input: { login: loginName, password: DEMO_PASSWORD } } }),
  });
  const r = (await res.json()) as any;
  const token = r?.data?.login?.accessToken;
  if (!token) throw new Error(`login ${loginName} failed: ${JSON.stringify(r)}`);
  return token;
}

/** Where two strings first differ, with some context. */
function firstDifference(a: string, b: string): string {
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

async function cannon(server: ServerProcess, q: Query, seconds: number, connections: number, expectBody: string | undefined) {
  const result = await autocannon({
    url: server.url, method: 'POST', headers: headers(q), body: body(q), connections, duration: seconds, timeout: 30, expectBody,
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
  const w0 = Math.max(...rows.map(([k]) => k.length));
  const w = 13;
  let out = `\n${q.name}: ${q.title}\n${o.connections} connections, ${o.runs} × ${o.seconds} s per server after ${o.warmup} s of warm-up\n`;
  out += `${''.padEnd(w0)}  ${['otmetka', 'peer', 'otmetka/peer'].map((c) => c.padStart(w)).join('  ')}\n`;
  for (const [label, value, digits] of rows) {
    const a = value(otm);
    const b = value(peer);
    const ratio = Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, 2)}×` : 'n/a';
    out += `${label.padEnd(w0)}  ${[fmt(a, digits), fmt(b, digits), ratio].map((c) => c.padStart(w)).join('  ')}\n`;
  }
  if (o.runs > 1) {
    for (const name of SERVERS) {
      out += `  ${name} runs: ${figures[name].runs.map((r) => `${fmt(r.rps)} req/s p99 ${fmt(r.p99)} ms`).join('; ')}\n`;
    }
  }
  const checks: [string, string, boolean][] = [
    [`req/s ≥ ${TARGETS.rpsRatio} of the peer's`, `${fmt(otm.rps / peer.rps, 2)}`, otm.rps >= TARGETS.rpsRatio * peer.rps],
    [`p99 ≤ ${TARGETS.p99Ratio}× the peer's`, `${fmt(otm.p99 / peer.p99, 2)}×`, otm.p99 <= TARGETS.p99Ratio * peer.p99],
    [`server CPU ≤ ${TARGETS.cpuMsPerRequest} ms/request`, `${fmt(otm.cpuMsPerRequest, 2)} ms`, otm.cpuMsPerRequest <= TARGETS.cpuMsPerRequest],
    [`statements ≤ the peer's + ${TARGETS.extraStatements}`, `${otm.statementsOne} vs ${peer.statementsOne}`, otm.statementsOne <= peer.statementsOne + TARGETS.extraStatements],
  ];
  const wl = Math.max(...checks.map(([k]) => k.length));
  const wv = Math.max(...checks.map(([, v]) => v.length));
  out += `issue 11 targets, ${q.name}:\n`;
  for (const [k, v, ok] of checks) out += `  ${k.padEnd(wl)}  ${v.padStart(wv)}  ${ok ? 'met' : 'NOT MET'}\n`;
  process.stdout.write(out);
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function readsBench(): Promise<void> {
  if (process.env.DEMO_YEAR !== DEMO_YEAR) {
    // The demo calendar is fixed when its module loads (src/db/seed/calendar.ts): seed it pinned in a process of its own.
    const child = fork(path.join(__dirname, 'run.js'), ['reads', ...process.argv.slice(2).filter((a) => a.startsWith('--'))], {
      execPath: process.execPath, env: { ...process.env, DEMO_YEAR }, stdio: 'inherit',
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`the reads benchmark (DEMO_YEAR=${DEMO_YEAR}) exited with ${code}`);
    return;
  }
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

    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      SEED_DEMO: 'false',
      ERASURE_POLL_SECONDS: '0',
      // The outbox's fallback poll would add its statements to the count.
      EVENTS_POLL_MS: '3600000',
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      TEST_NOW,
    };
    servers.otmetka = await ServerProcess.start('otmetka', env);
    const adminToken = await login(servers.otmetka.url, 'admin');
    const parentToken = await login(servers.otmetka.url, 'parent');
    servers.peer = await ServerProcess.start('peer', env);
    const all = SERVERS.map((name) => servers[name]!);

    const queries: Query[] = [
      { name: 'A', title: `admin: schoolClass(${klass.name}) { students { id fullName birthDate guardians { guardian { fullName phone } } } }`,
        query: QUERY_A, variables: { id: toGlobalId('SchoolClass', klass.id) }, token: adminToken },
      { name: 'B', title: `parent: studentDiary(Кирилл, ${week.from}…${week.to}) { date lessons { id date lessonNumber startsAt endsAt status topic subject teacher room } }`,
        query: QUERY_B, variables: { student: toGlobalId('Student', child.id), from: week.from, to: week.to }, token: parentToken },
    ];

    process.stdout.write(`node ${process.version}, ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`
      + `demo school (DEMO_YEAR=${DEMO_YEAR}), school-calendar clock at ${TEST_NOW}\n`);

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
      } else {
        const days = b.json.data.studentDiary as { lessons: { status: string; topic: string | null; startsAt: string | null }[] }[];
        const lessons = days.flatMap((d) => d.lessons);
        process.stdout.write(`B: identical JSON (${da.length} bytes; ${sameRaw}): ${days.length} days, ${lessons.length} lessons, `
          + `${lessons.filter((l) => l.status === 'CANCELLED').length} cancelled, ${lessons.filter((l) => l.topic).length} with a topic, `
          + `${lessons.filter((l) => l.startsAt).length} with times\n`);
      }
    }

    const pm = postmasterPid(db.dataDir);
    if (pm === null) process.stdout.write('PostgreSQL CPU: n/a (not the embedded server, or /proc unreadable)\n');

    for (const q of queries) {
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
