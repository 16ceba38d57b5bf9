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
import { DEMO_PASSWORD } from '../src/db/seed/demo';
import { benchDatabase } from './db';

/**
 * Live delivery over graphql-ws (R-DIARY-3) at scale: N WebSockets on one server process, each
 * subscribed to `diaryEvents` of a demo student (round-robin over every student of the school).
 * The server runs alone in a child process (bench/sub-server.ts) so its memory and CPU are its own;
 * the clients (a minimal graphql-transport-ws client over `ws`) and the writer run here, so the
 * commit time and every receive time come from the same clock (performance.now of this process).
 *
 * Options (`npm run bench -- subscriptions --n=2000 --rounds=5 --burst=20`, or the environment):
 *   --n / SUB_N                 sizes to run, comma-separated (default 1000,5000,10000)
 *   --rounds / SUB_ROUNDS       single-event rounds per size (default 5)
 *   --burst / SUB_BURST         events committed back to back in the burst round (default 20)
 *   --tokens / SUB_TOKENS       admin logins whose access tokens the sockets share (default 4)
 *   --concurrency / SUB_CONCURRENCY  sockets opening at once (default 200)
 *   --timeout / SUB_TIMEOUT_MS  how long a round waits for every delivery (default 30000)
 *   SUB_PROFILE=<folder>        CPU profile of the server during the delivery rounds, one file per size
 *   SUB_SERVER_NODE_ARGS        extra node flags for the server process (e.g. "--trace-gc")
 */

const SUBSCRIPTION = 'subscription($s: ID!) { diaryEvents(studentId: $s) { cursor kind dateFrom dateTo } }';
const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code message } } }';
/** Subscriptions sent before waiting for the server to register them. */
const SUBSCRIBE_BATCH = 500;
/** After the last expected delivery, how long to keep listening for duplicates and strays. */
const GRACE_MS = 300;
/** After a round's timeout, it ends once no delivery arrived for this long. */
const QUIET_MS = 3000;
/** Hasura: 20,000 live queries on 4 CPUs, i.e. 5,000 per core; this machine's share of that. */
const TARGET_PER_CORE = 5000;

function option(name: string, env: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : process.env[env] ?? fallback;
}
function intOption(name: string, env: string, fallback: number): number {
  const v = Number(option(name, env, String(fallback)));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} / ${env} must be a positive whole number`);
  return v;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The server process

interface CpuUsage { user: number; system: number }
interface Counts { cpu: CpuUsage; subscriptions: number; sockets: number }
interface Stats extends Counts { memory: NodeJS.MemoryUsage }

class ServerProcess {
  private readonly pending = new Map<number, { resolve: (m: any) => void; reject: (e: Error) => void }>();
  private next = 1;
  private exited: Promise<number | null>;

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

  static async start(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
    const child = fork(path.join(__dirname, 'sub-server.js'), [], {
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

  get pid(): number {
    return this.child.pid!;
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
    if (this.child.exitCode !== null) return;
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
    await this.request('stop').catch(() => undefined);
    await this.exited;
    clearTimeout(killer);
  }
}

const cpuMs = (a: CpuUsage, b: CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;

// ---------------------------------------------------------------------------------------------
// The clients: a minimal graphql-transport-ws client per socket

/** What the sockets received during one round. */
class Round {
  /** distinct cursors received per subscriber */
  readonly seen: (Set<number> | undefined)[];
  readonly sub: number[] = [];
  readonly cursor: number[] = [];
  readonly time: number[] = [];
  duplicates = 0;
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
  round: Round | null = null;
  /** deliveries outside any round */
  strays = 0;
  /** `error` / `complete` messages and sockets closed by the server */
  readonly failures: string[] = [];
  private closing = false;

  constructor(private readonly wsUrl: string) {}

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
            const cursor = Number(m.payload?.data?.diaryEvents?.cursor);
            if (m.payload?.errors || !Number.isFinite(cursor)) this.fail(`socket ${i}: ${JSON.stringify(m.payload)}`);
            else if (this.round) this.round.receive(i, cursor, t);
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
        else this.fail(`socket ${i}: ${err.message}`);
      });
      ws.on('close', (code, reason) => {
        if (!acked) reject(new Error(`socket ${i} closed before connection_ack: ${code} ${reason}`));
        else if (!this.closing) this.fail(`socket ${i} closed by the server: ${code} ${reason}`);
      });
    });
  }

  subscribe(i: number, studentGid: string): void {
    this.sockets[i].send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { s: studentGid } } }));
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
  /** deliveries of an event not committed in this round */
  unexpected: number;
  serverCpuMs: number;
  /** CPU time of this process (clients and writer) over the same rounds */
  clientCpuMs: number;
  /** deliveries still missing when the round's timeout expired (late, or lost if they never came) */
  late: number;
}

interface Result {
  n: number;
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
  strays: number;
  failures: string[];
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const kb = (bytes: number) => bytes / 1024;
const mb = (bytes: number) => bytes / 1024 / 1024;

function summarize(rounds: { round: Round; tCommits: number[]; seqs: (number | null)[]; cpuMs: number; clientCpuMs: number; missingAtTimeout: number }[], n: number): Delivery {
  const latencies: number[] = [];
  let expected = 0;
  let received = 0;
  let duplicates = 0;
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
    lost: expected - received, duplicates, unexpected, serverCpuMs, clientCpuMs, late,
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function subscriptionsBench(): Promise<void> {
  const sizes = option('n', 'SUB_N', '1000,5000,10000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error('--n / SUB_N: comma-separated positive whole numbers');
  const rounds = intOption('rounds', 'SUB_ROUNDS', 5);
  const burst = intOption('burst', 'SUB_BURST', 20);
  const tokenCount = intOption('tokens', 'SUB_TOKENS', 4);
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
    const students = await conn.execute<{ id: string }[]>(
      `select distinct cm.student_id as id from class_membership cm join school_class c on c.id = cm.school_class_id
        where c.school_id = ? and cm.from_date <= ?::date and (cm.to_date is null or cm.to_date >= ?::date) order by 1`,
      [school.id, dates.dateTo, dates.dateFrom],
    );
    if (students.length === 0) throw new Error(`the demo school has no students in a class between ${dates.dateFrom} and ${dates.dateTo}`);
    const studentGids = students.map((s) => toGlobalId('Student', s.id));
    process.stdout.write(
      `demo school: ${classes.length} classes, ${students.length} students; an event for all classes (${dates.dateFrom}…${dates.dateTo}) reaches every subscriber\n` +
        `${rounds} single-event rounds and a burst of ${burst} events per size; ${tokenCount} admin sessions shared round-robin; ` +
        `selection { cursor kind dateFrom dateTo }; ${concurrency} sockets opening at once\n` +
        'latency = receive time in the client process − the moment COMMIT returned in the same process (one clock: performance.now)\n',
    );

    const results: Result[] = [];
    for (const n of sizes) {
      const r = await runSize(db.orm, db.url, school.id, classes.map((c) => c.id), dates, studentGids, { n, rounds, burst, tokenCount, concurrency, timeoutMs });
      results.push(r);
      printSize(r);
    }
    printTable(results, rounds, burst);
  } finally {
    await db.close();
  }
}

interface SizeOptions { n: number; rounds: number; burst: number; tokenCount: number; concurrency: number; timeoutMs: number }

async function runSize(
  orm: MikroORM, databaseUrl: string, schoolId: string, classIds: string[], dates: { dateFrom: string; dateTo: string }, studentGids: string[], o: SizeOptions,
): Promise<Result> {
  const { n } = o;
  process.stdout.write(`\n-- N = ${n} --\n`);
  const server = await ServerProcess.start({
    ...process.env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    ERASURE_POLL_SECONDS: '0',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
  });
  const clients = new Clients(server.wsUrl);
  try {
    // A handful of admin sessions (throttling counts failed logins only).
    const tokens: string[] = [];
    for (let k = 0; k < o.tokenCount; k++) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOGIN, variables: { i: { login: 'admin', password: DEMO_PASSWORD } } }),
      });
      const body = (await res.json()) as { data?: { login?: { accessToken?: string } }; errors?: unknown };
      const token = body.data?.login?.accessToken;
      if (!token) throw new Error(`login failed: ${JSON.stringify(body)}`);
      tokens.push(token);
    }

    const base = await server.stats();

    let t = performance.now();
    await pool(n, o.concurrency, (i) => clients.connect(i, tokens[i % tokens.length]));
    const connectMs = performance.now() - t;
    const connected = await server.stats();
    if (connected.sockets !== n) throw new Error(`server holds ${connected.sockets} sockets, expected ${n}`);

    t = performance.now();
    for (let from = 0; from < n; from += SUBSCRIBE_BATCH) {
      const to = Math.min(n, from + SUBSCRIBE_BATCH);
      for (let i = from; i < to; i++) clients.subscribe(i, studentGids[i % studentGids.length]);
      const deadline = performance.now() + o.timeoutMs;
      for (;;) {
        if (clients.failures.length) throw new Error(`subscribing failed: ${clients.failures.slice(0, 3).join('; ')}`);
        if ((await server.counts()).subscriptions >= to) break;
        if (performance.now() > deadline) throw new Error(`only ${(await server.counts()).subscriptions} of ${to} subscriptions registered`);
        await sleep(5);
      }
    }
    const subscribeMs = performance.now() - t;
    const subscribed = await server.stats();
    process.stdout.write(`connected in ${fmt(connectMs / 1000, 2)} s, subscribed in ${fmt(subscribeMs / 1000, 2)} s\n`);

    const commit = async (): Promise<number> => {
      await runAsActor(systemActor('bench'), () => orm.em.fork().transactional((em) => publishEvent(em, TIMETABLE_CHANGED, {
        schoolId, ...dates,
        targets: classIds.map((classId) => ({ classId })), teacherStaffIds: [],
      })));
      return performance.now();
    };
    const runRound = async (events: number) => {
      const [{ max, head }] = await orm.em.getConnection().execute<{ max: string | null; head: string }[]>(
        'select (select max(id) from outbox_event) as max, (select last_seq from outbox_head where id = 1) as head',
      );
      const maxId = Number(max ?? 0);
      const round = new Round(n, events, Number(head));
      clients.round = round;
      const cpu0 = (await server.counts()).cpu;
      const own0 = process.cpuUsage();
      const tCommits: number[] = [];
      for (let e = 0; e < events; e++) tCommits.push(await commit());
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
      clients.round = null;
      clients.strays += round.older;
      const own1 = process.cpuUsage();
      const cpu1 = (await server.counts()).cpu;
      const rows = await orm.em.getConnection().execute<{ seq: string | null }[]>('select seq from outbox_event where id > ? order by id', [maxId]);
      if (rows.length !== events) throw new Error(`expected ${events} new outbox rows, found ${rows.length}`);
      const seqs = rows.map((r) => (r.seq === null ? null : Number(r.seq)));
      return { round, tCommits, seqs, cpuMs: cpuMs(cpu0, cpu1), clientCpuMs: cpuMs(own0, own1), missingAtTimeout };
    };

    // One unmeasured round warms up the server's code paths (JIT) and the writer's.
    await runRound(1);
    await server.request('profile-start');
    const singles = [];
    for (let r = 0; r < o.rounds; r++) singles.push(await runRound(1));
    const burstRound = await runRound(o.burst);
    const profile = await server.request<{ file?: string }>('profile-stop', { name: `subscriptions-n${n}` });
    if (profile.file) process.stdout.write(`server CPU profile of the delivery rounds: ${profile.file}\n`);
    const afterEvents = await server.stats();
    if (afterEvents.subscriptions !== n) clients.failures.push(`${n - afterEvents.subscriptions} subscriptions ended on the server`);

    return {
      n, connectMs, subscribeMs, base, connected, subscribed, afterEvents,
      single: summarize(singles, n),
      burst: summarize([burstRound], n),
      burstCommitMs: burstRound.tCommits[burstRound.tCommits.length - 1] - burstRound.tCommits[0],
      strays: clients.strays,
      failures: clients.failures,
    };
  } finally {
    await clients.closeAll();
    await server.stop();
  }
}

function printSize(r: Result): void {
  const line = (name: string, d: Delivery) =>
    `  ${name}: ${d.received}/${d.expected} delivered, latency ms p50 ${fmt(d.latencies.length ? percentile(d.latencies, 50) : NaN)} ` +
    `p95 ${fmt(percentile(d.latencies, 95))} p99 ${fmt(percentile(d.latencies, 99))} max ${fmt(percentile(d.latencies, 100))}, ` +
    `${fmt(d.rate, 0)} deliveries/s, server CPU ${fmt(d.serverCpuMs, 0)} ms (${fmt((d.serverCpuMs * 1000) / Math.max(1, d.received), 1)} µs/delivery), ` +
    `lost ${d.lost}, duplicates ${d.duplicates}, unexpected ${d.unexpected}${d.late ? `, ${d.late} still missing at the timeout` : ''}\n`;
  process.stdout.write(line('single events', r.single) + line('burst        ', r.burst));
  if (r.strays || r.failures.length) {
    process.stdout.write(`  strays ${r.strays}, failures ${r.failures.length}: ${r.failures.slice(0, 5).join('; ')}\n`);
  }
}

function printTable(results: Result[], rounds: number, burst: number): void {
  const cores = os.availableParallelism();
  const rows: [string, (r: Result) => string][] = [
    ['connect all (s)', (r) => fmt(r.connectMs / 1000, 2)],
    ['  connections/s', (r) => fmt(r.n / (r.connectMs / 1000), 0)],
    ['subscribe all (s)', (r) => fmt(r.subscribeMs / 1000, 2)],
    ['  subscriptions/s', (r) => fmt(r.n / (r.subscribeMs / 1000), 0)],
    ['server heap, idle (MB)', (r) => fmt(mb(r.base.memory.heapUsed))],
    ['server heap, all subscribed (MB)', (r) => fmt(mb(r.subscribed.memory.heapUsed))],
    ['server rss, idle (MB)', (r) => fmt(mb(r.base.memory.rss))],
    ['server rss, all subscribed (MB)', (r) => fmt(mb(r.subscribed.memory.rss))],
    ['heap per socket, connected (KB)', (r) => fmt(kb(r.connected.memory.heapUsed - r.base.memory.heapUsed) / r.n, 2)],
    ['heap per subscription, added (KB)', (r) => fmt(kb(r.subscribed.memory.heapUsed - r.connected.memory.heapUsed) / r.n, 2)],
    ['heap per connection, total (KB)', (r) => fmt(kb(r.subscribed.memory.heapUsed - r.base.memory.heapUsed) / r.n, 2)],
    ['rss per connection, total (KB)', (r) => fmt(kb(r.subscribed.memory.rss - r.base.memory.rss) / r.n, 2)],
    ['heap per connection, after the events (KB)', (r) => fmt(kb(r.afterEvents.memory.heapUsed - r.base.memory.heapUsed) / r.n, 2)],
    ['rss per connection, after the events (KB)', (r) => fmt(kb(r.afterEvents.memory.rss - r.base.memory.rss) / r.n, 2)],
    ['server CPU, connect+subscribe (ms/conn)', (r) => fmt(cpuMs(r.base.cpu, r.subscribed.cpu) / r.n, 3)],
    [`single event ×${rounds}: first (ms)`, (r) => fmt(r.single.latencies[0])],
    ['  p50 (ms)', (r) => fmt(percentile(r.single.latencies, 50))],
    ['  p95 (ms)', (r) => fmt(percentile(r.single.latencies, 95))],
    ['  p99 (ms)', (r) => fmt(percentile(r.single.latencies, 99))],
    ['  max (ms)', (r) => fmt(percentile(r.single.latencies, 100))],
    ['  deliveries/s', (r) => fmt(r.single.rate, 0)],
    ['  server CPU (µs/delivery)', (r) => fmt((r.single.serverCpuMs * 1000) / Math.max(1, r.single.received), 1)],
    ['  client CPU (µs/delivery)', (r) => fmt((r.single.clientCpuMs * 1000) / Math.max(1, r.single.received), 1)],
    [`burst of ${burst}: commits took (ms)`, (r) => fmt(r.burstCommitMs)],
    ['  p50 (ms)', (r) => fmt(percentile(r.burst.latencies, 50))],
    ['  p95 (ms)', (r) => fmt(percentile(r.burst.latencies, 95))],
    ['  p99 (ms)', (r) => fmt(percentile(r.burst.latencies, 99))],
    ['  max (ms)', (r) => fmt(percentile(r.burst.latencies, 100))],
    ['  deliveries/s', (r) => fmt(r.burst.rate, 0)],
    ['  server CPU (µs/delivery)', (r) => fmt((r.burst.serverCpuMs * 1000) / Math.max(1, r.burst.received), 1)],
    ['  client CPU (µs/delivery)', (r) => fmt((r.burst.clientCpuMs * 1000) / Math.max(1, r.burst.received), 1)],
    ['missing at the round timeout (late)', (r) => String(r.single.late + r.burst.late)],
    ['lost deliveries', (r) => String(r.single.lost + r.burst.lost)],
    ['duplicate deliveries', (r) => String(r.single.duplicates + r.burst.duplicates)],
    ['unexpected / stray deliveries', (r) => String(r.single.unexpected + r.burst.unexpected + r.strays)],
    ['errors, server-closed sockets', (r) => String(r.failures.length)],
  ];
  const w0 = Math.max(...rows.map(([k]) => k.length));
  const cols = results.map((r) => `N = ${r.n}`);
  const w = Math.max(10, ...cols.map((c) => c.length));
  let out = `\n${'subscriptions'.padEnd(w0)}  ${cols.map((c) => c.padStart(w)).join('  ')}\n`;
  for (const [k, f] of rows) out += `${k.padEnd(w0)}  ${results.map((r) => f(r).padStart(w)).join('  ')}\n`;
  const target = TARGET_PER_CORE * cores;
  const largest = results[results.length - 1];
  out +=
    `\ntarget: Hasura holds 20,000 live queries on 4 CPUs = ${TARGET_PER_CORE} per core → ${target} on this ${cores}-core machine ` +
    `(server, PostgreSQL and the ${largest?.n ?? 0} clients share those cores)\n`;
  for (const r of results) {
    const ok = r.single.lost + r.burst.lost + r.single.duplicates + r.burst.duplicates === 0 && r.failures.length === 0;
    out += `  N = ${r.n}: ${fmt((r.n / target) * 100, 0)}% of the target held${ok ? ', every event delivered exactly once' : ', WITH LOST OR DUPLICATE DELIVERIES'}; ` +
      `one event to all N took ${fmt(percentile(r.single.latencies, 100), 0)} ms at most\n`;
  }
  process.stdout.write(out);
}
