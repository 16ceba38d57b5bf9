import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { clock } from '../clock';
import { uuidArray } from './roster.loaders';

/**
 * R-ROLE-8, R-YEAR-4: the size of each class today in its school's time zone — a count, no
 * personal data, the same for every viewer (so no viewer in the key). One query per batch.
 */
export function createClassSizeLoaders(em: EntityManager) {
  return {
    classSizeToday: new DataLoader<string, number>(async (classIds) => {
      const now = clock.now().toISOString();
      const rows = await em.execute<{ id: string; n: number }[]>(
        `select c.id, count(cm.id)::int as n
           from school_class c join school sch on sch.id = c.school_id
           left join class_membership cm on cm.school_class_id = c.id
            and cm.from_date <= (?::timestamptz at time zone sch.time_zone)::date
            and (cm.to_date is null or cm.to_date >= (?::timestamptz at time zone sch.time_zone)::date)
          where c.id = any(?::uuid[])
          group by c.id`,
        [now, now, uuidArray(classIds)],
      );
      const byId = new Map(rows.map((r) => [r.id, Number(r.n)]));
      return classIds.map((id) => byId.get(id) ?? 0);
    }),
  };
}

