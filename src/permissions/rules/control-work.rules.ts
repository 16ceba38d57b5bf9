import { allow, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-YEAR-10: keeps the control-work schedule. */
export const canKeepControlWorks = capability('canKeepControlWorks');

/**
 * The control-work schedule (R-YEAR-10). The rules check the role; the service checks the record's
 * school and scopes rows: control works of the classes and groups of visible students for students
 * and parents.
 */
export const controlWorkRules: RuleMap = {
  Query: {
    controlWorks: isSchoolMember,
  },
  Mutation: {
    controlWorkSchedule: canKeepControlWorks,
    controlWorkUpdate: canKeepControlWorks,
    controlWorkCancel: canKeepControlWorks,
  },
  // Control works reach a viewer only through scoped queries (the schedule, a lesson's, a diary day's), payloads and node().
  ControlWork: { '*': isSchoolMember },
  // Payloads carry what their mutation already authorised.
  ControlWorkSchedulePayload: allow,
  ControlWorkUpdatePayload: allow,
  ControlWorkCancelPayload: allow,
};
