import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { ControlForm, ControlWork } from '../entities/control-work.entity';

@InputType({ description: 'Input of `controlWorkSchedule`: for exactly one of `classId` and `groupId`.' })
export class ControlWorkScheduleInput {
  @Field(() => ID, { description: 'The academic year.' })
  academicYearId!: string;

  @Field(() => ID, { description: 'The subject, of the school and not archived.' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The class, of the academic year; or give `groupId`.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group, of the academic year and not archived; or give `classId`.' })
  groupId?: string | null;

  @Field(() => LocalDateResolver, { description: 'The day: inside the academic year and not a holiday of the class or group.' })
  date!: string;

  @Field(() => Int, { nullable: true, description: 'The lesson number (0–15), when fixed.' })
  lessonNumber?: number | null;

  @Field(() => ControlForm, { description: 'The form of control.' })
  form!: ControlForm;

  @Field(() => String, { nullable: true, description: 'What it covers, e.g. "Дроби" (at most 200 characters).' })
  title?: string | null;
}

@ObjectType({ description: 'Result of `controlWorkSchedule`.' })
export class ControlWorkSchedulePayload extends Payload {
  @Field(() => ControlWork, { nullable: true, description: 'The scheduled control work; null when nothing was created.' })
  controlWork?: ControlWork | null;
}

@InputType({ description: 'Input of `controlWorkUpdate`; an omitted (or null) field keeps its value, at least one must change.' })
export class ControlWorkUpdateInput {
  @Field(() => ID, { description: 'The control work; it must not be cancelled.' })
  id!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New day: inside the academic year and not a holiday of the class or group.' })
  date?: string | null;

  @Field(() => Int, { nullable: true, description: 'New lesson number (0–15).' })
  lessonNumber?: number | null;

  @Field(() => ControlForm, { nullable: true, description: 'New form of control.' })
  form?: ControlForm | null;

  @Field(() => String, { nullable: true, description: 'New title (at most 200 characters).' })
  title?: string | null;
}

@ObjectType({ description: 'Result of `controlWorkUpdate`.' })
export class ControlWorkUpdatePayload extends Payload {
  @Field(() => ControlWork, { nullable: true, description: 'The changed control work; null when nothing was changed.' })
  controlWork?: ControlWork | null;
}

@InputType({ description: 'Input of `controlWorkCancel`.' })
export class ControlWorkCancelInput {
  @Field(() => ID, { description: 'The control work; it must not be cancelled already.' })
  id!: string;

  @Field(() => String, { description: 'Why it is cancelled.' })
  reason!: string;
}

@ObjectType({ description: 'Result of `controlWorkCancel`.' })
export class ControlWorkCancelPayload extends Payload {
  @Field(() => ControlWork, { nullable: true, description: 'The cancelled control work (it stays readable with `cancelledAt`); null when nothing was changed.' })
  controlWork?: ControlWork | null;
}
