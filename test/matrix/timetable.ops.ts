import type { MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

/** Matrix entries of bell schedules, the timetable and lesson generation. */
export function timetableOps(_fx: MatrixFixtures): MatrixOp[] {
  return [];
}
