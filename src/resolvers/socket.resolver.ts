import { Arg, Ctx as GqlCtx, Mutation, Resolver } from 'type-graphql';
import { GraphQLError } from 'graphql';
import type { Ctx } from '../context';
import { ErrorCode } from '../schema/errors';
import { SocketAuthRenewPayload } from '../schema/socket.types';

const websocketOnly = () => new GraphQLError('socketAuthRenew renews the token of the WebSocket it is sent on: send it over the WebSocket (graphql-ws), not HTTP', {
  extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'WEBSOCKET_ONLY' },
});

@Resolver()
export class SocketResolver {
  @Mutation(() => SocketAuthRenewPayload, {
    description: 'Give the open WebSocket this mutation is sent on a renewed access token (from `tokenRefresh`) without reconnecting: '
      + 'the socket then closes with 4419 when the new token expires instead of the old one, and operations started after it run with the new token; '
      + 'running subscriptions go on. Only over the WebSocket (over HTTP: BAD_USER_INPUT, reason WEBSOCKET_ONLY). '
      + 'The token must be valid and of the socket\'s own session: another session\'s or user\'s: SESSION_MISMATCH; expired: ACCESS_TOKEN_EXPIRED; '
      + 'unknown or of an ended session: INVALID_ACCESS_TOKEN; blocked account: ACCOUNT_BLOCKED. A refused token changes nothing.',
  })
  async socketAuthRenew(
    @Arg('accessToken', () => String, { description: 'A new access token of the same session, as `tokenRefresh` returned it.' }) accessToken: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<SocketAuthRenewPayload> {
    if (!ctx.socket) throw websocketOnly();
    return Object.assign(new SocketAuthRenewPayload(), await ctx.socket.renew(accessToken));
  }
}

/** Resolvers of the WebSocket connection itself. */
export const socketResolvers: Function[] = [SocketResolver];
