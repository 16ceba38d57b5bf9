import { Arg, Ctx as GqlCtx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { School } from '../entities/school.entity';
import { AcademicYear, Holiday, StudyPeriod } from '../entities/academic-year.entity';
import { GradingSystem, GradingValue } from '../entities/grading-system.entity';
import {
  AcademicYearCreateInput, AcademicYearCreatePayload, AcademicYearDeleteInput, AcademicYearDeletePayload,
  AcademicYearUpdateInput, AcademicYearUpdatePayload, GradingSystemCreateInput, GradingSystemCreatePayload,
  GradingSystemDeleteInput, GradingSystemDeletePayload, GradingSystemUpdateInput, GradingSystemUpdatePayload,
  HolidayCreateInput, HolidayCreatePayload, HolidayDeleteInput, HolidayDeletePayload, HolidayUpdateInput,
  HolidayUpdatePayload, SchoolUpdateInput, SchoolUpdatePayload, StudyPeriodCreateInput, StudyPeriodCreatePayload,
  StudyPeriodDeleteInput, StudyPeriodDeletePayload, StudyPeriodUpdateInput, StudyPeriodUpdatePayload,
} from '../schema/year.types';

const gradeArg = { nullable: true, description: 'Only those of this grade level (1–11).' } as const;
const inputArg = { description: 'The input of the action.' } as const;

@Resolver(() => School)
export class SchoolResolver {
  @Query(() => [School], { description: 'The schools the viewer holds a role in.' })
  async schools(@GqlCtx() ctx: Ctx): Promise<School[]> {
    return ctx.services.year.schools(ctx);
  }

  @Query(() => School, { description: 'A school the viewer holds a role in (else NOT_FOUND).' })
  async school(@Arg('id', () => ID, { description: 'Global ID of the school.' }) id: string, @GqlCtx() ctx: Ctx): Promise<School> {
    return ctx.services.year.school(ctx, id);
  }

  @FieldResolver(() => [AcademicYear], { description: 'Academic years of the school, earliest first (R-YEAR-1).' })
  async academicYears(@Root() school: School, @GqlCtx() ctx: Ctx): Promise<AcademicYear[]> {
    return ctx.services.year.academicYears(ctx, school);
  }

  @FieldResolver(() => [GradingSystem], { description: 'Grading systems of the school, by name (R-YEAR-2).' })
  async gradingSystems(@Root() school: School, @GqlCtx() ctx: Ctx): Promise<GradingSystem[]> {
    return ctx.services.year.gradingSystems(ctx, school);
  }

  @Mutation(() => SchoolUpdatePayload, { description: 'Renames the school or changes its time zone. ADMIN or DEPUTY of the school.' })
  async schoolUpdate(@Arg('input', () => SchoolUpdateInput, inputArg) input: SchoolUpdateInput, @GqlCtx() ctx: Ctx): Promise<SchoolUpdatePayload> {
    return Object.assign(new SchoolUpdatePayload(), await ctx.services.year.schoolUpdate(ctx, input));
  }
}

@Resolver(() => AcademicYear)
export class AcademicYearResolver {
  @Query(() => AcademicYear, { description: 'An academic year of one of the viewer\'s schools (else NOT_FOUND).' })
  async academicYear(@Arg('id', () => ID, { description: 'Global ID of the academic year.' }) id: string, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.year.academicYear(ctx, id);
  }

  @FieldResolver(() => School, { description: 'The school.' })
  async school(@Root() year: AcademicYear, @GqlCtx() ctx: Ctx): Promise<School> {
    return ctx.services.year.schoolOf(ctx, year.school.id);
  }

  @FieldResolver(() => [StudyPeriod], { description: 'Study periods of the year, by start date (R-YEAR-1).' })
  async periods(
    @Root() year: AcademicYear,
    @Arg('grade', () => Int, gradeArg) grade: number | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<StudyPeriod[]> {
    return ctx.services.year.studyPeriods(ctx, year, grade);
  }

  @FieldResolver(() => [Holiday], { description: 'Holidays of the year, by start date; with `grade`, those of the whole school and of that grade (R-YEAR-1).' })
  async holidays(
    @Root() year: AcademicYear,
    @Arg('grade', () => Int, gradeArg) grade: number | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<Holiday[]> {
    return ctx.services.year.holidays(ctx, year, grade);
  }

  @Mutation(() => AcademicYearCreatePayload, { description: 'Creates an academic year (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async academicYearCreate(@Arg('input', () => AcademicYearCreateInput, inputArg) input: AcademicYearCreateInput, @GqlCtx() ctx: Ctx): Promise<AcademicYearCreatePayload> {
    return Object.assign(new AcademicYearCreatePayload(), await ctx.services.year.academicYearCreate(ctx, input));
  }

  @Mutation(() => AcademicYearUpdatePayload, { description: 'Renames or moves an academic year (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async academicYearUpdate(@Arg('input', () => AcademicYearUpdateInput, inputArg) input: AcademicYearUpdateInput, @GqlCtx() ctx: Ctx): Promise<AcademicYearUpdatePayload> {
    return Object.assign(new AcademicYearUpdatePayload(), await ctx.services.year.academicYearUpdate(ctx, input));
  }

  @Mutation(() => AcademicYearDeletePayload, { description: 'Deletes an academic year without periods and holidays (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async academicYearDelete(@Arg('input', () => AcademicYearDeleteInput, inputArg) input: AcademicYearDeleteInput, @GqlCtx() ctx: Ctx): Promise<AcademicYearDeletePayload> {
    return Object.assign(new AcademicYearDeletePayload(), await ctx.services.year.academicYearDelete(ctx, input));
  }
}

@Resolver(() => StudyPeriod)
export class StudyPeriodResolver {
  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() period: StudyPeriod, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.year.academicYearOf(ctx, period.academicYear.id);
  }

  @Mutation(() => StudyPeriodCreatePayload, { description: 'Creates a study period (R-YEAR-1, R-JOUR-8). ADMIN or DEPUTY of the school.' })
  async studyPeriodCreate(@Arg('input', () => StudyPeriodCreateInput, inputArg) input: StudyPeriodCreateInput, @GqlCtx() ctx: Ctx): Promise<StudyPeriodCreatePayload> {
    return Object.assign(new StudyPeriodCreatePayload(), await ctx.services.year.studyPeriodCreate(ctx, input));
  }

  @Mutation(() => StudyPeriodUpdatePayload, { description: 'Changes a study period (R-YEAR-1, R-JOUR-8). ADMIN or DEPUTY of the school.' })
  async studyPeriodUpdate(@Arg('input', () => StudyPeriodUpdateInput, inputArg) input: StudyPeriodUpdateInput, @GqlCtx() ctx: Ctx): Promise<StudyPeriodUpdatePayload> {
    return Object.assign(new StudyPeriodUpdatePayload(), await ctx.services.year.studyPeriodUpdate(ctx, input));
  }

  @Mutation(() => StudyPeriodDeletePayload, { description: 'Deletes a study period (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async studyPeriodDelete(@Arg('input', () => StudyPeriodDeleteInput, inputArg) input: StudyPeriodDeleteInput, @GqlCtx() ctx: Ctx): Promise<StudyPeriodDeletePayload> {
    return Object.assign(new StudyPeriodDeletePayload(), await ctx.services.year.studyPeriodDelete(ctx, input));
  }
}

@Resolver(() => Holiday)
export class HolidayResolver {
  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() holiday: Holiday, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.year.academicYearOf(ctx, holiday.academicYear.id);
  }

  @Mutation(() => HolidayCreatePayload, { description: 'Creates a holiday range (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async holidayCreate(@Arg('input', () => HolidayCreateInput, inputArg) input: HolidayCreateInput, @GqlCtx() ctx: Ctx): Promise<HolidayCreatePayload> {
    return Object.assign(new HolidayCreatePayload(), await ctx.services.year.holidayCreate(ctx, input));
  }

  @Mutation(() => HolidayUpdatePayload, { description: 'Changes a holiday range (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async holidayUpdate(@Arg('input', () => HolidayUpdateInput, inputArg) input: HolidayUpdateInput, @GqlCtx() ctx: Ctx): Promise<HolidayUpdatePayload> {
    return Object.assign(new HolidayUpdatePayload(), await ctx.services.year.holidayUpdate(ctx, input));
  }

  @Mutation(() => HolidayDeletePayload, { description: 'Deletes a holiday range (R-YEAR-1). ADMIN or DEPUTY of the school.' })
  async holidayDelete(@Arg('input', () => HolidayDeleteInput, inputArg) input: HolidayDeleteInput, @GqlCtx() ctx: Ctx): Promise<HolidayDeletePayload> {
    return Object.assign(new HolidayDeletePayload(), await ctx.services.year.holidayDelete(ctx, input));
  }
}

@Resolver(() => GradingSystem)
export class GradingSystemResolver {
  @FieldResolver(() => School, { description: 'The school.' })
  async school(@Root() system: GradingSystem, @GqlCtx() ctx: Ctx): Promise<School> {
    return ctx.services.year.schoolOf(ctx, system.school.id);
  }

  @FieldResolver(() => [GradingValue], { description: 'The values, in display order (R-YEAR-2).' })
  async values(@Root() system: GradingSystem, @GqlCtx() ctx: Ctx): Promise<GradingValue[]> {
    return ctx.services.year.gradingValues(ctx, system);
  }

  @Mutation(() => GradingSystemCreatePayload, { description: 'Creates a grading system with its values (R-YEAR-2). ADMIN or DEPUTY of the school.' })
  async gradingSystemCreate(@Arg('input', () => GradingSystemCreateInput, inputArg) input: GradingSystemCreateInput, @GqlCtx() ctx: Ctx): Promise<GradingSystemCreatePayload> {
    return Object.assign(new GradingSystemCreatePayload(), await ctx.services.year.gradingSystemCreate(ctx, input));
  }

  @Mutation(() => GradingSystemUpdatePayload, { description: 'Changes a grading system; a new value list replaces the old one matched by code (R-YEAR-2). ADMIN or DEPUTY of the school.' })
  async gradingSystemUpdate(@Arg('input', () => GradingSystemUpdateInput, inputArg) input: GradingSystemUpdateInput, @GqlCtx() ctx: Ctx): Promise<GradingSystemUpdatePayload> {
    return Object.assign(new GradingSystemUpdatePayload(), await ctx.services.year.gradingSystemUpdate(ctx, input));
  }

  @Mutation(() => GradingSystemDeletePayload, { description: 'Deletes a grading system that nothing uses (R-YEAR-2). ADMIN or DEPUTY of the school.' })
  async gradingSystemDelete(@Arg('input', () => GradingSystemDeleteInput, inputArg) input: GradingSystemDeleteInput, @GqlCtx() ctx: Ctx): Promise<GradingSystemDeletePayload> {
    return Object.assign(new GradingSystemDeletePayload(), await ctx.services.year.gradingSystemDelete(ctx, input));
  }
}

/** School-year structure resolvers (R-YEAR-1, R-YEAR-2). */
export const yearResolvers: Function[] = [SchoolResolver, AcademicYearResolver, StudyPeriodResolver, HolidayResolver, GradingSystemResolver];
