import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import { rolesOf } from '../permissions/capabilities';
import { randomInt } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthSession, AuthToken, TokenKind } from '../entities/auth.entity';
import { Role, User } from '../entities/user.entity';
import { hasRole, schoolIdsWithRole, type Ctx, type Viewer } from '../context';
import type { AppConfig } from '../config';
import { ErrorCode, notFound, unauthenticated } from '../schema/errors';
import { boundRows } from '../db/bound';
import { UserErrorCode, userError, UserError, UserErrorsException } from '../schema/user-error';
import { fromGlobalId } from '../schema/node';
import { Connection, decodeCursor, toConnection } from '../schema/connection';
import { announceAuthEvent } from '../subscriptions/connections';
import { runAsActor, AuditActor } from './audit-context';
import { hashToken, newToken } from './tokens';
import { LoginThrottle } from './login-throttle';
import { foldCase, foldCaseSql } from '../db/text';

// @node-rs/argon2 ships prebuilt binaries per platform (no compiler or header download at install).
// Algorithm is an ambient const enum, which isolatedModules cannot reference: 2 = Argon2id.
const ARGON2ID = 2 as Algorithm;

/** argon2id, m=64 MiB, t=3, p=4 (above OWASP's minimum; the PHC string records them). */
export const hashPassword = (password: string) =>
  argon2Hash(password, { algorithm: ARGON2ID, memoryCost: 65536, timeCost: 3, parallelism: 4 });

// Verified against when the login does not exist, so timing does not reveal which logins exist.
const DUMMY_HASH = '$argon2id$v=19$m=65536,p=4,t=3$WIbice6mkEZjgOyZ59H6mw$zW20mKCEnFlsgmUsQs41T8mWZCJ0VeCIOFZKDryBPME';

const verifyPassword = (hash: string | null | undefined, password: string) =>
  argon2Verify(hash ?? DUMMY_HASH, password).catch(() => false);

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;
export const BLOCK_REASON_MAX_LENGTH = 500;

/** Who may reset passwords (R-ROLE-1), block accounts (R-SEC-6, R-SEC-7) and list a school's users. */
export const PASSWORD_RESETTERS: readonly Role[] = rolesOf('canResetPasswords');
export const ACCOUNT_BLOCKERS: readonly Role[] = rolesOf('canBlockAccounts');
export const USER_LIST_READERS: readonly Role[] = rolesOf('canListUsers');

// No 0/O, 1/l/I: the password is read aloud or copied from paper.
const OTP_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A one-time password like "k7mx3-p9tqa": 10 random characters (50 bits), grouped for reading. */
export function oneTimePassword(): string {
  const chars = Array.from({ length: 10 }, () => OTP_ALPHABET[randomInt(OTP_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** R-SEC-1 password policy; returns WEAK_PASSWORD errors for `newPassword`. */
export function passwordPolicyErrors(newPassword: string, currentPassword: string, login: string): UserError[] {
  const field = ['input', 'newPassword'];
  const length = [...newPassword].length;
  if (length < PASSWORD_MIN_LENGTH) return [userError(UserErrorCode.WEAK_PASSWORD, `The password must have at least ${PASSWORD_MIN_LENGTH} characters`, field)];
  if (length > PASSWORD_MAX_LENGTH) return [userError(UserErrorCode.WEAK_PASSWORD, `The password must have at most ${PASSWORD_MAX_LENGTH} characters`, field)];
  if (newPassword === currentPassword) return [userError(UserErrorCode.WEAK_PASSWORD, 'The new password must differ from the current one', field)];
  if (newPassword.trim().toLowerCase() === login.trim().toLowerCase()) return [userError(UserErrorCode.WEAK_PASSWORD, 'The password must not be the login', field)];
  return [];
}

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface TokenResult {
  userErrors: UserError[];
  user?: User;
  tokens?: IssuedTokens;
  viewer?: Viewer;
}

export interface UserResult {
  userErrors: UserError[];
  user?: User;
}

export interface UserListArgs {
  schoolId: string;
  role?: Role | null;
  search?: string | null;
  first: number;
  after?: string | null;
}

type UserCursor = [lastName: string, firstName: string, id: string];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUserCursor = (v: unknown): v is UserCursor =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string') && UUID.test(v[2] as string);

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

const invalidRefreshToken = () =>
  userError(UserErrorCode.INVALID_REFRESH_TOKEN, 'The refresh token is not valid, has expired or its session has ended: log in again', ['input', 'refreshToken']);

const accountBlocked = (field: string[]) =>
  userError(UserErrorCode.ACCOUNT_BLOCKED, 'The account is blocked: contact the school administrator', field);

function requireViewer(ctx: Ctx): Viewer {
  if (!ctx.viewer) throw ctx.authError ?? unauthenticated();
  return ctx.viewer;
}

/** Runs `fn` in a transaction of a fresh EntityManager; a UserErrorsException rolls back and becomes the result's userErrors. */
async function inTransaction<T extends { userErrors: UserError[] }>(ctx: Ctx, fn: (em: EntityManager) => Promise<T>): Promise<T | { userErrors: UserError[] }> {
  try {
    return await ctx.em.fork().transactional(fn);
  } catch (e) {
    if (e instanceof UserErrorsException) return { userErrors: e.userErrors };
    throw e;
  }
}

/** Accounts, sessions and tokens (R-SEC-1, R-SEC-6, R-ROLE-1). */
export class AuthService {
  private readonly throttle: LoginThrottle;

  constructor(private readonly config: AppConfig) {
    this.throttle = new LoginThrottle(config.auth);
  }

  /**
   * Resolves an access token to its viewer in one query; blocked users and revoked sessions are
   * refused at once because nothing is cached across requests.
   */
  async authenticate(em: EntityManager, token: string): Promise<{ viewer: Viewer; expiresAt: Date } | { failure: AuthFailure }> {
    return (await this.authenticateMany(em, [token]))[0];
  }

  /**
   * `authenticate` for several tokens in one statement (WebSocket connects arriving together), each
   * answered as if alone.
   */
  async authenticateMany(em: EntityManager, tokens: readonly string[]): Promise<({ viewer: Viewer; expiresAt: Date } | { failure: AuthFailure })[]> {
    const hashes = tokens.map(hashToken);
    const rows = await boundRows<{
      hash: string; expires_at: Date; session_id: string; revoked_at: Date | null; user_id: string; login: string;
      blocked_at: Date | null; must_change_password: boolean; roles: { schoolId: string; role: Role }[];
    }>(em,
      // auth_sessions_by_hash() (migration 0024): the statement with a plan kept per connection.
      'select * from auth_sessions_by_hash(?::text[])',
      // hex digests: safe in an array literal, sent as one bind parameter
      [`{${hashes.join(',')}}`],
    );
    const byHash = new Map(rows.map((r) => [r.hash, r]));
    return hashes.map((h) => {
      const row = byHash.get(h);
      if (!row) return { failure: 'UNKNOWN' as const };
      if (row.blocked_at) return { failure: 'BLOCKED' as const };
      if (row.revoked_at) return { failure: 'REVOKED' as const };
      if (new Date(row.expires_at).getTime() <= Date.now()) return { failure: 'EXPIRED' as const };
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
    });
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
  async login(ctx: Ctx, loginInput: string, password: string): Promise<TokenResult> {
    const login = loginInput.trim().toLowerCase();
    const em = ctx.em.fork();
    // Reserved before the password is checked, so concurrent guesses get no more verifications than the limit.
    const attempt = await this.throttle.reserve(em, login, ctx.ip);
    const user = await em.findOne(User, { login }, { populate: ['passwordHash'] });
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok) {
      await attempt.failed();
      return { userErrors: [userError(UserErrorCode.INVALID_CREDENTIALS, 'Wrong login or password', ['input'])] };
    }
    if (user.blockedAt) {
      await attempt.failed();
      return { userErrors: [accountBlocked(['input', 'login'])] };
    }
    const actor: AuditActor = { actorId: user.id, actorLogin: user.login, sessionId: null, ip: ctx.ip, operation: 'login' };
    const issued = await runAsActor(actor, () =>
      em.transactional(async (tem): Promise<{ error: UserError } | { tokens: IssuedTokens }> => {
        // Waits for a concurrent block or password reset of this user, then sees its outcome, so
        // no session is created that the block or reset did not revoke.
        const [now] = await tem.execute<{ password_hash: string; blocked_at: Date | null }[]>(
          'select password_hash, blocked_at from app_user where id = ? for share', [user.id]);
        if (!now || now.password_hash !== user.passwordHash) return { error: userError(UserErrorCode.INVALID_CREDENTIALS, 'Wrong login or password', ['input']) };
        if (now.blocked_at) return { error: accountBlocked(['input', 'login']) };
        const session = tem.create(AuthSession, { user: user.id, ip: ctx.ip, userAgent: ctx.userAgent, createdAt: new Date() });
        actor.sessionId = session.id;
        return { tokens: this.issueTokens(tem, session) };
      }),
    );
    if ('error' in issued) {
      await attempt.failed();
      return { userErrors: [issued.error] };
    }
    await attempt.succeeded();
    const { tokens } = issued;
    const auth = await this.authenticate(em, tokens.accessToken);
    return { userErrors: [], user, tokens, viewer: 'viewer' in auth ? auth.viewer : undefined };
  }

  /**
   * R-SEC-1: exchanges a refresh token for a new access + refresh pair in the same session. A
   * refresh token is single-use: presenting one that was already used means it leaked, so the
   * whole session is revoked (committed although the call fails) and REFRESH_TOKEN_REUSED returned.
   */
  async refresh(ctx: Ctx, refreshToken: string): Promise<TokenResult> {
    const hash = hashToken(refreshToken);
    // Token → session → user never changes; the state is checked again under locks below.
    const [owner] = await ctx.em.fork().execute<{ session_id: string; user_id: string; login: string }[]>(
      `select s.id as session_id, u.id as user_id, u.login
         from auth_token t join auth_session s on s.id = t.session_id join app_user u on u.id = s.user_id
        where t.hash = ? and t.kind = 'REFRESH'`,
      [hash],
    );
    if (!owner) return { userErrors: [invalidRefreshToken()] };
    const actor: AuditActor = { actorId: owner.user_id, actorLogin: owner.login, sessionId: owner.session_id, ip: ctx.ip, operation: 'tokenRefresh' };
    const em = ctx.em.fork();
    const outcome = await runAsActor(actor, () =>
      em.transactional(async (tem): Promise<{ error: UserError } | { tokens: IssuedTokens }> => {
        // Concurrent uses of one token queue up here; user before session, as in every account change.
        await tem.execute('select 1 from auth_token where hash = ? for update', [hash]);
        await tem.execute('select 1 from app_user where id = ? for share', [owner.user_id]);
        await tem.execute('select 1 from auth_session where id = ? for update', [owner.session_id]);
        const token = await tem.findOneOrFail(AuthToken, { hash });
        const session = await tem.findOneOrFail(AuthSession, { id: owner.session_id });
        const user = await tem.findOneOrFail(User, { id: owner.user_id });
        if (user.blockedAt) return { error: accountBlocked(['input', 'refreshToken']) };
        if (session.revokedAt) return { error: invalidRefreshToken() };
        if (token.usedAt) {
          session.revokedAt = new Date();
          session.revokedReason = 'refresh_token_reused';
          await announceAuthEvent(tem, { sessionIds: [session.id], reason: 'session_revoked' });
          return {
            error: userError(UserErrorCode.REFRESH_TOKEN_REUSED, 'This refresh token was already used, so it may have leaked: the session has been ended, log in again', ['input', 'refreshToken']),
          };
        }
        if (token.expiresAt.getTime() <= Date.now()) return { error: invalidRefreshToken() };
        const now = new Date();
        token.usedAt = now;
        session.lastRefreshedAt = now;
        return { tokens: this.issueTokens(tem, session) };
      }),
    );
    if ('error' in outcome) return { userErrors: [outcome.error] };
    const auth = await this.authenticate(em, outcome.tokens.accessToken);
    const user = await em.findOneOrFail(User, { id: owner.user_id });
    return { userErrors: [], user, tokens: outcome.tokens, viewer: 'viewer' in auth ? auth.viewer : undefined };
  }

  /** R-SEC-1: ends the current session; its open WebSockets are closed. */
  async logout(ctx: Ctx): Promise<{ userErrors: UserError[] }> {
    const viewer = requireViewer(ctx);
    await ctx.em.fork().transactional(async (em) => {
      await em.execute('select 1 from auth_session where id = ? for update', [viewer.sessionId]);
      const session = await em.findOneOrFail(AuthSession, { id: viewer.sessionId });
      if (session.revokedAt) return;
      session.revokedAt = new Date();
      session.revokedReason = 'logout';
      await announceAuthEvent(em, { sessionIds: [session.id], reason: 'logout' });
    });
    return { userErrors: [] };
  }

  /**
   * R-SEC-1: the viewer changes their password. Clears `mustChangePassword` and ends the user's
   * other sessions. A wrong current password counts as a failed login for throttling.
   */
  async changePassword(ctx: Ctx, currentPassword: string, newPassword: string): Promise<UserResult> {
    const viewer = requireViewer(ctx);
    const attempt = await this.throttle.reserve(ctx.em.fork(), viewer.login, ctx.ip);
    let wrongPassword = false;
    const result = await inTransaction(ctx, async (em) => {
      const user = await this.lockUser(em, viewer.userId);
      if (!user) throw unauthenticated();
      if (!(await verifyPassword(user.passwordHash, currentPassword))) {
        wrongPassword = true;
        throw new UserErrorsException([userError(UserErrorCode.INVALID_CREDENTIALS, 'The current password is wrong', ['input', 'currentPassword'])]);
      }
      const weak = passwordPolicyErrors(newPassword, currentPassword, user.login);
      if (weak.length) throw new UserErrorsException(weak);
      user.passwordHash = await hashPassword(newPassword);
      user.mustChangePassword = false;
      const revoked = await this.revokeSessions(em, user.id, 'password_changed', viewer.sessionId);
      if (revoked.length) await announceAuthEvent(em, { sessionIds: revoked, reason: 'session_revoked' });
      return { userErrors: [], user };
    });
    // A wrong current password counts as a failed login; any other outcome verified the password.
    if (wrongPassword) await attempt.failed();
    else await attempt.succeeded();
    return result;
  }

  /**
   * R-ROLE-1, R-SEC-6: an administrator of a school the user belongs to issues a one-time password;
   * the user must change it at the next login. Every session of the user ends.
   */
  async resetPassword(ctx: Ctx, userGlobalId: string): Promise<UserResult & { oneTimePassword?: string }> {
    const viewer = requireViewer(ctx);
    const userId = fromGlobalId(userGlobalId, 'User', 'userId');
    const password = oneTimePassword();
    const passwordHash = await hashPassword(password);
    return inTransaction(ctx, async (em) => {
      const user = await this.lockManagedUser(em, viewer, userId, PASSWORD_RESETTERS);
      user.passwordHash = passwordHash;
      user.mustChangePassword = true;
      await this.revokeSessions(em, user.id, 'password_reset');
      await announceAuthEvent(em, { userId: user.id, reason: 'password_reset' });
      return { userErrors: [], user, oneTimePassword: password };
    });
  }

  /**
   * R-SEC-6, R-SEC-7: blocks an account. Its sessions end at once on every server process (HTTP
   * requests are refused, WebSockets closed with 4403); unblocking does not bring them back.
   */
  async blockUser(ctx: Ctx, userGlobalId: string, reasonInput: string): Promise<UserResult> {
    const viewer = requireViewer(ctx);
    const userId = fromGlobalId(userGlobalId, 'User', 'userId');
    const reason = reasonInput.trim();
    return inTransaction(ctx, async (em) => {
      const user = await this.lockManagedUser(em, viewer, userId, ACCOUNT_BLOCKERS);
      if (user.id === viewer.userId) throw new UserErrorsException([userError(UserErrorCode.CANNOT_BLOCK_SELF, 'You cannot block your own account', ['input', 'userId'])]);
      if (!reason) throw new UserErrorsException([userError(UserErrorCode.REQUIRED, 'Give the reason for blocking', ['input', 'reason'])]);
      if ([...reason].length > BLOCK_REASON_MAX_LENGTH) throw new UserErrorsException([userError(UserErrorCode.TOO_LONG, `The reason must have at most ${BLOCK_REASON_MAX_LENGTH} characters`, ['input', 'reason'])]);
      if (user.blockedAt) throw new UserErrorsException([userError(UserErrorCode.ALREADY_BLOCKED, 'The account is already blocked', ['input', 'userId'])]);
      user.blockedAt = new Date();
      user.blockedReason = reason;
      await this.revokeSessions(em, user.id, 'blocked');
      await announceAuthEvent(em, { userId: user.id, reason: 'blocked' });
      return { userErrors: [], user };
    });
  }

  /** R-SEC-6, R-SEC-7: resumes a blocked account; the user logs in anew. */
  async unblockUser(ctx: Ctx, userGlobalId: string): Promise<UserResult> {
    const viewer = requireViewer(ctx);
    const userId = fromGlobalId(userGlobalId, 'User', 'userId');
    return inTransaction(ctx, async (em) => {
      const user = await this.lockManagedUser(em, viewer, userId, ACCOUNT_BLOCKERS);
      if (!user.blockedAt) throw new UserErrorsException([userError(UserErrorCode.NOT_BLOCKED, 'The account is not blocked', ['input', 'userId'])]);
      user.blockedAt = null;
      user.blockedReason = null;
      return { userErrors: [], user };
    });
  }

  /**
   * R-ROLE-1..3: users holding a role in a school, for its administrator, director and deputies;
   * ordered by family name, given name, id, with a keyset cursor.
   */
  async listUsers(ctx: Ctx, args: UserListArgs): Promise<Connection<User>> {
    const viewer = requireViewer(ctx);
    const schoolId = fromGlobalId(args.schoolId, 'School', 'schoolId');
    if (!hasRole(viewer, USER_LIST_READERS, schoolId)) throw notFound('School');
    const after = decodeCursor(args.after, isUserCursor);
    const where: string[] = [];
    const params: unknown[] = [schoolId];
    let roleFilter = '';
    if (args.role) {
      roleFilter = 'and r.role = ?';
      params.push(args.role);
    }
    for (const term of (args.search ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5)) {
      const like = `%${foldCase(term).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(${foldCaseSql('u.last_name')} like ? or ${foldCaseSql('u.first_name')} like ? or ${foldCaseSql('u.middle_name')} like ? or ${foldCaseSql('u.login')} like ?)`);
      params.push(like, like, like, like);
    }
    if (after) {
      where.push('(u.last_name, u.first_name, u.id) > (?, ?, ?::uuid)');
      params.push(...after);
    }
    params.push(args.first + 1);
    const em = ctx.em;
    const rows = await em.execute<Record<string, unknown>[]>(
      `select u.id, u.created_at, u.updated_at, u.login, u.last_name, u.first_name, u.middle_name,
              u.must_change_password, u.blocked_at, u.blocked_reason
         from app_user u
        where exists (select 1 from role_assignment r where r.user_id = u.id and r.school_id = ? ${roleFilter})
          ${where.map((w) => `and ${w}`).join(' ')}
        order by u.last_name, u.first_name, u.id
        limit ?`,
      params,
    );
    const users = rows.map((row) => em.map(User, row));
    return toConnection(users, args.first, (u): UserCursor => [u.lastName, u.firstName, u.id]);
  }

  /** Locks the user row (serialising account changes and logins of that user) and loads it with its password hash. */
  private async lockUser(em: EntityManager, userId: string): Promise<User | null> {
    const locked = await em.execute('select 1 from app_user where id = ? for update', [userId]);
    if (!locked.length) return null;
    return em.findOneOrFail(User, { id: userId }, { populate: ['passwordHash'] });
  }

  /**
   * Locks a user who holds a role in a school where the viewer holds one of `roles`; anyone else
   * is NOT_FOUND, whether they exist or not.
   */
  private async lockManagedUser(em: EntityManager, viewer: Viewer, userId: string, roles: readonly Role[]): Promise<User> {
    const schoolIds = schoolIdsWithRole(viewer, roles);
    if (!schoolIds.length) throw notFound('User');
    const locked = await em.execute(
      `select 1 from app_user u
        where u.id = ? and exists (select 1 from role_assignment r where r.user_id = u.id and r.school_id in (?))
        for update`,
      [userId, schoolIds],
    );
    if (!locked.length) throw notFound('User');
    return em.findOneOrFail(User, { id: userId }, { populate: ['passwordHash'] });
  }

  /**
   * Revokes the user's sessions that can still be used (a session whose tokens all expired is
   * dead already), except `exceptSessionId`; returns the revoked ids. Each is audited.
   */
  /** Ends the user's live sessions (all but `exceptSessionId`) in the transaction of `em`; returns their ids. */
  async revokeSessions(em: EntityManager, userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
    const ttl = Math.max(this.config.auth.accessTokenTtlSeconds, this.config.auth.refreshTokenTtlSeconds);
    const alive = new Date(Date.now() - ttl * 1000);
    const sessions = await em.find(AuthSession, {
      user: userId,
      revokedAt: null,
      ...(exceptSessionId ? { id: { $ne: exceptSessionId } } : {}),
      $or: [{ createdAt: { $gt: alive } }, { lastRefreshedAt: { $gt: alive } }],
    });
    const now = new Date();
    for (const s of sessions) {
      s.revokedAt = now;
      s.revokedReason = reason;
    }
    return sessions.map((s) => s.id);
  }
}
