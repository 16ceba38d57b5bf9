import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Role, RoleAssignment, User } from '../entities/user.entity';
import { boundRows } from '../db/bound';
import { byIdLoader } from './by-id';
import { uuidArray } from './roster.loaders';
import { School } from '../entities/school.entity';
import { createYearLoaders } from './year.loaders';
import { createCatalogLoaders } from './catalog.loaders';
import { createRosterLoaders } from './roster.loaders';
import { createGroupLoaders } from './group.loaders';
import { createTimetableLoaders } from './timetable.loaders';
import { createLessonLoaders } from './lesson.loaders';
import { createClassSizeLoaders } from './class-size.loaders';
import { createJournalLoaders } from './journal.loaders';
import { createMessageLoaders } from './message.loaders';

/** The roles a user holds, by school (the shape of `Viewer.roles`). */
export type ViewerRoles = { schoolId: string; role: Role }[];

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
    /**
     * The roles a user holds now, as plain rows (no entities): what a live event re-reads for each of
     * its subscribers, one bound-parameter statement for the whole batch.
     */
    viewerRoles: new DataLoader<string, ViewerRoles>(async (userIds) => {
      const rows = await boundRows<{ user_id: string; school_id: string; role: Role }>(em,
        'select user_id, school_id, role from role_assignment where user_id = any(?::uuid[]) order by role', [uuidArray(userIds)]);
      const byUser = new Map<string, ViewerRoles>();
      for (const r of rows) {
        const list = byUser.get(r.user_id);
        if (list) list.push({ schoolId: r.school_id, role: r.role });
        else byUser.set(r.user_id, [{ schoolId: r.school_id, role: r.role }]);
      }
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
    ...createYearLoaders(em),
    ...createCatalogLoaders(em),
    ...createRosterLoaders(em),
    ...createGroupLoaders(em),
    ...createTimetableLoaders(em),
    ...createLessonLoaders(em),
    ...createClassSizeLoaders(em),
    ...createJournalLoaders(em),
    ...createMessageLoaders(em),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** Every loader of a request forgets what it cached (after a write commits: see `write`). */
export function forgetLoaders(loaders: Loaders): void {
  for (const l of Object.values(loaders)) if (l instanceof DataLoader) l.clearAll();
}
