import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { ProductionCalendarDay, ProductionDayKind } from '../entities/production-calendar.entity';

@InputType({ description: 'Input of `productionCalendarDaySet`.' })
export class ProductionCalendarDaySetInput {
  @Field(() => ID, { description: 'Global ID of the school.' })
  schoolId!: string;

  @Field(() => LocalDateResolver, { description: 'The day: a weekday for NON_WORKING, a Saturday or Sunday for WORKING.' })
  date!: string;

  @Field(() => ProductionDayKind, { description: 'Whether the day is a non-working weekday or a working weekend day.' })
  kind!: ProductionDayKind;

  @Field(() => String, { nullable: true, description: 'Why, e.g. "День народного единства"; at most 200 characters.' })
  note?: string | null;
}

@ObjectType({ description: 'Result of `productionCalendarDaySet`.' })
export class ProductionCalendarDaySetPayload extends Payload {
  @Field(() => ProductionCalendarDay, { nullable: true, description: 'The day as recorded now; null when nothing was recorded.' })
  day?: ProductionCalendarDay | null;
}

@InputType({ description: 'Input of `productionCalendarDayRemove`.' })
export class ProductionCalendarDayRemoveInput {
  @Field(() => ID, { description: 'Global ID of the school.' })
  schoolId!: string;

  @Field(() => LocalDateResolver, { description: 'The day whose exception is removed: it follows the five-day week again.' })
  date!: string;
}

@ObjectType({ description: 'Result of `productionCalendarDayRemove`.' })
export class ProductionCalendarDayRemovePayload extends Payload {
  @Field(() => LocalDateResolver, { nullable: true, description: 'The day whose exception was removed; null when nothing was removed.' })
  removedDate?: string | null;
}

@ObjectType({ description: 'The production calendar of a school for a calendar year: the exceptions to the five-day week (R-SEC-4, R-SEC-8).' })
export class ProductionCalendar {
  @Field(() => ID, { description: 'Global ID of the school.' })
  schoolId!: string;

  @Field(() => Int, { description: 'The calendar year (January to December).' })
  year!: number;

  @Field(() => [ProductionCalendarDay], { description: 'Non-working weekdays and working weekend days of the year, by date (at most one per day, so at most 366).' })
  days!: ProductionCalendarDay[];

  @Field(() => Int, { description: 'Working days in the year: Monday to Friday, less the non-working weekdays, plus the working weekend days.' })
  workingDays!: number;
}
