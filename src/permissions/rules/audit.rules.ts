import type { RuleMap } from '../rule-map';

/** Audit trail (R-SEC-5) and node lookup. */
export const auditRules: RuleMap = {};
