import { Collection, Entity, Enum, ManyToOne, OneToMany, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';

export enum GradingSystemKind {
  FIVE_POINT = 'FIVE_POINT',
  PASS_FAIL = 'PASS_FAIL',
  TEN_POINT = 'TEN_POINT',
  CUSTOM = 'CUSTOM',
}
registerEnumType(GradingSystemKind, { name: 'GradingSystemKind', description: 'Family of a grading system (R-YEAR-2).' });

@Entity({ tableName: 'grading_system' })
@Unique({ properties: ['school', 'name'] })
@ObjectType({ implements: Node, description: 'A grading system: the values a mark may take (R-YEAR-2).' })
export class GradingSystem extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => String, { description: 'Name, e.g. "Пятибалльная".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => GradingSystemKind, { description: 'Family of the system.' })
  @Enum({ items: () => GradingSystemKind, nativeEnumName: 'grading_system_kind' })
  kind!: GradingSystemKind;

  @OneToMany(() => GradingValue, (v) => v.gradingSystem, { orderBy: { position: 'asc' } })
  values = new Collection<GradingValue>(this);
}

@Entity({ tableName: 'grading_value' })
@Unique({ properties: ['gradingSystem', 'code'] })
@ObjectType({ implements: Node, description: 'One value of a grading system, e.g. "5", "зач", or the special final values «осв» and «н/а».' })
export class GradingValue extends Node<'finalOnly' | 'quality'> {
  @ManyToOne(() => GradingSystem, { ref: true })
  gradingSystem!: Ref<GradingSystem>;

  @Field(() => String, { description: 'The value as written in the journal, e.g. "5", "зач", "осв".' })
  @Property({ type: 'text' })
  code!: string;

  @Field(() => String, { description: 'Long label, e.g. "отлично".' })
  @Property({ type: 'text' })
  label!: string;

  @Field(() => Float, { nullable: true, description: 'Numeric value for averages; null for non-numeric values (pass/fail, «осв», «н/а»).' })
  @Property({ type: 'double precision', nullable: true })
  numericValue?: number | null;

  @Field(() => Boolean, { description: 'Counts as a satisfactory result (progress reports, R-REP-1).' })
  @Property({ type: 'boolean' })
  passing!: boolean;

  @Field(() => Boolean, { description: 'Counts as a "quality" result (4 and 5 of five points): the quality share of the progress reports (R-REP-1).' })
  @Property({ type: 'boolean', default: false })
  quality: boolean = false;

  @Field(() => Boolean, { description: 'Only allowed as a final mark (e.g. «осв» exempt, «н/а» not attested).' })
  @Property({ type: 'boolean', default: false })
  finalOnly: boolean = false;

  @Field(() => Int, { description: 'Display order, ascending.' })
  @Property({ type: 'smallint' })
  position!: number;
}
