import type { EntityManager } from '@mikro-orm/postgresql';

/** DataLoaders of the lesson feature (per request and per subscription event). */
export function createLessonLoaders(_em: EntityManager) {
  return {};
}
