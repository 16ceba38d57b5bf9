import { allow, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';
import { eventKinds } from '../../subscriptions/event-registry';
import '../../subscriptions/kinds';

/**
 * Live events. Shield does not guard subscribing: EventService checks access when a subscription
 * starts and the hub at every event; the rules here run for each delivered event.
 */
export const eventRules: RuleMap = {
  Subscription: {
    diaryEvents: isAuthenticated,
    teacherEvents: isAuthenticated,
  },
  // Every registered kind's type carries what the subscription already authorised; the objects'
  // own fields (Lesson, ControlWork, …) have their rules.
  ...Object.fromEntries(eventKinds().map((k) => [k.type.name, allow])),
};
