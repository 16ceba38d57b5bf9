import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { leanRow, prefixedColumns } from '../db/lean';
import { User } from '../entities/user.entity';
import { byIdLoader } from './by-id';
import { boundRows } from '../db/bound';
import { SchoolClass } from '../entities/school-class.entity';
import { Staff } from '../entities/staff.entity';
import { Guardian, Student, StudentGuardian } from '../entities/student.entity';
import { clock } from '../clock';
import { SCHOOL_WIDE_ACCESS_ROLES } from '../permissions/capabilities';

/**
 * Keys that carry the viewer: "userId|id". Every loader that depends on the viewer takes the viewer
 * from each key (never from the first), so one batch may mix viewers without sharing a decision.
 */
export const viewerKey = (userId: string, id: string) => `${userId}|${id}`;
/** A uuid[] literal: knex would expand a JS array binding into a list. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;
/** The (viewer, id) pairs of "userId|id" keys, as uuid[] literals for `unnest`. */
const viewerPairs = (keys: readonly string[]) => {
  const pairs = keys.map((k) => k.split('|'));
  return { users: uuidArray(pairs.map((p) => p[0])), ids: uuidArray(pairs.map((p) => p[1])) };
};

/**
 * A viewer-keyed yes/no loader: the "userId|id" keys for which `where` holds — SQL over `k.user_id`,
 * `k.id` and, with `join`, that table's row `r` — in one bound-parameter statement per batch,
 * whatever the mix of viewers.
 */
export function viewerCheckLoader(em: EntityManager, where: string, o: { join?: string; params?: () => unknown[] } = {}) {
  return new DataLoader<string, boolean>(async (keys) => {
    const { users, ids } = viewerPairs(keys);
    const rows = await boundRows<{ k: string }>(em,
      `select k.user_id || '|' || k.id as k from unnest(?::uuid[], ?::uuid[]) k(user_id, id)${o.join ? ` join ${o.join} r on r.id = k.id` : ''} where ${where}`,
      [users, ids, ...(o.params?.() ?? [])]);
    const ok = new Set(rows.map((r) => r.k));
    return keys.map((k) => ok.has(k));
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
 * The select list of a staff row (`alias`) with its account (`userAlias`), each column prefixed by
 * its alias and `__`, and the lean Staff (its `user` loaded) from such a row: `staffById`'s shape,
 * which reads that prime the loader use too.
 */
export const staffColumns = (alias: string, userAlias: string): string =>
  `${prefixedColumns(Staff, alias, `${alias}__`)}, ${prefixedColumns(User, userAlias, `${userAlias}__`)}`;
export const leanStaff = (row: Record<string, unknown>, alias: string, userAlias: string): Staff =>
  leanRow(Staff, row, { user: leanRow(User, row, undefined, `${userAlias}__`) }, `${alias}__`);

/**
 * DataLoaders of classes and people (R-YEAR-4, R-SEC-3). Everything that depends on who is asking
 * filters through `student_access_at` (participation today, in the school's time zone) in SQL; a
 * key carries the viewer's user id.
 */
export function createRosterLoaders(em: EntityManager) {
  return {
    schoolClassById: byIdLoader(em, SchoolClass),
    studentById: byIdLoader(em, Student),
    guardianById: byIdLoader(em, Guardian),
    // Staff with their accounts (names live there) in one statement: a join, not a second select.
    staffById: new DataLoader<string, Staff | null>(async (ids) => {
      const rows = await boundRows<Record<string, unknown>>(em,
        `select ${staffColumns('s', 'u')} from staff s join app_user u on u.id = s.user_id where s.id = any(?::uuid[])`, [uuidArray(ids)]);
      const map = new Map(rows.map((r) => [String(r.s__id), leanStaff(r, 's', 'u')]));
      return ids.map((id) => map.get(id) ?? null);
    }),

    /** "userId|studentId" → the user takes part in the student's education today (R-SEC-3). */
    studentAccess: new DataLoader<string, boolean>(async (keys) => {
      // student_access_keys() (migration 0019): the check with a plan kept per connection.
      const { users, ids } = viewerPairs(keys);
      const rows = await boundRows<{ k: string }>(em,
        `select a.user_id || '|' || a.student_id as k from student_access_keys(?::timestamptz, ?::uuid[], ?::uuid[]) a`,
        [clock.now().toISOString(), users, ids]);
      const ok = new Set(rows.map((r) => r.k));
      return keys.map((k) => ok.has(k));
    }),

    /** "userId|guardianId" → the user takes part today in the education of one of the guardian's current children, or administers the school. */
    guardianAccess: viewerCheckLoader(em, `
      exists (select 1 from student_guardian sg join student_access_at(?::timestamptz) a on a.student_id = sg.student_id
               where sg.guardian_id = k.id and sg.removed_at is null and a.user_id = k.user_id)
      or exists (select 1 from guardian g join role_assignment ra on ra.school_id = g.school_id
                  where g.id = k.id and ra.user_id = k.user_id and ra.role = any(?::role[]))`,
    { params: () => [clock.now().toISOString(), `{${SCHOOL_WIDE_ACCESS_ROLES.join(',')}}`] }),

    /**
     * "userId|classId|date" → members of the class on the date whom the user may see today, by last
     * name, pseudonym; "|classId|date" (no user) → all of them, for the administration of the class's
     * school, who see every student of it (the caller decides that from the viewer's roles).
     */
    classStudents: new DataLoader<string, Student[]>(async (keys) => {
      const unique = [...new Set(keys)];
      const parts = unique.map((k) => k.split('|'));
      // Only the administration's keys (no user): no access function in the statement at all.
      const filtered = parts.some((p) => p[0] !== '');
      const rows = await boundRows<Record<string, unknown>>(em,
        `select s.*, k.key as "__key" from unnest(?::uuid[], ?::uuid[], ?::date[], ?::text[]) k(user_id, class_id, on_date, key)
           join class_membership cm on cm.school_class_id = k.class_id and cm.from_date <= k.on_date and (cm.to_date is null or cm.to_date >= k.on_date)
           join student s on s.id = cm.student_id
          ${filtered ? 'where k.user_id is null or exists (select 1 from student_access_at(?::timestamptz) a where a.user_id = k.user_id and a.student_id = s.id)' : ''}
          order by s.last_name asc nulls last, s.pseudonym asc`,
        [`{${parts.map((p) => p[0] || 'NULL').join(',')}}`, uuidArray(parts.map((p) => p[1])), `{${parts.map((p) => p[2]).join(',')}}`,
          `{${unique.map((k) => `"${k}"`).join(',')}}`, ...(filtered ? [clock.now().toISOString()] : [])]);
      const grouped = groupBy(rows, (r) => String(r.__key));
      return keys.map((k) => (grouped.get(k) ?? []).map((r) => {
        const { __key: _k, ...row } = r;
        return leanRow(Student, row);
      }));
    }),

    /**
     * studentId → current guardian links, oldest first, each with its guardian's row read in the same
     * statement (`linkGuardian` hands it to `guardianById` after its access check).
     */
    guardianLinksByStudent: new DataLoader<string, StudentGuardian[]>(async (ids) => {
      const rows = (await boundRows<Record<string, unknown>>(em,
        `select sg.*, ${prefixedColumns(Guardian, 'g', 'g__')} from student_guardian sg join guardian g on g.id = sg.guardian_id
          where sg.student_id = any(?::uuid[]) and sg.removed_at is null order by sg.created_at, sg.id`, [uuidArray(ids)]))
        .map((r) => leanRow(StudentGuardian, r, { guardian: leanRow(Guardian, r, undefined, 'g__') }));
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
          found.set(`${String(studentId)}|${date}`, leanRow(SchoolClass, row));
        }
      }
      return keys.map((k) => found.get(k) ?? null);
    }),
  };
}

export type RosterLoaders = ReturnType<typeof createRosterLoaders>;

