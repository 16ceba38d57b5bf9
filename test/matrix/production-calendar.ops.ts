import { STAFF_ADMIN, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

/** Matrix entries of the production calendar (R-SEC-4, R-SEC-8): the ADMIN enters it, the administration reads it. */
export function productionCalendarOps(fx: MatrixFixtures): MatrixOp[] {
  // A weekday per call: Mondays from 2 January 2090 on, within the years the calendar takes.
  const weekday = () => {
    const d = new Date(Date.UTC(2090, 0, 2 + 7 * (fx.next() % 400)));
    return d.toISOString().slice(0, 10);
  };
  return [
    {
      field: 'Query.productionCalendar', requirement: 'R-SEC-4', allowed: STAFF_ADMIN,
      document: `query($s: ID!) { productionCalendar(schoolId: $s, year: 2090) { year workingDays days { date kind } } }`,
      variables: () => ({ s: fx.schoolId() }),
    },
    {
      field: 'Mutation.productionCalendarDaySet', requirement: 'R-SEC-4', allowed: ['admin'],
      document: `mutation($i: ProductionCalendarDaySetInput!) { productionCalendarDaySet(input: $i) { day { date kind } userErrors { code message } } }`,
      variables: () => ({ i: { schoolId: fx.schoolId(), date: weekday(), kind: 'NON_WORKING' } }),
    },
    {
      field: 'Mutation.productionCalendarDayRemove', requirement: 'R-SEC-4', allowed: ['admin'],
      document: `mutation($i: ProductionCalendarDayRemoveInput!) { productionCalendarDayRemove(input: $i) { removedDate userErrors { code message } } }`,
      variables: async () => {
        const date = weekday();
        await fx.app.sql(`insert into production_calendar_day (id, created_at, updated_at, school_id, date, kind)
          values (gen_random_uuid(), now(), now(), $1, $2, 'NON_WORKING')`, [fx.demoSchoolUuid(), date]);
        return { i: { schoolId: fx.schoolId(), date } };
      },
    },
  ];
}
