import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { Lesson } from '../entities/lesson.entity';
import { Holiday } from '../entities/academic-year.entity';
import { Staff } from '../entities/staff.entity';
import { Room } from '../entities/subject.entity';

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

@ObjectType({ description: 'A teacher free at a lesson slot, who can be registered as its substitute (see `lessonSlotAvailability`).' })
export class FreeTeacher {
  @Field(() => Staff, { description: 'The staff member: a current TEACHER of the school who conducts no lesson at that slot.' })
  staff!: Staff;

  @Field(() => Boolean, { description: 'Holds a teaching assignment of the given `subjectId` on that date (false when no subject was given).' })
  teachesSubject!: boolean;

  @Field(() => Boolean, { description: 'Holds a teaching assignment (any subject) of the given class or group on that date (false when neither was given).' })
  teachesClassOrGroup!: boolean;
}

@ObjectType({ description: 'Who and what is free at a lesson slot (date and lesson number) of a school, by the same clash rules as `lessonSubstitute` and `lessonMove`.' })
export class LessonSlotAvailability {
  @Field(() => LocalDateResolver, { description: 'The date.' })
  date!: string;

  @Field(() => Int, { description: 'The lesson number of the day.' })
  lessonNumber!: number;

  @Field(() => Holiday, { nullable: true, description: 'The holiday covering the date for the whole school or the given class or group; then no lessons take place and both lists are empty.' })
  holiday!: Holiday | null;

  @Field(() => [FreeTeacher], {
    description: 'Current TEACHERs of the school (not archived) who conduct no lesson at the slot — neither their own (unless a substitute has it) nor one they substitute; cancelled lessons occupy nobody. '
      + 'Those teaching the given subject first, then those teaching the given class or group, then by family and given name. The teacher of a lesson at the slot is busy with it, so it is not listed.',
  })
  teachers!: FreeTeacher[];

  @Field(() => [Room], { description: 'Rooms of the school, not archived, that no lesson at the slot takes place in (cancelled lessons occupy none), by name.' })
  rooms!: Room[];
}
