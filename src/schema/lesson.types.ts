import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { Lesson } from '../entities/lesson.entity';

/** Where and when a lesson was planned, shown for a moved lesson (R-DIARY-2). */
@ObjectType({ description: 'A date, lesson number and room of a lesson: for a moved lesson, where the timetable had it.' })
export class LessonSlot {
  @Field(() => LocalDateResolver, { description: 'The date.' })
  date!: string;

  @Field(() => Int, { description: 'The lesson number of the day.' })
  lessonNumber!: number;

  /** Raw room id, resolved by the `room` field. */
  roomId!: string | null;
}

@InputType({ description: 'Input of `lessonSubstitute`.' })
export class LessonSubstituteInput {
  @Field(() => ID, { description: 'The lesson; it must not be cancelled.' })
  lessonId!: string;

  @Field(() => ID, { description: 'The staff member who conducts the lesson instead of its timetable teacher: a current TEACHER of the school, free at that date and lesson number. A lesson that already has a substitute gets this one instead.' })
  substituteTeacherId!: string;

  @Field(() => String, { description: 'Why (e.g. "больничный", "курсы повышения квалификации"); recorded with the lesson (R-JOUR-6).' })
  reason!: string;
}

@ObjectType({ description: 'Result of `lessonSubstitute`.' })
export class LessonSubstitutePayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson with its substitute; null when nothing was changed.' })
  lesson?: Lesson | null;
}

@InputType({ description: 'Input of `lessonSubstitutionRemove`.' })
export class LessonSubstitutionRemoveInput {
  @Field(() => ID, { description: 'The lesson; it must have a substitute. Its timetable teacher must be free at its date and lesson number.' })
  lessonId!: string;
}

@ObjectType({ description: 'Result of `lessonSubstitutionRemove`.' })
export class LessonSubstitutionRemovePayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson, conducted by its timetable teacher again; null when nothing was changed.' })
  lesson?: Lesson | null;
}

@InputType({ description: 'Input of `lessonMove`: at least one of `date`, `lessonNumber` and `roomId` must differ from where the lesson is now.' })
export class LessonMoveInput {
  @Field(() => ID, { description: 'The lesson; it must not be cancelled.' })
  lessonId!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New date, inside the academic year and not a holiday of the class or group; omitted = unchanged.' })
  date?: string | null;

  @Field(() => Int, { nullable: true, description: 'New lesson number (0–15), one of the bell schedule when it has slots; omitted = unchanged.' })
  lessonNumber?: number | null;

  @Field(() => ID, { nullable: true, description: 'New room of the school; omitted = unchanged.' })
  roomId?: string | null;

  @Field(() => String, { description: 'Why it is moved; shown in the diary.' })
  reason!: string;
}

@ObjectType({ description: 'Result of `lessonMove`.' })
export class LessonMovePayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson at its new place; null when nothing was changed.' })
  lesson?: Lesson | null;
}

@InputType({ description: 'Input of `lessonCancel`.' })
export class LessonCancelInput {
  @Field(() => ID, { description: 'The lesson; it must not be cancelled already.' })
  lessonId!: string;

  @Field(() => String, { description: 'Why it is cancelled; shown in the diary.' })
  reason!: string;
}

@ObjectType({ description: 'Result of `lessonCancel`.' })
export class LessonCancelPayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The cancelled lesson; null when nothing was changed.' })
  lesson?: Lesson | null;
}

@InputType({ description: 'Input of `lessonRestore`.' })
export class LessonRestoreInput {
  @Field(() => ID, { description: 'The cancelled lesson. Its teacher, room, class or group and students must still be free at its date and lesson number.' })
  lessonId!: string;
}

@ObjectType({ description: 'Result of `lessonRestore`.' })
export class LessonRestorePayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson, scheduled again; null when nothing was changed.' })
  lesson?: Lesson | null;
}

@InputType({ description: 'Input of `lessonTopicSet`.' })
export class LessonTopicSetInput {
  @Field(() => ID, { description: 'The lesson; only the teacher who conducts it (its substitute, when it has one) may fill it in, and not when it is cancelled.' })
  lessonId!: string;

  @Field(() => String, { nullable: true, description: 'The topic (at most 1000 characters); null or blank removes it. Every change is audited (R-JOUR-10).' })
  topic?: string | null;
}

@ObjectType({ description: 'Result of `lessonTopicSet`.' })
export class LessonTopicSetPayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson with its topic; null when nothing was changed.' })
  lesson?: Lesson | null;
}
