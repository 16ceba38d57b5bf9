import type { EntityManager } from '@mikro-orm/postgresql';
import { StudyPeriod } from '../entities/academic-year.entity';
import { byIdLoader } from './by-id';

/** Loaders of the final marks' references (R-JOUR-8, R-JOUR-9). */
export function createFinalMarkLoaders(em: EntityManager) {
  return {
    studyPeriodById: byIdLoader(em, StudyPeriod),
  };
}
