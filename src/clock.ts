/**
 * The one clock of the school calendar: "today" for access that follows participation over time
 * (R-SEC-3), memberships, consent and erasure deadlines. SQL gets its instant as a bind parameter
 * (`student_access_at(?)`), never `now()`, so the server and the database always agree on the day.
 *
 * Tests (and a demo pinned to another year) shift it with `pin()`; the shift is an offset, so time
 * keeps flowing from the pinned instant. Security timestamps (token expiry, throttling, the audit
 * trail's `occurredAt`) stay on the real clock and cannot be shifted.
 */
let offsetMs = 0;

export const clock = {
  /** The current instant of the school calendar. */
  now(): Date {
    return new Date(Date.now() + offsetMs);
  },
  /** Makes `now()` read `at` from this moment on (time keeps flowing); null returns to real time. */
  pin(at: Date | string | null): void {
    offsetMs = at === null ? 0 : new Date(at).getTime() - Date.now();
    if (Number.isNaN(offsetMs)) {
      offsetMs = 0;
      throw new Error(`clock.pin: not an instant: ${String(at)}`);
    }
  },
  /** Whether `pin()` is in force. */
  get pinned(): boolean {
    return offsetMs !== 0;
  },
};
