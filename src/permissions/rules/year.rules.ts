import { isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** School-year structure (R-YEAR-1, R-YEAR-2): readable by every member of the school. */
export const yearRules: RuleMap = {
  School: isSchoolMember,
};
