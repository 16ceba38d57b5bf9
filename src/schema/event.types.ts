import { Field, ID, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { DiaryEventKind } from '../subscriptions/outbox';
import { Lesson } from '../entities/lesson.entity';
import { ControlWork } from '../entities/control-work.entity';
import { TimetableEntry } from '../entities/timetable.entity';

@ObjectType({ description: 'A live change of a diary or of a teacher\'s timetable (R-DIARY-3). The objects show their current state; `kind` and the other fields say what happened.' })
export class DiaryEvent {
  @Field(() => String, {
    description: 'Position of the event in the event log. Keep the last one received and pass it as `after` when resubscribing: every event after it is delivered, in order, exactly once. Opaque: do not compute with it.',
  })
  cursor!: string;

  @Field(() => DiaryEventKind, { description: 'What happened.' })
  kind!: DiaryEventKind;

  @Field(() => Date, { description: 'When the change was committed.' })
  occurredAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The student whose diary this is (diaryEvents); null for teacherEvents.' })
  studentId?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'First day the change concerns.' })
  dateFrom?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day the change concerns.' })
  dateTo?: string | null;

  @Field(() => String, { nullable: true, description: 'The reason given for the change (substitution, move, cancellation), when one was.' })
  reason?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'LESSON_MOVED: the date the lesson was at before the move.' })
  fromDate?: string | null;

  @Field(() => Int, { nullable: true, description: 'LESSON_MOVED: the lesson number it had before the move.' })
  fromLessonNumber?: number | null;

  @Field(() => Lesson, { nullable: true, description: 'The lesson concerned (LESSON_* kinds), as it is now.' })
  lesson?: Lesson | null;

  @Field(() => ControlWork, { nullable: true, description: 'The control work concerned (CONTROL_WORK_* kinds), as it is now.' })
  controlWork?: ControlWork | null;

  @Field(() => TimetableEntry, { nullable: true, description: 'The timetable entry concerned (TIMETABLE_CHANGED by an entry); null after it was deleted or for a regeneration.' })
  timetableEntry?: TimetableEntry | null;
}
