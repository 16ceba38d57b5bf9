import { Entity, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../schema/node';

@Entity({ tableName: 'school' })
@ObjectType({ implements: Node, description: 'A school (educational organisation): the tenant that owns all its data.' })
export class School extends Node<'finalMarkMinMarks'> {
  @Field(() => String, { description: 'Full name of the school.' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => String, { description: 'IANA time zone, e.g. "Europe/Moscow". Deadlines and school days are computed in it.' })
  @Property({ type: 'text' })
  timeZone!: string;

  @Field(() => Int, { description: 'R-JOUR-8: fewest current marks of a period behind a sound final mark; setting a final mark with fewer warns (it is not refused).' })
  @Property({ type: 'smallint' })
  finalMarkMinMarks: number = 3;
}
