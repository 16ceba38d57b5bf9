import { startTestApp, TestApp, TEST_NOW } from './helpers/app';
import { collect, commitEvent } from './helpers/live';
import { demo, guardianAccount, schoolClass, student } from './helpers/factories';
import { parse } from 'graphql';
import type { WebSocket } from 'ws';
import type { Ctx } from '../src/context';
import { toGlobalId } from '../src/schema/node';
import { loadConfig, ConfigError } from '../src/config';
import { OutboxRetentionJob, pruneOutbox, retentionCutoff } from '../src/subscriptions/outbox-retention';

/**
 * Issue 10 §5, R-DIARY-3: the event log keeps EVENTS_RETENTION_DAYS days (here 2) on the
 * school-calendar clock. Older events are pruned oldest cursor first, never one not yet numbered;
 * the numbering goes on gaplessly; a cursor older than the kept log is refused as expired
 * (CONFLICT, CURSOR_EXPIRED); the append-only guard still refuses every other UPDATE or DELETE.
 *
 * Delivery is woken by hand here (no fallback poll), so a test decides when events are numbered.
 */
const RETENTION_DAYS = 2;
const DAY = 24 * 3600 * 1000;
const NOW = new Date(TEST_NOW).getTime();
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const CUTOFF = retentionCutoff(new Date(NOW), RETENTION_DAYS);

const DIARY = `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind } }`;
const TEACHER = `subscription($after: String) { teacherEvents(after: $after) { cursor kind } }`;

let app: TestApp;
let schoolId: string;
let child: string;
let other: string;
let parentToken: string;
let teacherToken: string;
let teacherUserId: string;
let job: OutboxRetentionJob;
/** outbox ids of the events written by the first test */
const ids: Record<string, string> = {};

/** An event as publishEvent writes it, but with a chosen `occurred_at`; not numbered until `sequence()`. */
async function insertEvent(studentIds: string[], occurredAt: string, teacherUserIds: string[] = []): Promise<string> {
  const [r] = await app.sql(`insert into outbox_event (school_id, kind, student_ids, teacher_user_ids, date_from, date_to, details, occurred_at)
    values ($1, 'TIMETABLE_CHANGED', $2::uuid[], $3::uuid[], '2025-11-25', '2025-11-25', '{}', $4) returning id::text`, [schoolId, studentIds, teacherUserIds, occurredAt]);
  return r.id;
}
const sequence = () => app.sql('select outbox_sequence()');
const head = async () => (await app.sql<{ last: number; pruned: number }>('select last_seq::int as last, pruned_through::int as pruned from outbox_head'))[0];
const seqOf = async (id: string) => (await app.sql<{ seq: number | null }>('select seq::int as seq from outbox_event where id = $1', [id]))[0]?.seq;
const present = async (id: string) => (await app.sql('select 1 from outbox_event where id = $1', [id])).length === 1;
/** The whole log and its head, to prove a refused statement changed nothing. */
const snapshot = async () => (await app.sql(`select (select md5(coalesce(string_agg(to_jsonb(e)::text, '|' order by e.id), '')) from outbox_event e) as log,
  (select to_jsonb(h)::text from outbox_head h) as head`))[0];
const cursors = (r: { data: any[] }) => r.data.map((d) => Number((d.diaryEvents ?? d.teacherEvents).cursor));
/** Every numbered event still kept, in cursor order, must be exactly pruned_through+1 … last_seq. */
async function expectGapless(): Promise<void> {
  const h = await head();
  const seqs = (await app.sql<{ seq: number }>('select seq::int as seq from outbox_event where seq is not null order by seq')).map((r) => r.seq);
  expect(seqs).toEqual(Array.from({ length: h.last - h.pruned }, (_, i) => h.pruned + 1 + i));
}

beforeAll(async () => {
  app = await startTestApp({ EVENTS_RETENTION_DAYS: String(RETENTION_DAYS), EVENTS_POLL_MS: '600000' });
  ({ schoolId } = await demo(app));
  const { yearId } = await demo(app);
  const classId = await schoolClass(app, schoolId, yearId);
  ({ studentId: child } = await student(app, schoolId, { classId }));
  ({ studentId: other } = await student(app, schoolId, { classId }));
  await guardianAccount(app, schoolId, child);
  parentToken = (await app.as('parent')).token!;
  const teacher = await app.as('teacher');
  teacherToken = teacher.token!;
  [{ id: teacherUserId }] = await app.sql(`select id from app_user where login = 'teacher'`);
  job = new OutboxRetentionJob(app.orm, { retentionDays: RETENTION_DAYS });
  // A clean slate: whatever the template holds occurred on the real clock, a year after TEST_NOW.
  await sequence();
  await pruneOutbox(app.orm, new Date(Date.now() + DAY));
});
afterAll(async () => { await app?.stop(); });

describe('issue 10 §5: pruning', () => {
  test('issue 10 §5, R-DIARY-3: the job deletes the numbered events older than the retention, oldest cursor first; newer ones, later-numbered old ones and unnumbered ones stay; last_seq is untouched', async () => {
    ids.old1 = await insertEvent([child], ago(5 * DAY));
    ids.oldOther = await insertEvent([other], ago(4 * DAY));
    ids.old2 = await insertEvent([child], ago(3 * DAY), [teacherUserId]);
    ids.new1 = await insertEvent([child], ago(1 * DAY), [teacherUserId]);
    // older than the retention, but numbered after a newer event: deleting it would leave a hole behind a kept cursor
    ids.late = await insertEvent([child], ago(2 * DAY + 3600_000));
    ids.new2 = await insertEvent([child, other], ago(3600_000));
    await sequence();
    // committed long ago but not yet numbered: never pruned
    ids.pending = await insertEvent([child], ago(10 * DAY));
    const before = await head();

    const result = await job.runOnce();

    expect(result).toEqual({ deleted: 3, skipped: false });
    for (const k of ['old1', 'oldOther', 'old2']) expect(await present(ids[k])).toBe(false);
    for (const k of ['new1', 'late', 'new2', 'pending']) expect(await present(ids[k])).toBe(true);
    expect(await seqOf(ids.pending)).toBeNull();
    const after = await head();
    expect(after.last).toBe(before.last);
    expect(after.pruned).toBe((await seqOf(ids.new1))! - 1);
    await expectGapless();
    // idempotent: nothing more is old enough at the same instant
    expect(await job.runOnce()).toEqual({ deleted: 0, skipped: false });
    expect(await head()).toEqual(after);
  });

  test('issue 10 §5: numbering continues gaplessly after pruning: the waiting event and a new one get the next cursors', async () => {
    const { last, pruned } = await head();
    await sequence();
    expect(await seqOf(ids.pending)).toBe(last + 1);
    await commitEvent(app, schoolId, [child]);
    await app.server.events.flush();
    const [{ seq }] = await app.sql<{ seq: number }>('select seq::int as seq from outbox_event order by id desc limit 1');
    expect(seq).toBe(last + 2);
    expect(await head()).toEqual({ last: last + 2, pruned });
    await expectGapless();
  });

  test('issue 10 §5: a later run on the school-calendar clock prunes what has aged since, still as a prefix', async () => {
    const { pruned } = await head();
    // a day and a minute on, new1 and late are older than the retention; new2 (written an hour before TEST_NOW) is not
    app.clock.pin(new Date(NOW + DAY + 60_000).toISOString());
    try {
      expect(await job.runOnce()).toEqual({ deleted: 2, skipped: false });
    } finally {
      app.clock.pin(TEST_NOW);
    }
    expect(await present(ids.new1)).toBe(false);
    expect(await present(ids.late)).toBe(false);
    expect(await present(ids.new2)).toBe(true);
    expect((await head()).pruned).toBe(pruned + 2);
    await expectGapless();
  });

  test('issue 10 §5: once started, the job prunes at its poll', async () => {
    const old = await insertEvent([other], ago(400 * DAY));
    const { last } = await head();
    await sequence();
    expect(await seqOf(old)).toBe(last + 1);
    const runner = new OutboxRetentionJob(app.orm, { retentionDays: RETENTION_DAYS, pollSeconds: 0.2 });
    // a month after the real clock, every event (some were written on the real clock) is older than the retention
    app.clock.pin(new Date(Date.now() + 30 * DAY).toISOString());
    try {
      runner.start();
      const started = Date.now();
      while ((await head()).pruned < last + 1) {
        if (Date.now() - started > 3000) throw new Error('not pruned within 3 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await runner.stop();
      app.clock.pin(TEST_NOW);
    }
    expect(await head()).toEqual({ last: last + 1, pruned: last + 1 });
    expect((await app.sql('select count(*)::int as n from outbox_event'))[0].n).toBe(0);
  });

  test('issue 10 §5: EVENTS_RETENTION_DAYS=0 keeps events for ever', async () => {
    const id = await insertEvent([other], ago(1000 * DAY));
    await sequence();
    const keepAll = new OutboxRetentionJob(app.orm, { retentionDays: 0 });
    expect(await keepAll.runOnce(new Date('2100-01-01'))).toEqual({ deleted: 0, skipped: false });
    keepAll.start(); // does not start
    await keepAll.stop();
    expect(await present(id)).toBe(true);
  });
});

describe('issue 10 §5: cursors', () => {
  let kept: number[];
  beforeAll(async () => {
    // the log now: pruned through P, then child events at recent instants
    for (let i = 0; i < 3; i++) await insertEvent(i === 1 ? [other] : [child], ago(3600_000), [teacherUserId]);
    await sequence();
    await app.server.events.flush();
    const { pruned } = await head();
    kept = (await app.sql<{ seq: number }>('select seq::int as seq from outbox_event where $1 = any(student_ids) and seq > $2 order by seq', [child, pruned])).map((r) => r.seq);
    expect(kept.length).toBeGreaterThanOrEqual(2);
  });

  test('issue 10 §5, R-DIARY-3: a cursor older than the kept log is refused with CONFLICT / CURSOR_EXPIRED, and nothing else arrives', async () => {
    const { pruned } = await head();
    expect(pruned).toBeGreaterThan(2);
    for (const after of ['0', '1', String(pruned - 1)]) {
      const r = collect(app.ws(parentToken), DIARY, { s: toGlobalId('Student', child), after });
      await r.until((x) => x.completed);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'CURSOR_EXPIRED' });
      expect(r.errors[0].message).toMatch(/studentDiary/);
      expect(r.errors[0].message).toMatch(/without "after"/);
      expect(r.data).toEqual([]);
    }
    const t = collect(app.ws(teacherToken), TEACHER, { after: String(pruned - 1) });
    await t.until((x) => x.completed);
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'CURSOR_EXPIRED' });
    expect(t.data).toEqual([]);
  });

  test('issue 10 §5, R-DIARY-3: an expired cursor stays refused: a live event committed meanwhile does not reach it', async () => {
    const { pruned } = await head();
    const r = collect(app.ws(parentToken), DIARY, { s: toGlobalId('Student', child), after: String(pruned - 1) });
    await r.until((x) => x.completed);
    await commitEvent(app, schoolId, [child]);
    await app.server.events.flush();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.data).toEqual([]);
    expect(r.errors).toHaveLength(1);
    kept.push((await app.sql<{ seq: number }>('select seq::int as seq from outbox_event order by seq desc limit 1'))[0].seq);
  });

  test('issue 10 §5, R-DIARY-3: the oldest kept cursor (pruned_through) replays exactly the remaining events, in order, then live ones', async () => {
    const { pruned } = await head();
    const r = collect(app.ws(parentToken), DIARY, { s: toGlobalId('Student', child), after: String(pruned) });
    await r.until((x) => x.data.length === kept.length);
    expect(cursors(r)).toEqual(kept);
    await commitEvent(app, schoolId, [child]);
    await app.server.events.flush();
    await r.until((x) => x.data.length === kept.length + 1);
    const [{ seq }] = await app.sql<{ seq: number }>('select seq::int as seq from outbox_event order by seq desc limit 1');
    expect(cursors(r)).toEqual([...kept, seq]);
    expect(r.errors).toEqual([]);
    r.unsubscribe();
  });

  test('issue 10 §5: a prune committed between the subscribe-time check and the replay ends the subscription with CURSOR_EXPIRED, never a silent gap', async () => {
    // The hub itself, as if the service's check had passed just before the prune committed.
    const { pruned } = await head();
    const [{ user_id: parentUserId, id: sessionId }] = await app.sql(`select s.user_id, s.id from auth_session s join app_user u on u.id = s.user_id
      where u.login = 'parent' and s.revoked_at is null order by s.created_at desc limit 1`);
    const viewer = { userId: parentUserId, sessionId, login: 'parent', mustChangePassword: false, roles: [] };
    // The operation graphql-ws would have started: nothing may be sent on it before the error.
    const sent: string[] = [];
    const socket = { readyState: 1, bufferedAmount: 0, send: (m: string) => sent.push(m) } as unknown as WebSocket;
    const ctx = { viewer, operation: { id: '1', socket, document: parse(DIARY), variableValues: {}, operationName: undefined } } as unknown as Ctx;
    const sub = app.server.events.subscribe({ userId: parentUserId, sessionId, studentId: child, after: pruned - 1, viewer }, ctx);
    const first = await sub.next();
    expect(first.done).toBe(false);
    expect('error' in first.value && first.value.error.extensions).toMatchObject({ code: 'CONFLICT', reason: 'CURSOR_EXPIRED' });
    expect((await sub.next()).done).toBe(true);
    expect(sent).toEqual([]);
  });

  test('issue 10 §5: a cursor inside the kept log replays from there (teacherEvents too)', async () => {
    const { pruned } = await head();
    const mine = (await app.sql<{ seq: number }>('select seq::int as seq from outbox_event where $1 = any(teacher_user_ids) and seq > $2 order by seq', [teacherUserId, pruned])).map((x) => x.seq);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    const t = collect(app.ws(teacherToken), TEACHER, { after: String(mine[0]) });
    await t.until((x) => x.data.length === mine.length - 1);
    expect(cursors(t)).toEqual(mine.slice(1));
    expect(t.errors).toEqual([]);
    t.unsubscribe();
  });
});

describe('issue 10 §5: the log stays append-only', () => {
  test('issue 10 §5, R-DIARY-3: an ordinary DELETE or UPDATE of outbox_event, or a change of outbox_head, is refused and changes nothing', async () => {
    await insertEvent([child], ago(30 * DAY)); // an unnumbered one too
    const before = await snapshot();
    const { pruned } = await head();
    const refused = [
      'delete from outbox_event',
      'delete from outbox_event where seq = (select min(seq) from outbox_event)',
      `delete from outbox_event where seq is null`,
      `update outbox_event set details = '{"x":1}'`,
      `update outbox_event set occurred_at = occurred_at - interval '100 days'`,
      'update outbox_event set seq = null where seq is not null',
      'update outbox_head set pruned_through = last_seq',
      'update outbox_head set last_seq = last_seq - 1',
      'update outbox_head set last_seq = last_seq + 1000',
      'delete from outbox_head',
    ];
    for (const statement of refused) {
      await expect(app.sql(statement)).rejects.toThrow(/append-only|outbox_head/);
    }
    // the pruning flag alone does not open the log: events after pruned_through and unnumbered ones stay
    for (const statement of ['delete from outbox_event where seq is not null', 'delete from outbox_event where seq is null']) {
      await expect(app.tx(async (sql) => {
        await sql(`select set_config('otmetka.outbox_prune', 'on', true)`);
        await sql(statement);
      })).rejects.toThrow(/append-only/);
    }
    // and pruned_through never passes the end of the numbered log
    await expect(app.tx(async (sql) => {
      await sql(`select set_config('otmetka.outbox_prune', 'on', true)`);
      await sql('update outbox_head set pruned_through = last_seq + 1');
    })).rejects.toThrow(/check constraint/);
    expect(await snapshot()).toEqual(before);
    expect((await head()).pruned).toBe(pruned);
    await sequence();
  });

  test('issue 10 §5: outbox_prune leaves the pruning flag off for the rest of its transaction', async () => {
    await expect(app.tx(async (sql) => {
      await sql(`select outbox_prune($1::timestamptz)`, [CUTOFF.toISOString()]);
      await sql('delete from outbox_event where seq = (select max(seq) from outbox_event)');
    })).rejects.toThrow(/append-only/);
  });
});

describe('issue 10 §5: several server processes', () => {
  test('issue 10 §5: a prune while another holds the lock returns at once (null) and changes nothing; after its commit there is nothing left', async () => {
    for (let i = 0; i < 5; i++) await insertEvent([other], ago(400 * DAY));
    await sequence();
    const far = new Date(Date.now() + 365 * DAY).toISOString(); // every event, on either clock, is older than this
    const { last } = await head();
    await app.tx(async (sql) => {
      const [first] = await sql<{ n: string }>('select outbox_prune($1::timestamptz) as n', [far]);
      expect(Number(first.n)).toBeGreaterThanOrEqual(5);
      const started = Date.now();
      const [second] = await app.sql<{ n: string | null }>('select outbox_prune($1::timestamptz) as n', [far]);
      expect(second.n).toBeNull();
      expect(Date.now() - started).toBeLessThan(1000);
      // the other connection does not see the first prune until it commits
      expect((await app.sql('select pruned_through::int as p from outbox_head'))[0].p).toBeLessThan(last);
    });
    expect(await head()).toEqual({ last, pruned: last });
    const [again] = await app.sql<{ n: string }>('select outbox_prune($1::timestamptz) as n', [far]);
    expect(Number(again.n)).toBe(0);
  });

  test('issue 10 §5: concurrent prunes in batches, with writers and delivery numbering at the same time, delete each old event once and leave the numbering gapless', async () => {
    const OLD = 1500;
    const { last: start } = await head();
    await app.sql(`insert into outbox_event (school_id, kind, student_ids, date_from, date_to, details, occurred_at)
      select $1, 'TIMETABLE_CHANGED', $2::uuid[], '2025-11-25', '2025-11-25', '{}', $3::timestamptz + g * interval '1 second'
      from generate_series(1, ${OLD}) g`, [schoolId, [other], ago(30 * DAY)]);
    await sequence();
    const keepFrom = (await head()).last + 1;
    const jobs = new OutboxRetentionJob(app.orm, { retentionDays: RETENTION_DAYS });
    const writers = Promise.all(Array.from({ length: 20 }, (_, i) =>
      new Promise((res) => setTimeout(res, i * 5)).then(() => commitEvent(app, schoolId, [child], { holdMs: i % 3 ? 0 : 30 })).then(() => sequence())));
    const results = await Promise.all([
      pruneOutbox(app.orm, CUTOFF, 100), pruneOutbox(app.orm, CUTOFF, 100), pruneOutbox(app.orm, CUTOFF, 250), jobs.runOnce(), writers.then(() => null),
    ]);
    await writers;
    const deleted = results.reduce((n, r) => n + (r ? r.deleted : 0), 0);
    expect(deleted).toBe(OLD);
    const h = await head();
    expect(h.pruned).toBe(start + OLD);
    expect(h.last).toBe(keepFrom - 1 + 20);
    expect((await app.sql('select count(*)::int as n from outbox_event where occurred_at < $1', [CUTOFF.toISOString()]))[0].n).toBe(0);
    await expectGapless();
  });
});

describe('issue 10 §5: configuration', () => {
  test('issue 10 §5: EVENTS_RETENTION_DAYS defaults to 30, 0 keeps events for ever, anything but a whole number ≥ 0 is refused', () => {
    expect(loadConfig({}).events.retentionDays).toBe(30);
    expect(loadConfig({ EVENTS_RETENTION_DAYS: '0' }).events.retentionDays).toBe(0);
    expect(loadConfig({ EVENTS_RETENTION_DAYS: '400' }).events.retentionDays).toBe(400);
    for (const bad of ['-1', '1.5', 'abc']) {
      try {
        loadConfig({ EVENTS_RETENTION_DAYS: bad });
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^EVENTS_RETENTION_DAYS: /)]);
      }
    }
  });
});
