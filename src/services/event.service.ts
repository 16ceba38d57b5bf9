import type { Ctx } from '../context';
import { rolesOf } from '../permissions/capabilities';
import { hasRole } from '../context';
import { badInput, forbidden, notFound, passwordChangeRequired, unauthenticated } from '../schema/errors';
import { fromGlobalId, toGlobalId } from '../schema/node';
import type { DiaryEvent } from '../schema/event.types';
import { buildEvent, eventKind } from '../subscriptions/event-registry';
import type { Delivery, EventHub, EventSubscription } from '../subscriptions/event-hub';
import { canSeeStudent } from './membership.helpers';
import { nodeVisible } from './node.service';
import { cursorExpired } from '../subscriptions/outbox-retention';

/** Staff roles whose holders have a timetable of their own. */
const STAFF_ROLES = rolesOf('canFollowStaffEvents');

/**
 * Subscriptions to live events (R-DIARY-3). Access is checked here at subscribe time (the
 * permission layer does not guard subscribing) and by the hub again for every event.
 */
export class EventService {
  private hub: EventHub | null = null;

  /** The server attaches its process's hub. */
  attach(hub: EventHub): void {
    this.hub = hub;
  }

  /** R-DIARY-3: a student's diary events; for the student, their guardians and their teachers, while they take part today (student_access_at). */
  async subscribeDiary(ctx: Ctx, studentGlobalId: string, after: string | null | undefined): Promise<EventSubscription> {
    const viewer = this.assertViewer(ctx);
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'studentId');
    const cursor = await this.cursor(ctx, after);
    if (!(await canSeeStudent(ctx.em, ctx, studentId))) throw notFound('Student');
    return this.requireHub().subscribe({ userId: viewer.userId, sessionId: viewer.sessionId, studentId, after: cursor });
  }

  /** Events of the lessons a staff member teaches or substitutes, and of the classes they lead. */
  async subscribeTeacher(ctx: Ctx, after: string | null | undefined): Promise<EventSubscription> {
    const viewer = this.assertViewer(ctx);
    if (!hasRole(viewer, STAFF_ROLES)) throw forbidden('teacherEvents is for school staff; students and parents subscribe to diaryEvents');
    const cursor = await this.cursor(ctx, after);
    return this.requireHub().subscribe({ userId: viewer.userId, sessionId: viewer.sessionId, studentId: null, after: cursor });
  }

  /**
   * Turns a delivery into its kind's GraphQL type, for this subscriber: the object is shown only if
   * `node(id)` would show it to them (R-SEC-3), as over HTTP. The field resolvers use the batch's
   * loaders, which take the viewer from each key.
   *
   * A subscription's context lives as long as the subscription, so each event is authorised afresh:
   * the viewer's roles are reloaded (one query per batch for all subscribers, from the batch's
   * `viewerRoles`) and the rule decisions cached on the context are dropped.
   */
  async toEvent(ctx: Ctx, d: Delivery): Promise<DiaryEvent> {
    if ('error' in d) throw d.error;
    const { event, objects } = d;
    ctx.em = objects.em;
    // New loaders also renew the permission layer's per-operation decisions (src/permissions/index.ts).
    ctx.loaders = objects.loaders;
    await refreshAuthorisation(ctx);
    const loaded = event.objectType && event.objectId ? objects.byType.get(event.objectType)?.get(event.objectId) ?? null : null;
    const object = loaded && (await nodeVisible(ctx, event.objectType!, loaded)) ? loaded : null;
    return buildEvent(eventKind(event.kind), {
      cursor: String(event.seq),
      kind: event.kind,
      occurredAt: event.occurredAt,
      studentId: d.studentId ? toGlobalId('Student', d.studentId) : null,
      dateFrom: event.dateFrom,
      dateTo: event.dateTo,
    }, event.details, object) as DiaryEvent;
  }

  private assertViewer(ctx: Ctx) {
    if (!ctx.viewer) throw ctx.authError ?? unauthenticated();
    if (ctx.viewer.mustChangePassword) throw passwordChangeRequired();
    return ctx.viewer;
  }

  /**
   * A cursor received earlier: a whole number not beyond the end of the log, and not older than the
   * events still kept (EVENTS_RETENTION_DAYS): below `pruned_through`, missed events are gone.
   */
  private async cursor(ctx: Ctx, after: string | null | undefined): Promise<number | null> {
    if (after == null) return null;
    if (!/^\d{1,15}$/.test(after)) throw badInput('"after" is not a cursor received from this API', 'after');
    const value = Number(after);
    const [head] = await ctx.em.execute<{ last_seq: string; pruned_through: string }[]>('select last_seq, pruned_through from outbox_head where id = 1');
    if (value > Number(head.last_seq)) throw badInput('"after" is beyond the end of the event log', 'after');
    if (value < Number(head.pruned_through)) throw cursorExpired();
    return value;
  }

  private requireHub(): EventHub {
    if (!this.hub) throw new Error('live events are not available in this process');
    return this.hub;
  }
}

/**
 * The viewer's roles as they are now, from the context's loaders, and an empty graphql-shield
 * cache (shield keeps rule results in `ctx._shield` for as long as the context lives).
 */
async function refreshAuthorisation(ctx: Ctx): Promise<void> {
  if (ctx.viewer) {
    ctx.viewer = { ...ctx.viewer, roles: await ctx.loaders.viewerRoles.load(ctx.viewer.userId) };
  }
  (ctx as { _shield?: unknown })._shield = { cache: {} };
}
