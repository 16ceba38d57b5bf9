import type { MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';

/** Matrix entries of lesson changes, control works and the diary. */
export function lessonOps(_fx: MatrixFixtures): MatrixOp[] {
  return [];
}
