import type { EntityManager } from '@mikro-orm/postgresql';

/** DataLoaders of the school-year structure. */
export function createYearLoaders(_em: EntityManager) {
  return {};
}
