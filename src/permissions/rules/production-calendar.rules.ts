import { allow, capability } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-SEC-4, R-SEC-8: the production calendar — entered by the school's ADMIN, read by the administration (the capability table). */
export const canManageProductionCalendar = capability('canManageProductionCalendar');
export const canReadProductionCalendar = capability('canReadProductionCalendar');

export const productionCalendarRules: RuleMap = {
  Query: {
    productionCalendar: canReadProductionCalendar,
  },
  Mutation: {
    productionCalendarDaySet: canManageProductionCalendar,
    productionCalendarDayRemove: canManageProductionCalendar,
  },
  // Reached only through the fields above, which authorised the viewer for the school.
  ProductionCalendar: allow,
  ProductionCalendarDay: allow,
  ProductionCalendarDaySetPayload: allow,
  ProductionCalendarDayRemovePayload: allow,
};
