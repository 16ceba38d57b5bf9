import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Ctx, hasRole, memberSchoolIds } from '../context';
import type { Role } from '../entities/user.entity';
import { GraphQLError } from 'graphql';
import { ErrorCode, badInput, forbidden, notFound } from '../schema/errors';
import { UserError, UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { forgetLoaders } from '../loaders';

/** Outcome of a write: the changed objects, or userErrors and nothing changed. */
export type WriteResult<T> = Partial<T> & { userErrors: UserError[] };

/** The field path of a userError, below the mutation's `input`. */
export const at = (...path: (string | number)[]): string[] => ['input', ...path.map(String)];

export const NAME_MAX = 200;

/** Stops with one userError: the transaction rolls back. */
export function fail(code: UserErrorCode, message: string, field?: string[]): never {
  throw new UserErrorsException([userError(code, message, field)]);
}

/** Collects the userErrors of one input. */
export class Problems {
  readonly list: UserError[] = [];

  add(code: UserErrorCode, message: string, field: string[]): void {
    this.list.push(userError(code, message, field));
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  throwIfAny(): void {
    if (this.any) throw new UserErrorsException(this.list);
  }

  /** A trimmed, non-empty text of at most `max` characters, or null. */
  text(value: string, field: string[], what: string, max = NAME_MAX): string | null {
    const v = value.normalize('NFC').trim();
    if (!v) this.add(UserErrorCode.REQUIRED, `${what} must not be empty`, field);
    else if (v.length > max) this.add(UserErrorCode.TOO_LONG, `${what} is longer than ${max} characters`, field);
    else return v;
    return null;
  }

  /** Like `text`, but null/empty clears the value. */
  optionalText(value: string | null | undefined, field: string[], what: string, max = NAME_MAX): string | null {
    if (value == null || !value.trim()) return null;
    return this.text(value, field, what, max);
  }
}

/** Adds days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Formatters per time zone, made once: building an Intl.DateTimeFormat costs far more than using it
 * (0.45 ms per class-list request when made per call). A school has one zone; the map stays small.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const partFormats = new Map<string, Intl.DateTimeFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();
function formatter(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = cache.get(timeZone);
  if (!f) {
    if (cache.size >= 1000) cache.clear();
    cache.set(timeZone, (f = make()));
  }
  return f;
}

/** The date of `instant` in a time zone, as `YYYY-MM-DD`. */
export const dateIn = (timeZone: string, instant: Date): string =>
  formatter(dateFormats, timeZone, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })).format(instant);

/** The wall-clock time of `instant` in a time zone, as `HH:mm` (24-hour). */
export const timeIn = (timeZone: string, instant: Date): string =>
  formatter(timeFormats, timeZone, () => new Intl.DateTimeFormat('ru-RU', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).format(instant);

/** ISO weekday (1 Monday … 7 Sunday) of a `YYYY-MM-DD` date. */
export function isoWeekday(date: string): number {
  return ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of the ISO week (Monday–Sunday) of a `YYYY-MM-DD` date. */
export const mondayOf = (date: string): string => addDays(date, 1 - isoWeekday(date));

/** Offset of a time zone from UTC at `instant`, in milliseconds. */
function zoneOffsetMs(timeZone: string, instant: Date): number {
  const parts = formatter(partFormats, timeZone, () => new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  })).formatToParts(instant);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant at which a wall-clock time of a date occurs in a time zone. */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const wall = Date.parse(`${date}T${time}Z`);
  let t = wall - zoneOffsetMs(timeZone, new Date(wall));
  // Second pass: the offset at the result may differ from the first guess across a DST change.
  t = wall - zoneOffsetMs(timeZone, new Date(t));
  return new Date(t);
}

export const isMember = (ctx: Ctx, schoolId: string): boolean => memberSchoolIds(ctx.viewer).includes(schoolId);

/** A school the viewer is no member of does not exist for them. */
export function assertMember(ctx: Ctx, schoolId: string, what: string): void {
  if (!isMember(ctx, schoolId)) throw notFound(what);
}

/**
 * Member of the school (else NOT_FOUND `what`) and holding one of `roles` there (else FORBIDDEN,
 * with `message` or a list of the roles).
 */
export function assertRole(ctx: Ctx, roles: readonly Role[], schoolId: string, what: string, message?: string): void {
  assertMember(ctx, schoolId, what);
  if (!hasRole(ctx.viewer, roles, schoolId)) throw forbidden(message ?? `Requires one of the roles ${roles.join(', ')} in this school`);
}

/**
 * THE write of every mutation: runs `work` in a transaction of its own; a UserErrorsException rolls
 * it back and becomes the payload's userErrors. After a commit every loader of the request forgets
 * what it cached, whatever the feature, so a payload read next sees the change — a write of one
 * feature can change what another's loader holds (a mark changes a journal page, a move a diary).
 */
export async function write<T extends object>(ctx: Ctx, work: (em: EntityManager) => Promise<T>): Promise<WriteResult<T>> {
  try {
    const result = await ctx.em.fork().transactional((em) => work(em));
    forgetLoaders(ctx.loaders);
    return { ...result, userErrors: [] };
  } catch (e) {
    if (e instanceof UserErrorsException) return { userErrors: e.userErrors } as WriteResult<T>;
    throw e;
  }
}

/**
 * `write` for a write whose repetition is a no-op (an acknowledgment, a read receipt): when a
 * request from another device created the same row at the same moment, the unique violation rolls
 * this one back and it runs once more, finding that row — both devices get the same answer.
 */
export async function writeOnce<T extends object>(ctx: Ctx, work: (em: EntityManager) => Promise<T>): Promise<WriteResult<T>> {
  try {
    return await write(ctx, work);
  } catch (e) {
    if (!(e instanceof UniqueConstraintViolationException)) throw e;
    return write(ctx, work);
  }
}

/** Flushes, turning constraint violations that race past the checks into userErrors. */
export async function flush(em: EntityManager, on: { unique?: () => UserError; foreignKey?: (detail: string) => UserError }): Promise<void> {
  try {
    await em.flush();
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException && on.unique) throw new UserErrorsException([on.unique()]);
    // PostgreSQL 18 reports ON DELETE RESTRICT as restrict_violation (23001), older ones as 23503.
    const restrict = e instanceof ForeignKeyConstraintViolationException || (e as { code?: string }).code === '23001';
    if (restrict && on.foreignKey) {
      throw new UserErrorsException([on.foreignKey(String((e as { detail?: unknown }).detail ?? ''))]);
    }
    throw e;
  }
}

/**
 * Reads and locks a row until the transaction ends. NO KEY UPDATE, not UPDATE: inserts of rows
 * that reference it (FOR KEY SHARE) are not blocked, but two writers of the same row take turns.
 */
export async function lockRow<T extends object>(em: EntityManager, entity: new (...args: never[]) => T, table: string, id: string, mode: 'no key update' | 'share' = 'no key update'): Promise<T | null> {
  const rows = await em.execute<Record<string, unknown>[]>(`select * from "${table}" where id = ? for ${mode}`, [id]);
  return rows[0] ? em.map(entity, rows[0] as never) : null;
}

/**
 * The one rule of a date range argument: BAD_USER_INPUT for a reversed range, and with reason
 * RANGE_TOO_LONG for one of more than `maxDays` days counted inclusively (the diary, the teacher
 * timetable, the journal's pages).
 */
export function checkRange(from: string, to: string, maxDays: number): void {
  if (from > to) throw badInput(`"from" (${from}) is after "to" (${to})`, 'from');
  if (addDays(from, maxDays) <= to) {
    throw new GraphQLError(`At most ${maxDays} days per call: ${from} – ${to} is longer`, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'RANGE_TOO_LONG', field: 'to' },
    });
  }
}
