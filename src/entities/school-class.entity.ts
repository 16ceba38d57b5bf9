import { Entity, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { Staff } from './staff.entity';

@Entity({ tableName: 'school_class' })
@Unique({ properties: ['academicYear', 'grade', 'letter'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A class of an academic year, e.g. «5А», with its class teacher (R-YEAR-4).' })
export class SchoolClass extends Node<'name'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => Int, { description: 'Grade level, 1–11.' })
  @Property({ type: 'smallint' })
  grade!: number;

  @Field(() => String, { description: 'Letter, e.g. "А".' })
  @Property({ type: 'text' })
  letter!: string;

  @Field(() => String, { nullable: true, description: 'Profile of the class (science, humanities, socio-economic, technology, universal …) for grades 10–11.' })
  @Property({ type: 'text', nullable: true })
  profile?: string | null;

  /** The class teacher (классный руководитель): a staff member. */
  @ManyToOne(() => Staff, { ref: true, nullable: true, deleteRule: 'no action' })
  classTeacher?: Ref<Staff> | null;

  @Field(() => String, { description: 'Display name, e.g. "5А".' })
  get name(): string {
    return `${this.grade}${this.letter}`;
  }
}
