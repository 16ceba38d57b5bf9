import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-YEAR-6: the one definition of which bell schedule applies, used by timetable checks, lesson
 * times and the effectiveBellSchedule query alike.
 */
export class Migration0010EffectiveBellSchedule extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
-- The bell schedule of a year that applies to a class, a group or one student between two dates:
-- the group's own; else the class's own (the given class, a subgroup's class, or the class the
-- student is in, the earliest in the range); else the school's default; null when the year has none.
create function effective_bell_schedule(p_year uuid, p_class uuid, p_group uuid, p_student uuid, p_from date, p_to date) returns uuid
language sql stable as $f$
  select b.id from bell_schedule b
   where b.academic_year_id = p_year
     and (b.group_id = p_group
          or b.school_class_id = coalesce(
               p_class,
               (select g.school_class_id from study_group g where g.id = p_group),
               (select cm.school_class_id from class_membership cm join school_class sc on sc.id = cm.school_class_id
                 where p_student is not null and cm.student_id = p_student and sc.academic_year_id = p_year
                   and cm.from_date <= p_to and (cm.to_date is null or cm.to_date >= p_from)
                 order by cm.from_date limit 1))
          or (b.school_class_id is null and b.group_id is null))
   order by (b.group_id is null), (b.school_class_id is null)
   limit 1
$f$;
`;

export const effectiveBellScheduleMigrations: MigrationObject[] = [{ name: '0010-effective-bell-schedule', class: Migration0010EffectiveBellSchedule }];
