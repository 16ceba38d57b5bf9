import { UserErrorCode } from '../schema/user-error';
import { Problems } from './shared';

/** Collects the userErrors of one catalog or teaching input. */
export class CatalogProblems extends Problems {
  /** Weekly hours: more than 0, at most 99.9, one decimal place. */
  hours(value: number, field: string[]): boolean {
    if (!(value > 0) || value > 99.9 || Math.round(value * 10) !== value * 10) {
      this.add(UserErrorCode.INVALID, `Hours per week must be more than 0 and at most 99.9, with at most one decimal (not ${value})`, field);
      return false;
    }
    return true;
  }
}
