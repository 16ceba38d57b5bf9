import type { EntityManager } from '@mikro-orm/postgresql';
import { boundRows } from '../db/bound';

/** PostgreSQL channel on which every change of a school row is announced (migration 0018). */
export const SCHOOL_CHANNEL = 'otmetka_school';

/**
 * Schools' time zones, kept by each server process: nearly every request needs today's date in a
 * school, and a school changes its zone about never. A change of a school row is announced on
 * SCHOOL_CHANNEL at commit (a trigger, whoever writes it), and the process forgets that school;
 * when the listener reconnects it forgets them all, since announcements sent while it was away are
 * lost. A zone read while a change was being announced is used once and not kept.
 */
export class SchoolZones {
  private readonly zones = new Map<string, string>();
  private generation = 0;

  /** The school's IANA time zone ('UTC' for an unknown school). */
  async of(em: EntityManager, schoolId: string): Promise<string> {
    const kept = this.zones.get(schoolId);
    if (kept) return kept;
    const generation = this.generation;
    const [row] = await boundRows<{ time_zone: string }>(em, 'select time_zone from school where id = ?::uuid', [schoolId]);
    if (!row) return 'UTC';
    if (generation === this.generation) this.zones.set(schoolId, row.time_zone);
    return row.time_zone;
  }

  /** A school row changed (its id as announced). */
  changed(schoolId: string): void {
    this.zones.delete(schoolId);
    this.generation++;
  }

  /** The listener reconnected: whatever was announced meanwhile is unknown. */
  forgetAll(): void {
    this.zones.clear();
    this.generation++;
  }

  /** Schools kept (monitoring, tests). */
  get size(): number {
    return this.zones.size;
  }
}
