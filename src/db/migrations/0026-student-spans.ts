import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-DIARY-2: which lessons are a student's, by membership on each day, as one SQL rule. It was
 * written twice in `student_diary_lessons()` (0024, once per branch) and once more for the diary's
 * control works in the service.
 * - `student_spans(student, from, to)`: the student's class memberships (`class_id`) and group
 *   memberships (`group_id`) that overlap the range, clipped to it (`f`, `t`).
 * - `student_lessons(student, from, to)`: the lessons of those classes and groups on their days,
 *   and the student's individual lessons.
 * `student_diary_lessons()` keeps its signature and answers; its bell times are now one query with
 * the schedule picked only when `p_times`.
 */
export class Migration0026StudentSpans extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function student_spans(p_student uuid, p_from date, p_to date)
returns table (class_id uuid, group_id uuid, f date, t date)
language sql stable as $f$
  select cm.school_class_id, null::uuid, greatest(cm.from_date, p_from), least(coalesce(cm.to_date, p_to), p_to)
    from class_membership cm where cm.student_id = p_student and cm.from_date <= p_to and (cm.to_date is null or cm.to_date >= p_from)
  union all
  select null::uuid, gm.group_id, greatest(gm.from_date, p_from), least(coalesce(gm.to_date, p_to), p_to)
    from group_membership gm where gm.student_id = p_student and gm.from_date <= p_to and (gm.to_date is null or gm.to_date >= p_from)
$f$;

create function student_lessons(p_student uuid, p_from date, p_to date)
returns setof lesson
language sql stable as $f$
  select l.* from lesson l join student_spans(p_student, p_from, p_to) s on l.school_class_id = s.class_id and l.date between s.f and s.t
  union
  select l.* from lesson l join student_spans(p_student, p_from, p_to) s on l.group_id = s.group_id and l.date between s.f and s.t
  union
  select l.* from lesson l where l.student_id = p_student and l.date between p_from and p_to
$f$;

create or replace function student_diary_lessons(p_now timestamptz, p_user uuid, p_student uuid, p_from date, p_to date, p_times boolean)
returns table (ok boolean, lesson lesson, starts_at time, ends_at time)
language plpgsql stable as $f$
begin
  if not exists (select 1 from student_access_keys(p_now, array[p_user], array[p_student])) then
    return query select false, null::lesson, null::time, null::time;
    return;
  end if;
  return query
    with les as (select * from student_lessons(p_student, p_from, p_to)),
         -- the schedule picked once per distinct (year, class, group, student[, day]), and only when asked
         picked as (select p.*, effective_bell_schedule(p.year_id, p.class_id, p.group_id, p.student_id, p.pick_day, p.pick_day) as schedule_id
                      from (select distinct l.academic_year_id as year_id, l.school_class_id as class_id, l.group_id, l.student_id,
                                   case when l.student_id is null then null else l.date end as pick_day from les l where p_times) p)
    select true, les::lesson, bs.starts_at, bs.ends_at
      from les
      left join picked p on p.year_id = les.academic_year_id and p.class_id is not distinct from les.school_class_id
            and p.group_id is not distinct from les.group_id and p.student_id is not distinct from les.student_id
            and p.pick_day is not distinct from (case when les.student_id is null then null else les.date end)
      left join bell_slot bs on bs.bell_schedule_id = p.schedule_id and bs.lesson_number = les.lesson_number;
  if not found then
    return query select true, null::lesson, null::time, null::time;
  end if;
end
$f$;
`);
  }
}

export const studentSpansMigrations: MigrationObject[] = [{ name: '0026-student-spans', class: Migration0026StudentSpans }];
