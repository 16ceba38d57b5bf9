import { allow, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';

/**
 * The WebSocket connection itself. `socketAuthRenew` runs as the socket's current viewer; the
 * token it renews with is checked by SocketSession against the socket's session.
 */
export const socketRules: RuleMap = {
  Mutation: {
    socketAuthRenew: isAuthenticated,
  },
  SocketAuthRenewPayload: allow,
};
