import type { RuleMap } from '../rule-map';

export const rosterRules: RuleMap = {};
