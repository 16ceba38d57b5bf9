import type { EntityManager } from '@mikro-orm/postgresql';
import type { DocumentNode, GraphQLError } from 'graphql';
import type { WebSocket } from 'ws';
import type { Role } from './entities/user.entity';
import type { Loaders } from './loaders';
import type { Services } from './services';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import type { UserError } from './schema/user-error';

/** The authenticated user of an operation. */
export interface Viewer {
  userId: string;
  login: string;
  sessionId: string;
  mustChangePassword: boolean;
  /** roles per school */
  roles: { schoolId: string; role: Role }[];
}

/** What `socketAuthRenew` did: the socket's new expiry, or why the token was refused (nothing changed). */
export type SocketRenewal =
  | { accessTokenExpiresAt: Date; userErrors: [] }
  | { accessTokenExpiresAt: null; userErrors: UserError[] };

/** The WebSocket an operation arrived on (graphql-ws). */
export interface SocketHandle {
  /**
   * Makes `accessToken`, a valid token of the socket's own session, the socket's token: the socket
   * then closes (4419) when that token expires, and operations started later run with it.
   */
  renew(accessToken: string): Promise<SocketRenewal>;
}

/**
 * The graphql-ws operation a subscription was started by: the socket and operation id its events
 * are sent to, and the document and variables each event is executed with.
 */
export interface LiveOperation {
  id: string;
  socket: WebSocket;
  document: DocumentNode;
  variableValues: Record<string, unknown> | undefined;
  operationName: string | null | undefined;
}

/** Built fresh for every HTTP request and every WebSocket operation (shield caches live on it). */
export interface Ctx {
  em: EntityManager;
  viewer: Viewer | null;
  /** why the presented token was refused, when it was */
  authError: GraphQLError | null;
  ip: string;
  userAgent: string | null;
  loaders: Loaders;
  services: Services;
  config: AppConfig;
  log: Logger;
  /** the socket of a WebSocket operation; undefined over HTTP */
  socket?: SocketHandle;
  /** a WebSocket operation's id, socket and document (live delivery sends its events there) */
  operation?: LiveOperation;
}

export const hasRole = (viewer: Viewer | null, roles: readonly Role[], schoolId?: string): boolean =>
  !!viewer && viewer.roles.some((r) => roles.includes(r.role) && (schoolId === undefined || r.schoolId === schoolId));

export const schoolIdsWithRole = (viewer: Viewer | null, roles: readonly Role[]): string[] =>
  viewer ? [...new Set(viewer.roles.filter((r) => roles.includes(r.role)).map((r) => r.schoolId))] : [];

export const memberSchoolIds = (viewer: Viewer | null): string[] =>
  viewer ? [...new Set(viewer.roles.map((r) => r.schoolId))] : [];
