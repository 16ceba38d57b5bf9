import type { WebSocket } from 'ws';
import type { SocketHandle, SocketRenewal, Viewer } from '../context';
import type { AuthFailure } from '../services/auth.service';
import { userError, UserErrorCode } from '../schema/user-error';
import type { Logger } from '../logger';
import { SocketClose } from './connections';

type Authenticate = (token: string) => Promise<{ viewer: Viewer; expiresAt: Date } | { failure: AuthFailure }>;

/** Longer than any token we issue; a longer string is refused without a database query. */
const MAX_TOKEN_LENGTH = 200;
/** setTimeout's limit (about 24.8 days); a later expiry is re-armed when it is reached. */
const MAX_DELAY_MS = 2 ** 31 - 1;

const refusal = (code: UserErrorCode, message: string): SocketRenewal =>
  ({ accessTokenExpiresAt: null, userErrors: [userError(code, message, ['accessToken'])] });

/**
 * One authenticated WebSocket: its session, the access token its operations are authenticated
 * with, and the timer that closes it (4419) when that token expires. `renew` takes a newer token of
 * the same session without reconnecting (a second ConnectionInit would close the socket with 4429).
 */
export class SocketSession implements SocketHandle {
  private timer: NodeJS.Timeout | null = null;
  private expires: Date;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    /** the viewer as authenticated at connect (or at the last renewal) */
    private authenticated: Viewer,
    private current: string,
    expiresAt: Date,
    private readonly authenticate: Authenticate,
    private readonly log: Logger,
  ) {
    this.expires = expiresAt;
    this.arm();
    socket.once('close', () => {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
    });
  }

  get userId(): string {
    return this.authenticated.userId;
  }

  get sessionId(): string {
    return this.authenticated.sessionId;
  }

  /**
   * The viewer as authenticated at connect or at the last renewal. A subscription starts from it and
   * re-checks the session, the account and the roles in its own access statement (EventService);
   * queries and mutations on the socket authenticate the token again.
   */
  get viewer(): Viewer {
    return this.authenticated;
  }

  /** The access token operations started from now on are authenticated with. */
  get token(): string {
    return this.current;
  }

  /** When the socket's current token expires (and the socket closes). */
  get expiresAt(): Date {
    return this.expires;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.closed) return;
    const ms = this.expires.getTime() - Date.now();
    this.timer = setTimeout(() => {
      if (this.expires.getTime() > Date.now()) this.arm();
      else this.socket.close(SocketClose.TOKEN_EXPIRED.code, SocketClose.TOKEN_EXPIRED.reason);
    }, Math.max(0, Math.min(ms, MAX_DELAY_MS)));
    this.timer.unref();
  }

  async renew(accessToken: string): Promise<SocketRenewal> {
    if (accessToken.length > MAX_TOKEN_LENGTH) return refusal(UserErrorCode.INVALID_ACCESS_TOKEN, 'The access token is not valid');
    const r = await this.authenticate(accessToken);
    if (!('viewer' in r)) {
      switch (r.failure) {
        case 'EXPIRED': return refusal(UserErrorCode.ACCESS_TOKEN_EXPIRED, 'The access token has expired: refresh it and renew again');
        case 'BLOCKED': return refusal(UserErrorCode.ACCOUNT_BLOCKED, 'The account is blocked');
        case 'REVOKED': return refusal(UserErrorCode.INVALID_ACCESS_TOKEN, 'The session of this access token has ended');
        default: return refusal(UserErrorCode.INVALID_ACCESS_TOKEN, 'The access token is not valid');
      }
    }
    // Another user's token is refused the same way: the answer does not tell whose it is.
    if (r.viewer.sessionId !== this.sessionId || r.viewer.userId !== this.userId) {
      return refusal(UserErrorCode.SESSION_MISMATCH, 'The access token belongs to another session: renew with a token of the session the socket was opened with, or reconnect');
    }
    if (this.closed) return refusal(UserErrorCode.INVALID_ACCESS_TOKEN, 'The socket is closing');
    this.current = accessToken;
    this.authenticated = r.viewer;
    this.expires = r.expiresAt;
    this.arm();
    this.log.info({ user: r.viewer.login, session: this.sessionId, expiresAt: r.expiresAt }, 'socket access token renewed');
    return { accessTokenExpiresAt: r.expiresAt, userErrors: [] };
  }
}
