import type { RuleMap } from '../rule-map';

export const timetableRules: RuleMap = {};
