import { Field, ID, ObjectType } from 'type-graphql';
import { Attendance, Homework, Mark } from '../../entities/journal.entity';
import { DiaryEvent } from '../../schema/event.types';
import { defineEventObject, registerEventKind, textDetail } from '../event-registry';
import { leanByIds } from '../../loaders/by-id';

/** R-DIARY-1, R-DIARY-3: a mark, delivered to its student's diary stream (their guardians) and the teacher. */
export const MARK_OBJECT = defineEventObject<Mark>('Mark', (em, ids) => leanByIds(em, Mark, ids));
/** R-DIARY-1, R-DIARY-3: a lesson's homework, delivered to the diary streams of the lesson's students. */
export const HOMEWORK_OBJECT = defineEventObject<Homework>('Homework', (em, ids) => leanByIds(em, Homework, ids));
/** R-DIARY-2, R-DIARY-3: a student's absence or lateness, delivered to their diary stream. */
export const ATTENDANCE_OBJECT = defineEventObject<Attendance>('Attendance', (em, ids) => leanByIds(em, Attendance, ids));

const markField = { nullable: true, description: 'The mark, as it is now; null if it was deleted since.' } as const;
const lessonIdField = { nullable: true, description: 'Global ID of the lesson concerned.' } as const;

@ObjectType({ implements: DiaryEvent, description: 'A mark was posted (R-JOUR-3, R-DIARY-1).' })
export class MarkPostedEvent extends DiaryEvent {
  @Field(() => Mark, markField) mark!: Mark | null;
}

@ObjectType({ implements: DiaryEvent, description: 'A mark was corrected (value, work type or comment; R-JOUR-10 keeps the old one in the audit trail).' })
export class MarkChangedEvent extends DiaryEvent {
  @Field(() => Mark, markField) mark!: Mark | null;
}

@ObjectType({ implements: DiaryEvent, description: 'A mark was deleted.' })
export class MarkDeletedEvent extends DiaryEvent {
  @Field(() => ID, { nullable: true, description: 'Global ID of the deleted mark.' }) markId!: string | null;
  @Field(() => ID, lessonIdField) lessonId!: string | null;
  @Field(() => String, { nullable: true, description: 'The value it had.' }) value!: string | null;
}

@ObjectType({ implements: DiaryEvent, description: 'Homework was given or changed (R-JOUR-5, R-DIARY-3).' })
export class HomeworkSetEvent extends DiaryEvent {
  @Field(() => Homework, { nullable: true, description: 'The homework, as it is now; null if it was removed since.' }) homework!: Homework | null;
  @Field(() => ID, lessonIdField) lessonId!: string | null;
}

@ObjectType({ implements: DiaryEvent, description: 'The homework of a lesson was removed.' })
export class HomeworkRemovedEvent extends DiaryEvent {
  @Field(() => ID, lessonIdField) lessonId!: string | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the removed homework.' }) homeworkId!: string | null;
}

@ObjectType({ implements: DiaryEvent, description: 'A student\'s attendance of a lesson changed (R-JOUR-2): absent or late, or present again.' })
export class AttendanceChangedEvent extends DiaryEvent {
  @Field(() => Attendance, { nullable: true, description: 'The absence or lateness as it is now; null when the student is recorded present (or it changed since).' }) attendance!: Attendance | null;
  @Field(() => ID, lessonIdField) lessonId!: string | null;
}

const markKind = { object: MARK_OBJECT, objectField: 'mark' } as const;
const lessonId = (d: Record<string, unknown>) => ({ lessonId: textDetail(d, 'lessonId') });

export const MARK_POSTED = registerEventKind({ kind: 'MARK_POSTED', description: 'A mark was posted.', type: MarkPostedEvent, ...markKind });
export const MARK_CHANGED = registerEventKind({ kind: 'MARK_CHANGED', description: 'A mark was corrected.', type: MarkChangedEvent, ...markKind });
export const MARK_DELETED = registerEventKind({
  kind: 'MARK_DELETED', description: 'A mark was deleted.', type: MarkDeletedEvent, object: null,
  fields: (d) => ({ markId: textDetail(d, 'markId'), value: textDetail(d, 'value'), ...lessonId(d) }),
});
export const HOMEWORK_SET = registerEventKind({
  kind: 'HOMEWORK_SET', description: 'Homework was given or changed.', type: HomeworkSetEvent, object: HOMEWORK_OBJECT, objectField: 'homework', fields: lessonId,
});
export const HOMEWORK_REMOVED = registerEventKind({
  kind: 'HOMEWORK_REMOVED', description: 'Homework was removed.', type: HomeworkRemovedEvent, object: null,
  fields: (d) => ({ ...lessonId(d), homeworkId: textDetail(d, 'homeworkId') }),
});
export const ATTENDANCE_CHANGED = registerEventKind({
  kind: 'ATTENDANCE_CHANGED', description: 'A student\'s attendance of a lesson changed.', type: AttendanceChangedEvent,
  object: ATTENDANCE_OBJECT, objectField: 'attendance', fields: lessonId,
});
