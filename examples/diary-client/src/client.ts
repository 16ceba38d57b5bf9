import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, type ErrorLike } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient, type Client as WsClient, type ClientOptions } from 'graphql-ws';
import type { Observable, Subscription } from 'rxjs';
import {
  DiaryEventsDocument, LoginDocument, SocketAuthRenewDocument, TeacherEventsDocument, TokenRefreshDocument,
  type DiaryEventFieldsFragment,
} from './generated/graphql';

/** One live event: a union discriminated by `__typename` (one member per event kind). */
export type DiaryEvent = DiaryEventFieldsFragment;

/**
 * WebSocket close codes of the server (see the README's "Live updates"): 4419 — the access token
 * expired: refresh it and reconnect; 4401 — not authenticated or the session was ended: log in
 * again; 4403 — the account is blocked.
 */
export const CloseCodes = { TokenExpired: 4419, Unauthorized: 4401, Forbidden: 4403 } as const;

/** Something the client cannot recover from by itself; every stream it names has stopped. */
export type DiaryClientError =
  | { kind: 'socket'; code: number; reason: string }
  | { kind: 'subscription'; code: string; message: string }
  | { kind: 'auth'; code: string; message: string };

export interface DiaryClientOptions {
  /** e.g. `https://school.example/graphql` */
  httpUrl: string;
  /** e.g. `wss://school.example/graphql` */
  wsUrl: string;
  login: string;
  password: string;
  /** A WebSocket class; Node 20 has none built in: pass `WebSocket` from the `ws` package. */
  webSocketImpl?: unknown;
  /** Waits before reconnect attempt `retries` (0, 1, …); default: exponential backoff with jitter, at most 30 s. */
  retryWait?: (retries: number) => Promise<void>;
  /** How long before the access token expires it is renewed (default: a fifth of its lifetime, at most 60 s). */
  renewBeforeMs?: number;
  /** A fatal error: the client (or the stream it names) has stopped and needs the app, e.g. to log in again. */
  onError?: (error: DiaryClientError) => void;
  /** The socket connected (also after every reconnect) or dropped. */
  onConnection?: (state: 'connected' | 'disconnected') => void;
  /** A non-fatal problem (a renewal that fell back to reconnecting, a stream being resumed). */
  onWarning?: (message: string) => void;
}

/** A live stream; it survives reconnects until `stop()`. */
export interface EventStream {
  /** Cursor of the last event delivered to `onEvent` (null before the first one). */
  readonly lastCursor: string | null;
  stop(): void;
}

export interface DiaryClient {
  /** Live changes of a student's diary, from `after` (or from now), each delivered once, in order. */
  subscribeDiary(studentId: string, onEvent: (event: DiaryEvent) => void, opts?: { after?: string | null }): EventStream;
  /** Live changes of the viewer's own timetable as a teacher. */
  subscribeTeacher(onEvent: (event: DiaryEvent) => void, opts?: { after?: string | null }): EventStream;
  /** The Apollo Client underneath (queries and mutations go over HTTP). */
  readonly apollo: ApolloClient;
  /** Closes the socket and stops every stream. */
  close(): Promise<void>;
}

/** Codes of a subscription error after which resubscribing from the cursor is the remedy. */
const RESUMABLE = new Set(['CONFLICT', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

const isCloseEvent = (e: unknown): e is { code: number; reason: string } =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'number';

const backoff = (retries: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** retries) * (0.5 + Math.random() / 2)));

/** Access and refresh token of one session; refreshes are single-flight (a refresh token works once). */
class Session {
  accessToken = '';
  private refreshToken = '';
  expiresAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly http: ApolloClient) {}

  async login(login: string, password: string): Promise<void> {
    const { data } = await this.http.mutate({ mutation: LoginDocument, variables: { input: { login, password } } });
    this.take(data?.login, 'login');
  }

  /** Exchanges the refresh token for a new pair; concurrent callers share one exchange. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const { data } = await this.http.mutate({ mutation: TokenRefreshDocument, variables: { input: { refreshToken: this.refreshToken } } });
        this.take(data?.tokenRefresh, 'tokenRefresh');
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  expiresWithin(ms: number): boolean {
    return this.expiresAt - Date.now() <= ms;
  }

  private take(p: { accessToken: string | null; refreshToken: string | null; accessTokenExpiresAt: string | null; userErrors: { code: string; message: string }[] } | undefined, op: string) {
    if (!p?.accessToken || !p.refreshToken || !p.accessTokenExpiresAt) {
      const e = p?.userErrors[0];
      throw Object.assign(new Error(`${op} failed: ${e?.message ?? 'no token'}`), { code: e?.code ?? 'UNAUTHENTICATED' });
    }
    this.accessToken = p.accessToken;
    this.refreshToken = p.refreshToken;
    this.expiresAt = Date.parse(p.accessTokenExpiresAt);
  }
}

/**
 * GraphQLWsLink tells error kinds apart by the global `WebSocket` class, which Node 20 lacks: hand
 * it only Errors and close events (a GraphQL error list becomes CombinedGraphQLErrors).
 */
function withErrorObjects(ws: WsClient): WsClient {
  return {
    ...ws,
    subscribe: (payload, sink) => ws.subscribe(payload, {
      ...sink,
      error: (e: unknown) => sink.error(
        e instanceof Error || isCloseEvent(e) ? e
          : Array.isArray(e) ? new CombinedGraphQLErrors({ errors: e })
            : new Error(`WebSocket error: ${String((e as { message?: unknown })?.message ?? e)}`)),
    }),
  };
}

/**
 * One subscription that outlives its socket: on every (re)connect it subscribes anew with
 * `after` = the last cursor delivered, so the events committed while it was away arrive first,
 * once each, in order. graphql-ws's own retry would resend the first variables instead.
 */
class Resumable<TData> implements EventStream {
  lastCursor: string | null;
  private active: Subscription | null = null;
  private stopped = false;

  constructor(
    private readonly open$: (after: string | null) => Observable<ApolloClient.SubscribeResult<TData>>,
    private readonly pick: (data: TData) => DiaryEvent,
    private readonly onEvent: (event: DiaryEvent) => void,
    private readonly owner: { connected: boolean; streams: Set<Resumable<unknown>>; failed(s: Resumable<unknown>, e: DiaryClientError): void; warn(m: string): void },
    after: string | null,
  ) {
    this.lastCursor = after;
  }

  /** Subscribes from the last cursor, if connected and not already subscribed. */
  open(): void {
    if (this.active || this.stopped || !this.owner.connected) return;
    this.active = this.open$(this.lastCursor).subscribe({
      next: (r) => {
        if (r.error) return this.failed(r.error);
        if (!r.data) return;
        const event = this.pick(r.data);
        this.lastCursor = event.cursor;
        this.onEvent(event);
      },
      error: (e: ErrorLike) => this.failed(e),
      complete: () => { this.active = null; },
    });
  }

  /** Forgets the operation of a socket that is gone (without telling graphql-ws to resend it). */
  drop(): void {
    const a = this.active;
    this.active = null;
    a?.unsubscribe();
  }

  stop(): void {
    this.stopped = true;
    this.drop();
    this.owner.streams.delete(this as Resumable<unknown>);
  }

  private failed(e: ErrorLike): void {
    this.drop();
    const first = CombinedGraphQLErrors.is(e) ? e.errors[0] : undefined;
    const code = String(first?.extensions?.code ?? 'NETWORK');
    if (RESUMABLE.has(code) || code === 'NETWORK') {
      // e.g. SUBSCRIBER_TOO_SLOW: the server ended the stream; the cursor resumes it where it stopped.
      this.owner.warn(`stream ended (${code}: ${first?.message ?? e.message}); resuming from cursor ${this.lastCursor}`);
      setTimeout(() => this.open(), 1000).unref?.();
      return;
    }
    this.stopped = true;
    this.owner.streams.delete(this as Resumable<unknown>);
    this.owner.failed(this as Resumable<unknown>, { kind: 'subscription', code, message: first?.message ?? e.message });
  }
}

/**
 * Logs in over HTTP and opens one graphql-ws connection that reconnects by itself and resumes every
 * stream from its last cursor; renews the access token shortly before it expires (tokenRefresh over
 * HTTP, then `socketAuthRenew` on the open socket), and after a 4419 close refreshes before
 * reconnecting. 4401 and 4403 stop the client and are reported to `onError`.
 */
export async function createDiaryClient(o: DiaryClientOptions): Promise<DiaryClient> {
  const httpLink = new HttpLink({ uri: o.httpUrl });
  // The socket is opened after logging in; until then nothing is routed to it.
  let ws!: WsClient;
  let wsLink!: GraphQLWsLink;
  // Subscriptions, and operations that must reach this very connection (socketAuthRenew), go over the socket.
  const link = ApolloLink.split(
    (op) => op.operationType === 'subscription' || op.getContext().overSocket === true,
    new ApolloLink((op) => wsLink.request(op)),
    httpLink,
  );
  const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
  const session = new Session(apollo);
  await session.login(o.login, o.password);

  let closing = false;
  /** The token the current socket was opened with, and one the server refused as expired (4419). */
  let socketToken = '';
  let expiredToken = '';
  let renewTimer: NodeJS.Timeout | undefined;

  const owner = {
    connected: false,
    streams: new Set<Resumable<unknown>>(),
    failed: (_s: Resumable<unknown>, e: DiaryClientError) => o.onError?.(e),
    warn: (m: string) => o.onWarning?.(m),
  };

  const fatal = (e: DiaryClientError) => {
    if (closing) return;
    for (const s of [...owner.streams]) s.stop();
    void client.close();
    o.onError?.(e);
  };

  const scheduleRenewal = () => {
    clearTimeout(renewTimer);
    if (closing) return;
    const lifetime = session.expiresAt - Date.now();
    const before = o.renewBeforeMs ?? Math.min(60_000, lifetime / 5);
    renewTimer = setTimeout(() => void renew(), Math.max(0, lifetime - before));
    renewTimer.unref?.();
  };

  /** Renews the pair over HTTP, then hands the open socket the new access token. */
  const renew = async () => {
    try {
      await session.refresh();
    } catch (e) {
      return fatal({ kind: 'auth', code: String((e as { code?: unknown }).code ?? 'UNAUTHENTICATED'), message: (e as Error).message });
    }
    scheduleRenewal();
    if (!owner.connected) return; // the next connect sends the new token
    const token = session.accessToken;
    try {
      const { data } = await apollo.mutate({ mutation: SocketAuthRenewDocument, variables: { t: token }, context: { overSocket: true } });
      const err = data?.socketAuthRenew.userErrors[0];
      if (err) throw new Error(`${err.code}: ${err.message}`);
      socketToken = token;
    } catch (e) {
      // The socket keeps its old token until the server closes it with 4419; then we reconnect with the new one.
      o.onWarning?.(`socketAuthRenew failed (${(e as Error).message}); will reconnect when the socket's token expires`);
    }
  };

  const lost = () => {
    const was = owner.connected;
    owner.connected = false;
    for (const s of owner.streams) s.drop();
    if (was) o.onConnection?.('disconnected');
  };

  const wsOptions: ClientOptions = {
    url: o.wsUrl,
    webSocketImpl: o.webSocketImpl,
    lazy: false,
    retryAttempts: Infinity,
    retryWait: o.retryWait ?? backoff,
    // A function, so every (re)connect reads the current token.
    connectionParams: async () => {
      if (session.accessToken === expiredToken || session.expiresWithin(5_000)) {
        await session.refresh();
        scheduleRenewal();
      }
      socketToken = session.accessToken;
      return { authorization: `Bearer ${session.accessToken}` };
    },
    shouldRetry: (e) => !(isCloseEvent(e) && (e.code === CloseCodes.Unauthorized || e.code === CloseCodes.Forbidden)),
    onNonLazyError: (e) => {
      if (isCloseEvent(e)) fatal({ kind: 'socket', code: e.code, reason: e.reason });
      else fatal({ kind: 'auth', code: 'CONNECTION_FAILED', message: e instanceof Error ? e.message : String(e) });
    },
    on: {
      // Registered before graphql-ws's own listeners: each operation is dropped before its retry could resend it.
      closed: (e) => {
        lost();
        if (isCloseEvent(e) && e.code === CloseCodes.TokenExpired) expiredToken = socketToken;
      },
      // An error ends the socket too (its close follows).
      error: () => lost(),
      connected: () => {
        owner.connected = true;
        for (const s of owner.streams) s.open();
        o.onConnection?.('connected');
      },
    },
  };
  ws = createClient(wsOptions);
  wsLink = new GraphQLWsLink(withErrorObjects(ws));
  scheduleRenewal();

  const add = <T>(open$: (after: string | null) => Observable<ApolloClient.SubscribeResult<T>>, pick: (d: T) => DiaryEvent, onEvent: (e: DiaryEvent) => void, after: string | null) => {
    const s = new Resumable<T>(open$, pick, onEvent, owner, after);
    owner.streams.add(s as Resumable<unknown>);
    s.open();
    return s;
  };
  const subscribeOptions = { fetchPolicy: 'no-cache', context: { queryDeduplication: false } } as const;

  const client: DiaryClient = {
    apollo,
    subscribeDiary: (studentId, onEvent, opts = {}) => add(
      (after) => apollo.subscribe({ query: DiaryEventsDocument, variables: { studentId, after }, ...subscribeOptions }),
      (d) => d.diaryEvents, onEvent, opts.after ?? null),
    subscribeTeacher: (onEvent, opts = {}) => add(
      (after) => apollo.subscribe({ query: TeacherEventsDocument, variables: { after }, ...subscribeOptions }),
      (d) => d.teacherEvents, onEvent, opts.after ?? null),
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(renewTimer);
      for (const s of [...owner.streams]) s.stop();
      await ws.dispose();
      apollo.stop();
    },
  };
  return client;
}
