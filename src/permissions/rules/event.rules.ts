import { allow, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';

/**
 * Live events. Shield does not guard subscribing: EventService checks access when a subscription
 * starts and the hub at every event; the rules here run for each delivered event.
 */
export const eventRules: RuleMap = {
  Subscription: {
    diaryEvents: isAuthenticated,
    teacherEvents: isAuthenticated,
  },
  // Carries what the subscription already authorised; the objects' own fields have their rules.
  DiaryEvent: allow,
};
