import { toGlobalId } from '../../src/schema/node';
import { EVERY_USER, STAFF_ADMIN, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

const ERR = 'userErrors { code message }';

/** Matrix entries of the control-work schedule (R-YEAR-10). */
export function controlWorkOps(fx: MatrixFixtures): MatrixOp[] {
  async function controlWork(): Promise<string> {
    const [r] = await fx.app.sql(`insert into control_work (id, created_at, updated_at, school_id, academic_year_id, date, subject_id, school_class_id, form)
      values (gen_random_uuid(), now(), now(), $1, $2, '2025-09-17', $3, $4, 'TEST') returning id`,
    [fx.demoSchoolUuid(), fx.demoYearUuid(), await fx.newSubjectRow(), await fx.newClassRow()]);
    return toGlobalId('ControlWork', r.id);
  }

  return [
    { field: 'Query.controlWorks', requirement: 'R-YEAR-10', allowed: EVERY_USER,
      document: `query($y: ID!) { controlWorks(academicYearId: $y, from: "2025-09-01", to: "2025-09-30") { id form } }`,
      variables: () => ({ y: fx.yearId() }) },

    { field: 'Mutation.controlWorkSchedule', requirement: 'R-YEAR-10', allowed: STAFF_ADMIN,
      document: `mutation($i: ControlWorkScheduleInput!) { controlWorkSchedule(input: $i) { controlWork { id } ${ERR} } }`,
      variables: async () => ({ i: { academicYearId: fx.yearId(), subjectId: toGlobalId('Subject', await fx.newSubjectRow()), classId: await fx.newPlainClass(), date: '2025-09-18', form: 'TEST' } }) },
    { field: 'Mutation.controlWorkUpdate', requirement: 'R-YEAR-10', allowed: STAFF_ADMIN,
      document: `mutation($i: ControlWorkUpdateInput!) { controlWorkUpdate(input: $i) { controlWork { id title } ${ERR} } }`,
      variables: async () => ({ i: { id: await controlWork(), title: 'Дроби' } }) },
    { field: 'Mutation.controlWorkCancel', requirement: 'R-YEAR-10', allowed: STAFF_ADMIN,
      document: `mutation($i: ControlWorkCancelInput!) { controlWorkCancel(input: $i) { controlWork { id cancelledAt } ${ERR} } }`,
      variables: async () => ({ i: { id: await controlWork(), reason: 'карантин' } }) },
  ];
}
