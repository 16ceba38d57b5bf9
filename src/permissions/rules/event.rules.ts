import type { RuleMap } from '../rule-map';

export const eventRules: RuleMap = {};
