import { Field, ObjectType } from 'type-graphql';
import { TimetableEntry } from '../../entities/timetable.entity';
import { DiaryEvent } from '../../schema/event.types';
import { defineEventObject, registerEventKind } from '../event-registry';

/** R-YEAR-7, R-DIARY-2: timetable changes over a range of days; the client refetches that range. */
export const TIMETABLE_ENTRY_OBJECT = defineEventObject<TimetableEntry>('TimetableEntry', async (em, ids) =>
  new Map((await em.find(TimetableEntry, { id: { $in: ids } })).map((e) => [e.id, e])));

@ObjectType({ implements: DiaryEvent, description: 'Timetable entries, bell times or the dated lessons of `dateFrom`…`dateTo` changed: refetch that range.' })
export class TimetableChangedEvent extends DiaryEvent {
  @Field(() => TimetableEntry, {
    nullable: true,
    description: 'The timetable entry that changed, as it is now; null after it was deleted, or when the change was a regeneration or new bell times.',
  })
  timetableEntry!: TimetableEntry | null;
}

/** Published with the entry as object when one entry changed, without an object otherwise. */
export const TIMETABLE_CHANGED = registerEventKind({
  kind: 'TIMETABLE_CHANGED', description: 'The timetable of `dateFrom`…`dateTo` changed: refetch that range.',
  type: TimetableChangedEvent, object: TIMETABLE_ENTRY_OBJECT, objectField: 'timetableEntry',
});
