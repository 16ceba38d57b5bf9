import { Field, ObjectType } from 'type-graphql';
import { FinalMark } from '../../entities/final-mark.entity';
import { DiaryEvent } from '../../schema/event.types';
import { defineEventObject, registerEventKind } from '../event-registry';
import { leanByIds } from '../../loaders/by-id';

/** R-JOUR-8, R-JOUR-11, R-DIARY-1: a final mark, delivered to its student's diary stream (their guardians) and the teacher. */
export const FINAL_MARK_OBJECT = defineEventObject<FinalMark>('FinalMark', (em, ids) => leanByIds(em, FinalMark, ids));

@ObjectType({ implements: DiaryEvent, description: 'A final mark was set, corrected or postponed (R-JOUR-8, R-JOUR-11).' })
export class FinalMarkSetEvent extends DiaryEvent {
  @Field(() => FinalMark, { nullable: true, description: 'The final mark, as it is now.' })
  finalMark!: FinalMark | null;
}

export const FINAL_MARK_SET = registerEventKind({
  kind: 'FINAL_MARK_SET', description: 'A final mark was set, corrected or postponed.', type: FinalMarkSetEvent,
  object: FINAL_MARK_OBJECT, objectField: 'finalMark',
});
