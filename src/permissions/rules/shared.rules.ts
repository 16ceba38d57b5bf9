import { allow } from './common.rules';
import type { RuleMap } from '../rule-map';

/** Types that only carry what their parent field already authorised. */
export const commonRules: RuleMap = {
  UserError: allow,
  PageInfo: allow,
};
