import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema, GraphQLError, type GraphQLFieldConfig } from 'graphql';

/**
 * The reference the subscriptions benchmark compares this project with: the simplest server a team
 * would write with the standard stack — a graphql-js schema, graphql-ws `useServer`, an in-memory
 * PubSub with a filter, a token check, no database. It answers the same `diaryEvents` selection with
 * the same JSON shape, and nothing more: no durability, no ordering across restarts, no cursor
 * replay, no per-event access check beyond an in-memory filter.
 *
 * Forked by subscriptions.bench.ts like sub-server.ts and driven by the same IPC protocol:
 *   { type: 'setup', viewers: [token, studentGid][], classes: studentGid[][] } → tokens and classes
 *   { type: 'publish', dateFrom, dateTo }  → one TIMETABLE_CHANGED event per student of every class
 *                                            (one cursor per publish, like one outbox event); → { seq }
 *   { type: 'head' }                       → the last cursor published
 *   { type: 'count' | 'stats' | 'profile-start' | 'profile-stop' | 'stop' } as in sub-server.ts
 */

const SDL = /* GraphQL */ `
  enum DiaryEventKind { TIMETABLE_CHANGED LESSON_MOVED LESSON_CANCELLED LESSON_SUBSTITUTED CONTROL_WORK_SCHEDULED }
  interface DiaryEvent { cursor: String! kind: DiaryEventKind! occurredAt: String! studentId: ID dateFrom: String dateTo: String }
  type Room { name: String! }
  type Teacher { fullName: String! }
  type Subject { name: String! }
  type Lesson { id: ID! date: String! lessonNumber: Int! status: String! room: Room conductingTeacher: Teacher }
  type ControlWork { id: ID! date: String! form: String! title: String subject: Subject! }
  type TimetableEntry { id: ID! weekday: Int! lessonNumber: Int! }
  type TimetableChangedEvent implements DiaryEvent { cursor: String! kind: DiaryEventKind! occurredAt: String! studentId: ID dateFrom: String dateTo: String timetableEntry: TimetableEntry }
  type LessonMovedEvent implements DiaryEvent { cursor: String! kind: DiaryEventKind! occurredAt: String! studentId: ID dateFrom: String dateTo: String fromDate: String fromLessonNumber: Int reason: String lesson: Lesson }
  type LessonCancelledEvent implements DiaryEvent { cursor: String! kind: DiaryEventKind! occurredAt: String! studentId: ID dateFrom: String dateTo: String reason: String lesson: Lesson }
  type LessonSubstitutedEvent implements DiaryEvent { cursor: String! kind: DiaryEventKind! occurredAt: String! studentId: ID dateFrom: String dateTo: String reason: String lesson: Lesson }
  type ControlWorkScheduledEvent implements DiaryEvent { cursor: String! kind: DiaryEventKind! occurredAt: String! studentId: ID dateFrom: String dateTo: String controlWork: ControlWork }
  type Query { ok: Boolean }
  type Subscription { diaryEvents(studentId: ID!, after: String): DiaryEvent! }
`;

// ---------------------------------------------------------------------------------------------
// An in-memory PubSub with a filter, as graphql-subscriptions' PubSub and withFilter do it.

type Listener = (payload: unknown) => void;

class PubSub {
  private readonly topics = new Map<string, Set<Listener>>();

  publish(topic: string, payload: unknown): void {
    const listeners = this.topics.get(topic);
    if (listeners) for (const l of listeners) l(payload);
  }

  asyncIterator<T>(topic: string): AsyncIterableIterator<T> {
    const pushed: T[] = [];
    const pulls: ((r: IteratorResult<T>) => void)[] = [];
    let running = true;
    const listener: Listener = (payload) => {
      const pull = pulls.shift();
      if (pull) pull({ value: payload as T, done: false });
      else pushed.push(payload as T);
    };
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(listener);
    const stop = () => {
      if (!running) return;
      running = false;
      set!.delete(listener);
      if (set!.size === 0) this.topics.delete(topic);
      for (const pull of pulls.splice(0)) pull({ value: undefined, done: true });
      pushed.length = 0;
    };
    return {
      next: () => {
        if (!running) return Promise.resolve({ value: undefined, done: true });
        if (pushed.length) return Promise.resolve({ value: pushed.shift()!, done: false });
        return new Promise((resolve) => pulls.push(resolve));
      },
      return: () => {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      },
      throw: (err) => {
        stop();
        return Promise.reject(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

function withFilter<T>(iterator: AsyncIterableIterator<T>, filter: (payload: T) => boolean | Promise<boolean>): AsyncIterableIterator<T> {
  return {
    async next() {
      for (;;) {
        const r = await iterator.next();
        if (r.done || (await filter(r.value))) return r;
      }
    },
    return: () => iterator.return!(),
    throw: (err) => iterator.throw!(err),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

// ---------------------------------------------------------------------------------------------

interface Viewer { token: string; students: Set<string> }
interface Context { viewer: Viewer }
type Request = { id: number; type: string; name?: string; viewers?: [string, string][]; classes?: string[][]; dateFrom?: string; dateTo?: string };

async function main() {
  const send = (m: unknown) => process.send!(m);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');

  const pubsub = new PubSub();
  const viewers = new Map<string, Viewer>();
  let classes: string[][] = [];
  let seq = 0;
  let subscriptions = 0;
  let sockets = 0;

  const schema = buildSchema(SDL);
  const field = schema.getSubscriptionType()!.getFields().diaryEvents as unknown as GraphQLFieldConfig<unknown, Context, { studentId: string }>;
  field.subscribe = (_root, { studentId }, { viewer }) => {
    if (!viewer.students.has(studentId)) throw new GraphQLError('Student not found', { extensions: { code: 'NOT_FOUND' } });
    subscriptions++;
    const inner = pubsub.asyncIterator<{ diaryEvents: { studentId: string } }>(`diary:${studentId}`);
    let counted = true;
    const uncount = () => {
      if (counted) subscriptions--;
      counted = false;
    };
    const filtered = withFilter(inner, (payload) => viewer.students.has(payload.diaryEvents.studentId));
    return {
      next: () => filtered.next(),
      return: () => { uncount(); return filtered.return!(); },
      throw: (err: unknown) => { uncount(); return filtered.throw!(err); },
      [Symbol.asyncIterator]() { return this; },
    };
  };

  const httpServer = http.createServer((_req, res) => { res.statusCode = 404; res.end(); });
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  useServer<Record<string, unknown>, { viewer?: Viewer }>({
    schema,
    onConnect: (ctx) => {
      const header = ctx.connectionParams?.authorization;
      const token = typeof header === 'string' ? header.replace(/^Bearer\s+/i, '') : '';
      const viewer = viewers.get(token);
      if (!viewer) return false; // graphql-ws closes with 4403 Forbidden
      ctx.extra.viewer = viewer;
      sockets++;
      ctx.extra.socket.once('close', () => sockets--);
      return true;
    },
    context: (ctx) => ({ viewer: ctx.extra.viewer! }),
  }, wsServer);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;

  let forced = { user: 0, system: 0 };
  const cpu = () => {
    const c = process.cpuUsage();
    return { user: c.user - forced.user, system: c.system - forced.system };
  };

  process.on('message', async (req: Request) => {
    try {
      switch (req.type) {
        case 'setup': {
          for (const [token, student] of req.viewers ?? []) {
            const v = viewers.get(token) ?? { token, students: new Set<string>() };
            v.students.add(student);
            viewers.set(token, v);
          }
          classes = req.classes ?? classes;
          send({ id: req.id });
          break;
        }
        case 'publish': {
          seq++;
          const occurredAt = new Date().toISOString();
          for (const students of classes) {
            for (const studentId of students) {
              pubsub.publish(`diary:${studentId}`, {
                diaryEvents: {
                  __typename: 'TimetableChangedEvent', cursor: String(seq), kind: 'TIMETABLE_CHANGED', occurredAt,
                  studentId, dateFrom: req.dateFrom, dateTo: req.dateTo, timetableEntry: null,
                },
              });
            }
          }
          send({ id: req.id, seq });
          break;
        }
        case 'head':
          send({ id: req.id, seq });
          break;
        case 'count':
          send({ id: req.id, cpu: cpu(), subscriptions, sockets });
          break;
        case 'stats': {
          const before = process.cpuUsage();
          gc();
          gc();
          const spent = process.cpuUsage(before);
          forced = { user: forced.user + spent.user, system: forced.system + spent.system };
          send({ id: req.id, memory: process.memoryUsage(), cpu: cpu(), subscriptions, sockets });
          break;
        }
        case 'profile-start':
        case 'profile-stop':
          send({ id: req.id });
          break;
        case 'stop': {
          for (const ws of wsServer.clients) ws.close(1001, 'Going away');
          await new Promise<void>((resolve) => wsServer.close(() => resolve()));
          await new Promise<void>((resolve) => httpServer.close(() => resolve()));
          send({ id: req.id });
          process.exit(0);
        }
        default:
          send({ id: req.id, error: `unknown request ${req.type}` });
      }
    } catch (err) {
      send({ id: req.id, error: err instanceof Error ? err.stack : String(err) });
    }
  });
  send({ type: 'ready', port, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` });
}

main().catch((err) => {
  process.stderr.write(`peer-server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
