import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SchoolClass } from '../entities/school-class.entity';
import { Staff } from '../entities/staff.entity';
import { Guardian, Student, StudentGuardian } from '../entities/student.entity';

/** Keys that carry the viewer: "userId|id". One request has one viewer, so these batch fully. */
export const viewerKey = (userId: string, id: string) => `${userId}|${id}`;
/** A uuid[] literal: knex would expand a JS array binding into a list. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;
const splitKeys = (keys: readonly string[]) => {
  const userId = keys[0].split('|')[0];
  return { userId, ids: [...new Set(keys.map((k) => k.split('|')[1]))] };
};

function byIdLoader<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const map = new Map((await load([...ids])).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/**
 * DataLoaders of classes and people (R-YEAR-4, R-SEC-3). Everything that depends on who is asking
 * filters through the `student_access` view in SQL; a key carries the viewer's user id.
 */
export function createRosterLoaders(em: EntityManager) {
  return {
    schoolClassById: byIdLoader((ids) => em.find(SchoolClass, { id: { $in: ids } })),
    studentById: byIdLoader((ids) => em.find(Student, { id: { $in: ids } })),
    guardianById: byIdLoader((ids) => em.find(Guardian, { id: { $in: ids } })),
    staffById: byIdLoader((ids) => em.find(Staff, { id: { $in: ids } }, { populate: ['user'] })),

    /** "userId|studentId" → the user takes part in the student's education (R-SEC-3). */
    studentAccess: new DataLoader<string, boolean>(async (keys) => {
      const { userId, ids } = splitKeys(keys);
      const rows = await em.execute<{ student_id: string }[]>(
        'select distinct student_id from student_access where user_id = ? and student_id = any(?::uuid[])', [userId, uuidArray(ids)]);
      const ok = new Set(rows.map((r) => r.student_id));
      return keys.map((k) => ok.has(k.split('|')[1]));
    }),

    /** "userId|guardianId" → the user has access to one of the guardian's current children. */
    guardianAccess: new DataLoader<string, boolean>(async (keys) => {
      const { userId, ids } = splitKeys(keys);
      const rows = await em.execute<{ guardian_id: string }[]>(
        `select distinct sg.guardian_id from student_guardian sg
          where sg.guardian_id = any(?::uuid[]) and sg.removed_at is null
            and sg.student_id in (select student_id from student_access where user_id = ?)
         union
         select g.id from guardian g join role_assignment ra on ra.school_id = g.school_id
          where g.id = any(?::uuid[]) and ra.user_id = ? and ra.role in ('ADMIN', 'DIRECTOR', 'DEPUTY')`,
        [uuidArray(ids), userId, uuidArray(ids), userId]);
      const ok = new Set(rows.map((r) => r.guardian_id));
      return keys.map((k) => ok.has(k.split('|')[1]));
    }),

    /** "userId|classId|date" → members of the class on the date that the user may see, by last name, pseudonym. */
    classStudents: new DataLoader<string, Student[]>(async (keys) => {
      const userId = keys[0].split('|')[0];
      const byDate = groupBy([...new Set(keys)], (k) => k.split('|')[2]);
      const found = new Map<string, Student[]>();
      for (const [date, dateKeys] of byDate) {
        const classIds = dateKeys.map((k) => k.split('|')[1]);
        const rows = await em.execute<Record<string, unknown>[]>(
          `select s.*, cm.school_class_id as "__class_id" from student s
             join class_membership cm on cm.student_id = s.id
            where cm.school_class_id = any(?::uuid[]) and cm.from_date <= ?::date and (cm.to_date is null or cm.to_date >= ?::date)
              and s.id in (select student_id from student_access where user_id = ?)
            order by s.last_name asc nulls last, s.pseudonym asc`,
          [uuidArray(classIds), date, date, userId]);
        const grouped = groupBy(rows, (r) => String(r.__class_id));
        for (const classId of classIds) {
          found.set(`${userId}|${classId}|${date}`, (grouped.get(classId) ?? []).map((r) => {
            const { __class_id: _c, ...row } = r;
            return em.map(Student, row as never);
          }));
        }
      }
      return keys.map((k) => found.get(k) ?? []);
    }),

    /** studentId → current guardian links, oldest first. */
    guardianLinksByStudent: new DataLoader<string, StudentGuardian[]>(async (ids) => {
      const rows = await em.find(StudentGuardian, { student: { $in: [...ids] }, removedAt: null }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      const grouped = groupBy(rows, (r) => r.student.id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),

    /** "studentId|date" → the class the student is in on the date, if any. */
    classOfStudent: new DataLoader<string, SchoolClass | null>(async (keys) => {
      const byDate = groupBy([...new Set(keys)], (k) => k.split('|')[1]);
      const found = new Map<string, SchoolClass>();
      for (const [date, dateKeys] of byDate) {
        const rows = await em.execute<Record<string, unknown>[]>(
          `select c.*, cm.student_id as "__student_id" from school_class c join class_membership cm on cm.school_class_id = c.id
            where cm.student_id = any(?::uuid[]) and cm.from_date <= ?::date and (cm.to_date is null or cm.to_date >= ?::date)`,
          [uuidArray(dateKeys.map((k) => k.split('|')[0])), date, date]);
        for (const r of rows) {
          const { __student_id: studentId, ...row } = r;
          found.set(`${String(studentId)}|${date}`, em.map(SchoolClass, row as never));
        }
      }
      return keys.map((k) => found.get(k) ?? null);
    }),
  };
}

export type RosterLoaders = ReturnType<typeof createRosterLoaders>;

/** Forgets cached rows after a write, so a payload read in the same request sees the change. */
export function clearRosterLoaders(loaders: RosterLoaders): void {
  for (const l of [loaders.schoolClassById, loaders.studentById, loaders.guardianById, loaders.staffById, loaders.studentAccess,
    loaders.guardianAccess, loaders.classStudents, loaders.guardianLinksByStudent, loaders.classOfStudent]) l.clearAll();
}
