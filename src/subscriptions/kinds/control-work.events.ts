import { Field, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { ControlWork } from '../../entities/control-work.entity';
import { DiaryEvent } from '../../schema/event.types';
import { defineEventObject, numberDetail, registerEventKind, textDetail } from '../event-registry';

/** R-YEAR-10: the control-work schedule as it changes, delivered with the control work as it is now. */
export const CONTROL_WORK_OBJECT = defineEventObject<ControlWork>('ControlWork', async (em, ids) =>
  new Map((await em.find(ControlWork, { id: { $in: ids } })).map((w) => [w.id, w])));

const workField = { nullable: true, description: 'The control work, as it is now; null if it no longer exists.' } as const;

@ObjectType({ implements: DiaryEvent, description: '`controlWork` was scheduled (R-YEAR-10).' })
export class ControlWorkScheduledEvent extends DiaryEvent {
  @Field(() => ControlWork, workField) controlWork!: ControlWork | null;
}

@ObjectType({ implements: DiaryEvent, description: '`controlWork` changed (date, lesson number, form or title).' })
export class ControlWorkChangedEvent extends DiaryEvent {
  @Field(() => ControlWork, workField) controlWork!: ControlWork | null;
  @Field(() => LocalDateResolver, { nullable: true, description: 'The date it was on before the change.' }) fromDate!: string | null;
  @Field(() => Int, { nullable: true, description: 'The lesson number it had before the change, if it had one.' }) fromLessonNumber!: number | null;
}

@ObjectType({ implements: DiaryEvent, description: '`controlWork` was cancelled.' })
export class ControlWorkCancelledEvent extends DiaryEvent {
  @Field(() => ControlWork, workField) controlWork!: ControlWork | null;
  @Field(() => String, { nullable: true, description: 'The reason given, when one was.' }) reason!: string | null;
}

const workKind = { object: CONTROL_WORK_OBJECT, objectField: 'controlWork' } as const;

export const CONTROL_WORK_SCHEDULED = registerEventKind({
  kind: 'CONTROL_WORK_SCHEDULED', description: 'A control work was scheduled (R-YEAR-10).', type: ControlWorkScheduledEvent, ...workKind,
});
export const CONTROL_WORK_CHANGED = registerEventKind({
  kind: 'CONTROL_WORK_CHANGED', description: 'A control work changed (date, lesson number, form or title).', type: ControlWorkChangedEvent, ...workKind,
  fields: (d) => ({ fromDate: textDetail(d, 'fromDate'), fromLessonNumber: numberDetail(d, 'fromLessonNumber') }),
});
export const CONTROL_WORK_CANCELLED = registerEventKind({
  kind: 'CONTROL_WORK_CANCELLED', description: 'A control work was cancelled.', type: ControlWorkCancelledEvent, ...workKind,
  fields: (d) => ({ reason: textDetail(d, 'reason') }),
});
