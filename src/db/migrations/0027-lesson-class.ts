import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-JOUR-9, R-YEAR-1: the class whose journal a lesson is in, as one SQL rule, and the lesson's study
 * period found through it.
 * - `lesson_class(lesson)`: its class; a group's lesson, the group's class; an individual lesson
 *   (individual plan), the class its student is in on the lesson's day. The journal lock and the
 *   cell history match reopenings with it (services/journal-lock.ts).
 * - `lesson_period(lesson)` (0022) took the grade from the class or group only, so an individual
 *   lesson matched every period of the date (a quarter and a half-year that start together tied, and
 *   a grade-10 student's lesson got the 2nd quarter). It now takes the grade from `lesson_class()`
 *   (a stream group's first class when it has none) and, of periods for that grade, the latest
 *   starting, then the shortest.
 */
export class Migration0027LessonClass extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function lesson_class(p_lesson uuid) returns uuid language sql stable as $f$
  select coalesce(l.school_class_id, g.school_class_id,
                  (select cm.school_class_id from class_membership cm
                    where cm.student_id = l.student_id and cm.from_date <= l.date and (cm.to_date is null or cm.to_date >= l.date)
                    order by cm.from_date desc limit 1))
    from lesson l left join study_group g on g.id = l.group_id
   where l.id = p_lesson
$f$;

create or replace function lesson_period(p_lesson uuid) returns uuid language sql stable as $f$
  select p.id
    from lesson l
    left join study_group g on g.id = l.group_id
    left join school_class c on c.id = coalesce(lesson_class(l.id), g.stream_class_ids[1])
    join study_period p on p.academic_year_id = l.academic_year_id and l.date between p.start_date and p.end_date
   where l.id = p_lesson and (c.grade is null or c.grade = any (p.grades))
   order by p.start_date desc, p.end_date asc, p.id
   limit 1
$f$;
`);
  }
}

export const lessonClassMigrations: MigrationObject[] = [{ name: '0027-lesson-class', class: Migration0027LessonClass }];
