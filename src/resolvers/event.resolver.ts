import { Arg, Ctx as GqlCtx, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Ctx } from '../context';
import { DiaryEvent } from '../schema/event.types';
import '../subscriptions/kinds';
import type { Delivery, LiveEvent } from '../subscriptions/event-hub';

const afterArg = {
  nullable: true,
  description: 'The last `cursor` received: the events after it are delivered first, in order, then live ones. Omit for live events only.',
} as const;

@Resolver(() => DiaryEvent)
export class EventResolver {
  @Subscription(() => DiaryEvent, {
    description: 'R-DIARY-3: live changes of a student\'s diary — timetable changes, substitutions, moves, cancellations, control works; each kind is its own type implementing `DiaryEvent`. For the student, their parents and staff who teach them; a removed guardian link or a blocked account ends the subscription at the next event.',
    subscribe: ({ args, context }) => (context as Ctx).services.events.subscribeDiary(context as Ctx, args.studentId as string, args.after as string | null),
  })
  diaryEvents(
    @Root() delivery: LiveEvent | Delivery,
    @Arg('studentId', () => ID, { description: 'Global ID of the student.' }) _studentId: string,
    @Arg('after', () => String, afterArg) _after: string | null,
    @GqlCtx() ctx: Ctx,
  ): DiaryEvent {
    return ctx.services.events.toEvent(delivery);
  }

  @Subscription(() => DiaryEvent, {
    description: 'R-DIARY-3, R-JOUR-6: live changes of the viewer\'s own timetable as a teacher — lessons they teach or substitute, classes they lead. For school staff.',
    subscribe: ({ args, context }) => (context as Ctx).services.events.subscribeTeacher(context as Ctx, args.after as string | null),
  })
  teacherEvents(
    @Root() delivery: LiveEvent | Delivery,
    @Arg('after', () => String, afterArg) _after: string | null,
    @GqlCtx() ctx: Ctx,
  ): DiaryEvent {
    return ctx.services.events.toEvent(delivery);
  }
}

/** Resolvers of the live events. */
export const eventResolvers: Function[] = [EventResolver];
