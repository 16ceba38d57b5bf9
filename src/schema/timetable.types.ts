import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver, LocalTimeResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { BellSchedule, LessonKind, TimetableEntry } from '../entities/timetable.entity';
import { StudyPeriod } from '../entities/academic-year.entity';
import { Lesson } from '../entities/lesson.entity';

@InputType({ description: 'One lesson of a bell schedule.' })
export class BellSlotInput {
  @Field(() => Int, { description: 'Lesson number, 0–15 (0 for a "zero" lesson); each at most once per schedule.' })
  lessonNumber!: number;

  @Field(() => LocalTimeResolver, { description: 'Start, school-local time, e.g. "08:30".' })
  startsAt!: string;

  @Field(() => LocalTimeResolver, { description: 'End, school-local time, after the start and no later than the next lesson number starts.' })
  endsAt!: string;
}

@InputType({ description: 'Input of `bellScheduleSet`.' })
export class BellScheduleSetInput {
  @Field(() => ID, { description: 'The academic year the schedule is for.' })
  academicYearId!: string;

  @Field(() => ID, { nullable: true, description: 'The class the schedule is for; omit both classId and groupId for the school default.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group the schedule is for; omit both classId and groupId for the school default.' })
  groupId?: string | null;

  @Field(() => String, { description: 'Name, e.g. "Основное расписание звонков".' })
  name!: string;

  @Field(() => [BellSlotInput], { description: 'All lessons of the schedule; they replace the previous ones. Lessons must not overlap in time and follow the order of their numbers.' })
  slots!: BellSlotInput[];
}

@ObjectType({ description: 'Result of `bellScheduleSet`.' })
export class BellScheduleSetPayload extends Payload {
  @Field(() => BellSchedule, { nullable: true, description: 'The created or replaced schedule; null when nothing was changed.' })
  bellSchedule?: BellSchedule | null;
}

@InputType({ description: 'Input of `bellScheduleRemove`.' })
export class BellScheduleRemoveInput {
  @Field(() => ID, { description: 'The bell schedule.' })
  id!: string;
}

@ObjectType({ description: 'Result of `bellScheduleRemove`.' })
export class BellScheduleRemovePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'Global ID of the removed schedule; null when nothing was removed.' })
  deletedBellScheduleId?: string | null;
}

@InputType({ description: 'Input of `timetableEntryCreate`: give exactly one of classId, groupId and studentId.' })
export class TimetableEntryCreateInput {
  @Field(() => ID, { description: 'The academic year.' })
  academicYearId!: string;

  @Field(() => Int, { description: 'ISO weekday: 1 Monday … 7 Sunday.' })
  weekday!: number;

  @Field(() => Int, { description: 'Lesson number, 0–15; it must exist in the bell schedule that applies to the target, if any.' })
  lessonNumber!: number;

  @Field(() => ID, { description: 'The subject.' })
  subjectId!: string;

  @Field(() => ID, { description: 'The teacher (a staff member of the school).' })
  teacherId!: string;

  @Field(() => ID, { nullable: true, description: 'The room, if fixed.' })
  roomId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The class, for a lesson of the whole class.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group: a subgroup, a cross-class group or a stream.' })
  groupId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The student, for a lesson of an individual plan.' })
  studentId?: string | null;

  @Field(() => LessonKind, { defaultValue: LessonKind.MAIN, description: 'Main, extracurricular or additional.' })
  kind!: LessonKind;

  @Field(() => LocalDateResolver, { description: 'First day the entry applies, inside the academic year.' })
  validFrom!: string;

  @Field(() => LocalDateResolver, { description: 'Last day the entry applies, on or after validFrom, inside the academic year.' })
  validTo!: string;
}

@ObjectType({ description: 'Result of `timetableEntryCreate`.' })
export class TimetableEntryCreatePayload extends Payload {
  @Field(() => TimetableEntry, { nullable: true, description: 'The created entry; null when nothing was created.' })
  timetableEntry?: TimetableEntry | null;
}

@InputType({ description: 'Input of `timetableEntryEnd`.' })
export class TimetableEntryEndInput {
  @Field(() => ID, { description: 'The timetable entry.' })
  id!: string;

  @Field(() => LocalDateResolver, { description: 'The new last day of the entry: on or after its first day and before its current last day.' })
  lastDate!: string;
}

@ObjectType({ description: 'Result of `timetableEntryEnd`.' })
export class TimetableEntryEndPayload extends Payload {
  @Field(() => TimetableEntry, { nullable: true, description: 'The shortened entry; null when nothing was changed.' })
  timetableEntry?: TimetableEntry | null;
}

@InputType({ description: 'Input of `timetableEntryDelete`.' })
export class TimetableEntryDeleteInput {
  @Field(() => ID, { description: 'The timetable entry.' })
  id!: string;
}

@ObjectType({ description: 'Result of `timetableEntryDelete`.' })
export class TimetableEntryDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'Global ID of the deleted entry; null when nothing was deleted.' })
  deletedTimetableEntryId?: string | null;

  @Field(() => Int, { description: 'Lessons of the entry without journal data, deleted with it.' })
  removedLessonCount: number = 0;

  @Field(() => [Lesson], { description: 'Lessons of the entry with journal data: they stay, no longer tied to an entry.' })
  keptLessons: Lesson[] = [];
}

@InputType({ description: 'Input of `lessonsGenerate`.' })
export class LessonsGenerateInput {
  @Field(() => ID, { description: 'The study period whose lessons are generated from the timetable.' })
  periodId!: string;
}

@ObjectType({ description: 'Result of `lessonsGenerate`: what changed among the dated lessons of the period.' })
export class LessonsGeneratePayload extends Payload {
  @Field(() => StudyPeriod, { nullable: true, description: 'The study period; null when nothing was done.' })
  period?: StudyPeriod | null;

  @Field(() => Int, { description: 'Lessons created.' })
  created: number = 0;

  @Field(() => Int, { description: 'Lessons without journal data deleted because the timetable no longer has them.' })
  removed: number = 0;

  @Field(() => Int, { description: 'Lessons that were already there and still fit the timetable.' })
  unchanged: number = 0;

  @Field(() => Int, { description: 'Lessons that no longer fit the timetable but were kept because they carry journal data (the size of `notFitting`).' })
  kept: number = 0;

  @Field(() => [Lesson], { description: 'The kept lessons with journal data that no longer fit the timetable: move, cancel or keep them by hand.' })
  notFitting: Lesson[] = [];
}
