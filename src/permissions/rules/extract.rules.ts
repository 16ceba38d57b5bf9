import { studentPd } from './roster.rules';
import type { RuleMap } from '../rule-map';

/**
 * The printable weekly diary extract (R-DIARY-4). Its link is given to those who may read the
 * student's diary today (R-SEC-3: else NOT_FOUND, as for the student); the extract itself
 * (GET /extracts/diary) is granted by the diary's own check in the service.
 */
export const extractRules: RuleMap = {
  Student: { diaryExtractUrl: studentPd },
};
