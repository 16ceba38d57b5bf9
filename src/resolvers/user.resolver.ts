import { Ctx as GqlCtx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { RoleAssignment, User } from '../entities/user.entity';
import { School } from '../entities/school.entity';

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => [RoleAssignment], { description: 'Roles the user holds, per school (R-ROLE).' })
  async roles(@Root() user: User, @GqlCtx() ctx: Ctx): Promise<RoleAssignment[]> {
    return ctx.loaders.rolesByUser.load(user.id);
  }
}

@Resolver(() => RoleAssignment)
export class RoleAssignmentResolver {
  @FieldResolver(() => School, { description: 'The school the role is held in.' })
  async school(@Root() ra: RoleAssignment, @GqlCtx() ctx: Ctx): Promise<School> {
    return (await ctx.loaders.schoolById.load(ra.school.id))!;
  }
}
