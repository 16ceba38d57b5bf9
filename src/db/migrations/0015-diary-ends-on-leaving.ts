import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-SEC-8: when a student leaves the school the diary service ends. The GUARDIAN and SELF branches
 * of `student_access_span` were open-ended, so a guardian who still had another enrolled child (and
 * whose account therefore stays active) kept reading the child who had left. Both now end on the
 * student's last day (`student.left_on`), like the class membership; `student(id)`, the diary and
 * `me { students }` all read this one definition. The other branches are unchanged.
 */
export class Migration0015DiaryEndsOnLeaving extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create or replace view "student_access_span" as
  select ra.user_id, s.id as student_id, s.school_id, 'ADMINISTRATION'::text as reason,
         null::date as from_date, null::date as to_date, null::timestamptz as ends_at
    from student s join role_assignment ra on ra.school_id = s.school_id and ra.role in ('ADMIN', 'DIRECTOR', 'DEPUTY')
  union all
  select l.user_id, cm.student_id, l.school_id, 'CLASS_TEACHER',
         greatest(cm.from_date, l.from_date), least(cm.to_date, l.to_date), l.ends_at
    from class_lead_span l join class_membership cm on cm.school_class_id = l.class_id
  union all
  select t.user_id, cm.student_id, t.school_id, 'TEACHER',
         greatest(cm.from_date, t.from_date), least(cm.to_date, t.to_date), t.ends_at
    from teaching_span t join class_membership cm on cm.school_class_id = t.class_id
  union all
  select t.user_id, gm.student_id, t.school_id, 'TEACHER',
         greatest(gm.from_date, t.from_date), least(gm.to_date, t.to_date), t.ends_at
    from teaching_span t join group_membership gm on gm.group_id = t.group_id
  union all
  select st.user_id, te.student_id, te.school_id, 'TEACHER',
         greatest(te.valid_from, y.start_date), least(te.valid_to, y.end_date), st.archived_at
    from timetable_entry te join staff st on st.id = te.teacher_id
    join academic_year y on y.id = te.academic_year_id
   where te.student_id is not null
  union all
  -- SELF and GUARDIAN: until the student's last day at the school (R-SEC-8).
  select s.user_id, s.id, s.school_id, 'SELF', null, s.left_on, null
    from student s where s.user_id is not null
  union all
  select g.user_id, sg.student_id, g.school_id, 'GUARDIAN', null, s.left_on, null
    from student_guardian sg join guardian g on g.id = sg.guardian_id join student s on s.id = sg.student_id
   where sg.removed_at is null and g.user_id is not null
  union all
  select st.user_id, ts.id, l.school_id, 'SUBSTITUTE', l.date, l.date, st.archived_at
    from lesson l join staff st on st.id = l.substitute_teacher_id
    cross join lateral target_students(l.school_class_id, l.group_id, l.student_id, l.date, l.date) ts(id)
   where l.status = 'SCHEDULED';
`;

export const diaryEndsOnLeavingMigrations: MigrationObject[] = [{ name: '0015-diary-ends-on-leaving', class: Migration0015DiaryEndsOnLeaving }];
