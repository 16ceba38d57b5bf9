import type { NonEmptyArray } from 'type-graphql';
import { AuthResolver } from './auth.resolver';
import { UserResolver, RoleAssignmentResolver } from './user.resolver';

/** Every resolver class of the API. */
export const resolvers: NonEmptyArray<Function> = [AuthResolver, UserResolver, RoleAssignmentResolver];
