import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger';
import { createLoaders, type Loaders } from '../loaders';
import { ErrorCode } from '../schema/errors';
import { eventObjectType } from './event-registry';
import { cursorExpired } from './outbox-retention';
import { boundRows } from '../db/bound';
import { clock } from '../clock';
import { rolesOf } from '../permissions/capabilities';

/** Who may follow `teacherEvents`: the capability the subscription itself checks (EventService). */
const STAFF_EVENT_ROLES = rolesOf('canFollowStaffEvents');

/** An outbox row as read for delivery. */
export interface OutboxEvent {
  seq: number;
  schoolId: string;
  occurredAt: Date;
  /** a registered kind (src/subscriptions/event-registry.ts) */
  kind: string;
  /** the registered object type and id the event concerns, if any */
  objectType: string | null;
  objectId: string | null;
  dateFrom: string | null;
  dateTo: string | null;
  details: Record<string, unknown>;
  studentIds: string[];
  teacherUserIds: string[];
}

/** The objects events refer to, loaded once per batch for every subscriber. */
export interface EventObjects {
  /** by object type, then id: viewer-independent rows */
  byType: Map<string, Map<string, unknown>>;
  /** the batch's EntityManager and loaders, shared read-only by the subscribers' field resolvers */
  em: EntityManager;
  loaders: Loaders;
}

/** What one subscription receives: an event, or the error that ends it. */
export type Delivery =
  | { event: OutboxEvent; studentId: string | null; objects: EventObjects }
  | { error: GraphQLError };

/** Who subscribed to what; `studentId` for diaryEvents, null for teacherEvents. */
export interface SubscriberSpec {
  userId: string;
  sessionId: string;
  studentId: string | null;
  /** the last cursor the client saw; null = live events only */
  after: number | null;
}

const SELECT = `select seq, school_id, occurred_at, kind, object_type, object_id,
  to_char(date_from, 'YYYY-MM-DD') as date_from, to_char(date_to, 'YYYY-MM-DD') as date_to, details, student_ids, teacher_user_ids
  from outbox_event`;
const PAGE = 500;
const REPLAY_PAGE = 200;
const DISPATCH_SLICE = 256;

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

/**
 * One live subscription: an async iterator fed by the hub. Events arrive in cursor order, each
 * once: anything at or below `position` is dropped. While the backlog after the client's cursor is
 * replayed from the database, live events are held and released after it.
 */
export class EventSubscription implements AsyncIterableIterator<Delivery> {
  position: number;
  private replaying: boolean;
  private held: Delivery[] = [];
  private readonly ready: Delivery[] = [];
  private waiter: ((r: IteratorResult<Delivery>) => void) | null = null;
  private done = false;

  constructor(readonly spec: SubscriberSpec, start: number, replaying: boolean, private readonly maxQueued: number, private readonly onEnd: (s: EventSubscription) => void) {
    this.position = start;
    this.replaying = replaying;
  }

  get closed(): boolean {
    return this.done;
  }

  /** A live event (from the hub's dispatch). */
  offer(d: Delivery): void {
    if (this.done) return;
    if (this.replaying) this.held.push(d);
    else this.accept(d);
  }

  /** An event of the backlog (replay). */
  replayed(d: Delivery): void {
    if (!this.done) this.accept(d);
  }

  /** The backlog is delivered: release the live events held meanwhile. */
  replayDone(): void {
    this.replaying = false;
    const held = this.held;
    this.held = [];
    for (const d of held) this.accept(d);
  }

  /** Delivers `error` and ends the subscription. */
  fail(error: GraphQLError): void {
    if (this.done) return;
    this.push({ error });
    this.finish();
  }

  private accept(d: Delivery): void {
    if ('event' in d) {
      if (d.event.seq <= this.position) return;
      this.position = d.event.seq;
    }
    if (this.ready.length >= this.maxQueued) {
      this.fail(new GraphQLError('The client reads events too slowly; resubscribe with the last cursor received', {
        extensions: { code: ErrorCode.CONFLICT, reason: 'SUBSCRIBER_TOO_SLOW' },
      }));
      return;
    }
    this.push(d);
  }

  private push(d: Delivery): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: d, done: false });
    } else {
      this.ready.push(d);
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.held = [];
    this.onEnd(this);
    if (this.waiter && this.ready.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Delivery>> {
    const d = this.ready.shift();
    if (d) return Promise.resolve({ value: d, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** The client unsubscribed or disconnected. */
  return(): Promise<IteratorResult<Delivery>> {
    this.ready.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<Delivery>> {
    this.finish();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
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

  constructor(private readonly orm: MikroORM, private readonly log: Logger, private readonly opts: { pollMs: number; maxQueuedPerSubscriber: number }) {}

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
   * Registers a subscription (access already checked by the caller). With `after`, the events after
   * that cursor are replayed first, then live ones follow without a gap or a repeat.
   */
  subscribe(spec: SubscriberSpec): EventSubscription {
    const upTo = this.last;
    const replay = spec.after !== null && spec.after < upTo;
    const sub = new EventSubscription(spec, spec.after ?? upTo, replay, this.opts.maxQueuedPerSubscriber, (s) => this.remove(s));
    this.index(sub);
    if (replay) {
      this.replay(sub, upTo).catch((err) => {
        this.log.error({ err }, 'event replay failed');
        sub.fail(new GraphQLError('Could not read the missed events; resubscribe with the last cursor received', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }));
      });
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

  private async replay(sub: EventSubscription, upTo: number): Promise<void> {
    const { studentId, userId } = sub.spec;
    let from = sub.position;
    while (!sub.closed && from < upTo) {
      const em = this.orm.em.fork();
      // One statement, so one snapshot, for the page and the pruning edge: a prune committed since
      // the subscription's cursor was checked ends it with CURSOR_EXPIRED instead of skipping what
      // it deleted.
      const page = await boundRows<Record<string, unknown> & { pruned_through: string }>(em,
        `select h.pruned_through, e.* from outbox_head h
           left join lateral (${SELECT} where seq > ? and seq <= ? and ${studentId ? 'student_ids' : 'teacher_user_ids'} @> array[?]::uuid[]
                                 and ? >= h.pruned_through order by seq limit ${REPLAY_PAGE}) e on true
          where h.id = 1`,
        [from, upTo, studentId ?? userId, from],
      );
      if (from < Number(page[0]?.pruned_through ?? 0)) {
        sub.fail(cursorExpired());
        return;
      }
      const rows = page.filter((r) => r.seq !== null);
      if (rows.length === 0) break;
      const events = rows.map(toEvent);
      const objects = await this.load(em, events);
      for (const event of events) sub.replayed({ event, studentId, objects });
      from = events[events.length - 1].seq;
      if (rows.length < REPLAY_PAGE) break;
    }
    sub.replayDone();
  }

  /** Ends a user's staff event streams (teacherEvents) in this process: their staff access ended. */
  endStaffStreams(userId: string): void {
    for (const sub of [...(this.byTeacher.get(userId) ?? [])]) {
      sub.fail(accessRevoked());
    }
  }

  private async drain(): Promise<void> {
    const em = this.orm.em.fork();
    await em.execute('select outbox_sequence()');
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
    const recipients: { sub: EventSubscription; event: OutboxEvent; studentId: string | null }[] = [];
    for (const event of events) {
      for (const sid of event.studentIds) for (const sub of this.byStudent.get(sid) ?? []) recipients.push({ sub, event, studentId: sid });
      for (const uid of event.teacherUserIds) for (const sub of this.byTeacher.get(uid) ?? []) recipients.push({ sub, event, studentId: null });
    }
    if (recipients.length === 0) return;
    const em = this.orm.em.fork();
    const denied = await this.deniedSubscribers(em, [...new Set(recipients.map((r) => r.sub))]);
    for (const sub of denied) {
      sub.fail(accessRevoked());
    }
    const objects = await this.load(em, events);
    // Each event is authorised with its subscriber's current roles (EventService.toEvent): one query for the batch.
    await objects.loaders.viewerRoles.loadMany([...new Set(recipients.filter((r) => !denied.has(r.sub)).map((r) => r.sub.spec.userId))]);
    let offered = 0;
    for (const r of recipients) {
      if (denied.has(r.sub)) continue;
      r.sub.offer({ event: r.event, studentId: r.studentId, objects });
      // Slices: executions of one slice finish and are written before the next starts, so the
      // first subscribers get the event at once and the heap holds a slice, not every execution.
      if (++offered % DISPATCH_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * R-SEC-3 at every event: the account is not blocked, the session not ended and, for a diary,
   * the user still takes part in the student's education today (a removed guardian link, a
   * transfer, a leaving or an archiving ends it); for a teacher's stream, a staff role is still held. One
   * query for the whole batch, over the distinct (user, session, student) triples.
   */
  private async deniedSubscribers(em: EntityManager, subs: EventSubscription[]): Promise<Set<EventSubscription>> {
    const triples = new Map<string, EventSubscription[]>();
    for (const s of subs) {
      const k = `${s.spec.userId}|${s.spec.sessionId}|${s.spec.studentId ?? ''}`;
      triples.set(k, [...(triples.get(k) ?? []), s]);
    }
    const keys = [...triples.keys()];
    const parts = keys.map((k) => k.split('|'));
    const ok = await boundRows<{ k: number }>(em,
      `select s.k from unnest(?::int[], ?::uuid[], ?::uuid[], ?::uuid[]) as s(k, user_id, session_id, student_id)
        -- Scalar lookups by primary key, not semi-joins: a plan that stays per-row index lookups even
        -- when the statistics have not seen this morning's sessions (as a semi-join it became a
        -- nested loop over every session: 4.3 s for 10,000 subscribers, measured).
        where coalesce((select u.blocked_at is null from app_user u where u.id = s.user_id), false)
          and coalesce((select a.revoked_at is null from auth_session a where a.id = s.session_id), false)
          and (case when s.student_id is null
                    -- teacherEvents: a staff role in a school is still held (staffArchive ends it)
                    then exists (select 1 from role_assignment ra where ra.user_id = s.user_id and ra.role = any(?::role[]))
                    -- diaryEvents: the user takes part in the student's education today
                    else exists (select 1 from student_access_at(?::timestamptz) sa where sa.user_id = s.user_id and sa.student_id = s.student_id) end)`,
      [
        `{${keys.map((_, i) => i).join(',')}}`,
        `{${parts.map((p) => p[0]).join(',')}}`,
        `{${parts.map((p) => p[1]).join(',')}}`,
        `{${parts.map((p) => p[2] || 'NULL').join(',')}}`,
        `{${STAFF_EVENT_ROLES.join(',')}}`,
        clock.now().toISOString(),
      ],
    );
    const allowed = new Set(ok.map((r) => Number(r.k)));
    const denied = new Set<EventSubscription>();
    keys.forEach((k, i) => { if (!allowed.has(i)) for (const s of triples.get(k)!) denied.add(s); });
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
    return { byType, em, loaders: createLoaders(em) };
  }
}
