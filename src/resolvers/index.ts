import type { NonEmptyArray } from 'type-graphql';
import { AuthResolver } from './auth.resolver';
import { UserResolver, RoleAssignmentResolver } from './user.resolver';
import { yearResolvers } from './year.resolver';
import { auditResolvers } from './audit.resolver';

/** Every resolver class of the API. */
export const resolvers: NonEmptyArray<Function> = [
  AuthResolver, UserResolver, RoleAssignmentResolver,
  ...yearResolvers,
  ...auditResolvers,
];
