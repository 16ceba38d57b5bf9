import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { MikroORM } from '@mikro-orm/postgresql';
import { publishEvent } from '../src/subscriptions/outbox';
import { TIMETABLE_CHANGED } from '../src/subscriptions/kinds/timetable.events';
import { runAsActor, systemActor } from '../src/services/audit-context';
import { toGlobalId } from '../src/schema/node';
import { benchDatabase } from './db';
import { createParentSessions, type BenchViewer } from './sessions';

/**
 * Live delivery over graphql-ws (R-DIARY-3) at scale, loaded as users load it: N WebSockets, each
 * with a session of its own — a parent account linked as guardian to one demo student (several
 * parents per student), created in bulk (bench/sessions.ts) — subscribed to its child's
 * `diaryEvents` with the selection of the README. Every commit is one TIMETABLE_CHANGED event for
 * every class, so each subscriber receives one delivery per commit.
 *
 * Two servers run in the same invocation with the same clients and figures: `otmetka` (this
 * project, bench/sub-server.ts) and `peer` (bench/peer-server.ts: the simplest server a team would
 * write with graphql-js, graphql-ws, an in-memory PubSub with a filter, a token check and no
 * database). Each runs alone in a child process on the same node binary as this one
 * (process.execPath) so that its memory and CPU are its own; the clients (a minimal
 * graphql-transport-ws client over `ws`) and the writer run here, so the commit time and every
 * receive time come from the same clock (performance.now of this process).
 *
 * After the delivery rounds, `otmetka` is restarted: the clients keep their last cursor, events are
 * committed while the server is down, and every client reconnects and resubscribes with
 * `after: <last cursor>`; the figure is the time until all of them caught up.
 *
 * Options (`npm run bench -- subscriptions --n=2000 --rounds=5 --burst=20`, or the environment):
 *   --n / SUB_N                 sizes to run, comma-separated (default 1000,5000,10000)
 *   --servers / SUB_SERVERS     otmetka,peer (default both)
 *   --rounds / SUB_ROUNDS       single-event rounds per size (default 5)
 *   --burst / SUB_BURST         events committed back to back in the burst round (default 20)
 *   --missed / SUB_MISSED       events committed while the server is down for the resume (default 5; 0 = no restart)
 *   --restart / SUB_RESTART     graceful (stop request, default) or kill (SIGKILL)
 *   --concurrency / SUB_CONCURRENCY  sockets opening at once (default 200)
 *   --timeout / SUB_TIMEOUT_MS  how long a round waits for every delivery (default 30000)
 *   SUB_PROFILE=<folder>        CPU profiles of the server while subscribing and during the delivery rounds, per size
 *   SUB_SERVER_NODE_ARGS        extra node flags for the server processes (e.g. "--trace-gc")
 */

/** README "Live updates". */
const SUBSCRIPTION = `subscription($student: ID!, $after: String) {
  diaryEvents(studentId: $student, after: $after) {
    __typename cursor kind occurredAt dateFrom dateTo
    ... on LessonMovedEvent { fromDate fromLessonNumber reason lesson { id date lessonNumber status room { name } } }
    ... on LessonCancelledEvent { reason lesson { id date lessonNumber status } }
    ... on LessonSubstitutedEvent { reason lesson { id conductingTeacher { fullName } } }
    ... on ControlWorkScheduledEvent { controlWork { id date form title subject { name } } }
    ... on TimetableChangedEvent { timetableEntry { id weekday lessonNumber } }
  }
}`;
const SERVERS = ['otmetka', 'peer'] as const;
type ServerName = (typeof SERVERS)[number];
/** Subscriptions sent before waiting for the server to register them. */
const SUBSCRIBE_BATCH = 500;
/** After the last expected delivery, how long to keep listening for duplicates and strays. */
const GRACE_MS = 300;
/** After a round's timeout, it ends once no delivery arrived for this long. */
const QUIET_MS = 3000;
/** Access tokens of the bench sessions live this long (the server closes a socket at its token's expiry). */
const TOKEN_TTL_SECONDS = 86400;

/** Issue 10 §3, at N = 10,000. */
const TARGETS = { singleP99Ms: 250, burstP99Ms: 4000, cpuUsPerDelivery: 20, rssPerConnVsPeer: 1.2, resumeMs: 30000, atN: 10000 };

function option(name: string, env: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : process.env[env] ?? fallback;
}
function intOption(name: string, env: string, fallback: number, min = 1): number {
  const v = Number(option(name, env, String(fallback)));
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} / ${env} must be a whole number ≥ ${min}`);
  return v;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

// ---------------------------------------------------------------------------------------------
// The server processes

interface CpuUsage { user: number; system: number }
interface Counts { cpu: CpuUsage; subscriptions: number; sockets: number }
interface Stats extends Counts { memory: NodeJS.MemoryUsage }

class ServerProcess {
  private readonly pending = new Map<number, { resolve: (m: any) => void; reject: (e: Error) => void }>();
  private next = 1;
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess, readonly wsUrl: string, readonly url: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (m: any) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`server: ${m.error}`));
      else p.resolve(m);
    });
    child.once('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`server exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** `script`: sub-server.js or peer-server.js, forked on this process's node binary. */
  static async start(script: string, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
    const child = fork(path.join(__dirname, script), [], {
      execPath: process.execPath,
      execArgv: ['--expose-gc', ...(process.env.SUB_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ wsUrl: string; url: string }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
      child.once('message', (m: any) => (m?.type === 'ready' ? resolve(m) : reject(new Error(`unexpected ${JSON.stringify(m)}`))));
    });
    return new ServerProcess(child, ready.wsUrl, ready.url);
  }

  request<T>(type: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, type, ...extra });
    });
  }

  counts = () => this.request<Counts>('count');
  stats = () => this.request<Stats>('stats');

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
    await this.request('stop').catch(() => undefined);
    await this.exited;
    clearTimeout(killer);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const cpuMs = (a: CpuUsage, b: CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;

/** How a round's events are committed, and which cursors they got. */
interface Writer {
  /** The end of the event log now, and what `seqs` needs to find the events committed after. */
  mark(): Promise<{ head: number; since: number }>;
  /** Commits `events` events "at once"; returns the time each was committed (this process's clock). */
  commit(events: number): Promise<{ times: number[]; seqs: (number | null)[] | null }>;
  /** The cursors of the events committed since `mark` (after the server numbered them). */
  seqs(since: number, events: number): Promise<(number | null)[]>;
}

/** This project: an outbox row per event, in a transaction of the writer (this process). */
function outboxWriter(orm: MikroORM, schoolId: string, classIds: string[], dates: { dateFrom: string; dateTo: string }): Writer {
  const one = async (): Promise<number> => {
    await runAsActor(systemActor('bench'), () => orm.em.fork().transactional((em) => publishEvent(em, TIMETABLE_CHANGED, {
      schoolId, ...dates, targets: classIds.map((classId) => ({ classId })), teacherStaffIds: [],
    })));
    return performance.now();
  };
  return {
    async mark() {
      const [{ max, head }] = await orm.em.getConnection().execute<{ max: string | null; head: string }[]>(
        'select (select max(id) from outbox_event) as max, (select last_seq from outbox_head where id = 1) as head',
      );
      return { head: Number(head), since: Number(max ?? 0) };
    },
    async commit(events) {
      // Back to back: each COMMIT returns before the next transaction starts.
      const times: number[] = [];
      for (let e = 0; e < events; e++) times.push(await one());
      return { times, seqs: null };
    },
    async seqs(since, events) {
      const rows = await orm.em.getConnection().execute<{ seq: string | null }[]>('select seq from outbox_event where id > ? order by id', [since]);
      if (rows.length !== events) throw new Error(`expected ${events} new outbox rows, found ${rows.length}`);
      return rows.map((r) => (r.seq === null ? null : Number(r.seq)));
    },
  };
}

/** The peer: a publish request over IPC, one event per student of every class. */
function peerWriter(server: () => ServerProcess, dates: { dateFrom: string; dateTo: string }): Writer {
  return {
    async mark() {
      const { seq } = await server().request<{ seq: number }>('head');
      return { head: seq, since: seq };
    },
    async commit(events) {
      // All sent at once; the time of each is when its request left this process.
      const times: number[] = [];
      const replies: Promise<{ seq: number }>[] = [];
      for (let e = 0; e < events; e++) {
        times.push(performance.now());
        replies.push(server().request<{ seq: number }>('publish', dates));
      }
      return { times, seqs: (await Promise.all(replies)).map((r) => r.seq) };
    },
    async seqs(since, events) {
      return Array.from({ length: events }, (_, i) => since + 1 + i);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The clients: a minimal graphql-transport-ws client per socket

/** What the sockets received during one round. */
class Round {
  /** distinct cursors received per subscriber */
  readonly seen: (Set<number> | undefined)[];
  /** the last cursor received per subscriber, to count deliveries out of order */
  private readonly latest: Float64Array;
  readonly sub: number[] = [];
  readonly cursor: number[] = [];
  readonly time: number[] = [];
  duplicates = 0;
  outOfOrder = 0;
  complete = 0;
  /** when the last new delivery arrived */
  last = 0;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => { this.resolveDone = r; });

  /** deliveries of events older than the round (a previous round's late ones) */
  older = 0;

  /** `after`: the end of the event log when the round started; its events come after it. */
  constructor(readonly n: number, readonly events: number, readonly after: number) {
    this.seen = new Array(n);
    this.latest = new Float64Array(n);
  }

  receive(sub: number, cursor: number, t: number): void {
    if (cursor <= this.after) {
      this.older++;
      return;
    }
    let set = this.seen[sub];
    if (!set) this.seen[sub] = set = new Set();
    if (set.has(cursor)) {
      this.duplicates++;
      return;
    }
    if (cursor < this.latest[sub]) this.outOfOrder++;
    this.latest[sub] = cursor;
    set.add(cursor);
    this.sub.push(sub);
    this.cursor.push(cursor);
    this.time.push(t);
    this.last = t;
    if (set.size === this.events && ++this.complete === this.n) this.resolveDone();
  }
}

class Clients {
  readonly sockets: WebSocket[] = [];
  /** the last cursor each subscriber received (what a client keeps to resume) */
  readonly lastCursor: (string | null)[] = [];
  round: Round | null = null;
  /** deliveries outside any round */
  strays = 0;
  /** `error` / `complete` messages and sockets closed by the server */
  readonly failures: string[] = [];
  /** closes are expected (the benchmark ends, or the server restarts) */
  closing = false;

  constructor(public wsUrl: string) {}

  private fail(what: string): void {
    if (this.failures.length < 1000) this.failures.push(what);
  }

  /** Opens socket `i` and resolves at connection_ack. */
  connect(i: number, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
      this.sockets[i] = ws;
      let acked = false;
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      ws.on('message', (data: Buffer) => {
        const t = performance.now();
        const m = JSON.parse(data.toString());
        switch (m.type) {
          case 'next': {
            const event = m.payload?.data?.diaryEvents;
            const cursor = Number(event?.cursor);
            if (m.payload?.errors || !Number.isFinite(cursor) || event.__typename !== 'TimetableChangedEvent') {
              this.fail(`socket ${i}: ${JSON.stringify(m.payload)}`);
              break;
            }
            this.lastCursor[i] = event.cursor;
            if (this.round) this.round.receive(i, cursor, t);
            else this.strays++;
            break;
          }
          case 'connection_ack':
            acked = true;
            resolve();
            break;
          case 'ping':
            ws.send('{"type":"pong"}');
            break;
          case 'pong':
            break;
          default: // error, complete
            this.fail(`socket ${i}: ${JSON.stringify(m)}`);
        }
      });
      ws.on('error', (err) => {
        if (!acked) reject(err);
        else if (!this.closing) this.fail(`socket ${i}: ${err.message}`);
      });
      ws.on('close', (code, reason) => {
        if (!acked) reject(new Error(`socket ${i} closed before connection_ack: ${code} ${reason}`));
        else if (!this.closing && this.sockets[i] === ws) this.fail(`socket ${i} closed by the server: ${code} ${reason}`);
      });
    });
  }

  subscribe(i: number, studentGid: string, after: string | null = null): void {
    this.sockets[i].send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { student: studentGid, after } } }));
  }

  /** Resolves when every socket is closed (by either side), or after `ms`. */
  async closed(ms: number): Promise<number> {
    const deadline = performance.now() + ms;
    for (;;) {
      const open = this.sockets.filter((ws) => ws && ws.readyState !== WebSocket.CLOSED).length;
      if (open === 0 || performance.now() > deadline) return open;
      await sleep(50);
    }
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all(this.sockets.map((ws) => new Promise<void>((resolve) => {
      if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => { ws.terminate(); resolve(); }, 5000).unref();
    })));
  }
}

/** Runs `fn(i)` for i in [0, n) with at most `limit` running at once. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

// ---------------------------------------------------------------------------------------------
// Figures

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Delivery {
  latencies: Float64Array;
  /** N × events / (last delivery − first commit), deliveries per second */
  rate: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  /** deliveries of an event not committed in this round */
  unexpected: number;
  serverCpuMs: number;
  /** CPU time of this process (clients and writer) over the same rounds */
  clientCpuMs: number;
  /** deliveries still missing when the round's timeout expired (late, or lost if they never came) */
  late: number;
}

interface Resume {
  /** events committed while the server was down */
  missed: number;
  /** stop request (or kill) → every client saw its socket close */
  downMs: number;
  /** start of the new server process → ready */
  startMs: number;
  /** ready → every client reconnected and sent its subscription with `after` */
  reconnectMs: number;
  /** ready → every client received every missed event: the figure of the target */
  caughtUpMs: number;
  /** clients whose last cursor before the restart was behind the end of the log */
  behind: number;
  delivery: Delivery;
}

interface Result {
  server: ServerName;
  n: number;
  load: { before: string; after: string };
  connectMs: number;
  subscribeMs: number;
  base: Stats;
  connected: Stats;
  subscribed: Stats;
  /** after the delivery rounds: every subscription has received events */
  afterEvents: Stats;
  single: Delivery;
  burst: Delivery;
  burstCommitMs: number;
  resume: Resume | null;
  strays: number;
  failures: string[];
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const kb = (bytes: number) => bytes / 1024;
const mb = (bytes: number) => bytes / 1024 / 1024;

interface RoundRun { round: Round; tCommits: number[]; seqs: (number | null)[]; cpuMs: number; clientCpuMs: number; missingAtTimeout: number }

function summarize(rounds: RoundRun[], n: number): Delivery {
  const latencies: number[] = [];
  let expected = 0;
  let received = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let serverCpuMs = 0;
  let clientCpuMs = 0;
  let late = 0;
  let span = 0;
  for (const { round, tCommits, seqs, cpuMs: cpu, clientCpuMs: own, missingAtTimeout } of rounds) {
    clientCpuMs += own;
    const index = new Map<number, number>();
    seqs.forEach((s, i) => { if (s !== null) index.set(s, i); });
    expected += n * tCommits.length;
    duplicates += round.duplicates;
    outOfOrder += round.outOfOrder;
    serverCpuMs += cpu;
    late += missingAtTimeout;
    let last = -Infinity;
    for (let k = 0; k < round.time.length; k++) {
      const i = index.get(round.cursor[k]);
      if (i === undefined) {
        unexpected++;
        continue;
      }
      received++;
      latencies.push(round.time[k] - tCommits[i]);
      if (round.time[k] > last) last = round.time[k];
    }
    if (last > tCommits[0]) span += last - tCommits[0];
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    latencies: sorted, rate: span > 0 ? received / (span / 1000) : NaN, expected, received,
    lost: expected - received, duplicates, outOfOrder, unexpected, serverCpuMs, clientCpuMs, late,
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Setup {
  orm: MikroORM;
  databaseUrl: string;
  schoolId: string;
  classIds: string[];
  /** the students of each class over the dates, each once (global ids), for the peer */
  classStudents: string[][];
  dates: { dateFrom: string; dateTo: string };
  viewers: BenchViewer[];
}

interface SizeOptions { n: number; rounds: number; burst: number; missed: number; restart: 'graceful' | 'kill'; concurrency: number; timeoutMs: number }

export async function subscriptionsBench(): Promise<void> {
  const sizes = option('n', 'SUB_N', '1000,5000,10000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error('--n / SUB_N: comma-separated positive whole numbers');
  const servers = option('servers', 'SUB_SERVERS', SERVERS.join(',')).split(',').map((s) => s.trim()) as ServerName[];
  if (servers.length === 0 || servers.some((s) => !SERVERS.includes(s))) throw new Error(`--servers / SUB_SERVERS: comma-separated, of ${SERVERS.join(', ')}`);
  const rounds = intOption('rounds', 'SUB_ROUNDS', 5);
  const burst = intOption('burst', 'SUB_BURST', 20);
  const missed = intOption('missed', 'SUB_MISSED', 5, 0);
  const restart = option('restart', 'SUB_RESTART', 'graceful');
  if (restart !== 'graceful' && restart !== 'kill') throw new Error('--restart / SUB_RESTART: graceful or kill');
  const concurrency = intOption('concurrency', 'SUB_CONCURRENCY', 200);
  const timeoutMs = intOption('timeout', 'SUB_TIMEOUT_MS', 30000);

  const db = await benchDatabase();
  try {
    const conn = db.orm.em.getConnection();
    const [school] = await conn.execute<{ id: string }[]>('select id from school limit 1');
    const classes = await conn.execute<{ id: string }[]>('select id from school_class where school_id = ? order by grade, letter', [school.id]);
    // Six days ten weeks into the demo academic year (its dates follow the current year): every
    // student of the school is a member of a class then.
    const [week] = await conn.execute<{ date_from: string; date_to: string }[]>(
      `select to_char(start_date + 70, 'YYYY-MM-DD') as date_from, to_char(start_date + 75, 'YYYY-MM-DD') as date_to
         from academic_year where school_id = ? order by start_date desc limit 1`,
      [school.id],
    );
    const dates = { dateFrom: week.date_from, dateTo: week.date_to };
    // Students an event for every class reaches, whose guardians may follow their diary today (not left).
    const members = await conn.execute<{ class_id: string; student_id: string }[]>(
      `select distinct on (cm.student_id) cm.school_class_id as class_id, cm.student_id
         from class_membership cm join school_class c on c.id = cm.school_class_id join student s on s.id = cm.student_id
        where c.school_id = ? and cm.from_date <= ?::date and (cm.to_date is null or cm.to_date >= ?::date)
          and s.left_on is null and s.erased_at is null
        order by cm.student_id, cm.from_date`,
      [school.id, dates.dateTo, dates.dateFrom],
    );
    if (members.length === 0) throw new Error(`the demo school has no students in a class between ${dates.dateFrom} and ${dates.dateTo}`);
    const byClass = new Map<string, string[]>();
    for (const m of members) {
      const list = byClass.get(m.class_id) ?? [];
      list.push(toGlobalId('Student', m.student_id));
      byClass.set(m.class_id, list);
    }
    const maxN = Math.max(...sizes);
    let t = performance.now();
    const viewers = await createParentSessions(db.url, school.id, members.map((m) => m.student_id), maxN, TOKEN_TTL_SECONDS);
    process.stdout.write(
      `node ${process.version} (${process.execPath}), ${os.availableParallelism()} cores, load average ${load()}\n` +
      `demo school: ${classes.length} classes, ${members.length} students; an event for all classes (${dates.dateFrom}…${dates.dateTo}) reaches every subscriber\n` +
      `${maxN} parent accounts, each with its own session and token, guardian of one student (${fmt(maxN / members.length, 1)} per student), created in ${fmt((performance.now() - t) / 1000, 2)} s\n` +
      `servers: ${servers.join(', ')}; ${rounds} single-event rounds and a burst of ${burst} events per size; ` +
      `${missed ? `restart (${restart}) with ${missed} events committed while down` : 'no restart'}; README selection; ${concurrency} sockets opening at once\n` +
      'latency = receive time in the client process − the moment COMMIT returned (peer: the publish request was sent) in the same process (one clock: performance.now)\n',
    );
    const setup: Setup = {
      orm: db.orm, databaseUrl: db.url, schoolId: school.id, classIds: classes.map((c) => c.id),
      classStudents: [...byClass.values()], dates, viewers,
    };

    for (const n of sizes) {
      const results: Result[] = [];
      for (const server of servers) {
        const r = await runSize(server, setup, { n, rounds, burst, missed, restart, concurrency, timeoutMs });
        results.push(r);
        printSize(r);
      }
      printTable(results, rounds, burst);
    }
  } finally {
    await db.close();
  }
}

function serverEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    ERASURE_POLL_SECONDS: '0',
  };
}

async function runSize(name: ServerName, s: Setup, o: SizeOptions): Promise<Result> {
  const { n } = o;
  const loadBefore = load();
  process.stdout.write(`\n-- ${name}, N = ${n} (load average ${loadBefore}) --\n`);
  const script = name === 'otmetka' ? 'sub-server.js' : 'peer-server.js';
  let server = await ServerProcess.start(script, serverEnv(s.databaseUrl));
  const viewers = s.viewers.slice(0, n);
  if (name === 'peer') {
    await server.request('setup', { viewers: viewers.map((v) => [v.token, toGlobalId('Student', v.studentId)]), classes: s.classStudents });
  }
  const writer = name === 'otmetka' ? outboxWriter(s.orm, s.schoolId, s.classIds, s.dates) : peerWriter(() => server, s.dates);
  const studentGid = viewers.map((v) => toGlobalId('Student', v.studentId));
  const clients = new Clients(server.wsUrl);
  try {
    const base = await server.stats();

    let t = performance.now();
    await pool(n, o.concurrency, (i) => clients.connect(i, viewers[i].token));
    const connectMs = performance.now() - t;
    const connected = await server.stats();
    if (connected.sockets !== n) throw new Error(`server holds ${connected.sockets} sockets, expected ${n}`);

    await server.request('profile-start');
    t = performance.now();
    for (let from = 0; from < n; from += SUBSCRIBE_BATCH) {
      const to = Math.min(n, from + SUBSCRIBE_BATCH);
      for (let i = from; i < to; i++) clients.subscribe(i, studentGid[i]);
      const deadline = performance.now() + o.timeoutMs;
      for (;;) {
        if (clients.failures.length) throw new Error(`subscribing failed: ${clients.failures.slice(0, 3).join('; ')}`);
        if ((await server.counts()).subscriptions >= to) break;
        if (performance.now() > deadline) throw new Error(`only ${(await server.counts()).subscriptions} of ${to} subscriptions registered`);
        await sleep(5);
      }
    }
    const subscribeMs = performance.now() - t;
    const subscribeProfile = await server.request<{ file?: string }>('profile-stop', { name: `subscribe-n${n}` });
    if (subscribeProfile.file) process.stdout.write(`server CPU profile of subscribing: ${subscribeProfile.file}\n`);
    const subscribed = await server.stats();
    process.stdout.write(`connected in ${fmt(connectMs / 1000, 2)} s, subscribed in ${fmt(subscribeMs / 1000, 2)} s\n`);

    /** Waits for `round` to complete (or time out, then for stragglers); returns what was still missing at the timeout. */
    const await_ = async (round: Round, events: number): Promise<number> => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        round.done.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), o.timeoutMs); }),
      ]);
      clearTimeout(timer);
      // Past the timeout, what is still missing is counted as late; keep listening while deliveries
      // still trickle in, so that late is told apart from lost.
      const missingAtTimeout = timedOut ? n * events - round.time.length : 0;
      if (timedOut) {
        const stop = performance.now() + 2 * o.timeoutMs;
        while (round.complete < n && performance.now() - round.last < QUIET_MS && performance.now() < stop) await sleep(100);
      }
      await sleep(GRACE_MS);
      return missingAtTimeout;
    };

    const runRound = async (events: number): Promise<RoundRun> => {
      const mark = await writer.mark();
      const round = new Round(n, events, mark.head);
      clients.round = round;
      const cpu0 = (await server.counts()).cpu;
      const own0 = process.cpuUsage();
      const committed = await writer.commit(events);
      const missingAtTimeout = await await_(round, events);
      clients.round = null;
      clients.strays += round.older;
      const own1 = process.cpuUsage();
      const cpu1 = (await server.counts()).cpu;
      const seqs = committed.seqs ?? (await writer.seqs(mark.since, events));
      return { round, tCommits: committed.times, seqs, cpuMs: cpuMs(cpu0, cpu1), clientCpuMs: cpuMs(own0, own1), missingAtTimeout };
    };

    // One unmeasured round warms up the server's code paths (JIT) and the writer's.
    await runRound(1);
    await server.request('profile-start');
    const singles: RoundRun[] = [];
    for (let r = 0; r < o.rounds; r++) singles.push(await runRound(1));
    const burstRound = await runRound(o.burst);
    const profile = await server.request<{ file?: string }>('profile-stop', { name: `subscriptions-n${n}` });
    if (profile.file) process.stdout.write(`server CPU profile of the delivery rounds: ${profile.file}\n`);
    const afterEvents = await server.stats();
    if (afterEvents.subscriptions !== n) clients.failures.push(`${n - afterEvents.subscriptions} subscriptions ended on the server`);

    // Restart with resume by cursor: the peer keeps nothing across a restart, so only this project.
    let resume: Resume | null = null;
    if (name === 'otmetka' && o.missed > 0) {
      const mark = await writer.mark();
      const behind = clients.lastCursor.slice(0, n).filter((c) => c === null || Number(c) < mark.head).length;
      clients.closing = true;
      t = performance.now();
      if (o.restart === 'kill') await server.kill();
      else await server.stop();
      const stillOpen = await clients.closed(30000);
      const downMs = performance.now() - t;
      if (stillOpen) throw new Error(`${stillOpen} client sockets still open after the server stopped`);
      const round = new Round(n, o.missed, mark.head);
      const committed = await writer.commit(o.missed);
      t = performance.now();
      server = await ServerProcess.start(script, serverEnv(s.databaseUrl));
      const ready = performance.now();
      clients.wsUrl = server.wsUrl;
      clients.closing = false;
      clients.round = round;
      const cpu0 = (await server.counts()).cpu;
      const own0 = process.cpuUsage();
      await pool(n, o.concurrency, async (i) => {
        await clients.connect(i, viewers[i].token);
        clients.subscribe(i, studentGid[i], clients.lastCursor[i] ?? null);
      });
      const reconnectMs = performance.now() - ready;
      const missingAtTimeout = await await_(round, o.missed);
      clients.round = null;
      clients.strays += round.older;
      const own1 = process.cpuUsage();
      const cpu1 = (await server.counts()).cpu;
      const seqs = await writer.seqs(mark.since, o.missed);
      const delivery = summarize([{ round, tCommits: committed.times, seqs, cpuMs: cpuMs(cpu0, cpu1), clientCpuMs: cpuMs(own0, own1), missingAtTimeout }], n);
      resume = {
        missed: o.missed, downMs, startMs: ready - t, reconnectMs,
        caughtUpMs: round.complete === n ? round.last - ready : NaN, behind, delivery,
      };
    }

    return {
      server: name, n, load: { before: loadBefore, after: load() }, connectMs, subscribeMs, base, connected, subscribed, afterEvents,
      single: summarize(singles, n),
      burst: summarize([burstRound], n),
      burstCommitMs: burstRound.tCommits[burstRound.tCommits.length - 1] - burstRound.tCommits[0],
      resume,
      strays: clients.strays,
      failures: clients.failures,
    };
  } finally {
    await clients.closeAll();
    await server.stop();
  }
}

function deliveryLine(name: string, d: Delivery): string {
  return `  ${name}: ${d.received}/${d.expected} delivered, latency ms p50 ${fmt(percentile(d.latencies, 50))} ` +
    `p95 ${fmt(percentile(d.latencies, 95))} p99 ${fmt(percentile(d.latencies, 99))} max ${fmt(percentile(d.latencies, 100))}, ` +
    `${fmt(d.rate, 0)} deliveries/s, server CPU ${fmt(d.serverCpuMs, 0)} ms (${fmt((d.serverCpuMs * 1000) / Math.max(1, d.received), 1)} µs/delivery), ` +
    `lost ${d.lost}, duplicates ${d.duplicates}, out of order ${d.outOfOrder}, unexpected ${d.unexpected}${d.late ? `, ${d.late} still missing at the timeout` : ''}\n`;
}

function printSize(r: Result): void {
  let out = deliveryLine('single events', r.single) + deliveryLine('burst        ', r.burst);
  if (r.resume) {
    const x = r.resume;
    out += `  restart: down in ${fmt(x.downMs / 1000, 2)} s, ${x.missed} events committed meanwhile, new server ready in ${fmt(x.startMs / 1000, 2)} s, ` +
      `all reconnected and resubscribed with their cursor ${fmt(x.reconnectMs / 1000, 2)} s after ready, all caught up ${fmt(x.caughtUpMs / 1000, 2)} s after ready` +
      `${x.behind ? ` (${x.behind} clients were behind before the restart)` : ''}; server CPU ${fmt(x.delivery.serverCpuMs / r.n, 3)} ms per client\n` +
      deliveryLine('resume (latency from the commit while down)', x.delivery);
  }
  out += `  load average ${r.load.before} → ${r.load.after}\n`;
  if (r.strays || r.failures.length) {
    out += `  strays ${r.strays}, failures ${r.failures.length}: ${r.failures.slice(0, 5).join('; ')}\n`;
  }
  process.stdout.write(out);
}

type Row = [label: string, value: (r: Result) => number, digits: number];

function rows(rounds: number, burst: number): Row[] {
  const us = (d: Delivery, ms: number) => (ms * 1000) / Math.max(1, d.received);
  return [
    ['connect all (s)', (r) => r.connectMs / 1000, 2],
    ['subscribe all (s)', (r) => r.subscribeMs / 1000, 2],
    ['  subscriptions/s', (r) => r.n / (r.subscribeMs / 1000), 0],
    ['server heap, idle (MB)', (r) => mb(r.base.memory.heapUsed), 1],
    ['server rss, idle (MB)', (r) => mb(r.base.memory.rss), 1],
    ['server rss, all subscribed (MB)', (r) => mb(r.subscribed.memory.rss), 1],
    ['heap per socket, connected (KB)', (r) => kb(r.connected.memory.heapUsed - r.base.memory.heapUsed) / r.n, 2],
    ['heap per subscription, added (KB)', (r) => kb(r.subscribed.memory.heapUsed - r.connected.memory.heapUsed) / r.n, 2],
    ['heap per connection, total (KB)', (r) => kb(r.subscribed.memory.heapUsed - r.base.memory.heapUsed) / r.n, 2],
    ['rss per connection, total (KB)', (r) => kb(r.subscribed.memory.rss - r.base.memory.rss) / r.n, 2],
    ['heap per connection, after the events (KB)', (r) => kb(r.afterEvents.memory.heapUsed - r.base.memory.heapUsed) / r.n, 2],
    ['rss per connection, after the events (KB)', (r) => kb(r.afterEvents.memory.rss - r.base.memory.rss) / r.n, 2],
    ['server CPU, connect+subscribe (ms/conn)', (r) => cpuMs(r.base.cpu, r.subscribed.cpu) / r.n, 3],
    [`single event ×${rounds}: p50 (ms)`, (r) => percentile(r.single.latencies, 50), 1],
    ['  p95 (ms)', (r) => percentile(r.single.latencies, 95), 1],
    ['  p99 (ms)', (r) => percentile(r.single.latencies, 99), 1],
    ['  max (ms)', (r) => percentile(r.single.latencies, 100), 1],
    ['  deliveries/s', (r) => r.single.rate, 0],
    ['  server CPU (µs/delivery)', (r) => us(r.single, r.single.serverCpuMs), 1],
    ['  client CPU (µs/delivery)', (r) => us(r.single, r.single.clientCpuMs), 1],
    [`burst of ${burst}: commits took (ms)`, (r) => r.burstCommitMs, 1],
    ['  p50 (ms)', (r) => percentile(r.burst.latencies, 50), 1],
    ['  p95 (ms)', (r) => percentile(r.burst.latencies, 95), 1],
    ['  p99 (ms)', (r) => percentile(r.burst.latencies, 99), 1],
    ['  max (ms)', (r) => percentile(r.burst.latencies, 100), 1],
    ['  deliveries/s', (r) => r.burst.rate, 0],
    ['  server CPU (µs/delivery)', (r) => us(r.burst, r.burst.serverCpuMs), 1],
    ['restart: new server ready (s)', (r) => (r.resume ? r.resume.startMs / 1000 : NaN), 2],
    ['  all reconnected + resubscribed (s)', (r) => (r.resume ? r.resume.reconnectMs / 1000 : NaN), 2],
    ['  all caught up (s after ready)', (r) => (r.resume ? r.resume.caughtUpMs / 1000 : NaN), 2],
    ['  server CPU, reconnect+replay (ms/client)', (r) => (r.resume ? r.resume.delivery.serverCpuMs / r.n : NaN), 3],
    ['missing at a round timeout (late)', (r) => r.single.late + r.burst.late + (r.resume?.delivery.late ?? 0), 0],
    ['lost deliveries', (r) => r.single.lost + r.burst.lost + (r.resume?.delivery.lost ?? 0), 0],
    ['duplicate deliveries', (r) => r.single.duplicates + r.burst.duplicates + (r.resume?.delivery.duplicates ?? 0), 0],
    ['out-of-order deliveries', (r) => r.single.outOfOrder + r.burst.outOfOrder + (r.resume?.delivery.outOfOrder ?? 0), 0],
    ['unexpected / stray deliveries', (r) => r.single.unexpected + r.burst.unexpected + (r.resume?.delivery.unexpected ?? 0) + r.strays, 0],
    ['errors, server-closed sockets', (r) => r.failures.length, 0],
  ];
}

/** Side by side: one column per server, and otmetka / peer. */
function printTable(results: Result[], rounds: number, burst: number): void {
  const n = results[0].n;
  const otm = results.find((r) => r.server === 'otmetka');
  const peer = results.find((r) => r.server === 'peer');
  const cols = [...results.map((r) => r.server), ...(otm && peer ? ['otmetka/peer'] : [])];
  const table = rows(rounds, burst);
  const w0 = Math.max(...table.map(([k]) => k.length));
  const w = Math.max(12, ...cols.map((c) => c.length));
  let out = `\nsubscriptions, N = ${n} (node ${process.version})\n${''.padEnd(w0)}  ${cols.map((c) => c.padStart(w)).join('  ')}\n`;
  for (const [label, value, digits] of table) {
    const cells = results.map((r) => fmt(value(r), digits));
    if (otm && peer) {
      const a = value(otm);
      const b = value(peer);
      cells.push(Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, 2)}×` : '—');
    }
    out += `${label.padEnd(w0)}  ${cells.map((c) => c.padStart(w)).join('  ')}\n`;
  }
  if (otm) {
    const at = n === TARGETS.atN ? '' : ` (the targets are set for N = ${TARGETS.atN}; this is N = ${n})`;
    const p99 = percentile(otm.single.latencies, 99);
    const burstP99 = percentile(otm.burst.latencies, 99);
    const cpu = (otm.single.serverCpuMs * 1000) / Math.max(1, otm.single.received);
    const rss = (r: Result) => (r.subscribed.memory.rss - r.base.memory.rss) / r.n;
    const bad = (r: Result) => r.single.lost + r.burst.lost + r.single.duplicates + r.burst.duplicates + (r.resume ? r.resume.delivery.lost + r.resume.delivery.duplicates : 0);
    const mark = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT MET');
    const lines: [string, string, boolean | null][] = [
      [`one event p99 ≤ ${TARGETS.singleP99Ms} ms`, `${fmt(p99)} ms`, Number.isFinite(p99) ? p99 <= TARGETS.singleP99Ms : false],
      ['one event p99 below the peer’s', peer ? `${fmt(p99)} vs ${fmt(percentile(peer.single.latencies, 99))} ms` : 'no peer run', peer ? p99 < percentile(peer.single.latencies, 99) : null],
      [`burst of ${burst} p99 ≤ ${TARGETS.burstP99Ms / 1000} s`, `${fmt(burstP99 / 1000, 2)} s`, Number.isFinite(burstP99) ? burstP99 <= TARGETS.burstP99Ms : false],
      [`server CPU ≤ ${TARGETS.cpuUsPerDelivery} µs per delivery`, `${fmt(cpu)} µs`, cpu <= TARGETS.cpuUsPerDelivery],
      [`rss per connection ≤ ${TARGETS.rssPerConnVsPeer}× the peer’s`, peer ? `${fmt(rss(otm) / rss(peer), 2)}×` : 'no peer run', peer ? rss(otm) <= TARGETS.rssPerConnVsPeer * rss(peer) : null],
      [`restart: all caught up ≤ ${TARGETS.resumeMs / 1000} s`, otm.resume ? `${fmt(otm.resume.caughtUpMs / 1000, 2)} s` : 'no restart', otm.resume ? otm.resume.caughtUpMs <= TARGETS.resumeMs : null],
      ['nothing lost or duplicated', `${bad(otm)} lost or duplicate`, bad(otm) === 0],
    ];
    const wl = Math.max(...lines.map(([k]) => k.length));
    const wv = Math.max(...lines.map(([, v]) => v.length));
    out += `\nissue 10 §3 targets, otmetka${at}:\n`;
    for (const [k, v, ok] of lines) out += `  ${k.padEnd(wl)}  ${v.padStart(wv)}  ${mark(ok)}\n`;
  }
  out += `load average (1, 5, 15 min) during the runs: ${results.map((r) => `${r.server} ${r.load.before} → ${r.load.after}`).join('; ')}\n`;
  process.stdout.write(out);
}
