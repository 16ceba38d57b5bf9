import { performance } from 'node:perf_hooks';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { Ctx } from '../context';
import type { Logger } from '../logger';
import { createLoaders, type Loaders, type ViewerRoles } from '../loaders';
import { ErrorCode } from '../schema/errors';
import { eventObjectType } from './event-registry';
import { cursorExpired } from './outbox-retention';
import { recipientsOf } from './outbox';
import { boundRows } from '../db/bound';
import { uuidArray } from '../loaders/roster.loaders';
import { EventSubscription, type LiveEvent, type OutboxEvent, type Rights, type SubscriberSpec } from './event-subscription';
import { liveAccess } from './live-access';
import { executeEvent, groupContext, memberContext, streamProbe, type LiveRuntime } from './live-execution';

export { EventSubscription, type Delivery, type LiveEvent, type OutboxEvent, type SubscriberSpec } from './event-subscription';


/** The objects events refer to, loaded once per batch for every subscriber. */
export interface EventObjects {
  /** by object type, then id: viewer-independent rows */
  byType: Map<string, Map<string, unknown>>;
  /** the batch's EntityManager and loaders, shared read-only by the subscribers' field resolvers */
  em: EntityManager;
  loaders: Loaders;
  /**
   * Payloads of group executions by selection, rights, access decision and event (`sharedKey`),
   * for every stream of the batch: null where the execution read who the viewer is or whose stream
   * it is (then each group executes its own).
   */
  shared: Map<string, Promise<string | null>>;
}

/** What decides the bytes of an execution that read neither the viewer's identity nor the stream. */
const sharedKey = (sub: EventSubscription, root: LiveEvent) =>
  `${sub.selection}\u0000${sub.rights!.text}\u0000${root.object === null ? 0 : 1}\u0000${root.event.seq}`;

const SELECT = `select seq, school_id, occurred_at, kind, object_type, object_id,
  to_char(date_from, 'YYYY-MM-DD') as date_from, to_char(date_to, 'YYYY-MM-DD') as date_to, details, student_ids, teacher_user_ids
  from outbox_event`;
const PAGE = 500;
const REPLAY_PAGE = 200;
/** Subscribers served between two turns of the event loop (their sockets are written meanwhile). */
const DISPATCH_SLICE = 256;
/** Subscribers per access-check statement of a live batch (chunks are checked and written in parallel). */
const CHECK_CHUNK = 2000;
/** How long a replay round waits for its sockets to take a page before the next one. */
const REPLAY_DRAIN_WAIT_MS = 2000;
/** Group keys are streamId × this + the batch's rights id (distinct rights in one batch stay far below it). */
const RIGHTS_PER_BATCH = 1 << 20;
/** How long a batch's executed events may wait before they are written (a burst's events to one socket are written together). */
const SEND_AFTER_MS = 100;
/** Selections remembered as reading the viewer's identity (executed per subscriber at once). */
const MAX_VIEWER_SPECIFIC = 1000;

function toEvent(r: Record<string, unknown>): OutboxEvent {
  return {
    seq: Number(r.seq),
    schoolId: r.school_id as string,
    occurredAt: new Date(r.occurred_at as string),
    kind: r.kind as string,
    objectType: (r.object_type as string | null) ?? null,
    objectId: (r.object_id as string | null) ?? null,
    dateFrom: (r.date_from as string | null) ?? null,
    dateTo: (r.date_to as string | null) ?? null,
    details: (r.details as Record<string, unknown>) ?? {},
    studentIds: (r.student_ids as string[]) ?? [],
    teacherUserIds: (r.teacher_user_ids as string[]) ?? [],
  };
}

/** Executed payloads waiting to be written, per subscription in cursor order. */
class SendQueue {
  private subs: EventSubscription[] = [];
  since = performance.now();

  add(sub: EventSubscription, seq: number, payload: string): void {
    if (sub.outgoing.length === 0) this.subs.push(sub);
    sub.outgoing.push({ seq, payload });
  }

  /** The subscriptions with something queued (each's `outgoing`), emptying the queue. */
  take(): EventSubscription[] {
    const taken = this.subs;
    this.subs = [];
    this.since = performance.now();
    return taken;
  }
}

/** The distinct rights of a batch, by their text (the roles as the database lists them, in order). */
class RightsTable {
  private readonly byText = new Map<string, Rights>();

  intern(mustChangePassword: boolean, rolesText: string, roles?: ViewerRoles): Rights {
    const text = `${mustChangePassword ? 1 : 0}${rolesText}`;
    let r = this.byText.get(text);
    if (!r) this.byText.set(text, (r = { roles: roles ?? (JSON.parse(rolesText) as ViewerRoles), mustChangePassword, id: this.byText.size, text }));
    return r;
  }
}

/**
 * Replaces a subscribing context's EntityManager and loaders by lazily made ones: a subscription
 * holds no ORM state between events (each event gets the batch's), only what it was started with.
 */
function releaseRequestState(ctx: Ctx, orm: MikroORM): void {
  let em: EntityManager | undefined;
  let loaders: Loaders | undefined;
  Object.defineProperties(ctx, {
    em: { configurable: true, enumerable: true, get: () => (em ??= orm.em.fork()), set: (v: EntityManager) => { em = v; } },
    loaders: { configurable: true, enumerable: true, get: () => (loaders ??= createLoaders(ctx.em)), set: (v: Loaders) => { loaders = v; } },
  });
}

/** The end of a stream whose subscriber no longer may read it (R-SEC-3). */
const accessRevoked = () =>
  new GraphQLError('Access to these events has ended', { extensions: { code: ErrorCode.FORBIDDEN, reason: 'ACCESS_REVOKED' } });

/**
 * Live delivery of outbox events to the subscriptions of this process (R-DIARY-3).
 *
 * Wake-ups come from NOTIFY (sent by the writing transaction at commit), a fallback poll and a
 * listener reconnection. Each wake-up numbers the newly committed events (`outbox_sequence()`,
 * gapless, in commit order, shared by every server process), reads those after the last one seen
 * and fans them out from in-memory indexes by student and by teacher account: one read, one access
 * check and one load of the objects per batch, whatever the number of subscribers.
 *
 * Each event's selection is executed once per group of its subscribers that provably receive the
 * same bytes — same selection (document, operation, the variables it reads), same stream, same
 * rights (roles per school), same access decision on the event's object — with a context that
 * carries those rights and no identity (src/subscriptions/live-execution.ts); the serialized result is
 * sent to each member with its operation id. A selection that asks who the viewer is is executed per
 * subscriber instead, with their own context.
 */
export class EventHub {
  private last = 0;
  private readonly byStudent = new Map<string, Set<EventSubscription>>();
  private readonly byTeacher = new Map<string, Set<EventSubscription>>();
  private pumping: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private subscriptions = 0;
  private registeredTotal = 0;
  /** `selection|kind` keys whose execution read the viewer's identity: executed per subscriber */
  private readonly viewerSpecific = new Set<string>();
  /** subscriptions whose backlog is to be replayed, and the round replaying others */
  private readonly replayQueue = new Set<EventSubscription>();
  private replayRunning: Promise<void> | null = null;
  private readonly counters = { groupExecutions: 0, memberExecutions: 0, sharedExecutions: 0, sent: 0 };

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
    private readonly runtime: LiveRuntime,
    private readonly opts: { pollMs: number; maxBufferedBytes: number },
  ) {}

  /** Executions and sends since start (monitoring; tests and benchmarks read it). */
  get stats(): { groupExecutions: number; memberExecutions: number; sharedExecutions: number; sent: number } {
    return { ...this.counters };
  }

  /** Starts from the current end of the log; earlier events are reached by replay only. */
  async start(): Promise<void> {
    const [r] = await this.orm.em.fork().execute<{ last: string }[]>('select outbox_sequence() as last');
    this.last = Number(r.last);
    const tick = () => {
      if (this.stopped) return;
      this.wake();
      this.timer = setTimeout(tick, this.opts.pollMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, this.opts.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pumping?.catch(() => undefined);
    await this.replayRunning?.catch(() => undefined);
    for (const set of [...this.byStudent.values(), ...this.byTeacher.values()]) for (const s of [...set]) void s.return();
  }

  /** Number of open subscriptions of this process. */
  get size(): number {
    return this.subscriptions;
  }

  /** Subscriptions registered since start (monitoring; tests wait on it). */
  get registered(): number {
    return this.registeredTotal;
  }

  /** The last cursor this process has delivered. */
  get cursor(): number {
    return this.last;
  }

  /** Something may have been committed: read it (coalesces concurrent wake-ups). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'event delivery failed; retrying at the next wake-up');
      } finally {
        this.pumping = null;
      }
    })();
  }

  /** Waits until what is committed now has been dispatched (tests, benchmarks). */
  async flush(): Promise<void> {
    await this.pumping;
    this.wake();
    await this.pumping;
  }

  /**
   * Registers a subscription (access already checked by the caller) started by `ctx`'s operation.
   * With `after`, the events after that cursor are replayed first, then live ones follow without a
   * gap or a repeat. The context's database state is released until an event comes.
   */
  subscribe(spec: SubscriberSpec, ctx: Ctx): EventSubscription {
    if (!ctx.operation) throw new Error('live events are delivered over graphql-ws only');
    const upTo = this.last;
    const replay = spec.after !== null && spec.after < upTo;
    const sub = new EventSubscription(spec, ctx, ctx.operation, spec.after ?? upTo, replay, this.opts.maxBufferedBytes, (s) => this.remove(s));
    releaseRequestState(ctx, this.orm);
    this.index(sub);
    if (replay) {
      sub.replayUpTo = upTo;
      this.replayQueue.add(sub);
      this.startReplays();
    }
    return sub;
  }

  /** Where a subscription is indexed: a diary by its student, teacherEvents by the account. */
  private slot(sub: EventSubscription): [Map<string, Set<EventSubscription>>, string] {
    const { studentId, userId } = sub.spec;
    return studentId ? [this.byStudent, studentId] : [this.byTeacher, userId];
  }

  private index(sub: EventSubscription): void {
    const [map, key] = this.slot(sub);
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(sub);
    this.subscriptions++;
    this.registeredTotal++;
  }

  private remove(sub: EventSubscription): void {
    const [map, key] = this.slot(sub);
    const set = map.get(key);
    if (set?.delete(sub)) {
      this.subscriptions--;
      if (set.size === 0) map.delete(key);
    }
  }

  /**
   * Replays the backlogs of the subscriptions waiting for it, together: the subscriptions that came
   * while a round ran form the next one, so a reconnecting crowd (a server restart) is served by a
   * few reads, one access decision and one execution per group, not by a replay per client.
   */
  private startReplays(): void {
    if (this.replayRunning || this.stopped) return;
    this.replayRunning = (async () => {
      try {
        while (this.replayQueue.size > 0 && !this.stopped) {
          const subs = [...this.replayQueue].filter((s) => !s.closed);
          this.replayQueue.clear();
          try {
            await this.replayRound(subs);
          } catch (err) {
            this.log.error({ err }, 'event replay failed');
            for (const sub of subs) {
              if (sub.replaying) sub.fail(new GraphQLError('Could not read the missed events; resubscribe with the last cursor received', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }));
            }
          }
        }
      } finally {
        this.replayRunning = null;
      }
    })();
  }

  /**
   * One round of replay: pages of the events after the lowest cursor of `subs`, up to the highest
   * `replayUpTo`, of their students and staff accounts, each fanned out like a live batch to the
   * subscriptions whose backlog holds it. Each page is read in one snapshot with the pruning edge:
   * a subscription whose cursor is below it (a prune committed since it subscribed) ends with
   * CURSOR_EXPIRED instead of skipping what was deleted.
   */
  private async replayRound(subs: EventSubscription[]): Promise<void> {
    let active = subs;
    let from = Math.min(...active.map((s) => s.position));
    while (active.length > 0) {
      const upTo = Math.max(...active.map((s) => s.replayUpTo));
      const students = new Map<string, EventSubscription[]>();
      const staff = new Map<string, EventSubscription[]>();
      for (const sub of active) {
        const [map, key] = sub.spec.studentId ? [students, sub.spec.studentId] : [staff, sub.spec.userId];
        const list = map.get(key);
        if (list) list.push(sub);
        else map.set(key, [sub]);
      }
      const em = this.orm.em.fork();
      const page = await boundRows<Record<string, unknown> & { pruned_through: string }>(em,
        `select h.pruned_through, e.* from outbox_head h
           left join lateral (${SELECT} where seq > ? and seq <= ?
                                 and (student_ids && ?::uuid[] or teacher_user_ids && ?::uuid[])
                               order by seq limit ${REPLAY_PAGE}) e on true
          where h.id = 1`,
        [from, upTo, uuidArray([...students.keys()]), uuidArray([...staff.keys()])],
      );
      const pruned = Number(page[0]?.pruned_through ?? 0);
      for (const sub of active) if (Math.max(sub.position, from) < pruned) sub.fail(cursorExpired());
      active = active.filter((s) => !s.closed);
      const events = page.filter((r) => r.seq !== null).map(toEvent);
      if (events.length > 0 && active.length > 0) {
        await this.replayPage(em, events, active, students, staff);
        await this.drained(active);
      }
      const last = events.length > 0 ? events[events.length - 1].seq : upTo;
      const more = events.length === REPLAY_PAGE;
      const done = more ? active.filter((s) => s.replayUpTo <= last) : active;
      for (const sub of done) this.replayed(sub);
      if (!more) return;
      active = active.filter((s) => s.replayUpTo > last && !s.closed);
      from = last;
    }
  }

  /**
   * A backlog is pulled, not pushed: before the next page, the sockets of the round get time to take
   * what was written (below half the limit). One that does not within the wait is left to the limit
   * (SUBSCRIBER_TOO_SLOW at its next write), so a stalled client does not hold the others up.
   */
  private async drained(subs: EventSubscription[]): Promise<void> {
    const deadline = Date.now() + REPLAY_DRAIN_WAIT_MS;
    const half = this.opts.maxBufferedBytes / 2;
    while (subs.some((s) => !s.closed && s.unsent > half) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** One page of backlog to the subscriptions whose backlog holds each event. */
  private async replayPage(em: EntityManager, events: OutboxEvent[], active: EventSubscription[],
    students: Map<string, EventSubscription[]>, staff: Map<string, EventSubscription[]>): Promise<void> {
    const objects = await this.load(em, events);
    await this.assignRights(active, objects);
    const out = new SendQueue();
    for (const event of events) {
      const recipients: { sub: EventSubscription; studentId: string | null }[] = [];
      const only = recipientsOf(event.details);
      const wants = (sub: EventSubscription) => !sub.closed && event.seq > sub.position && event.seq <= sub.replayUpTo && (!only || only.has(sub.spec.userId));
      for (const sid of event.studentIds) for (const sub of students.get(sid) ?? []) if (wants(sub)) recipients.push({ sub, studentId: sid });
      for (const uid of event.teacherUserIds) for (const sub of staff.get(uid) ?? []) if (wants(sub)) recipients.push({ sub, studentId: null });
      if (recipients.length > 0) await this.deliverEvent(event, recipients, objects, out);
    }
    await this.flushQueue(out);
  }

  /** A subscription's backlog is sent: the live events held meanwhile follow, in order, then it is live. */
  private replayed(sub: EventSubscription): void {
    if (sub.held.length === 0) {
      sub.replaying = false;
      return;
    }
    this.releaseHeld(sub).catch((err) => {
      this.log.error({ err }, 'event replay failed');
      sub.fail(new GraphQLError('Could not read the missed events; resubscribe with the last cursor received', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }));
    });
  }

  /** The live events held during a replay, in order; new ones keep being held until none is left. */
  private async releaseHeld(sub: EventSubscription): Promise<void> {
    while (!sub.closed && sub.held.length > 0) {
      // A page at a time, each after the socket took the previous one (as a backlog is).
      const held = sub.held.splice(0, REPLAY_PAGE);
      const em = this.orm.em.fork();
      const objects = await this.load(em, held.map((h) => h.event));
      await this.deliverInOrder(sub, held.map((h) => ({ ...h, object: objectOf(h.event, objects) })), objects);
      await this.drained([sub]);
    }
    sub.replaying = false;
  }

  /** The roles each subscriber's account holds now (one query), as their `rights` for grouping. */
  private async assignRights(subs: EventSubscription[], objects: EventObjects): Promise<void> {
    const users = [...new Set(subs.map((s) => s.spec.userId))];
    const roles = await objects.loaders.viewerRoles.loadMany(users);
    const byUser = new Map<string, ViewerRoles>();
    users.forEach((u, i) => {
      const r = roles[i];
      if (r instanceof Error) throw r;
      byUser.set(u, r);
    });
    const table = new RightsTable();
    for (const sub of subs) {
      const r = [...byUser.get(sub.spec.userId)!].sort((a, b) => (a.role === b.role ? a.schoolId.localeCompare(b.schoolId) : a.role.localeCompare(b.role)));
      sub.rights = table.intern(sub.spec.viewer.mustChangePassword, JSON.stringify(r), r);
    }
  }

  /** Events to one subscriber (replay, held events): executed together, sent in order. */
  private async deliverInOrder(sub: EventSubscription, events: LiveEvent[], objects: EventObjects): Promise<void> {
    const ctx = await this.subscriberContext(sub, objects);
    const payloads = await Promise.all(events.map(async (e) => {
      const visible = await this.visible(ctx, e);
      this.counters.memberExecutions++;
      return executeEvent(this.runtime, sub.operation, { ...e, object: visible ? e.object : null }, ctx);
    }));
    sub.sendAll(payloads.map((payload, i) => ({ seq: events[i].event.seq, payload })));
    this.counters.sent += payloads.length;
  }

  /** The subscriber's context for the batch: their roles as they are now, the batch's database state. */
  private async subscriberContext(sub: EventSubscription, objects: EventObjects): Promise<Ctx> {
    const roles = await objects.loaders.viewerRoles.load(sub.spec.userId);
    return memberContext(sub.template, { ...sub.spec.viewer, roles }, objects.em, objects.loaders);
  }

  /** R-SEC-3: the event's object is shown to a subscriber exactly where node(id) would show it. */
  private async visible(ctx: Ctx, e: LiveEvent): Promise<boolean> {
    return e.object !== null && e.event.objectType !== null && this.runtime.visible(ctx, e.event.objectType, e.object);
  }

  /** Ends a user's staff event streams (teacherEvents) in this process: their staff access ended. */
  endStaffStreams(userId: string): void {
    for (const sub of [...(this.byTeacher.get(userId) ?? [])]) {
      sub.fail(accessRevoked());
    }
  }

  private async drain(): Promise<void> {
    const em = this.orm.em.fork();
    const [numbered] = await em.execute<{ last: string }[]>('select outbox_sequence() as last');
    // Without subscriptions in this process there is nobody to read the events for: live delivery
    // resumes after the last one numbered (a subscription registered from now on starts there, as
    // it would after reading them). One registered meanwhile, or a replay, reads them as always.
    if (this.subscriptions === 0 && this.replayQueue.size === 0 && !this.replayRunning) {
      this.last = Math.max(this.last, Number(numbered.last));
      return;
    }
    for (;;) {
      const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} where seq > ? order by seq limit ${PAGE}`, [this.last]);
      if (rows.length === 0) return;
      await this.dispatch(rows.map(toEvent));
      if (rows.length < PAGE) return;
    }
  }

  /**
   * Fans a batch out. The recipients are taken, and `last` advanced, before the first await, so a
   * subscription registered meanwhile replays exactly up to where live delivery starts for it.
   */
  private async dispatch(events: OutboxEvent[]): Promise<void> {
    this.last = events[events.length - 1].seq;
    const perEvent: { sub: EventSubscription; studentId: string | null }[][] = events.map((event) => {
      const list: { sub: EventSubscription; studentId: string | null }[] = [];
      // An event limited to some accounts (a message thread's participants) reaches only their streams.
      const only = recipientsOf(event.details);
      for (const sid of event.studentIds) for (const sub of this.byStudent.get(sid) ?? []) if (!only || only.has(sub.spec.userId)) list.push({ sub, studentId: sid });
      for (const uid of event.teacherUserIds) for (const sub of this.byTeacher.get(uid) ?? []) if (!only || only.has(uid)) list.push({ sub, studentId: null });
      return list;
    });
    const subs = new Set(perEvent.flat().map((r) => r.sub));
    if (subs.size === 0) return;
    // Chunks of subscribers, each checked by its own statement (on its own connection) and delivered
    // as soon as its check returns: the database checks the next chunks while the first are written.
    // Sorted by stream first, so a group (say, the parents of one student) stays in one chunk.
    const sorted = [...subs].sort((a, b) => a.streamId - b.streamId);
    const chunks: EventSubscription[][] = [];
    const chunkOf = new Map<EventSubscription, number>();
    for (let i = 0; i < sorted.length; i += CHECK_CHUNK) {
      const chunk = sorted.slice(i, i + CHECK_CHUNK);
      for (const sub of chunk) chunkOf.set(sub, chunks.length);
      chunks.push(chunk);
    }
    // Each event's recipients by chunk, in one pass.
    const byChunk: { sub: EventSubscription; studentId: string | null }[][][] = chunks.map(() => events.map(() => []));
    perEvent.forEach((list, i) => { for (const r of list) byChunk[chunkOf.get(r.sub)!][i].push(r); });
    const em = this.orm.em.fork();
    const objects = this.load(em, events);
    await Promise.all(chunks.map(async (chunk, c) => {
      // The access check (with every subscriber's roles now: each event is authorised with them) and
      // the objects' load are independent statements, on connections of their own.
      const [denied, loaded] = await Promise.all([this.checkSubscribers(this.orm.em.fork(), chunk), objects]);
      for (const sub of denied) sub.fail(accessRevoked());
      const out = new SendQueue();
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const live: { sub: EventSubscription; studentId: string | null }[] = [];
        for (const r of byChunk[c][i]) {
          if (r.sub.closed) continue;
          // Still replaying its backlog: sent after it, in order (replayed()).
          if (r.sub.replaying) r.sub.held.push({ event, studentId: r.studentId, object: null });
          else live.push(r);
        }
        if (live.length > 0) await this.deliverEvent(event, live, loaded, out);
        // A long batch is written as it goes; a burst's events to one socket still share its writes.
        if (performance.now() - out.since >= SEND_AFTER_MS) await this.flushQueue(out);
      }
      await this.flushQueue(out);
    }));
  }

  /** Writes what the queue holds, a slice of sockets per turn of the event loop. */
  private async flushQueue(out: SendQueue): Promise<void> {
    let n = 0;
    for (const sub of out.take()) {
      const items = sub.outgoing.splice(0);
      sub.sendAll(items);
      this.counters.sent += items.length;
      if (++n % DISPATCH_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * One event to its live subscribers, in groups that would receive the same bytes given the same
   * access decision on the event's object: same selection, stream and rights. Slices of groups run
   * together (their loaders batch), each slice written before the next starts.
   */
  private async deliverEvent(event: OutboxEvent, recipients: { sub: EventSubscription; studentId: string | null }[], objects: EventObjects, out: SendQueue): Promise<void> {
    const object = objectOf(event, objects);
    // By stream and selection (an id fixed at subscribing) and rights (an id per batch): one number.
    const byKey = new Map<number, { studentId: string | null; subs: EventSubscription[] }>();
    const groups: { studentId: string | null; subs: EventSubscription[] }[] = [];
    for (const r of recipients) {
      const key = r.sub.streamId * RIGHTS_PER_BATCH + r.sub.rights!.id;
      const g = byKey.get(key);
      if (g) g.subs.push(r.sub);
      else {
        const created = { studentId: r.studentId, subs: [r.sub] };
        byKey.set(key, created);
        groups.push(created);
      }
    }
    let pending: Promise<void>[] = [];
    let served = 0;
    for (const g of groups) {
      pending.push(this.deliverGroup({ event, studentId: g.studentId, object }, g.subs, objects, out));
      served += g.subs.length;
      // The first subscribers get the event at once, and the heap holds a slice's executions, not every one.
      if (served >= DISPATCH_SLICE) {
        await Promise.all(pending);
        pending = [];
        served = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await Promise.all(pending);
  }

  /**
   * One event to subscribers with the same selection, stream and rights. The object's access
   * decision is made once for them with a group context; if it asks who the viewer is, it is made for
   * each with their own. Then each part with one decision is executed once (or per member, likewise).
   */
  private async deliverGroup(root: LiveEvent, subs: EventSubscription[], objects: EventObjects, out: SendQueue): Promise<void> {
    const own = new Map<EventSubscription, Ctx>();
    const ctxOf = (sub: EventSubscription) => {
      let ctx = own.get(sub);
      if (!ctx) own.set(sub, (ctx = memberContext(sub.template, { ...sub.spec.viewer, roles: sub.rights!.roles }, objects.em, objects.loaders)));
      return ctx;
    };
    const type = root.event.objectType;
    let parts: { visible: boolean; subs: EventSubscription[] }[];
    if (root.object === null || type === null) {
      parts = [{ visible: false, subs }];
    } else {
      let shared: boolean | null = null;
      if (subs.length > 1) {
        const { ctx, probe } = groupContext(subs[0].template, ctxOf(subs[0]).viewer!, objects.em, objects.loaders);
        const visible = await this.runtime.visible(ctx, type, root.object);
        if (!probe.read) shared = visible;
      }
      if (shared !== null) {
        parts = [{ visible: shared, subs }];
      } else {
        const decided = await Promise.all(subs.map((sub) => this.runtime.visible(ctxOf(sub), type, root.object)));
        parts = [{ visible: true, subs: subs.filter((_, i) => decided[i]) }, { visible: false, subs: subs.filter((_, i) => !decided[i]) }];
      }
    }
    await Promise.all(parts.filter((p) => p.subs.length > 0).map((p) => this.executeFor({ ...root, object: p.visible ? root.object : null }, p.subs, objects, ctxOf, out)));
  }

  /** Executes `root` once for `subs` (who share selection, stream, rights and decision), or per member where the execution asks who the viewer is. */
  private async executeFor(root: LiveEvent, subs: EventSubscription[], objects: EventObjects, ctxOf: (sub: EventSubscription) => Ctx, out: SendQueue): Promise<void> {
    const first = subs[0];
    const specificKey = `${first.selection}|${root.event.kind}`;
    // Another stream's group with the same selection, rights and decision executes (or executed)
    // this event: when that execution read neither whose stream nor which viewer it was, the same bytes.
    const key = sharedKey(first, root);
    const earlier = objects.shared.get(key);
    if (earlier) {
      const same = await earlier;
      if (same !== null) {
        this.counters.sharedExecutions++;
        for (const sub of subs) out.add(sub, root.event.seq, same);
        return;
      }
    }
    if (!this.viewerSpecific.has(specificKey)) {
      // A group context, also for a group of one: its result can serve the other streams.
      let share: ((payload: string | null) => void) | undefined;
      if (!earlier) objects.shared.set(key, new Promise<string | null>((resolve) => { share = resolve; }));
      try {
        const { ctx, probe } = groupContext(first.template, ctxOf(first).viewer!, objects.em, objects.loaders);
        const stream = streamProbe(root);
        const payload = await executeEvent(this.runtime, first.operation, stream.root, ctx);
        this.counters.groupExecutions++;
        if (!probe.read) {
          share?.(stream.read ? null : payload);
          for (const sub of subs) out.add(sub, root.event.seq, payload);
          return;
        }
      } finally {
        share?.(null);
      }
      // The selection asked who the viewer is: per subscriber from now on.
      if (this.viewerSpecific.size >= MAX_VIEWER_SPECIFIC) this.viewerSpecific.clear();
      this.viewerSpecific.add(specificKey);
    }
    await Promise.all(subs.map(async (sub) => {
      const payload = await executeEvent(this.runtime, sub.operation, root, ctxOf(sub));
      this.counters.memberExecutions++;
      out.add(sub, root.event.seq, payload);
    }));
  }

  /**
   * R-SEC-3 at every event: the account is not blocked, the session not ended and, for a diary,
   * the user still takes part in the student's education today (a removed guardian link, a
   * transfer, a leaving or an archiving ends it); for a teacher's stream, a staff role is still held. One
   * query for the whole batch, over the distinct (user, session, student) triples, which also reads
   * the roles each allowed subscriber holds now.
   */
  private async checkSubscribers(em: EntityManager, subs: EventSubscription[]): Promise<Set<EventSubscription>> {
    const triples = new Map<string, EventSubscription[]>();
    for (const s of subs) {
      const list = triples.get(s.accessKey);
      if (list) list.push(s);
      else triples.set(s.accessKey, [s]);
    }
    const lists = [...triples.values()];
    const access = await liveAccess(em, lists.map((l) => l[0].spec));
    // The roles come as text: equal text, one parse and one Rights object for the whole batch.
    const table = new RightsTable();
    const allowed = new Set<number>();
    access.forEach((a, i) => {
      if (!a.live || !a.allowed) return;
      allowed.add(i);
      const rights = table.intern(lists[i][0].spec.viewer.mustChangePassword, a.rolesText);
      for (const sub of lists[i]) sub.rights = rights;
    });
    const denied = new Set<EventSubscription>();
    lists.forEach((list, i) => { if (!allowed.has(i)) for (const s of list) denied.add(s); });
    return denied;
  }

  /** Loads the objects a batch refers to: one query per registered object type present. */
  private async load(em: EntityManager, events: OutboxEvent[]): Promise<EventObjects> {
    const ids = new Map<string, Set<string>>();
    for (const e of events) {
      if (!e.objectType || !e.objectId) continue;
      let set = ids.get(e.objectType);
      if (!set) ids.set(e.objectType, (set = new Set()));
      set.add(e.objectId);
    }
    const byType = new Map<string, Map<string, unknown>>();
    await Promise.all([...ids].map(async ([type, set]) => {
      byType.set(type, await eventObjectType(type).load(em, [...set]));
    }));
    return { byType, em, loaders: createLoaders(em), shared: new Map() };
  }
}

/** The object `event` concerns, as loaded for its batch (null: none, or deleted since). */
function objectOf(event: OutboxEvent, objects: EventObjects): unknown {
  return event.objectType && event.objectId ? objects.byType.get(event.objectType)?.get(event.objectId) ?? null : null;
}
