import raw from './school-ru.json';

/** The demo data (school-ru.json) with its calendar moved to the chosen academic year. */
export type DemoData = typeof raw;

/** First calendar year of the school year in progress on `date` (from July on: the one starting that September). */
export function schoolYearOf(date: string): number {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 7 ? year : year - 1;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Moves a `YYYY-MM-DD` date by whole years (29 February becomes the 28th in a common year). */
function shift(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  const moved = `${y}${date.slice(4)}`;
  return moved.endsWith('-02-29') && !isLeap(y) ? `${y}-02-28` : moved;
}

/**
 * The demo data for the academic year starting in September of `startYear`: the year, its periods
 * and holidays moved by whole years (weekdays are not kept; the generated roster and timetable
 * follow the dates).
 */
export function demoCalendar(startYear: number): DemoData {
  const years = startYear - schoolYearOf(raw.academicYear.start);
  const range = <T extends { start: string; end: string }>(r: T): T => ({ ...r, start: shift(r.start, years), end: shift(r.end, years) });
  return {
    ...raw,
    academicYear: { ...range(raw.academicYear), name: `${startYear}/${startYear + 1}` },
    quarters: raw.quarters.map(range),
    halfYears: raw.halfYears.map(range),
    holidays: raw.holidays.map(range),
  };
}

/**
 * DEMO_YEAR pins the demo's academic year by its first calendar year (tests pin 2025); by default
 * it is the school year in progress today, so a fresh demo shows the current week.
 */
function demoStartYear(): number {
  const pinned = process.env.DEMO_YEAR;
  if (pinned !== undefined && pinned !== '') {
    if (!/^\d{4}$/.test(pinned)) throw new Error(`DEMO_YEAR: must be a year such as 2025, got "${pinned}"`);
    return Number(pinned);
  }
  return schoolYearOf(new Date().toISOString().slice(0, 10));
}

/** The demo data this process seeds. */
export const demoData: DemoData = demoCalendar(demoStartYear());
