import type { EntityManager } from '@mikro-orm/postgresql';

export function createRosterLoaders(_em: EntityManager) {
  return {};
}
