import { Arg, Ctx as GqlCtx, Mutation, Query, Resolver } from 'type-graphql';
import type { Ctx } from '../context';
import { User } from '../entities/user.entity';
import { AuthPayload, LoginInput } from '../schema/auth.types';
import { unauthenticated } from '../schema/errors';

@Resolver()
export class AuthResolver {
  @Query(() => User, { description: 'The authenticated user.' })
  async me(@GqlCtx() ctx: Ctx): Promise<User> {
    const user = ctx.viewer && (await ctx.loaders.userById.load(ctx.viewer.userId));
    if (!user) throw unauthenticated();
    return user;
  }

  @Mutation(() => AuthPayload, { description: 'Log in with login and password (R-SEC-1). Repeated failures are throttled per login and per address (RATE_LIMITED).' })
  async login(@Arg('input', () => LoginInput) input: LoginInput, @GqlCtx() ctx: Ctx): Promise<AuthPayload> {
    const r = await ctx.services.auth.login(ctx, input.login, input.password);
    // The rest of this operation (the payload's `user`) is read as the newly logged-in user.
    if (r.viewer) ctx.viewer = r.viewer;
    return Object.assign(new AuthPayload(), { userErrors: r.userErrors, user: r.user ?? null, ...(r.tokens ?? {}) });
  }
}
