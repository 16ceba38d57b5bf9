import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Holiday } from '../entities/academic-year.entity';
import { Lesson } from '../entities/lesson.entity';
import { ControlWork } from '../entities/control-work.entity';

/** Longest range of one diary or timetable read, in days. */
export const DIARY_RANGE_MAX_DAYS = 31;

/**
 * What a diary read selects beyond the lessons, read for the whole range the first time a day asks
 * for it: a request that selects no holiday (or no control work) reads none.
 */
export interface DiaryExtras {
  holiday(date: string): Promise<Holiday | null>;
  controlWorks(date: string): Promise<ControlWork[]>;
}

@ObjectType({ description: 'One day of a student\'s diary (R-DIARY-2): the lessons as they take place, a holiday, the control works.' })
export class DiaryDay {
  @Field(() => LocalDateResolver, { description: 'The day.' })
  date!: string;

  @Field(() => [Lesson], {
    description: 'The lessons the student attends that day, by lesson number: of their class and groups (by membership on the day) and individual ones. Cancelled lessons are included (see `status`); a moved lesson shows at its new date and lesson number (see `moved`, `movedFrom`).',
  })
  lessons!: Lesson[];

  /** `holiday` and `controlWorks` (field resolvers in DiaryResolver) */
  extras!: DiaryExtras;
}

/** `DiaryDay.holiday`'s description. */
export const DIARY_HOLIDAY_DOC = 'The holiday of the student\'s grade that covers the day; null on a school day.';
/** `DiaryDay.controlWorks`'s description. */
export const DIARY_CONTROL_WORKS_DOC = 'Control works of the student\'s class and groups that day (R-YEAR-10), not cancelled.';

/** What a lesson of a teacher's timetable is to that teacher. */
export enum TeacherLessonRole {
  OWN = 'OWN',
  SUBSTITUTE = 'SUBSTITUTE',
  SUBSTITUTED_AWAY = 'SUBSTITUTED_AWAY',
}
registerEnumType(TeacherLessonRole, {
  name: 'TeacherLessonRole',
  description: 'What a lesson of a teacher\'s timetable is to that teacher (R-JOUR-6).',
  valuesConfig: {
    OWN: { description: 'Their own timetable lesson, which they conduct.' },
    SUBSTITUTE: { description: 'Another teacher\'s lesson that they conduct as the substitute.' },
    SUBSTITUTED_AWAY: { description: 'Their own timetable lesson that a substitute conducts instead (see `lesson.substituteTeacher`); they do not conduct it and may not fill it in.' },
  },
});

@ObjectType({ description: 'A lesson of a teacher\'s timetable with what it is to that teacher.' })
export class TeacherTimetableLesson {
  @Field(() => TeacherLessonRole, { description: 'Whether the teacher conducts it (OWN, SUBSTITUTE) or a substitute conducts it instead (SUBSTITUTED_AWAY).' })
  role!: TeacherLessonRole;

  @Field(() => Lesson, { description: 'The lesson.' })
  lesson!: Lesson;
}

@ObjectType({ description: 'One day of a teacher\'s timetable: the lessons they conduct.' })
export class TeacherDay {
  @Field(() => LocalDateResolver, { description: 'The day.' })
  date!: string;

  @Field(() => [Lesson], {
    description: 'The lessons the teacher conducts that day, by lesson number: their own timetable lessons without a substitute and the lessons they substitute (`isSubstitution`). Cancelled lessons are included (see `status`). `entries` also shows their own lessons a substitute conducts.',
  })
  lessons!: Lesson[];

  @Field(() => [TeacherTimetableLesson], {
    description: 'Every lesson of the teacher that day, by lesson number, each with its `role`: the lessons they conduct (OWN, SUBSTITUTE) and their own timetable lessons a substitute conducts instead (SUBSTITUTED_AWAY). Cancelled lessons are included (see `lesson.status`).',
  })
  entries!: TeacherTimetableLesson[];
}
