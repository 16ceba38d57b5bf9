import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RoleAssignment, User } from '../entities/user.entity';
import { School } from '../entities/school.entity';
import { createYearLoaders } from './year.loaders';
import { createCatalogLoaders } from './catalog.loaders';
import { createRosterLoaders } from './roster.loaders';
import { createGroupLoaders } from './group.loaders';
import { createTimetableLoaders } from './timetable.loaders';
import { createLessonLoaders } from './lesson.loaders';
import { createClassSizeLoaders } from './class-size.loaders';

/** Batches `find by id` for one entity class into one query per tick; results in key order. */
export function byIdLoader<T extends { id: string }>(em: EntityManager, cls: new (...args: never[]) => T) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = (await em.find(cls, { id: { $in: [...ids] } } as never)) as T[];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** DataLoaders, created per request and per subscription event, never shared. */
export function createLoaders(em: EntityManager) {
  return {
    userById: byIdLoader(em, User),
    schoolById: byIdLoader(em, School),
    rolesByUser: new DataLoader<string, RoleAssignment[]>(async (userIds) => {
      const rows = await em.find(RoleAssignment, { user: { $in: [...userIds] } }, { orderBy: { role: 'asc' } });
      const byUser = new Map<string, RoleAssignment[]>();
      for (const r of rows) byUser.set(r.user.id, [...(byUser.get(r.user.id) ?? []), r]);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
    ...createYearLoaders(em),
    ...createCatalogLoaders(em),
    ...createRosterLoaders(em),
    ...createGroupLoaders(em),
    ...createTimetableLoaders(em),
    ...createLessonLoaders(em),
    ...createClassSizeLoaders(em),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
