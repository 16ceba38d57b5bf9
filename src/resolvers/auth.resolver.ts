import { Arg, Ctx as GqlCtx, Mutation, Query, Resolver } from 'type-graphql';
import type { Ctx } from '../context';
import { User } from '../entities/user.entity';
import {
  AuthPayload, LoginInput, LogoutPayload, PasswordChangeInput, PasswordChangePayload, TokenRefreshInput,
} from '../schema/auth.types';
import { unauthenticated } from '../schema/errors';
import type { TokenResult } from '../services/auth.service';

/** Builds the payload of `login`/`tokenRefresh`; the rest of the operation is read as the user who got the tokens. */
function authPayload(ctx: Ctx, r: TokenResult): AuthPayload {
  if (r.viewer) ctx.viewer = r.viewer;
  return Object.assign(new AuthPayload(), { userErrors: r.userErrors, user: r.user ?? null, ...(r.tokens ?? {}) });
}

@Resolver()
export class AuthResolver {
  @Query(() => User, { description: 'The authenticated user.' })
  async me(@GqlCtx() ctx: Ctx): Promise<User> {
    const user = ctx.viewer && (await ctx.loaders.userById.load(ctx.viewer.userId));
    if (!user) throw unauthenticated();
    return user;
  }

  @Mutation(() => AuthPayload, { description: 'Log in with login and password (R-SEC-1). Repeated failures are throttled per login and per address (RATE_LIMITED).' })
  async login(@Arg('input', () => LoginInput, { description: 'The input of the action.' }) input: LoginInput, @GqlCtx() ctx: Ctx): Promise<AuthPayload> {
    return authPayload(ctx, await ctx.services.auth.login(ctx, input.login, input.password));
  }

  @Mutation(() => AuthPayload, {
    description: 'Exchange a refresh token for a new access token and a new refresh token in the same session (R-SEC-1). '
      + 'A refresh token works once: presenting a used one ends the whole session (REFRESH_TOKEN_REUSED). '
      + 'Unknown, expired or ended: INVALID_REFRESH_TOKEN; blocked account: ACCOUNT_BLOCKED. Needs no access token.',
  })
  async tokenRefresh(@Arg('input', () => TokenRefreshInput, { description: 'The input of the action.' }) input: TokenRefreshInput, @GqlCtx() ctx: Ctx): Promise<AuthPayload> {
    return authPayload(ctx, await ctx.services.auth.refresh(ctx, input.refreshToken));
  }

  @Mutation(() => LogoutPayload, { description: 'End the current session (R-SEC-1): its tokens stop working and its open WebSockets are closed (4401).' })
  async logout(@GqlCtx() ctx: Ctx): Promise<LogoutPayload> {
    const r = await ctx.services.auth.logout(ctx);
    return Object.assign(new LogoutPayload(), { userErrors: r.userErrors, loggedOut: r.userErrors.length === 0 });
  }

  @Mutation(() => PasswordChangePayload, {
    description: 'Change your own password (R-SEC-1); the only operation besides `me` and `logout` allowed while a one-time password must be changed. '
      + 'Wrong current password: INVALID_CREDENTIALS (counts as a failed login, and is throttled like `login`: RATE_LIMITED); policy not met: WEAK_PASSWORD. '
      + 'Your other sessions end.',
  })
  async passwordChange(@Arg('input', () => PasswordChangeInput, { description: 'The input of the action.' }) input: PasswordChangeInput, @GqlCtx() ctx: Ctx): Promise<PasswordChangePayload> {
    const r = await ctx.services.auth.changePassword(ctx, input.currentPassword, input.newPassword);
    if (r.user && ctx.viewer) ctx.viewer.mustChangePassword = false;
    return Object.assign(new PasswordChangePayload(), { userErrors: r.userErrors, user: r.user ?? null });
  }
}
