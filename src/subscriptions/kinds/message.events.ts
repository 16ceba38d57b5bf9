import { Field, ID, ObjectType } from 'type-graphql';
import { Acknowledgment, Message } from '../../entities/message.entity';
import { DiaryEvent } from '../../schema/event.types';
import { defineEventObject, registerEventKind, textDetail } from '../event-registry';
import { leanByIds } from '../../loaders/by-id';

/** R-JOUR-12: a message, delivered only to the current participants of its thread (`recipientUserIds`). */
export const MESSAGE_OBJECT = defineEventObject<Message>('Message', (em, ids) => leanByIds(em, Message, ids));
/** R-DIARY-5: a guardian's acknowledgment, delivered to the student's diary stream and the class teacher. */
export const ACKNOWLEDGMENT_OBJECT = defineEventObject<Acknowledgment>('Acknowledgment', (em, ids) => leanByIds(em, Acknowledgment, ids));

@ObjectType({ implements: DiaryEvent, description: 'A message was written in a thread the subscriber takes part in (R-JOUR-12). Delivered to the thread\'s participants only: on the diary stream of the student it concerns (each student of the class for a class thread) and on the staff member\'s `teacherEvents`.' })
export class MessagePostedEvent extends DiaryEvent {
  @Field(() => Message, { nullable: true, description: 'The message, as `node(id)` shows it to the subscriber; null once they no longer take part in the thread.' }) message!: Message | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the thread.' }) threadId!: string | null;
}

@ObjectType({ implements: DiaryEvent, description: 'A guardian acknowledged a week of the diary, a mark or a message (R-DIARY-5). Delivered on the student\'s diary stream and to the class teacher\'s `teacherEvents`.' })
export class AcknowledgedEvent extends DiaryEvent {
  @Field(() => Acknowledgment, { nullable: true, description: 'The acknowledgment, as `node(id)` shows it to the subscriber.' }) acknowledgment!: Acknowledgment | null;
}

export const MESSAGE_POSTED = registerEventKind({
  kind: 'MESSAGE_POSTED', description: 'A message was written in a thread (R-JOUR-12).', type: MessagePostedEvent,
  object: MESSAGE_OBJECT, objectField: 'message', fields: (d) => ({ threadId: textDetail(d, 'threadId') }),
});
export const ACKNOWLEDGED = registerEventKind({
  kind: 'ACKNOWLEDGED', description: 'A guardian acknowledged a week of the diary, a mark or a message (R-DIARY-5).', type: AcknowledgedEvent,
  object: ACKNOWLEDGMENT_OBJECT, objectField: 'acknowledgment',
});
