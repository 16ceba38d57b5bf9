import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { rateLimited } from '../schema/errors';

/** One reserved password verification: report its outcome once. */
export interface LoginReservation {
  /** The password was wrong (or the account blocked): the reservation stays spent, the login slows. */
  failed(): Promise<void>;
  /** The password was right: the pair's count starts over, the address gets its point back, the login is no longer slowed. */
  succeeded(): Promise<void>;
}

interface Limiters { pair: RateLimiterPostgres; address: RateLimiterPostgres; login: RateLimiterPostgres; secret: Buffer }

/** Seconds to wait before verifying a login that failed `failures` times (from all addresses) in the window. */
export function slowdownSeconds(failures: number, threshold: number, cap: number): number {
  if (failures < threshold) return 0;
  return Math.min(cap, 2 ** Math.min(failures - threshold, 30));
}

/**
 * R-SEC-1 login throttling (rate-limiter-flexible's PostgreSQL store, table `login_throttle` of
 * migration 0014). Every attempt reserves its verification before the password is checked, so
 * concurrent guesses get no more verifications than the limit:
 * - per login and address: LOGIN_MAX_FAILURES_PER_LOGIN failures per window, then refused;
 * - per address: LOGIN_MAX_FAILURES_PER_ADDRESS failures per window, then refused;
 * - per login across addresses: never refused (nobody can lock another person out), only slowed by
 *   a delay that doubles with each failure past LOGIN_MAX_FAILURES_PER_LOGIN, capped at
 *   LOGIN_SLOWDOWN_MAX_SECONDS.
 * Keys hold logins and addresses only as HMAC-SHA-256 under the database's `server_secret`.
 */
export class LoginThrottle {
  private ready: Promise<Limiters> | null = null;

  constructor(private readonly config: AppConfig['auth']) {}

  private limiters(em: EntityManager): Promise<Limiters> {
    this.ready ??= (async () => {
      const conn = em.getConnection();
      const [row] = await conn.execute<{ value: Buffer }[]>(`select value from server_secret where name = 'login-throttle'`);
      if (!row) throw new Error('server_secret "login-throttle" is missing: run the migrations');
      const common = {
        storeClient: conn.getKnex(),
        storeType: 'knex',
        tableName: 'login_throttle',
        // The table is created by migration 0014; the library never runs DDL.
        tableCreated: true,
        duration: this.config.loginThrottleWindowSeconds,
      };
      return {
        secret: row.value,
        pair: new RateLimiterPostgres({ ...common, keyPrefix: 'pair', points: this.config.loginMaxFailuresPerLogin, clearExpiredByTimeout: true }),
        address: new RateLimiterPostgres({ ...common, keyPrefix: 'address', points: this.config.loginMaxFailuresPerAddress, clearExpiredByTimeout: false }),
        // A counter only: never refuses.
        login: new RateLimiterPostgres({ ...common, keyPrefix: 'login', points: 2 ** 30, clearExpiredByTimeout: false }),
      };
    })();
    this.ready.catch(() => { this.ready = null; });
    return this.ready;
  }

  private static hash(secret: Buffer, kind: string, value: string): string {
    return createHmac('sha256', secret).update(`${kind}\0${value}`).digest('base64url');
  }

  /**
   * Reserves one verification for the login from `address`, then waits out the login's slowdown;
   * throws RATE_LIMITED (with `retryAfterSeconds`) at once when the pair or the address has none
   * left, leaving the counts as they were.
   */
  async reserve(em: EntityManager, loginInput: string, address: string): Promise<LoginReservation> {
    const l = await this.limiters(em);
    const login = loginInput.trim().toLowerCase();
    const loginKey = LoginThrottle.hash(l.secret, 'login', login);
    const addressKey = LoginThrottle.hash(l.secret, 'address', address);
    const pairKey = `${loginKey}:${addressKey}`;

    const retry = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    try {
      await l.pair.consume(pairKey);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      await l.pair.reward(pairKey);
      throw rateLimited(`Too many failed logins for "${login}" from this address: try again in ${retry(e)} s`, retry(e));
    }
    try {
      await l.address.consume(addressKey);
    } catch (e) {
      await l.pair.reward(pairKey);
      if (!(e instanceof RateLimiterRes)) throw e;
      await l.address.reward(addressKey);
      throw rateLimited(`Too many failed logins from this address: try again in ${retry(e)} s`, retry(e));
    }
    // Refusals above answer at once; a verification that may go ahead waits out the login's slowdown.
    const failures = (await l.login.get(loginKey))?.consumedPoints ?? 0;
    const delay = slowdownSeconds(failures, this.config.loginMaxFailuresPerLogin, this.config.loginSlowdownMaxSeconds);
    if (delay > 0) await sleep(delay * 1000);
    return {
      failed: async () => { await l.login.penalty(loginKey); },
      succeeded: async () => {
        await Promise.all([l.pair.delete(pairKey), l.login.delete(loginKey), l.address.reward(addressKey)]);
      },
    };
  }
}
