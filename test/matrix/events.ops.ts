import type { MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

/** Matrix entries of the live subscriptions. */
export function eventOps(_fx: MatrixFixtures): MatrixOp[] {
  return [];
}
