import { Arg, Args, Ctx as GqlCtx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { RoleAssignment, User } from '../entities/user.entity';
import { School } from '../entities/school.entity';
import { Student } from '../entities/student.entity';
import { PageArgs } from '../schema/connection';
import {
  PasswordResetInput, PasswordResetPayload, UserBlockInput, UserBlockPayload, UserConnection, UsersArgs, UserUnblockInput, UserUnblockPayload,
} from '../schema/auth.types';

@Resolver(() => User)
export class UserResolver {
  @FieldResolver(() => [RoleAssignment], { description: 'Roles the user holds, per school (R-ROLE).' })
  async roles(@Root() user: User, @GqlCtx() ctx: Ctx): Promise<RoleAssignment[]> {
    return ctx.loaders.rolesByUser.load(user.id);
  }

  @FieldResolver(() => [Student], {
    nullable: true,
    description: 'The students this account follows, in one call (R-ROLE-6, R-ROLE-7): for a parent their children, for a student '
      + 'themself — exactly those `student(id)` shows them today, so a child whose guardian link was removed or who left the school '
      + 'is not listed. Staff get an empty list (unless they are also a parent): the students they teach come through their classes and lessons. '
      + 'By family name, given name, pseudonym; personal-data fields are null without consent (R-SEC-4). '
      + 'Only on `me`: read on any other user it is null with FORBIDDEN.',
  })
  async students(@Root() user: User, @GqlCtx() ctx: Ctx): Promise<Student[]> {
    return ctx.services.roster.ownStudents(ctx);
  }

  @Query(() => UserConnection, {
    description: 'Users holding a role in a school, ordered by family name, given name (R-ROLE-1..3). '
      + 'For its administrator, director and deputies; any other school is NOT_FOUND.',
  })
  // Parameter decorators register last-first: this order prints schoolId, role, search, first, after.
  async users(@Args(() => PageArgs) page: PageArgs, @Args(() => UsersArgs) args: UsersArgs, @GqlCtx() ctx: Ctx): Promise<UserConnection> {
    return ctx.services.auth.listUsers(ctx, { ...args, first: page.first, after: page.after });
  }

  @Mutation(() => PasswordResetPayload, {
    description: 'Issue a one-time password to a user of your school (R-ROLE-1, R-SEC-6); it is returned only here. '
      + 'The user must change it at the next login; all their sessions end. For administrators; other users are NOT_FOUND.',
  })
  async passwordReset(@Arg('input', () => PasswordResetInput, { description: 'The input of the action.' }) input: PasswordResetInput, @GqlCtx() ctx: Ctx): Promise<PasswordResetPayload> {
    const r = await ctx.services.auth.resetPassword(ctx, input.userId);
    return Object.assign(new PasswordResetPayload(), { userErrors: r.userErrors, user: r.user ?? null, oneTimePassword: r.oneTimePassword ?? null });
  }

  @Mutation(() => UserBlockPayload, {
    description: 'Block an account of your school, e.g. when its credentials leaked (R-SEC-6, R-SEC-7): its sessions end at once '
      + 'and its open WebSockets close (4403). For administrators and directors; other users are NOT_FOUND.',
  })
  async userBlock(@Arg('input', () => UserBlockInput, { description: 'The input of the action.' }) input: UserBlockInput, @GqlCtx() ctx: Ctx): Promise<UserBlockPayload> {
    const r = await ctx.services.auth.blockUser(ctx, input.userId, input.reason);
    return Object.assign(new UserBlockPayload(), { userErrors: r.userErrors, user: r.user ?? null });
  }

  @Mutation(() => UserUnblockPayload, {
    description: 'Resume a blocked account of your school (R-SEC-6, R-SEC-7); the user logs in anew, old sessions stay ended. '
      + 'For administrators and directors; other users are NOT_FOUND.',
  })
  async userUnblock(@Arg('input', () => UserUnblockInput, { description: 'The input of the action.' }) input: UserUnblockInput, @GqlCtx() ctx: Ctx): Promise<UserUnblockPayload> {
    const r = await ctx.services.auth.unblockUser(ctx, input.userId);
    return Object.assign(new UserUnblockPayload(), { userErrors: r.userErrors, user: r.user ?? null });
  }
}

@Resolver(() => RoleAssignment)
export class RoleAssignmentResolver {
  @FieldResolver(() => School, { description: 'The school the role is held in.' })
  async school(@Root() ra: RoleAssignment, @GqlCtx() ctx: Ctx): Promise<School> {
    return (await ctx.loaders.schoolById.load(ra.school.id))!;
  }
}
