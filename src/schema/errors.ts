import { GraphQLError } from 'graphql';

/**
 * The fixed list of `extensions.code` values of thrown errors. Expected business failures are not
 * thrown: they come back as `userErrors` in mutation payloads.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export const unauthenticated = (message = 'Authentication required: send "Authorization: Bearer <accessToken>"') =>
  new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED } });

export const forbidden = (message = 'Forbidden') => new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });

/** A record that does not exist and a record the viewer may not see look the same. */
export const notFound = (what = 'Record') => new GraphQLError(`${what} not found`, { extensions: { code: ErrorCode.NOT_FOUND } });

/** A user with a one-time password issued by the school may do nothing but change it. */
export const passwordChangeRequired = () =>
  new GraphQLError('A password issued by the school must be changed first: call passwordChange', {
    extensions: { code: ErrorCode.FORBIDDEN, reason: 'PASSWORD_CHANGE_REQUIRED' },
  });

export const badInput = (message: string, field?: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) } });

export const conflict = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.CONFLICT } });

export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds } });

/** The value a lookup promised, or NOT_FOUND naming `what` (a reference that must resolve). */
export async function required<T>(value: Promise<T | null>, what: string): Promise<T> {
  const v = await value;
  if (!v) throw notFound(what);
  return v;
}
