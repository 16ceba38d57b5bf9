import type { WebSocket } from 'ws';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger';
import { ErrorCode } from '../schema/errors';

/**
 * Close codes of a WebSocket ended by the server for authentication (documented in the README).
 * graphql-ws's client treats 4401 as fatal and retries on 4419 and 4403, calling its
 * `connectionParams` function again on each retry.
 */
export const SocketClose = {
  /** The access token expired (while open, or when connecting): refresh it and reconnect. */
  TOKEN_EXPIRED: { code: 4419, reason: 'Token expired: refresh and reconnect' },
  /** No token, an unknown token, or the session ended (logout, password change or reset, staff archived): log in again. */
  UNAUTHORIZED: { code: 4401, reason: 'Unauthorized: log in again' },
  /** The account is blocked (by the school, or on leaving it: R-SEC-8). */
  BLOCKED: { code: 4403, reason: 'Forbidden: account blocked' },
} as const;

/** PostgreSQL channel on which account events (block, password reset, logout) are announced. */
export const AUTH_CHANNEL = 'otmetka_auth';

export interface AuthEvent {
  userId?: string;
  sessionIds?: string[];
  /** `staff_access_ended`: staff roles ended (staffArchive) while other roles remain; staff streams end, sockets stay. */
  reason: 'blocked' | 'logout' | 'password_reset' | 'session_revoked' | 'staff_access_ended';
}

/**
 * Announces an account event; inside a transaction PostgreSQL delivers it only on commit, to every
 * server process, each of which closes the affected sockets.
 */
export async function announceAuthEvent(em: EntityManager, event: AuthEvent): Promise<void> {
  // em.execute runs inside the EntityManager's transaction, so the NOTIFY waits for its commit.
  await em.execute('select pg_notify(?, ?)', [AUTH_CHANNEL, JSON.stringify(event)]);
}

interface Tracked { userId: string; sessionId: string; subscriptions: Set<string> }

/** Caps on open subscriptions (each holds a queue, an execution context and a socket's attention). */
export interface SubscriptionCaps { perSocket: number; perUser: number }

/**
 * Open WebSocket connections of this process, by user, so an account event closes them at once,
 * and their open subscriptions, so one socket or one user cannot open them without end.
 */
export class ConnectionRegistry {
  private readonly sockets = new Map<WebSocket, Tracked>();
  private readonly perUser = new Map<string, number>();
  private readonly staffListeners: ((userId: string) => void)[] = [];

  constructor(private readonly log: Logger, private readonly caps: SubscriptionCaps = { perSocket: Infinity, perUser: Infinity }) {}

  add(socket: WebSocket, t: Omit<Tracked, 'subscriptions'>) {
    this.sockets.set(socket, { ...t, subscriptions: new Set() });
    socket.once('close', () => {
      const tracked = this.sockets.get(socket);
      for (const id of [...(tracked?.subscriptions ?? [])]) this.subscriptionEnded(socket, id);
      this.sockets.delete(socket);
    });
  }

  /**
   * Counts subscription `id` of `socket` as open, or refuses it (RATE_LIMITED, reason
   * SUBSCRIPTION_LIMIT) when the socket or its user already holds the cap. Call
   * `subscriptionEnded` when it completes, errs or its socket closes.
   */
  subscriptionStarted(socket: WebSocket, id: string): GraphQLError | null {
    const t = this.sockets.get(socket);
    if (!t) return null;
    const ofUser = this.perUser.get(t.userId) ?? 0;
    const refuse = (scope: 'socket' | 'user', limit: number) => new GraphQLError(
      `Too many open subscriptions: at most ${limit} per ${scope === 'socket' ? 'connection' : 'user'}; complete one before subscribing again`,
      { extensions: { code: ErrorCode.RATE_LIMITED, reason: 'SUBSCRIPTION_LIMIT', scope, limit } },
    );
    if (t.subscriptions.size >= this.caps.perSocket) return refuse('socket', this.caps.perSocket);
    if (ofUser >= this.caps.perUser) return refuse('user', this.caps.perUser);
    t.subscriptions.add(id);
    this.perUser.set(t.userId, ofUser + 1);
    return null;
  }

  /** Subscription `id` of `socket` ended (idempotent). */
  subscriptionEnded(socket: WebSocket, id: string): void {
    const t = this.sockets.get(socket);
    if (!t?.subscriptions.delete(id)) return;
    const left = (this.perUser.get(t.userId) ?? 1) - 1;
    if (left > 0) this.perUser.set(t.userId, left);
    else this.perUser.delete(t.userId);
  }

  /** Open subscriptions counted in this process: in all, and of one user. */
  openSubscriptions(userId?: string): number {
    if (userId) return this.perUser.get(userId) ?? 0;
    let n = 0;
    for (const c of this.perUser.values()) n += c;
    return n;
  }

  /** Called with the user id when a user's staff access ends while their account stays. */
  onStaffAccessEnded(listener: (userId: string) => void): this {
    this.staffListeners.push(listener);
    return this;
  }

  get size() {
    return this.sockets.size;
  }

  handle(event: AuthEvent) {
    if (event.reason === 'staff_access_ended') {
      if (event.userId) for (const l of this.staffListeners) l(event.userId);
      return;
    }
    const { code, reason } = event.reason === 'blocked' ? SocketClose.BLOCKED : SocketClose.UNAUTHORIZED;
    for (const [socket, t] of this.sockets) {
      if ((event.userId && t.userId === event.userId) || event.sessionIds?.includes(t.sessionId)) {
        socket.close(code, reason);
      }
    }
  }

  /** Handles an announcement received on AUTH_CHANNEL (from any server process). */
  handlePayload(payload: string) {
    try {
      this.handle(JSON.parse(payload) as AuthEvent);
    } catch (err) {
      this.log.warn({ err }, 'bad auth event');
    }
  }
}
