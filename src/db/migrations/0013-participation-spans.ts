import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * R-SEC-3, R-ROLE-4, R-ROLE-5: one definition of when a staff member leads a class and when they
 * teach a class or group, read by `student_access_span` and by every relation check of the
 * services (consent, credentials, subgroups, thematic plans), which had their own copies.
 *
 * - `class_lead_span`: the class teacher of a class, within the class's academic year, until archived;
 * - `teaching_span`: a teaching assignment, within its year (and study period, when it has one), until archived;
 * - `participation_holds(from, to, ends_at, day, instant)`: whether such a span holds at an
 *   instant whose date in the school is `day` — the one rule of "as of today";
 * - `class_lead_at(instant)` / `teaching_at(instant)`: the spans holding at the instant.
 * `student_access_span` keeps its columns and meaning, built on the two spans; `student_access_at`
 * uses the same predicate, and both access functions join the school once instead of per row.
 */
export class Migration0013ParticipationSpans extends Migration {
  override async up(): Promise<void> {
    this.addSql(SQL);
  }
}

const SQL = `
create view "class_lead_span" as
  select st.user_id, c.school_id, c.id as class_id, y.start_date as from_date, y.end_date as to_date, st.archived_at as ends_at
    from school_class c join academic_year y on y.id = c.academic_year_id
    join staff st on st.id = c.class_teacher_id;

create view "teaching_span" as
  select st.user_id, ta.school_id, ta.school_class_id as class_id, ta.group_id, ta.subject_id,
         greatest(y.start_date, p.start_date) as from_date, least(y.end_date, p.end_date) as to_date, st.archived_at as ends_at
    from teaching_assignment ta join staff st on st.id = ta.teacher_id
    join academic_year y on y.id = ta.academic_year_id
    left join study_period p on p.id = ta.period_id;

-- Whether a span holds at an instant whose date in the span's school is p_day. A plain expression,
-- so PostgreSQL inlines it into every caller (which joins the school for its time zone).
create function participation_holds(p_from date, p_to date, p_ends timestamptz, p_day date, p_now timestamptz) returns boolean
language sql immutable as $f$
  select (p_ends is null or p_ends > p_now) and (p_from is null or p_from <= p_day) and (p_to is null or p_to >= p_day)
$f$;

create function class_lead_at(p_now timestamptz) returns table (user_id uuid, school_id uuid, class_id uuid)
language sql stable as $f$
  select l.user_id, l.school_id, l.class_id from class_lead_span l join school sch on sch.id = l.school_id
   where participation_holds(l.from_date, l.to_date, l.ends_at, (p_now at time zone sch.time_zone)::date, p_now)
$f$;

create function teaching_at(p_now timestamptz) returns table (user_id uuid, school_id uuid, class_id uuid, group_id uuid, subject_id uuid)
language sql stable as $f$
  select t.user_id, t.school_id, t.class_id, t.group_id, t.subject_id from teaching_span t join school sch on sch.id = t.school_id
   where participation_holds(t.from_date, t.to_date, t.ends_at, (p_now at time zone sch.time_zone)::date, p_now)
$f$;

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
  select s.user_id, s.id, s.school_id, 'SELF', null, null, null
    from student s where s.user_id is not null
  union all
  select g.user_id, sg.student_id, g.school_id, 'GUARDIAN', null, null, null
    from student_guardian sg join guardian g on g.id = sg.guardian_id
   where sg.removed_at is null and g.user_id is not null
  union all
  select st.user_id, ts.id, l.school_id, 'SUBSTITUTE', l.date, l.date, st.archived_at
    from lesson l join staff st on st.id = l.substitute_teacher_id
    cross join lateral target_students(l.school_class_id, l.group_id, l.student_id, l.date, l.date) ts(id)
   where l.status = 'SCHEDULED';

create or replace function student_access_at(p_now timestamptz) returns table (user_id uuid, student_id uuid, reason text)
language sql stable as $f$
  select a.user_id, a.student_id, a.reason from student_access_span a join school sch on sch.id = a.school_id
   where participation_holds(a.from_date, a.to_date, a.ends_at, (p_now at time zone sch.time_zone)::date, p_now)
$f$;

-- Journal records of a day: an archived staff member keeps the days up to the archiving.
create or replace function student_access_on(p_day date) returns table (user_id uuid, student_id uuid, reason text)
language sql stable as $f$
  select a.user_id, a.student_id, a.reason from student_access_span a join school sch on sch.id = a.school_id
   where (a.from_date is null or a.from_date <= p_day) and (a.to_date is null or a.to_date >= p_day)
     and (a.ends_at is null or (a.ends_at at time zone sch.time_zone)::date >= p_day)
$f$;
`;

export const participationSpanMigrations: MigrationObject[] = [{ name: '0013-participation-spans', class: Migration0013ParticipationSpans }];
