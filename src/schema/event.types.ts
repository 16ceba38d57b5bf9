import { Field, ID, InterfaceType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { DiaryEventKind, eventKind } from '../subscriptions/event-registry';

@InterfaceType('DiaryEvent', {
  description: 'A live change of a diary or of a teacher\'s timetable (R-DIARY-3). Each kind is its own type (`LessonMovedEvent`, `ControlWorkScheduledEvent`, …) with a typed field for what it concerns, shown in its current state; select them with inline fragments.',
  resolveType: (event: { kind: string }) => eventKind(event.kind).type.name,
})
export abstract class DiaryEvent {
  @Field(() => String, {
    description: 'Position of the event in the event log. Keep the last one received and pass it as `after` when resubscribing: every event after it is delivered, in order, exactly once. Opaque: do not compute with it.',
  })
  cursor!: string;

  @Field(() => DiaryEventKind, { description: 'What happened; the same as the event\'s type.' })
  kind!: string;

  @Field(() => Date, { description: 'When the change was committed.' })
  occurredAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The student whose diary this is (diaryEvents); null for teacherEvents.' })
  studentId!: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'First day the change concerns.' })
  dateFrom!: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day the change concerns.' })
  dateTo!: string | null;
}
