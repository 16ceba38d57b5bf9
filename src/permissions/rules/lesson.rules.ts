import type { RuleMap } from '../rule-map';

export const lessonRules: RuleMap = {};
