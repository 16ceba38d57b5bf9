import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-JOUR-6, R-SEC-3: a substitute takes part in the education of the students of the lessons they
 * conduct (on those days), so they can fill in that lesson's journal. Same view, one branch more.
 */
export class Migration0009SubstituteAccess extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create or replace view "student_access" as
  select ra.user_id, s.id as student_id, 'ADMINISTRATION'::text as reason
    from student s join role_assignment ra on ra.school_id = s.school_id and ra.role in ('ADMIN', 'DIRECTOR', 'DEPUTY')
  union
  select st.user_id, cm.student_id, 'CLASS_TEACHER'
    from class_membership cm join school_class c on c.id = cm.school_class_id join staff st on st.id = c.class_teacher_id
  union
  select st.user_id, cm.student_id, 'TEACHER'
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join class_membership cm on cm.school_class_id = ta.school_class_id
  union
  select st.user_id, gm.student_id, 'TEACHER'
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join group_membership gm on gm.group_id = ta.group_id
  union
  select s.user_id, s.id, 'SELF' from student s where s.user_id is not null
  union
  select g.user_id, sg.student_id, 'GUARDIAN'
    from student_guardian sg join guardian g on g.id = sg.guardian_id
   where sg.removed_at is null and g.user_id is not null
  union
  select st.user_id, ts.id, 'SUBSTITUTE'
    from lesson l join staff st on st.id = l.substitute_teacher_id
    cross join lateral target_students(l.school_class_id, l.group_id, l.student_id, l.date, l.date) ts(id)
   where l.status = 'SCHEDULED';
`;

export const substituteAccessMigrations: MigrationObject[] = [{ name: '0009-substitute-access', class: Migration0009SubstituteAccess }];
