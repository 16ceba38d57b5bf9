import DataLoader from 'dataloader';
import { byIdLoader } from './by-id';
import type { EntityManager } from '@mikro-orm/postgresql';
import { StudyGroup, GroupMembership } from '../entities/study-group.entity';
import { ClassMembership, Student } from '../entities/student.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Subject } from '../entities/subject.entity';
import { IndividualPlanSubject } from '../entities/individual-plan.entity';
import { clock } from '../clock';
import { leanRow } from '../db/lean';


/** Key of a membership list: parent, day and viewer (the list is scoped by who the viewer may see today). */
export const onDateKey = (parentId: string, onDate: string, userId: string) => `${parentId}|${onDate}|${userId}`;

/**
 * Memberships of many parents on one day each, visible to the viewer, in one query per tick.
 * `table`/`column` name the membership table and its parent column (fixed strings, not input).
 */
function membersOnDate<T extends object>(em: EntityManager, cls: new (...args: never[]) => T, table: string, column: string) {
  return new DataLoader<string, T[]>(async (keys) => {
    const parts = keys.map((k) => k.split('|'));
    const rows = await em.execute<Record<string, unknown>[]>(
      `select m.*, k.key from "${table}" m
         join student s on s.id = m.student_id
         join jsonb_to_recordset(?::jsonb) as k(parent_id uuid, on_date date, user_id uuid, key text)
           on m."${column}" = k.parent_id and m.from_date <= k.on_date and (m.to_date is null or m.to_date >= k.on_date)
        where exists (select 1 from student_access_at(?::timestamptz) a where a.user_id = k.user_id and a.student_id = m.student_id)
        order by s.pseudonym, m.from_date`,
      [JSON.stringify(parts.map(([parentId, onDate, userId], i) => ({ parent_id: parentId, on_date: onDate, user_id: userId, key: keys[i] }))),
        clock.now().toISOString()]);
    const byKey = new Map<string, T[]>();
    for (const row of rows) {
      const key = row.key as string;
      delete row.key;
      const list = byKey.get(key) ?? [];
      list.push(leanRow(cls, row));
      byKey.set(key, list);
    }
    return keys.map((k) => byKey.get(k) ?? []);
  });
}

/** DataLoaders of study groups, class movement and individual plans (R-YEAR-4, R-YEAR-5, R-YEAR-11). */
export function createGroupLoaders(em: EntityManager) {
  return {
    studyGroupById: byIdLoader(em, StudyGroup),
    groupSchoolClassById: byIdLoader(em, SchoolClass),
    groupSubjectById: byIdLoader(em, Subject),
    groupStudentById: byIdLoader(em, Student),
    groupMembersOnDate: membersOnDate(em, GroupMembership, 'group_membership', 'group_id'),
    classMembersOnDate: membersOnDate(em, ClassMembership, 'class_membership', 'school_class_id'),
    individualPlanSubjectsByPlan: new DataLoader<string, IndividualPlanSubject[]>(async (ids) => {
      const rows = await em.find(IndividualPlanSubject, { plan: { $in: [...ids] } }, { populate: ['subject'], orderBy: { subject: { name: 'asc' } } });
      return ids.map((id) => rows.filter((r) => r.plan.id === id));
    }),
  };
}

export type GroupLoaders = ReturnType<typeof createGroupLoaders>;

