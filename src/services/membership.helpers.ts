import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Ctx, hasRole, memberSchoolIds } from '../context';
import { Role } from '../entities/user.entity';
import { forbidden, notFound } from '../schema/errors';
import { UserError, UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { clearGroupLoaders } from '../loaders/group.loaders';
import { clearYearLoaders } from '../loaders/year.loaders';

/** R-ROLE-1, R-ROLE-3: who forms groups, sets individual plans and moves students. */
export const ROSTER_MANAGERS = [Role.ADMIN, Role.DEPUTY] as const;

/** Outcome of a write: the changed objects, or userErrors and nothing changed. */
export type WriteResult<T> = Partial<T> & { userErrors: UserError[] };

export const at = (...path: (string | number)[]): string[] => ['input', ...path.map(String)];

/** Adds days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today's date in a time zone, as `YYYY-MM-DD`. */
export const todayIn = (timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/** Stops with one userError: the transaction rolls back. */
export function fail(code: UserErrorCode, message: string, field?: string[]): never {
  throw new UserErrorsException([userError(code, message, field)]);
}

/** A trimmed, non-empty text of at most `max` characters; else a userError. */
export function requiredText(value: string, field: string[], what: string, max: number): string {
  const v = value.normalize('NFC').trim();
  if (!v) fail(UserErrorCode.REQUIRED, `${what} must not be empty`, field);
  if (v.length > max) fail(UserErrorCode.TOO_LONG, `${what} is longer than ${max} characters`, field);
  return v;
}

export const isMember = (ctx: Ctx, schoolId: string): boolean => memberSchoolIds(ctx.viewer).includes(schoolId);

/** A school the viewer is no member of does not exist for them. */
export function assertMember(ctx: Ctx, schoolId: string, what: string): void {
  if (!isMember(ctx, schoolId)) throw notFound(what);
}

export function assertCanManage(ctx: Ctx, schoolId: string, what: string): void {
  assertMember(ctx, schoolId, what);
  if (!hasRole(ctx.viewer, ROSTER_MANAGERS, schoolId)) throw forbidden('Managing groups, plans and student movement requires the ADMIN or DEPUTY role in this school');
}

/** Whether the viewer takes part in the student's education (R-SEC-3). */
export async function canSeeStudent(em: EntityManager, ctx: Ctx, studentId: string): Promise<boolean> {
  if (!ctx.viewer) return false;
  const rows = await em.execute('select 1 from student_access where user_id = ? and student_id = ? limit 1', [ctx.viewer.userId, studentId]);
  return rows.length > 0;
}

/**
 * Reads and locks a row until the transaction ends. NO KEY UPDATE: inserts of rows that reference
 * it (FOR KEY SHARE) are not blocked, but two writers of the same row take turns.
 */
export async function lockRow<T extends object>(em: EntityManager, entity: new (...args: never[]) => T, table: string, id: string, mode: 'no key update' | 'share' = 'no key update'): Promise<T | null> {
  const rows = await em.execute<Record<string, unknown>[]>(`select * from "${table}" where id = ? for ${mode}`, [id]);
  return rows[0] ? em.map(entity, rows[0] as never) : null;
}

/**
 * Runs `work` in a transaction of its own; a UserErrorsException rolls it back and becomes the
 * payload's userErrors; a unique violation that raced past the checks becomes `onUnique`.
 */
export async function write<T extends object>(ctx: Ctx, work: (em: EntityManager) => Promise<T>, onUnique?: () => UserError): Promise<WriteResult<T>> {
  try {
    const result = await ctx.em.fork().transactional((em) => work(em));
    clearGroupLoaders(ctx.loaders);
    clearYearLoaders(ctx.loaders);
    return { ...result, userErrors: [] };
  } catch (e) {
    if (e instanceof UserErrorsException) return { userErrors: e.userErrors } as WriteResult<T>;
    if (e instanceof UniqueConstraintViolationException && onUnique) return { userErrors: [onUnique()] } as WriteResult<T>;
    throw e;
  }
}
