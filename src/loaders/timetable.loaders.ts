import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BellSchedule, BellSlot } from '../entities/timetable.entity';
import { bellSlotCheckSql } from '../services/timetable.service';

/** DataLoaders of bell schedules and the timetable (R-YEAR-6, R-YEAR-9), per request and per subscription event. */
export function createTimetableLoaders(em: EntityManager) {
  return {
    bellScheduleById: new DataLoader<string, BellSchedule | null>(async (ids) => {
      const map = new Map((await em.find(BellSchedule, { id: { $in: [...ids] } })).map((b) => [b.id, b]));
      return ids.map((id) => map.get(id) ?? null);
    }),
    bellSlotsBySchedule: new DataLoader<string, BellSlot[]>(async (ids) => {
      const rows = await em.find(BellSlot, { bellSchedule: { $in: [...ids] } }, { orderBy: { lessonNumber: 'asc' } });
      const bySchedule = new Map<string, BellSlot[]>();
      for (const r of rows) bySchedule.set(r.bellSchedule.id, [...(bySchedule.get(r.bellSchedule.id) ?? []), r]);
      return ids.map((id) => bySchedule.get(id) ?? []);
    }),
    /** The slot of each entry's lesson number in the bell schedule that applies to it (one query per tick). */
    bellSlotByEntry: new DataLoader<string, BellSlot | null>(async (ids) => {
      const rows = await em.execute<{ id: string; schedule_id: string; lesson_number: number }[]>(
        bellSlotCheckSql('select * from timetable_entry where id = any(?::uuid[])'), [`{${ids.join(',')}}`]);
      const scheduleOf = new Map(rows.map((r) => [r.id, r]));
      const slots = rows.length
        ? await em.find(BellSlot, { bellSchedule: { $in: [...new Set(rows.map((r) => r.schedule_id))] } })
        : [];
      return ids.map((id) => {
        const r = scheduleOf.get(id);
        return (r && slots.find((s) => s.bellSchedule.id === r.schedule_id && s.lessonNumber === Number(r.lesson_number))) ?? null;
      });
    }),
  };
}
