import { Field, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Holiday } from '../entities/academic-year.entity';
import { Lesson } from '../entities/lesson.entity';
import { ControlWork } from '../entities/control-work.entity';

/** Longest range of one diary or timetable read, in days. */
export const DIARY_RANGE_MAX_DAYS = 31;

@ObjectType({ description: 'One day of a student\'s diary (R-DIARY-2): the lessons as they take place, a holiday, the control works.' })
export class DiaryDay {
  @Field(() => LocalDateResolver, { description: 'The day.' })
  date!: string;

  @Field(() => Holiday, { nullable: true, description: 'The holiday of the student\'s grade that covers the day; null on a school day.' })
  holiday!: Holiday | null;

  @Field(() => [Lesson], {
    description: 'The lessons the student attends that day, by lesson number: of their class and groups (by membership on the day) and individual ones. Cancelled lessons are included (see `status`); a moved lesson shows at its new date and lesson number (see `moved`, `movedFrom`).',
  })
  lessons!: Lesson[];

  @Field(() => [ControlWork], { description: 'Control works of the student\'s class and groups that day (R-YEAR-10), not cancelled.' })
  controlWorks!: ControlWork[];
}

@ObjectType({ description: 'One day of a teacher\'s timetable: the lessons they conduct.' })
export class TeacherDay {
  @Field(() => LocalDateResolver, { description: 'The day.' })
  date!: string;

  @Field(() => [Lesson], {
    description: 'The lessons the teacher conducts that day, by lesson number: their own timetable lessons without a substitute and the lessons they substitute (`isSubstitution`). Cancelled lessons are included (see `status`).',
  })
  lessons!: Lesson[];
}
