import { Arg, Ctx as GqlCtx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Ctx } from '../context';
import {
  ProductionCalendar, ProductionCalendarDayRemoveInput, ProductionCalendarDayRemovePayload, ProductionCalendarDaySetInput,
  ProductionCalendarDaySetPayload,
} from '../schema/production-calendar.types';

const inputArg = { description: 'The input of the action.' } as const;

@Resolver()
export class ProductionCalendarResolver {
  @Query(() => ProductionCalendar, { description: 'The production calendar of a school for a calendar year: non-working weekdays and working weekend days, which working-day deadlines count with (R-SEC-4, R-SEC-8). For the ADMIN, DIRECTOR and DEPUTY of the school.' })
  async productionCalendar(
    @Arg('schoolId', () => ID, { description: 'Global ID of the school.' }) schoolId: string,
    @Arg('year', () => Int, { description: 'The calendar year, e.g. 2026.' }) year: number,
    @GqlCtx() ctx: Ctx,
  ): Promise<ProductionCalendar> {
    return ctx.services.productionCalendar.calendar(ctx, schoolId, year);
  }

  @Mutation(() => ProductionCalendarDaySetPayload, { description: 'Records a weekday as non-working or a Saturday/Sunday as working in the school\'s production calendar; a day already recorded is changed. Deadlines already scheduled keep their date. The ADMIN of the school.' })
  async productionCalendarDaySet(@Arg('input', () => ProductionCalendarDaySetInput, inputArg) input: ProductionCalendarDaySetInput, @GqlCtx() ctx: Ctx): Promise<ProductionCalendarDaySetPayload> {
    return Object.assign(new ProductionCalendarDaySetPayload(), await ctx.services.productionCalendar.daySet(ctx, input));
  }

  @Mutation(() => ProductionCalendarDayRemovePayload, { description: 'Removes the exception of a day from the school\'s production calendar: it follows the five-day week again. The ADMIN of the school.' })
  async productionCalendarDayRemove(@Arg('input', () => ProductionCalendarDayRemoveInput, inputArg) input: ProductionCalendarDayRemoveInput, @GqlCtx() ctx: Ctx): Promise<ProductionCalendarDayRemovePayload> {
    return Object.assign(new ProductionCalendarDayRemovePayload(), await ctx.services.productionCalendar.dayRemove(ctx, input));
  }
}

/** Production calendar resolvers (R-SEC-4, R-SEC-8). */
export const productionCalendarResolvers: Function[] = [ProductionCalendarResolver];
