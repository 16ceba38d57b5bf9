import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-YEAR-1: the one definition of whether a holiday stops a class, a group or a student on a day,
 * used by the school-day check of lesson and control-work changes, lesson generation and the diary
 * alike (src/services/scheduling.ts).
 */
export class Migration0020HolidayApplies extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
-- Whether holiday h applies on p_day to a class, a group or one student: the day is one of the
-- holiday's, and the holiday is for the whole school (no grades) or for a grade the target has that
-- day — the class's grade; a group's class's (a subgroup) or classes' (a stream); the grades of the
-- classes of the holiday's year that the group's members, or the student, are in that day. So a
-- cross-class group stops on the holidays of its students' grades.
create function holiday_applies(h holiday, p_class uuid, p_group uuid, p_student uuid, p_day date) returns boolean
language sql stable as $f$
  select p_day between h.start_date and h.end_date
     and (h.grades is null or h.grades && array(
           select c.grade from school_class c where c.id = p_class
           union
           select c.grade from study_group g join school_class c on c.id = g.school_class_id or c.id = any(g.stream_class_ids)
            where g.id = p_group
           union
           select c.grade from target_students(null, p_group, p_student, p_day, p_day) s(id)
             join class_membership cm on cm.student_id = s.id and cm.from_date <= p_day and (cm.to_date is null or cm.to_date >= p_day)
             join school_class c on c.id = cm.school_class_id and c.academic_year_id = h.academic_year_id
         )::smallint[])
$f$;
`;

export const holidayAppliesMigrations: MigrationObject[] = [{ name: '0020-holiday-applies', class: Migration0020HolidayApplies }];
