import type { RuleMap } from '../rule-map';

export const groupRules: RuleMap = {};
