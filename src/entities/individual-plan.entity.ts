import { DecimalType, Entity, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { Student } from './student.entity';
import { Subject } from './subject.entity';

/** A student's individual curriculum for one academic year (R-YEAR-4, R-YEAR-5). */
@Entity({ tableName: 'individual_plan' })
@Unique({ properties: ['student', 'academicYear'] })
@Index({ properties: ['school'] })
@Index({ properties: ['academicYear'] })
@ObjectType({ implements: Node, description: 'An individual curriculum of a student for an academic year (R-YEAR-4, R-YEAR-5).' })
export class IndividualPlan extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @Field(() => String, { description: 'Why the student learns by an individual plan, e.g. a medical recommendation.' })
  @Property({ type: 'text' })
  reason!: string;
}

/** A subject of an individual plan with its weekly hours. */
@Entity({ tableName: 'individual_plan_subject' })
@Unique({ properties: ['plan', 'subject'] })
@Index({ properties: ['subject'] })
@ObjectType({ implements: Node, description: 'A subject of an individual plan with its weekly hours.' })
export class IndividualPlanSubject extends Node {
  @ManyToOne(() => IndividualPlan, { ref: true })
  plan!: Ref<IndividualPlan>;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  @Field(() => Float, { description: 'Hours per week.' })
  @Property({ type: new DecimalType('number'), columnType: 'numeric(4,1)' })
  hoursPerWeek!: number;
}

/** Entities of this feature. */
export const individualPlanEntities: Function[] = [IndividualPlan, IndividualPlanSubject];
