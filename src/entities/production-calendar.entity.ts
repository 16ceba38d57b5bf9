import { Entity, Enum, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';

export enum ProductionDayKind {
  NON_WORKING = 'NON_WORKING',
  WORKING = 'WORKING',
}
registerEnumType(ProductionDayKind, {
  name: 'ProductionDayKind',
  description: 'An exception to the five-day working week of the production calendar.',
  valuesConfig: {
    NON_WORKING: { description: 'A weekday that is not a working day (a public holiday or a day off moved onto a weekday).' },
    WORKING: { description: 'A Saturday or Sunday that is a working day (a day off moved away from it).' },
  },
});

/**
 * One exception of the production calendar of a school (R-SEC-4, R-SEC-8): a non-working weekday
 * or a working Saturday/Sunday. Every other Monday–Friday is a working day. Working-day deadlines
 * (erasure within 3 working days) count with these, not with school holidays.
 */
@Entity({ tableName: 'production_calendar_day' })
@Unique({ properties: ['school', 'date'] })
@ObjectType({ description: 'An exception to the five-day week in a school\'s production calendar: a non-working weekday or a working weekend day.' })
export class ProductionCalendarDay extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => LocalDateResolver, { description: 'The day.' })
  @Property({ type: 'date' })
  date!: string;

  @Field(() => ProductionDayKind, { description: 'Working or not, against the five-day week.' })
  @Enum({ items: () => ProductionDayKind, nativeEnumName: 'production_calendar_day_kind' })
  kind!: ProductionDayKind;

  @Field(() => String, { nullable: true, description: 'Why, e.g. "Новогодние каникулы" or "Перенос с 3 ноября".' })
  @Property({ type: 'text', nullable: true })
  note?: string | null;
}
