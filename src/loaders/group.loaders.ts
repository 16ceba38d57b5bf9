import type { EntityManager } from '@mikro-orm/postgresql';

export function createGroupLoaders(_em: EntityManager) {
  return {};
}
