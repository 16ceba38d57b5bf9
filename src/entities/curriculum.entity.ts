import { Entity, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear, StudyPeriod } from './academic-year.entity';
import { Subject } from './subject.entity';
import { SchoolClass } from './school-class.entity';
import { StudyGroup } from './study-group.entity';

/**
 * One line of the curriculum (R-YEAR-5): a subject with weekly hours for a grade level and profile
 * of an academic year; `profile` null is the basic curriculum, `period` null the whole year.
 */
@Entity({ tableName: 'curriculum_item' })
@Index({ properties: ['academicYear', 'grade'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A subject with weekly hours in the curriculum of a grade level and profile (R-YEAR-5).' })
export class CurriculumItem extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => Int, { description: 'Grade level, 1–11.' })
  @Property({ type: 'smallint' })
  grade!: number;

  @Field(() => String, { nullable: true, description: 'Profile (e.g. "технологический"); null for the basic curriculum.' })
  @Property({ type: 'text', nullable: true })
  profile?: string | null;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  @Field(() => Float, { description: 'Hours per week.' })
  @Property({ type: 'numeric(4,1)', columnType: 'numeric(4,1)' })
  hoursPerWeek!: number;

  /** Only in this period; null for the whole year. */
  @ManyToOne(() => StudyPeriod, { ref: true, nullable: true, deleteRule: 'no action' })
  period?: Ref<StudyPeriod> | null;
}

/** R-YEAR-8: the calendar-thematic plan of one subject for one class or study group in a year. */
@Entity({ tableName: 'thematic_plan' })
@Index({ properties: ['school'] })
@Index({ properties: ['academicYear'] })
@ObjectType({ implements: Node, description: 'Calendar-thematic plan: ordered lesson topics with hours for a subject and a class or study group (R-YEAR-8).' })
export class ThematicPlan extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  /** Exactly one of schoolClass and group is set. */
  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  @ManyToOne(() => StudyGroup, { ref: true, nullable: true, deleteRule: 'no action' })
  group?: Ref<StudyGroup> | null;
}

@Entity({ tableName: 'planned_topic' })
@Index({ properties: ['plan'] })
@ObjectType({ implements: Node, description: 'A lesson topic of a thematic plan, in plan order (R-YEAR-8).' })
export class PlannedTopic extends Node {
  @ManyToOne(() => ThematicPlan, { ref: true })
  plan!: Ref<ThematicPlan>;

  @Field(() => Int, { description: 'Position in the plan, from 1.' })
  @Property({ type: 'smallint' })
  position!: number;

  @Field(() => String, { description: 'Topic title.' })
  @Property({ type: 'text' })
  title!: string;

  @Field(() => Int, { description: 'Lesson hours given to the topic.' })
  @Property({ type: 'smallint' })
  hours!: number;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Planned date of the (first) lesson, if planned.' })
  @Property({ type: 'date', nullable: true })
  plannedDate?: string | null;
}

/** Entities of this feature. */
export const curriculumEntities: Function[] = [CurriculumItem, ThematicPlan, PlannedTopic];
