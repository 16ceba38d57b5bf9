import { GraphQLError } from 'graphql';
import type { Ctx, LiveOperation, Viewer } from '../context';
import { ErrorCode } from '../schema/errors';
import { selectionKey } from './live-execution';
import type { ViewerRoles } from '../loaders';

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

/**
 * What the subscription field's resolver receives for one event: the event, the student whose stream
 * carries it (null on teacherEvents) and its object as this subscriber (or group) may see it — null
 * where `node(id)` would not show it to them.
 */
export interface LiveEvent {
  event: OutboxEvent;
  studentId: string | null;
  object: unknown;
}

/** What the iterator graphql-ws reads yields: only the error that ends a subscription (events are sent by the hub). */
export type Delivery = { error: GraphQLError };

/** A subscriber's roles as they are at the batch being delivered; equal rights are one object with one id. */
export interface Rights {
  roles: ViewerRoles;
  mustChangePassword: boolean;
  id: number;
  /** the rights as text (password state and roles in a fixed order): equal text, equal rights, in any batch */
  text: string;
}

/** Who subscribed to what; `studentId` for diaryEvents, null for teacherEvents. */
export interface SubscriberSpec {
  userId: string;
  sessionId: string;
  studentId: string | null;
  /** the last cursor the client saw; null = live events only */
  after: number | null;
  /** the viewer as authenticated when subscribing; their roles are re-read for every event */
  viewer: Viewer;
}

const tooSlow = () => new GraphQLError('The client reads events too slowly; resubscribe with the last cursor received', {
  extensions: { code: ErrorCode.CONFLICT, reason: 'SUBSCRIBER_TOO_SLOW' },
});

const streamIds = new Map<string, number>();
let nextStreamId = 1;
/**
 * A number per (selection, stream) text. The table is emptied when it grows large; ids keep
 * counting, so two different texts never share one (an old and a new subscription of the same text
 * then just form two groups).
 */
function streamIdOf(text: string): number {
  let id = streamIds.get(text);
  if (id === undefined) {
    if (streamIds.size >= 100_000) streamIds.clear();
    streamIds.set(text, (id = nextStreamId++));
  }
  return id;
}

/** ws's WebSocket.OPEN */
const OPEN = 1;

/**
 * One live subscription. The hub executes its events and sends them on its socket itself, as
 * graphql-ws `next` messages with the operation's id (so one serialized payload can go to every
 * subscriber of a group); the async iterator graphql-ws reads yields only the error that ends it,
 * and ends when it does. Events are sent in cursor order, each once: anything at or below `position`
 * is dropped. While the backlog after the client's cursor is replayed, live events are `held` and
 * sent after it.
 */
export class EventSubscription implements AsyncIterableIterator<Delivery> {
  position: number;
  /** replaying the backlog: live events go to `held` until it is sent */
  replaying: boolean;
  /** the last cursor of the backlog (the hub's position when it subscribed): later events come live */
  replayUpTo = 0;
  readonly held: LiveEvent[] = [];
  /** subscriptions with equal keys send equal bytes for one event to viewers with equal rights */
  readonly selection: string;
  /** the selection and the stream (student), as a number: with equal rights and access decision, equal bytes */
  readonly streamId: number;
  /** who subscribed to what, for the access check at every event (equal keys: one check) */
  readonly accessKey: string;
  /** the subscriber's rights at the batch being delivered (set by the hub's access check) */
  rights: Rights | null = null;
  /** executed payloads of the current batch, waiting to be written (the hub's send queue) */
  readonly outgoing: { seq: number; payload: string }[] = [];
  private readonly idJson: string;
  private ending: Delivery | null = null;
  private waiter: ((r: IteratorResult<Delivery>) => void) | null = null;
  private done = false;

  constructor(
    readonly spec: SubscriberSpec,
    /** the subscribing operation's context, its database state released: what each event's context is made from */
    readonly template: Ctx,
    readonly operation: LiveOperation,
    start: number,
    replaying: boolean,
    private readonly maxBufferedBytes: number,
    private readonly onEnd: (s: EventSubscription) => void,
  ) {
    this.position = start;
    this.replaying = replaying;
    this.selection = selectionKey(operation);
    this.streamId = streamIdOf(`${this.selection}\u0000${spec.studentId ?? ''}`);
    this.accessKey = `${spec.userId}|${spec.sessionId}|${spec.studentId ?? ''}`;
    this.idJson = JSON.stringify(operation.id);
  }

  get closed(): boolean {
    return this.done;
  }

  /** Bytes written to the socket that it has not sent yet (the client reads slower than we write). */
  get unsent(): number {
    return this.operation.socket.bufferedAmount;
  }

  /**
   * Sends the serialized result of event `seq` as a graphql-ws `next` message, unless it was sent
   * already or the subscription ended. A client whose socket holds more than the limit unsent is
   * too slow: its subscription ends with SUBSCRIBER_TOO_SLOW, and it resumes from its cursor.
   */
  send(seq: number, payload: string): void {
    if (this.done || seq <= this.position) return;
    const ws = this.operation.socket;
    if (ws.readyState !== OPEN) return;
    if (ws.bufferedAmount > this.maxBufferedBytes) {
      this.fail(tooSlow());
      return;
    }
    this.position = seq;
    ws.send(`{"id":${this.idJson},"type":"next","payload":${payload}}`);
  }

  /**
   * Sends several events' payloads, in the order given, as one write: the socket is corked while
   * their frames are queued, so a burst costs the subscriber one system call, not one per event.
   */
  sendAll(items: readonly { seq: number; payload: string }[]): void {
    // ws keeps the underlying net.Socket as `_socket`; cork/uncork nest with ws's own per frame.
    const raw = (this.operation.socket as unknown as { _socket?: { cork?(): void; uncork?(): void } })._socket;
    const corked = items.length > 1 && typeof raw?.cork === 'function';
    if (corked) raw!.cork!();
    try {
      for (const it of items) this.send(it.seq, it.payload);
    } finally {
      if (corked) raw!.uncork!();
    }
  }

  /** Delivers `error` (through graphql-ws, formatted like every error) and ends the subscription. */
  fail(error: GraphQLError): void {
    if (this.done) return;
    this.ending = { error };
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.held.length = 0;
    this.onEnd(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      const ending = this.ending;
      this.ending = null;
      w(ending ? { value: ending, done: false } : { value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Delivery>> {
    if (this.ending) {
      const ending = this.ending;
      this.ending = null;
      return Promise.resolve({ value: ending, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** The client unsubscribed or disconnected. */
  return(): Promise<IteratorResult<Delivery>> {
    this.ending = null;
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
