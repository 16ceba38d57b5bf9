import type { NonEmptyArray } from 'type-graphql';
import { AuthResolver } from './auth.resolver';
import { UserResolver, RoleAssignmentResolver } from './user.resolver';
import { yearResolvers } from './year.resolver';
import { auditResolvers } from './audit.resolver';
import { catalogResolvers } from './catalog.resolver';
import { rosterResolvers } from './roster.resolver';
import { groupResolvers } from './group.resolver';
import { consentResolvers } from './consent.resolver';
import { timetableResolvers } from './timetable.resolver';
import { lessonResolvers } from './lesson.resolver';
import { controlWorkResolvers } from './control-work.resolver';
import { eventResolvers } from './event.resolver';
import { productionCalendarResolvers } from './production-calendar.resolver';
import { socketResolvers } from './socket.resolver';
import { journalResolvers } from './journal.resolver';
import { finalMarkResolvers } from './final-mark.resolver';
import { extractResolvers } from './extract.resolver';
import { messageResolvers } from './message.resolver';

/** Every resolver class of the API. */
export const resolvers: NonEmptyArray<Function> = [
  AuthResolver, UserResolver, RoleAssignmentResolver,
  ...yearResolvers,
  ...auditResolvers,
  ...catalogResolvers,
  ...rosterResolvers,
  ...groupResolvers,
  ...consentResolvers,
  ...timetableResolvers,
  ...lessonResolvers,
  ...controlWorkResolvers,
  ...eventResolvers,
  ...productionCalendarResolvers,
  ...socketResolvers,
  ...journalResolvers,
  ...finalMarkResolvers,
  ...extractResolvers,
  ...messageResolvers,
];
