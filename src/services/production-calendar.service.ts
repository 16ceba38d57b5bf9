import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import type { Role } from '../entities/user.entity';
import { rolesOf } from '../permissions/capabilities';
import { School } from '../entities/school.entity';
import { ProductionCalendarDay, ProductionDayKind } from '../entities/production-calendar.entity';
import { badInput, notFound } from '../schema/errors';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { UserErrorCode, userError } from '../schema/user-error';
import type { ProductionCalendar, ProductionCalendarDayRemoveInput, ProductionCalendarDaySetInput } from '../schema/production-calendar.types';
import { Problems, type WriteResult, addDays, assertRole, at, fail, flush, isoWeekday, lockRow, write, zonedInstant } from './shared';

/** R-ROLE-1: the school's administrator enters the production calendar. */
export const PRODUCTION_CALENDAR_MANAGERS: readonly Role[] = rolesOf('canManageProductionCalendar');
/** The administration reads it (it sets the erasure deadlines they answer for). */
export const PRODUCTION_CALENDAR_READERS: readonly Role[] = rolesOf('canReadProductionCalendar');
const NOTE_MAX = 200;
const FIRST_YEAR = 2000;
const LAST_YEAR = 2100;

/** Exceptions of a school's production calendar by date. */
export type CalendarExceptions = ReadonlyMap<string, ProductionDayKind>;

/** Saturday or Sunday. */
export const isWeekend = (date: string): boolean => isoWeekday(date) >= 6;

/** A working day of the production calendar: Monday–Friday unless NON_WORKING, a weekend day only if WORKING. */
export function isWorkingDay(date: string, exceptions: CalendarExceptions): boolean {
  const kind = exceptions.get(date);
  if (kind) return kind === ProductionDayKind.WORKING;
  return !isWeekend(date);
}

/** The `n`-th working day after `from` (exclusive). */
export function addWorkingDays(from: string, n: number, exceptions: CalendarExceptions): string {
  let day = from;
  for (let left = n; left > 0;) {
    day = addDays(day, 1);
    if (isWorkingDay(day, exceptions)) left--;
  }
  return day;
}

/** The exceptions of a school between two dates (inclusive), in one statement. */
export async function calendarExceptions(em: EntityManager, schoolId: string, from: string, to: string): Promise<Map<string, ProductionDayKind>> {
  const rows = await em.execute<{ date: string; kind: ProductionDayKind }[]>(
    `select to_char(date, 'YYYY-MM-DD') as date, kind from production_calendar_day where school_id = ? and date between ? and ?`,
    [schoolId, from, to]);
  return new Map(rows.map((r) => [r.date, r.kind]));
}

/**
 * The end (23:59:59 in the school's time zone) of the `workingDays`-th working day after `from`,
 * counted with the production calendar's exceptions (none: Monday to Friday).
 */
export function workingDaysDeadline(from: string, timeZone: string, workingDays: number, exceptions: CalendarExceptions = new Map()): Date {
  return zonedInstant(addWorkingDays(from, workingDays, exceptions), '23:59:59', timeZone);
}

/** The same, reading the school's production calendar (one statement). */
export async function schoolWorkingDaysDeadline(em: EntityManager, school: School, from: string, workingDays: number): Promise<Date> {
  // A year ahead covers any run of non-working days.
  const exceptions = await calendarExceptions(em, school.id, addDays(from, 1), addDays(from, 366));
  return workingDaysDeadline(from, school.timeZone, workingDays, exceptions);
}

/**
 * The production calendar of each school (R-SEC-4, R-SEC-8): the administrator enters each year's
 * non-working weekdays and working Saturdays; deadlines in working days count with them (school
 * holidays do not matter: the school's administration works through them).
 */
export class ProductionCalendarService {
  constructor(private readonly config: AppConfig) {}

  /** The exceptions of a calendar year and the number of working days in it. */
  async calendar(ctx: Ctx, schoolGlobalId: string, year: number): Promise<ProductionCalendar> {
    const schoolId = fromGlobalId(schoolGlobalId, 'School', 'schoolId');
    assertRole(ctx, PRODUCTION_CALENDAR_READERS, schoolId, 'School');
    if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) throw badInput(`"year" must be between ${FIRST_YEAR} and ${LAST_YEAR}`, 'year');
    const days = await ctx.em.find(ProductionCalendarDay, { school: schoolId, date: { $gte: `${year}-01-01`, $lte: `${year}-12-31` } }, { orderBy: { date: 'asc' } });
    const exceptions = new Map(days.map((d) => [d.date, d.kind]));
    let workingDays = 0;
    for (let day = `${year}-01-01`; day <= `${year}-12-31`; day = addDays(day, 1)) if (isWorkingDay(day, exceptions)) workingDays++;
    return { schoolId: toGlobalId('School', schoolId), year, days, workingDays };
  }

  /** Records a day as non-working (a weekday) or working (a weekend day); a day already recorded is changed. */
  async daySet(ctx: Ctx, input: ProductionCalendarDaySetInput): Promise<WriteResult<{ day: ProductionCalendarDay }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    return write(ctx, async (em) => {
      await this.lockSchool(ctx, em, schoolId);
      const p = new Problems();
      this.checkDate(p, input.date);
      if (input.kind === ProductionDayKind.NON_WORKING && isWeekend(input.date)) {
        p.add(UserErrorCode.INVALID, `${input.date} is a Saturday or Sunday, a day off already: only a weekday can be made non-working`, at('date'));
      }
      if (input.kind === ProductionDayKind.WORKING && !isWeekend(input.date)) {
        p.add(UserErrorCode.INVALID, `${input.date} is a weekday, a working day already: only a Saturday or Sunday can be made working`, at('date'));
      }
      const note = p.optionalText(input.note, at('note'), 'The note', NOTE_MAX);
      p.throwIfAny();
      const existing = await em.findOne(ProductionCalendarDay, { school: schoolId, date: input.date });
      const day = existing ?? em.create(ProductionCalendarDay, { school: schoolId, date: input.date, kind: input.kind, note });
      day.kind = input.kind;
      day.note = note;
      await flush(em, { unique: () => userError(UserErrorCode.DUPLICATE, `${input.date} was recorded at the same moment by someone else: try again`, at('date')) });
      return { day };
    });
  }

  /** Removes the exception of a day: it follows the five-day week again. */
  async dayRemove(ctx: Ctx, input: ProductionCalendarDayRemoveInput): Promise<WriteResult<{ removedDate: string }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    return write(ctx, async (em) => {
      await this.lockSchool(ctx, em, schoolId);
      const p = new Problems();
      this.checkDate(p, input.date);
      p.throwIfAny();
      const day = await em.findOne(ProductionCalendarDay, { school: schoolId, date: input.date });
      if (!day) fail(UserErrorCode.INVALID, `No exception is recorded for ${input.date}`, at('date'));
      em.remove(day!);
      await em.flush();
      return { removedDate: input.date };
    });
  }

  /** The school, share-locked (entries of one school do not conflict with each other); NOT_FOUND outside the viewer's schools. */
  private async lockSchool(ctx: Ctx, em: EntityManager, schoolId: string): Promise<School> {
    assertRole(ctx, PRODUCTION_CALENDAR_MANAGERS, schoolId, 'School');
    const school = await lockRow(em, School, 'school', schoolId, 'share');
    if (!school) throw notFound('School');
    return school;
  }

  private checkDate(p: Problems, date: string): void {
    const year = Number(date.slice(0, 4));
    if (year < FIRST_YEAR || year > LAST_YEAR) p.add(UserErrorCode.DATE_INVALID, `The date must be in the years ${FIRST_YEAR}–${LAST_YEAR}`, at('date'));
  }
}
