import type { EntityManager } from '@mikro-orm/postgresql';
import { clock } from '../clock';
import { boundRows } from '../db/bound';

/**
 * The relations of the capability table (src/permissions/capabilities.ts, RELATIONS) checked
 * against the data, as of today in the school's time zone: one SQL definition each
 * (`class_lead_at`, `teaching_at`, migration 0013), shared with `student_access_span`.
 */

/** Reasons of `student_access_at` that are the family's — a guardian, the student themself — not the school's. */
export const FAMILY_ACCESS_REASONS: readonly string[] = ['GUARDIAN', 'SELF'];

/** R-ROLE-5: the user is the class teacher of `classId` today — of any class today when `classId` is null. */
export async function leadsClass(em: EntityManager, userId: string, classId: string | null): Promise<boolean> {
  const rows = await em.execute(
    'select 1 from class_lead_at(?::timestamptz) where user_id = ? and (?::uuid is null or class_id = ?::uuid) limit 1',
    [clock.now().toISOString(), userId, classId, classId]);
  return rows.length > 0;
}

/** What a teacher is assigned to: a subject in a class or in a group (either may be null). */
export interface TeachingTarget {
  subjectId: string;
  classId?: string | null;
  groupId?: string | null;
}

/**
 * R-ROLE-4: the user teaches the subject to the class or the group — today (`today`), or at some
 * time in the assignment's year or period (`ever`: their own teaching history, e.g. past plans).
 */
export async function teaches(em: EntityManager, userId: string, t: TeachingTarget, when: 'today' | 'ever' = 'today'): Promise<boolean> {
  const source = when === 'today' ? 'teaching_at(?::timestamptz)' : '(select * from teaching_span where ends_at is null)';
  const rows = await em.execute(
    `select 1 from ${source} t where t.user_id = ? and t.subject_id = ?
        and (t.class_id = ?::uuid or t.group_id = ?::uuid) limit 1`,
    [...(when === 'today' ? [clock.now().toISOString()] : []), userId, t.subjectId, t.classId ?? null, t.groupId ?? null]);
  return rows.length > 0;
}

/** The user's current (not archived) staff record at the school, if any. */
export async function ownStaffId(em: EntityManager, userId: string, schoolId: string): Promise<string | null> {
  const [r] = await boundRows<{ id: string }>(em, 'select id from staff where user_id = ?::uuid and school_id = ?::uuid and archived_at is null', [userId, schoolId]);
  return r?.id ?? null;
}
