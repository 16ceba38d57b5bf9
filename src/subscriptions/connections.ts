import type { WebSocket } from 'ws';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger';

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

interface Tracked { userId: string; sessionId: string }

/** Open WebSocket connections of this process, by user, so an account event closes them at once. */
export class ConnectionRegistry {
  private readonly sockets = new Map<WebSocket, Tracked>();
  private readonly staffListeners: ((userId: string) => void)[] = [];

  constructor(private readonly log: Logger) {}

  add(socket: WebSocket, t: Tracked) {
    this.sockets.set(socket, t);
    socket.once('close', () => this.sockets.delete(socket));
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
    const code = event.reason === 'blocked' ? 4403 : 4401;
    const message = event.reason === 'blocked' ? 'Forbidden: account blocked' : 'Unauthorized: session ended';
    for (const [socket, t] of this.sockets) {
      if ((event.userId && t.userId === event.userId) || event.sessionIds?.includes(t.sessionId)) {
        socket.close(code, message);
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
