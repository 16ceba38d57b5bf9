import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-SEC-3, R-ROLE-4, R-ROLE-5: access follows participation over time. The undated view
 * `student_access` granted access for ever (a transferred student's old teachers, assignments of
 * past years, an archived class teacher, a substitute long after the lesson). It is replaced by:
 *
 * - `student_access_span`: who took part in a student's education, and from when to when (dates
 *   inclusive, null = open), with `ends_at` when the participation ended at an instant (staff archived);
 * - `student_access_on(day)`: those who took part on a day — for journal records of that day;
 * - `student_access_at(instant)`: those who take part today in each school's time zone — for all
 *   other personal data. The instant is a parameter (the server's one clock), never `now()`.
 *
 * Both functions are plain SQL and inline into the calling query, so the planner pushes the
 * caller's `user_id = ?` / `student_id = ?` into every branch.
 */
export class Migration0011AccessOverTime extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
drop view "student_access";

create view "student_access_span" as
  -- ADMINISTRATION: the school's admin, director and deputy, while they hold the role.
  select ra.user_id, s.id as student_id, s.school_id, 'ADMINISTRATION'::text as reason,
         null::date as from_date, null::date as to_date, null::timestamptz as ends_at
    from student s join role_assignment ra on ra.school_id = s.school_id and ra.role in ('ADMIN', 'DIRECTOR', 'DEPUTY')
  union all
  -- CLASS_TEACHER: leads the class, within the class's academic year, while the student is in it.
  select st.user_id, cm.student_id, c.school_id, 'CLASS_TEACHER',
         greatest(cm.from_date, y.start_date), least(cm.to_date, y.end_date), st.archived_at
    from class_membership cm join school_class c on c.id = cm.school_class_id
    join academic_year y on y.id = c.academic_year_id
    join staff st on st.id = c.class_teacher_id
  union all
  -- TEACHER: an assignment to the class (within its year, or its period when it has one) while the student is in it.
  select st.user_id, cm.student_id, ta.school_id, 'TEACHER',
         greatest(cm.from_date, y.start_date, p.start_date), least(cm.to_date, y.end_date, p.end_date), st.archived_at
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join academic_year y on y.id = ta.academic_year_id
    left join study_period p on p.id = ta.period_id
    join class_membership cm on cm.school_class_id = ta.school_class_id
  union all
  -- TEACHER: an assignment to the group, likewise, while the student is a member.
  select st.user_id, gm.student_id, ta.school_id, 'TEACHER',
         greatest(gm.from_date, y.start_date, p.start_date), least(gm.to_date, y.end_date, p.end_date), st.archived_at
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join academic_year y on y.id = ta.academic_year_id
    left join study_period p on p.id = ta.period_id
    join group_membership gm on gm.group_id = ta.group_id
  union all
  -- TEACHER: the teacher of an individual timetable entry (one student), while the entry is valid.
  select st.user_id, te.student_id, te.school_id, 'TEACHER',
         greatest(te.valid_from, y.start_date), least(te.valid_to, y.end_date), st.archived_at
    from timetable_entry te join staff st on st.id = te.teacher_id
    join academic_year y on y.id = te.academic_year_id
   where te.student_id is not null
  union all
  -- SELF: the student's own account (leaving blocks it).
  select s.user_id, s.id, s.school_id, 'SELF', null, null, null
    from student s where s.user_id is not null
  union all
  -- GUARDIAN: a guardian with a current link.
  select g.user_id, sg.student_id, g.school_id, 'GUARDIAN', null, null, null
    from student_guardian sg join guardian g on g.id = sg.guardian_id
   where sg.removed_at is null and g.user_id is not null
  union all
  -- SUBSTITUTE (R-JOUR-6): on the day of each lesson they conduct, for the students it concerns.
  select st.user_id, ts.id, l.school_id, 'SUBSTITUTE', l.date, l.date, st.archived_at
    from lesson l join staff st on st.id = l.substitute_teacher_id
    cross join lateral target_students(l.school_class_id, l.group_id, l.student_id, l.date, l.date) ts(id)
   where l.status = 'SCHEDULED';

comment on view "student_access_span" is 'R-SEC-3: who took part in a student''s education and when (dates inclusive, null = open; ends_at: participation ended at that instant).';

-- Journal records of a day: those who took part that day (an archived teacher keeps their past days).
create function student_access_on(p_day date) returns table (user_id uuid, student_id uuid, reason text)
language sql stable as $f$
  select a.user_id, a.student_id, a.reason from student_access_span a
   where (a.from_date is null or a.from_date <= p_day) and (a.to_date is null or a.to_date >= p_day)
     and (a.ends_at is null or (a.ends_at at time zone (select time_zone from school where id = a.school_id))::date >= p_day)
$f$;

-- Every other personal datum: those who take part today, in the school's time zone, at p_now.
create function student_access_at(p_now timestamptz) returns table (user_id uuid, student_id uuid, reason text)
language sql stable as $f$
  select a.user_id, a.student_id, a.reason from student_access_span a join school sch on sch.id = a.school_id
   where (a.from_date is null or a.from_date <= (p_now at time zone sch.time_zone)::date)
     and (a.to_date is null or a.to_date >= (p_now at time zone sch.time_zone)::date)
     and (a.ends_at is null or a.ends_at > p_now)
$f$;

create index if not exists "timetable_entry_student_id_index" on "timetable_entry" ("student_id") where "student_id" is not null;
create index if not exists "lesson_substitute_teacher_id_index" on "lesson" ("substitute_teacher_id") where "substitute_teacher_id" is not null;
create index if not exists "class_membership_student_id_index" on "class_membership" ("student_id");
create index if not exists "group_membership_student_id_index" on "group_membership" ("student_id");
`;

export const accessOverTimeMigrations: MigrationObject[] = [{ name: '0011-access-over-time', class: Migration0011AccessOverTime }];
