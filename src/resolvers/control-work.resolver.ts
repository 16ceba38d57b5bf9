import { Arg, Ctx as GqlCtx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { ControlWork } from '../entities/control-work.entity';
import { Subject } from '../entities/subject.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import {
  ControlWorkCancelInput, ControlWorkCancelPayload, ControlWorkScheduleInput, ControlWorkSchedulePayload, ControlWorkUpdateInput,
  ControlWorkUpdatePayload,
} from '../schema/control-work.types';

const inputArg = { description: 'The input of the action.' } as const;

@Resolver(() => ControlWork)
export class ControlWorkResolver {
  @Query(() => [ControlWork], { description: 'The control-work schedule of a year by date (R-YEAR-10, R-DIARY-2). Staff of the school and the analyst (class-level data, no personal data: R-ROLE-8) read all of it; students and parents the control works of the classes and groups of the students they may see. NOT_FOUND for a student the viewer may not see.' })
  async controlWorks(
    @Arg('academicYearId', () => ID, { description: 'Global ID of the academic year.' }) academicYearId: string,
    @Arg('classId', () => ID, { nullable: true, description: 'Only those of this class, its subgroups and the streams it is in.' }) classId: string | null | undefined,
    @Arg('groupId', () => ID, { nullable: true, description: 'Only those of this study group.' }) groupId: string | null | undefined,
    @Arg('studentId', () => ID, { nullable: true, description: 'Only those of the classes and groups this student is in on the day.' }) studentId: string | null | undefined,
    @Arg('periodId', () => ID, { nullable: true, description: 'Only those within this study period of the year.' }) periodId: string | null | undefined,
    @Arg('from', () => LocalDateResolver, { nullable: true, description: 'Only those on or after this day.' }) from: string | null | undefined,
    @Arg('to', () => LocalDateResolver, { nullable: true, description: 'Only those on or before this day.' }) to: string | null | undefined,
    @Arg('includeCancelled', () => Boolean, { defaultValue: false, description: 'Include cancelled control works (see `cancelledAt`).' }) includeCancelled: boolean,
    @GqlCtx() ctx: Ctx,
  ): Promise<ControlWork[]> {
    return ctx.services.controlWorks.controlWorks(ctx, { academicYearId, classId, groupId, studentId, periodId, from, to, includeCancelled });
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() cw: ControlWork, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.lessons.academicYear(ctx, cw.academicYear.id);
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() cw: ControlWork, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.lessons.subject(ctx, cw);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class; null for a group\'s control work.' })
  async schoolClass(@Root() cw: ControlWork, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.lessons.schoolClass(ctx, cw.schoolClass?.id);
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group; null for a class\'s control work.' })
  async group(@Root() cw: ControlWork, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return ctx.services.lessons.group(ctx, cw.group?.id);
  }

  @Mutation(() => ControlWorkSchedulePayload, { description: 'Schedules a control work of a class or group with its form of control (R-YEAR-10). ADMIN, DIRECTOR or DEPUTY of the school.' })
  async controlWorkSchedule(@Arg('input', () => ControlWorkScheduleInput, inputArg) input: ControlWorkScheduleInput, @GqlCtx() ctx: Ctx): Promise<ControlWorkSchedulePayload> {
    return Object.assign(new ControlWorkSchedulePayload(), await ctx.services.controlWorks.controlWorkSchedule(ctx, input));
  }

  @Mutation(() => ControlWorkUpdatePayload, { description: 'Changes the date, lesson number, form or title of a control work (R-YEAR-10); the values it already has are a success that changes nothing (no audit entry, no event). ADMIN, DIRECTOR or DEPUTY of the school.' })
  async controlWorkUpdate(@Arg('input', () => ControlWorkUpdateInput, inputArg) input: ControlWorkUpdateInput, @GqlCtx() ctx: Ctx): Promise<ControlWorkUpdatePayload> {
    return Object.assign(new ControlWorkUpdatePayload(), await ctx.services.controlWorks.controlWorkUpdate(ctx, input));
  }

  @Mutation(() => ControlWorkCancelPayload, { description: 'Cancels a control work with a reason; it stays readable (R-YEAR-10). ADMIN, DIRECTOR or DEPUTY of the school.' })
  async controlWorkCancel(@Arg('input', () => ControlWorkCancelInput, inputArg) input: ControlWorkCancelInput, @GqlCtx() ctx: Ctx): Promise<ControlWorkCancelPayload> {
    return Object.assign(new ControlWorkCancelPayload(), await ctx.services.controlWorks.controlWorkCancel(ctx, input));
  }
}

/** Resolvers of the control-work schedule (R-YEAR-10). */
export const controlWorkResolvers: Function[] = [ControlWorkResolver];
