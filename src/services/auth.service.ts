import argon2 from 'argon2';
import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthSession, AuthToken, LoginAttempt, TokenKind } from '../entities/auth.entity';
import { Role, User } from '../entities/user.entity';
import type { Ctx, Viewer } from '../context';
import type { AppConfig } from '../config';
import { ErrorCode, rateLimited } from '../schema/errors';
import { UserErrorCode, userError, UserError } from '../schema/user-error';
import { runAsActor, AuditActor } from './audit-context';
import { hashToken, newToken } from './tokens';

/** argon2id with the library's defaults (m=64 MiB, t=3, p=4), as OWASP recommends. */
export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

// Verified against when the login does not exist, so timing does not reveal which logins exist.
const DUMMY_HASH = '$argon2id$v=19$m=65536,p=4,t=3$WIbice6mkEZjgOyZ59H6mw$zW20mKCEnFlsgmUsQs41T8mWZCJ0VeCIOFZKDryBPME';

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export type AuthFailure = 'UNKNOWN' | 'EXPIRED' | 'REVOKED' | 'BLOCKED';

export const authFailureError = (reason: AuthFailure) =>
  new GraphQLError(
    {
      UNKNOWN: 'The access token is not valid',
      EXPIRED: 'The access token has expired: refresh it',
      REVOKED: 'The session has ended: log in again',
      BLOCKED: 'The account is blocked',
    }[reason],
    { extensions: { code: ErrorCode.UNAUTHENTICATED, reason } },
  );

/** Accounts, sessions and tokens (R-SEC-1, R-SEC-6). */
export class AuthService {
  constructor(private readonly config: AppConfig) {}

  /**
   * Resolves an access token to its viewer in one query; blocked users and revoked sessions are
   * refused at once because nothing is cached across requests.
   */
  async authenticate(em: EntityManager, token: string): Promise<{ viewer: Viewer; expiresAt: Date } | { failure: AuthFailure }> {
    const rows = await em.getConnection().execute<{
      expires_at: Date; session_id: string; revoked_at: Date | null; user_id: string; login: string;
      blocked_at: Date | null; must_change_password: boolean; roles: { schoolId: string; role: Role }[];
    }[]>(
      `select t.expires_at, s.id as session_id, s.revoked_at, u.id as user_id, u.login, u.blocked_at,
              u.must_change_password,
              coalesce(json_agg(json_build_object('schoolId', r.school_id, 'role', r.role))
                       filter (where r.id is not null), '[]') as roles
         from auth_token t
         join auth_session s on s.id = t.session_id
         join app_user u on u.id = s.user_id
         left join role_assignment r on r.user_id = u.id
        where t.hash = ? and t.kind = 'ACCESS'
        group by t.hash, s.id, u.id`,
      [hashToken(token)],
    );
    const row = rows[0];
    if (!row) return { failure: 'UNKNOWN' };
    if (row.blocked_at) return { failure: 'BLOCKED' };
    if (row.revoked_at) return { failure: 'REVOKED' };
    if (new Date(row.expires_at).getTime() <= Date.now()) return { failure: 'EXPIRED' };
    return {
      viewer: {
        userId: row.user_id,
        login: row.login,
        sessionId: row.session_id,
        mustChangePassword: row.must_change_password,
        roles: row.roles,
      },
      expiresAt: new Date(row.expires_at),
    };
  }

  /** Throws RATE_LIMITED when the login or the client address has too many recent failures. */
  private async assertNotThrottled(em: EntityManager, login: string, ip: string): Promise<void> {
    const { loginMaxFailuresPerLogin, loginMaxFailuresPerAddress, loginThrottleWindowSeconds } = this.config.auth;
    const [row] = await em.getConnection().execute<{ by_login: string; by_ip: string; oldest_login: Date | null; oldest_ip: Date | null }[]>(
      `with recent as (
         select * from login_attempt where at > now() - make_interval(secs => ?) and (login = ? or ip = ?)),
       last_ok as (select max(at) as at from recent where login = ? and success)
       select count(*) filter (where login = ? and not success and at > coalesce((select at from last_ok), '-infinity')) as by_login,
              count(*) filter (where ip = ? and not success) as by_ip,
              min(at) filter (where login = ? and not success) as oldest_login,
              min(at) filter (where ip = ? and not success) as oldest_ip
         from recent`,
      [loginThrottleWindowSeconds, login, ip, login, login, ip, login, ip],
    );
    const retry = (oldest: Date | null) =>
      Math.max(1, Math.ceil((new Date(oldest ?? Date.now()).getTime() + loginThrottleWindowSeconds * 1000 - Date.now()) / 1000));
    if (Number(row.by_login) >= loginMaxFailuresPerLogin) {
      throw rateLimited(`Too many failed logins for "${login}": try again in ${retry(row.oldest_login)} s`, retry(row.oldest_login));
    }
    if (Number(row.by_ip) >= loginMaxFailuresPerAddress) {
      throw rateLimited(`Too many failed logins from this address: try again in ${retry(row.oldest_ip)} s`, retry(row.oldest_ip));
    }
  }

  private async recordAttempt(em: EntityManager, login: string, ip: string, success: boolean) {
    const attempt = em.create(LoginAttempt, { login, ip, success, at: new Date() });
    await em.persistAndFlush(attempt);
  }

  /** Issues a fresh access + refresh pair in `session` (not flushed). */
  issueTokens(em: EntityManager, session: AuthSession): IssuedTokens {
    const now = Date.now();
    const access = newToken('otm_at');
    const refresh = newToken('otm_rt');
    const accessTokenExpiresAt = new Date(now + this.config.auth.accessTokenTtlSeconds * 1000);
    const refreshTokenExpiresAt = new Date(now + this.config.auth.refreshTokenTtlSeconds * 1000);
    em.create(AuthToken, { hash: access.hash, session, kind: TokenKind.ACCESS, expiresAt: accessTokenExpiresAt, createdAt: new Date(now) });
    em.create(AuthToken, { hash: refresh.hash, session, kind: TokenKind.REFRESH, expiresAt: refreshTokenExpiresAt, createdAt: new Date(now) });
    return { accessToken: access.token, accessTokenExpiresAt, refreshToken: refresh.token, refreshTokenExpiresAt };
  }

  /** R-SEC-1: login by login name and password. */
  async login(ctx: Ctx, loginInput: string, password: string): Promise<{ userErrors: UserError[]; user?: User; tokens?: IssuedTokens; viewer?: Viewer }> {
    const login = loginInput.trim().toLowerCase();
    const em = ctx.em.fork();
    await this.assertNotThrottled(em, login, ctx.ip);
    const user = await em.findOne(User, { login }, { populate: ['passwordHash'] });
    const ok = await argon2.verify(user?.passwordHash ?? DUMMY_HASH, password).catch(() => false);
    if (!user || !ok) {
      await this.recordAttempt(em, login, ctx.ip, false);
      return { userErrors: [userError(UserErrorCode.INVALID_CREDENTIALS, 'Wrong login or password', ['input'])] };
    }
    if (user.blockedAt) {
      await this.recordAttempt(em, login, ctx.ip, false);
      return { userErrors: [userError(UserErrorCode.ACCOUNT_BLOCKED, 'The account is blocked: contact the school administrator', ['input', 'login'])] };
    }
    const actor: AuditActor = { actorId: user.id, actorLogin: user.login, sessionId: null, ip: ctx.ip, operation: 'login' };
    const tokens = await runAsActor(actor, () =>
      em.transactional(async (tem) => {
        const session = tem.create(AuthSession, { user: user.id, ip: ctx.ip, userAgent: ctx.userAgent, createdAt: new Date() });
        actor.sessionId = session.id;
        tem.create(LoginAttempt, { login, ip: ctx.ip, success: true, at: new Date() });
        return this.issueTokens(tem, session);
      }),
    );
    const auth = await this.authenticate(em, tokens.accessToken);
    return { userErrors: [], user, tokens, viewer: 'viewer' in auth ? auth.viewer : undefined };
  }
}
