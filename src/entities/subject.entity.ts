import { Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';

export enum SubjectComponent {
  FEDERAL = 'FEDERAL',
  SCHOOL = 'SCHOOL',
}
registerEnumType(SubjectComponent, {
  name: 'SubjectComponent',
  description: 'Whether a subject belongs to the federal curriculum or to the school component (R-YEAR-3).',
});

@Entity({ tableName: 'subject' })
@Unique({ properties: ['school', 'name'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A subject taught at the school (R-YEAR-3).' })
export class Subject extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => String, { description: 'Full name, e.g. "Математика".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Short name for timetables, e.g. "Матем."' })
  @Property({ type: 'text', nullable: true })
  shortName?: string | null;

  @Field(() => SubjectComponent, { description: 'Federal curriculum or school component.' })
  @Enum({ items: () => SubjectComponent, nativeEnumName: 'subject_component' })
  component!: SubjectComponent;

  @Field(() => Date, { nullable: true, description: 'When the subject was archived; archived subjects keep their history but are not offered for new plans.' })
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;
}

@Entity({ tableName: 'room' })
@Unique({ properties: ['school', 'name'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A room of the school (R-YEAR-3).' })
export class Room extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => String, { description: 'Name or number, e.g. "214" or "Спортзал".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => Number, { nullable: true, description: 'Seats, if known.' })
  @Property({ type: 'integer', nullable: true })
  capacity?: number | null;

  @Field(() => Date, { nullable: true, description: 'When the room was archived.' })
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;
}
