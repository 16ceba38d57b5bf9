import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ctx } from '../context';
import { UserError, UserErrorCode } from '../schema/user-error';
import { clock } from '../clock';
import { rolesOf } from '../permissions/capabilities';
import { type WriteResult, assertRole, dateIn, fail, write as writeShared } from './shared';

/** R-ROLE-1, R-ROLE-3: who forms groups, sets individual plans and moves students (the capability table). */
export const ROSTER_MANAGERS = rolesOf('canManageGroups');

/** Today's date in a time zone, as `YYYY-MM-DD` (the school calendar's clock). */
export const todayIn = (timeZone: string): string => dateIn(timeZone, clock.now());

/** A trimmed, non-empty text of at most `max` characters; else a userError. */
export function requiredText(value: string, field: string[], what: string, max: number): string {
  const v = value.normalize('NFC').trim();
  if (!v) fail(UserErrorCode.REQUIRED, `${what} must not be empty`, field);
  if (v.length > max) fail(UserErrorCode.TOO_LONG, `${what} is longer than ${max} characters`, field);
  return v;
}

export function assertCanManage(ctx: Ctx, schoolId: string, what: string): void {
  assertRole(ctx, ROSTER_MANAGERS, schoolId, what, 'Managing groups, plans and student movement requires the ADMIN or DEPUTY role in this school');
}

/** A write (see `write` in ./shared) whose unique violation that raced past the checks becomes `onUnique`. */
export async function write<T extends object>(ctx: Ctx, work: (em: EntityManager) => Promise<T>, onUnique?: () => UserError): Promise<WriteResult<T>> {
  try {
    return await writeShared(ctx, work);
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException && onUnique) return { userErrors: [onUnique()] } as WriteResult<T>;
    throw e;
  }
}
