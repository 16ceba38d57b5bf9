import type { Ctx, Viewer } from '../context';
import { badInput, forbidden, notFound, passwordChangeRequired, unauthenticated } from '../schema/errors';
import { fromGlobalId, toGlobalId } from '../schema/node';
import type { DiaryEvent } from '../schema/event.types';
import { buildEvent, eventKind } from '../subscriptions/event-registry';
import type { Delivery, EventHub, EventSubscription, LiveEvent } from '../subscriptions/event-hub';
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { cursorExpired } from '../subscriptions/outbox-retention';
import { liveAccess, type LiveAccess as SharedAccess, type LiveAccessKey } from '../subscriptions/live-access';

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
    this.assertViewer(ctx);
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'studentId');
    const cursor = parseCursor(after);
    const access = await this.access(ctx, studentId);
    const from = checkCursor(cursor, access);
    if (!access.allowed) throw notFound('Student');
    const viewer = ctx.viewer!;
    return this.requireHub().subscribe({ userId: viewer.userId, sessionId: viewer.sessionId, studentId, after: from, viewer }, ctx);
  }

  /** Events of the lessons a staff member teaches or substitutes, and of the classes they lead. */
  async subscribeTeacher(ctx: Ctx, after: string | null | undefined): Promise<EventSubscription> {
    this.assertViewer(ctx);
    const cursor = parseCursor(after);
    const access = await this.access(ctx, null);
    const viewer = ctx.viewer!;
    if (!access.allowed) throw forbidden('teacherEvents is for school staff; students and parents subscribe to diaryEvents');
    const from = checkCursor(cursor, access);
    return this.requireHub().subscribe({ userId: viewer.userId, sessionId: viewer.sessionId, studentId: null, after: from, viewer }, ctx);
  }

  /**
   * The one statement a subscription starts with (shared by the subscriptions that arrive together):
   * the session is alive and the account not blocked (a socket's operations start from the viewer
   * authenticated at connect), the roles held now (they replace the context's), whether the viewer
   * takes part in the student's education today, and both ends of the event log for the cursor. A
   * session or account that ended is UNAUTHENTICATED (its socket is being closed too).
   */
  private async access(ctx: Ctx, studentId: string | null): Promise<SharedAccess> {
    const viewer = ctx.viewer!;
    const row = await this.checks.load({ em: ctx.em, userId: viewer.userId, sessionId: viewer.sessionId, studentId });
    if (!row.live) throw unauthenticated();
    ctx.viewer = { ...viewer, roles: JSON.parse(row.rolesText) as Viewer['roles'] };
    return row;
  }

  /**
   * Subscribe-time checks, batched across the subscriptions of one turn of the event loop (a
   * reconnecting crowd sends hundreds at once): the live-stream access rule the hub also applies at
   * every event (src/subscriptions/live-access.ts), one statement per batch.
   */
  private readonly checks = new DataLoader<AccessKey, SharedAccess>(
    (keys) => liveAccess(keys[0].em, keys),
    { cache: false, maxBatchSize: 2000, batchScheduleFn: (run) => setImmediate(run) },
  );

  /**
   * Turns an event into its kind's GraphQL type. The hub has decided the object for this subscriber
   * (or group of subscribers with the same rights and decision): null where `node(id)` would not show
   * it to them (R-SEC-3). An error delivery ends the subscription with that error.
   */
  toEvent(d: LiveEvent | Delivery): DiaryEvent {
    if ('error' in d) throw d.error;
    const { event } = d;
    const built = buildEvent(eventKind(event.kind), {
      cursor: String(event.seq),
      kind: event.kind,
      occurredAt: event.occurredAt,
      studentId: null,
      dateFrom: event.dateFrom,
      dateTo: event.dateTo,
    }, event.details, d.object) as DiaryEvent;
    // Read only when selected: a live execution that does not select it is the same for every stream (streamProbe).
    return Object.defineProperty(built, 'studentId', {
      enumerable: true, configurable: true, get: () => (d.studentId ? toGlobalId('Student', d.studentId) : null),
    });
  }

  private assertViewer(ctx: Ctx) {
    if (!ctx.viewer) throw ctx.authError ?? unauthenticated();
    if (ctx.viewer.mustChangePassword) throw passwordChangeRequired();
    return ctx.viewer;
  }

  private requireHub(): EventHub {
    if (!this.hub) throw new Error('live events are not available in this process');
    return this.hub;
  }
}

interface AccessKey extends LiveAccessKey {
  em: EntityManager;
}


/** A cursor received earlier: a whole number (its bounds are checked against the log by `checkCursor`). */
function parseCursor(after: string | null | undefined): number | null {
  if (after == null) return null;
  if (!/^\d{1,15}$/.test(after)) throw badInput('"after" is not a cursor received from this API', 'after');
  return Number(after);
}

/**
 * A cursor not beyond the end of the log, and not older than the events still kept
 * (EVENTS_RETENTION_DAYS): below `pruned_through`, missed events are gone.
 */
function checkCursor(cursor: number | null, access: SharedAccess): number | null {
  if (cursor === null) return null;
  if (cursor > access.lastSeq) throw badInput('"after" is beyond the end of the event log', 'after');
  if (cursor < access.prunedThrough) throw cursorExpired();
  return cursor;
}
