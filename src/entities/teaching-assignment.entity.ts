import { Entity, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear, StudyPeriod } from './academic-year.entity';
import { SchoolClass } from './school-class.entity';
import { StudyGroup } from './study-group.entity';
import { Subject } from './subject.entity';
import { Staff } from './staff.entity';

/**
 * Teaching load (R-YEAR-7): a teacher teaches a subject to a class or a group, optionally only in
 * one period. This is what makes someone "the teacher of this class" for permissions (R-ROLE-4).
 */
@Entity({ tableName: 'teaching_assignment' })
@Index({ properties: ['teacher'] })
@Index({ properties: ['schoolClass'] })
@Index({ properties: ['group'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A teacher teaching a subject to a class or a study group, with weekly hours (R-YEAR-7).' })
export class TeachingAssignment extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @ManyToOne(() => Staff, { ref: true })
  teacher!: Ref<Staff>;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  /** Exactly one of schoolClass and group is set. */
  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  @ManyToOne(() => StudyGroup, { ref: true, nullable: true, deleteRule: 'no action' })
  group?: Ref<StudyGroup> | null;

  /** Only in this period; null for the whole year. */
  @ManyToOne(() => StudyPeriod, { ref: true, nullable: true, deleteRule: 'no action' })
  period?: Ref<StudyPeriod> | null;

  @Field(() => Float, { description: 'Hours per week.' })
  @Property({ type: 'numeric(4,1)', columnType: 'numeric(4,1)' })
  hoursPerWeek!: number;
}
