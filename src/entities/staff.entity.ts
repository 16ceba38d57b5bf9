import { Entity, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { User } from './user.entity';

@Entity({ tableName: 'staff' })
@Unique({ properties: ['school', 'user'] })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A member of staff of a school with a position (R-YEAR-3); their account is `user`.' })
export class Staff extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => User, { ref: true })
  user!: Ref<User>;

  @Field(() => String, { description: 'Position, e.g. "Учитель", "Заместитель директора по УВР".' })
  @Property({ type: 'text' })
  position!: string;

  @Field(() => Date, { nullable: true, description: 'When the staff member left (archived); history stays.' })
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;
}
