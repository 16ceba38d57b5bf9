import { allow, hasSession } from './common.rules';
import type { RuleMap } from '../rule-map';

/**
 * The WebSocket connection itself. `socketAuthRenew` needs the socket's session (a session that
 * must change its password may still keep its socket); the token it renews with is checked by
 * SocketSession against that session.
 */
export const socketRules: RuleMap = {
  Mutation: {
    socketAuthRenew: hasSession,
  },
  SocketAuthRenewPayload: allow,
};
