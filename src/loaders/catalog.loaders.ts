import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { PlannedTopic } from '../entities/curriculum.entity';

function byId<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const map = new Map((await load([...ids])).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** DataLoaders of subjects, rooms, staff, teaching assignments and thematic plans (R-YEAR-3, 5, 7, 8). */
export function createCatalogLoaders(em: EntityManager) {
  return {
    subjectById: byId((ids) => em.find(Subject, { id: { $in: ids } })),
    roomById: byId((ids) => em.find(Room, { id: { $in: ids } })),
    staffById: byId((ids) => em.find(Staff, { id: { $in: ids } })),
    // Named apart from the roster's own loaders: these only serve display names and year checks.
    teachingClassById: byId((ids) => em.find(SchoolClass, { id: { $in: ids } })),
    teachingGroupById: byId((ids) => em.find(StudyGroup, { id: { $in: ids } })),
    teachingPeriodById: byId((ids) => em.find(StudyPeriod, { id: { $in: ids } })),
    plannedTopicsByPlan: new DataLoader<string, PlannedTopic[]>(async (ids) => {
      const rows = await em.find(PlannedTopic, { plan: { $in: [...ids] } }, { orderBy: { position: 'asc' } });
      const byPlan = new Map<string, PlannedTopic[]>();
      for (const r of rows) byPlan.set(r.plan.id, [...(byPlan.get(r.plan.id) ?? []), r]);
      return ids.map((id) => byPlan.get(id) ?? []);
    }),
  };
}

export type CatalogLoaders = ReturnType<typeof createCatalogLoaders>;

/** Forgets cached rows after a write, so a payload read in the same request sees the change. */
export function clearCatalogLoaders(loaders: CatalogLoaders & { userById?: DataLoader<string, unknown> }): void {
  const all: { clearAll(): unknown }[] = [
    loaders.subjectById, loaders.roomById, loaders.staffById, loaders.teachingClassById, loaders.teachingGroupById,
    loaders.teachingPeriodById, loaders.plannedTopicsByPlan,
  ];
  if (loaders.userById) all.push(loaders.userById);
  for (const loader of all) loader.clearAll();
}
