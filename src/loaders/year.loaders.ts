import DataLoader from 'dataloader';
import { byIdLoader } from './by-id';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AcademicYear, Holiday, StudyPeriod } from '../entities/academic-year.entity';
import { GradingSystem, GradingValue } from '../entities/grading-system.entity';

/** One query per tick for all requested parents; each parent gets its rows in query order. */
function childrenLoader<T>(load: (ids: string[]) => Promise<T[]>, parentId: (row: T) => string) {
  return new DataLoader<string, T[]>(async (ids) => {
    const rows = await load([...ids]);
    const byParent = new Map<string, T[]>();
    for (const row of rows) {
      const key = parentId(row);
      const list = byParent.get(key);
      if (list) list.push(row);
      else byParent.set(key, [row]);
    }
    return ids.map((id) => byParent.get(id) ?? []);
  });
}


/** DataLoaders of the school-year structure (R-YEAR-1, R-YEAR-2). */
export function createYearLoaders(em: EntityManager) {
  return {
    academicYearById: byIdLoader(em, AcademicYear),
    academicYearsBySchool: childrenLoader(
      (ids) => em.find(AcademicYear, { school: { $in: ids } }, { orderBy: { startDate: 'asc', name: 'asc' } }),
      (y) => y.school.id,
    ),
    studyPeriodsByYear: childrenLoader(
      (ids) => em.find(StudyPeriod, { academicYear: { $in: ids } }, { orderBy: { startDate: 'asc', endDate: 'asc', name: 'asc' } }),
      (p) => p.academicYear.id,
    ),
    holidaysByYear: childrenLoader(
      (ids) => em.find(Holiday, { academicYear: { $in: ids } }, { orderBy: { startDate: 'asc', name: 'asc' } }),
      (h) => h.academicYear.id,
    ),
    gradingSystemById: byIdLoader(em, GradingSystem),
    gradingSystemsBySchool: childrenLoader(
      (ids) => em.find(GradingSystem, { school: { $in: ids } }, { orderBy: { name: 'asc' } }),
      (s) => s.school.id,
    ),
    gradingValuesBySystem: childrenLoader(
      (ids) => em.find(GradingValue, { gradingSystem: { $in: ids } }, { orderBy: { position: 'asc' } }),
      (v) => v.gradingSystem.id,
    ),
  };
}

export type YearLoaders = ReturnType<typeof createYearLoaders>;

