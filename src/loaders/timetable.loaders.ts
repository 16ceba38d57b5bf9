import type { EntityManager } from '@mikro-orm/postgresql';

/** DataLoaders of the timetable feature (per request and per subscription event). */
export function createTimetableLoaders(_em: EntityManager) {
  return {};
}
