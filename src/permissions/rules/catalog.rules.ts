import type { RuleMap } from '../rule-map';

export const catalogRules: RuleMap = {};
