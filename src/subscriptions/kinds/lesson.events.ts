import { Field, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Lesson } from '../../entities/lesson.entity';
import { DiaryEvent } from '../../schema/event.types';
import { defineEventObject, numberDetail, registerEventKind, textDetail } from '../event-registry';

/** R-JOUR-6, R-DIARY-2: changes of a dated lesson, delivered with the lesson as it is now. */
export const LESSON_OBJECT = defineEventObject<Lesson>('Lesson', async (em, ids) =>
  new Map((await em.find(Lesson, { id: { $in: ids } })).map((l) => [l.id, l])));

const lessonField = { nullable: true, description: 'The lesson, as it is now; null if it no longer exists.' } as const;
const reasonField = { nullable: true, description: 'The reason given, when one was.' } as const;
const reason = (d: Record<string, unknown>) => ({ reason: textDetail(d, 'reason') });

@ObjectType({ implements: DiaryEvent, description: 'A substitute teacher conducts `lesson` (R-JOUR-6).' })
export class LessonSubstitutedEvent extends DiaryEvent {
  @Field(() => Lesson, lessonField) lesson!: Lesson | null;
  @Field(() => String, reasonField) reason!: string | null;
}

@ObjectType({ implements: DiaryEvent, description: 'The substitution of `lesson` was withdrawn: its own teacher conducts it.' })
export class LessonSubstitutionRemovedEvent extends DiaryEvent {
  @Field(() => Lesson, lessonField) lesson!: Lesson | null;
}

@ObjectType({ implements: DiaryEvent, description: '`lesson` moved to another date, lesson number or room.' })
export class LessonMovedEvent extends DiaryEvent {
  @Field(() => Lesson, lessonField) lesson!: Lesson | null;
  @Field(() => String, reasonField) reason!: string | null;
  @Field(() => LocalDateResolver, { nullable: true, description: 'The date the lesson was on before the move.' }) fromDate!: string | null;
  @Field(() => Int, { nullable: true, description: 'The lesson number it had before the move.' }) fromLessonNumber!: number | null;
}

@ObjectType({ implements: DiaryEvent, description: '`lesson` is cancelled.' })
export class LessonCancelledEvent extends DiaryEvent {
  @Field(() => Lesson, lessonField) lesson!: Lesson | null;
  @Field(() => String, reasonField) reason!: string | null;
}

@ObjectType({ implements: DiaryEvent, description: 'A cancelled `lesson` takes place after all.' })
export class LessonRestoredEvent extends DiaryEvent {
  @Field(() => Lesson, lessonField) lesson!: Lesson | null;
}

const lessonKind = { object: LESSON_OBJECT, objectField: 'lesson' } as const;

export const LESSON_SUBSTITUTED = registerEventKind({
  kind: 'LESSON_SUBSTITUTED', description: 'A substitute teacher conducts the lesson (R-JOUR-6).', type: LessonSubstitutedEvent, ...lessonKind, fields: reason,
});
export const LESSON_SUBSTITUTION_REMOVED = registerEventKind({
  kind: 'LESSON_SUBSTITUTION_REMOVED', description: 'The substitution was withdrawn: the lesson\'s own teacher conducts it.', type: LessonSubstitutionRemovedEvent, ...lessonKind,
});
export const LESSON_MOVED = registerEventKind({
  kind: 'LESSON_MOVED', description: 'The lesson moved to another date, lesson number or room.', type: LessonMovedEvent, ...lessonKind,
  fields: (d) => ({ ...reason(d), fromDate: textDetail(d, 'fromDate'), fromLessonNumber: numberDetail(d, 'fromLessonNumber') }),
});
export const LESSON_CANCELLED = registerEventKind({
  kind: 'LESSON_CANCELLED', description: 'The lesson is cancelled.', type: LessonCancelledEvent, ...lessonKind, fields: reason,
});
export const LESSON_RESTORED = registerEventKind({
  kind: 'LESSON_RESTORED', description: 'A cancelled lesson takes place after all.', type: LessonRestoredEvent, ...lessonKind,
});
