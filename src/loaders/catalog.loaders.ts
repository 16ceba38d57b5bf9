import type { EntityManager } from '@mikro-orm/postgresql';

export function createCatalogLoaders(_em: EntityManager) {
  return {};
}
