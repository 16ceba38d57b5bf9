import { ArrayType, Collection, Entity, Enum, Index, ManyToOne, OneToMany, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';

@Entity({ tableName: 'academic_year' })
@Unique({ properties: ['school', 'name'] })
@ObjectType({ implements: Node, description: 'An academic year of a school, e.g. 2025/2026 (R-YEAR-1).' })
export class AcademicYear extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => String, { description: 'Name, e.g. "2025/2026".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => LocalDateResolver, { description: 'First day of the year (inclusive).' })
  @Property({ type: 'date' })
  startDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day of the year (inclusive).' })
  @Property({ type: 'date' })
  endDate!: string;

  @OneToMany(() => StudyPeriod, (p) => p.academicYear)
  periods = new Collection<StudyPeriod>(this);

  @OneToMany(() => Holiday, (h) => h.academicYear)
  holidays = new Collection<Holiday>(this);
}

export enum StudyPeriodKind {
  QUARTER = 'QUARTER',
  TRIMESTER = 'TRIMESTER',
  HALF_YEAR = 'HALF_YEAR',
  YEAR = 'YEAR',
}
registerEnumType(StudyPeriodKind, { name: 'StudyPeriodKind', description: 'Kind of reporting period.' });

@Entity({ tableName: 'study_period' })
@Index({ properties: ['academicYear'] })
@ObjectType({ implements: Node, description: 'A reporting period (quarter, trimester, half-year) with its own final marks, for some grade levels (R-YEAR-1).' })
export class StudyPeriod extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => String, { description: 'Name, e.g. "1 четверть".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => StudyPeriodKind, { description: 'Kind of period.' })
  @Enum({ items: () => StudyPeriodKind, nativeEnumName: 'study_period_kind' })
  kind!: StudyPeriodKind;

  @Field(() => [Int], { description: 'Grade levels (1–11) the period applies to, ascending.' })
  @Property({ type: new ArrayType((i) => Number(i)), columnType: 'smallint[]' })
  grades!: number[];

  @Field(() => LocalDateResolver, { description: 'First day (inclusive).' })
  @Property({ type: 'date' })
  startDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day (inclusive).' })
  @Property({ type: 'date' })
  endDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day to set final marks for the period (R-JOUR-8: by default two days before the end).' })
  @Property({ type: 'date' })
  finalMarkDeadline!: string;
}

@Entity({ tableName: 'holiday' })
@Index({ properties: ['academicYear'] })
@ObjectType({ implements: Node, description: 'A holiday range: no lessons (R-YEAR-1).' })
export class Holiday extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => String, { description: 'Name, e.g. "Осенние каникулы".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => LocalDateResolver, { description: 'First day (inclusive).' })
  @Property({ type: 'date' })
  startDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day (inclusive).' })
  @Property({ type: 'date' })
  endDate!: string;

  @Field(() => [Int], { nullable: true, description: 'Grade levels it applies to; null = the whole school.' })
  @Property({ type: new ArrayType((i) => Number(i)), columnType: 'smallint[]', nullable: true })
  grades?: number[] | null;
}
