import DataLoader from 'dataloader';
import { byIdLoader } from './by-id';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Room, Subject } from '../entities/subject.entity';
import { StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { PlannedTopic } from '../entities/curriculum.entity';


/** DataLoaders of subjects, rooms, staff, teaching assignments and thematic plans (R-YEAR-3, 5, 7, 8). */
export function createCatalogLoaders(em: EntityManager) {
  return {
    subjectById: byIdLoader(em, Subject),
    roomById: byIdLoader(em, Room),
    // Named apart from the roster's own loaders: these only serve display names and year checks.
    teachingClassById: byIdLoader(em, SchoolClass),
    teachingGroupById: byIdLoader(em, StudyGroup),
    studyPeriodById: byIdLoader(em, StudyPeriod),
    plannedTopicsByPlan: new DataLoader<string, PlannedTopic[]>(async (ids) => {
      const rows = await em.find(PlannedTopic, { plan: { $in: [...ids] } }, { orderBy: { position: 'asc' } });
      const byPlan = new Map<string, PlannedTopic[]>();
      for (const r of rows) byPlan.set(r.plan.id, [...(byPlan.get(r.plan.id) ?? []), r]);
      return ids.map((id) => byPlan.get(id) ?? []);
    }),
  };
}

export type CatalogLoaders = ReturnType<typeof createCatalogLoaders>;

