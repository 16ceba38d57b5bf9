import { GraphQLError } from 'graphql';
import { shield } from 'graphql-shield';
import { deny } from './rules/common.rules';
import { mergeRuleMaps, RuleMap } from './rule-map';
import { ErrorCode } from '../schema/errors';
import { commonRules } from './rules/shared.rules';
import { authRules } from './rules/auth.rules';
import { yearRules } from './rules/year.rules';
import { auditRules } from './rules/audit.rules';
import { catalogRules } from './rules/catalog.rules';
import { rosterRules } from './rules/roster.rules';
import { groupRules } from './rules/group.rules';
import { consentRules } from './rules/consent.rules';
import { timetableRules } from './rules/timetable.rules';
import { lessonRules } from './rules/lesson.rules';
import { eventRules } from './rules/event.rules';

/** The one rule map of the API, shaped like the schema; anything not listed is denied. */
export const ruleMap: RuleMap = mergeRuleMaps(commonRules, authRules, yearRules, auditRules, catalogRules, rosterRules, groupRules, consentRules, timetableRules, lessonRules, eventRules);

export const permissions = shield(ruleMap as never, {
  fallbackRule: deny,
  allowExternalErrors: true,
  debug: false,
  fallbackError: () => new GraphQLError('Forbidden', { extensions: { code: ErrorCode.FORBIDDEN } }),
});
