import type { EntityManager } from '@mikro-orm/postgresql';
import type { SeedStep } from './demo';
import { clock } from '../../clock';

/* ------------------------------------------------------------------------------------------------
 * The demo journal (R-JOUR-1..5): every dated lesson of the demo periods before today (the school
 * calendar's clock) filled in as a teacher would — a topic, the work type of the lesson, homework on
 * most lessons, attendance taken with a few absences and latenesses, and a mark for about one
 * student in four — so a new user sees a living journal, and lessons from today on are still open.
 * Deterministic: every choice is a hash of the lesson's and the student's ids. Written set-wise in
 * SQL (tens of thousands of rows in a few statements): demo data, not the legal record, so it
 * carries no audit entries (the audit chain starts with the first real change, as on a new school).
 * ---------------------------------------------------------------------------------------------- */

/** A hash bucket 0..n-1 of some ids: the deterministic dice of the demo. */
const bucket = (expr: string, n: number) => `(abs(hashtext(${expr})) % ${n})`;

async function seedJournal(em: EntityManager): Promise<void> {
  const today = clock.now().toISOString();
  // The lessons to fill: scheduled, before the school's today (today's are the teachers' to fill).
  await em.execute(`
    create temporary table demo_filled on commit drop as
    select l.id, l.date, l.school_id, l.subject_id, coalesce(l.substitute_teacher_id, l.teacher_id) as teacher_id,
           l.school_class_id, l.group_id, l.student_id, s.time_zone
      from lesson l join school s on s.id = l.school_id
     where l.status = 'SCHEDULED' and l.date < (?::timestamptz at time zone s.time_zone)::date
       and not exists (select 1 from mark m where m.lesson_id = l.id)`, [today]);
  // Fresh statistics: the roster and the lessons were written moments ago in this seed; without them
  // PostgreSQL plans the membership lookups below as for empty tables (20 s instead of 0.2 s).
  await em.execute('analyze demo_filled, class_membership, group_membership, student, study_group, lesson');
  await em.execute(`
    update lesson l set
      topic = coalesce(l.topic, sub.name || ': тема урока ' || to_char(f.date, 'DD.MM')),
      content_entered_at = (f.date + time '15:00') at time zone f.time_zone,
      attendance_taken_at = (f.date + time '15:00') at time zone f.time_zone
      from demo_filled f join subject sub on sub.id = f.subject_id
     where l.id = f.id`);
  await em.execute(`
    insert into lesson_work_type (id, created_at, updated_at, lesson_id, work_type_id)
    select gen_random_uuid(), now(), now(), f.id, w.id
      from demo_filled f join work_type w on w.school_id = f.school_id and w.name = 'Ответ на уроке'
    on conflict do nothing`);
  await em.execute(`
    insert into homework (id, created_at, updated_at, school_id, lesson_id, text, pages, estimated_minutes, entered_at, due_at, late)
    select gen_random_uuid(), now(), now(), f.school_id, f.id,
           'Повторить материал урока, выполнить упражнения', 'с. ' || (10 + ${bucket('f.id::text', 200)}),
           15 + 5 * ${bucket("f.id::text || 'm'", 4)},
           (f.date + time '15:00') at time zone f.time_zone, (f.date + time '16:30') at time zone f.time_zone, false
      from demo_filled f
     where ${bucket("f.id::text || 'h'", 10)} < 7
    on conflict (lesson_id) do nothing`);
  // The lessons' students on their dates, with consent (R-SEC-4: no journal data of others).
  await em.execute(`
    create temporary table demo_seat on commit drop as
    select f.id as lesson_id, f.school_id, f.date, f.teacher_id, f.time_zone, t.id as student_id
      from demo_filled f cross join lateral target_students(f.school_class_id, f.group_id, f.student_id, f.date, f.date) t(id)
      join student s on s.id = t.id and s.consent_status = 'GIVEN'`);
  await em.execute(`
    insert into attendance (id, created_at, updated_at, school_id, lesson_id, student_id, status, reason, minutes_late, entered_at, late)
    select gen_random_uuid(), now(), now(), d.school_id, d.lesson_id, d.student_id,
           case when ${bucket("d.lesson_id::text || d.student_id::text", 40)} < 2 then 'ABSENT' else 'LATE' end::attendance_status,
           case when ${bucket("d.lesson_id::text || d.student_id::text", 40)} = 0 then 'ILLNESS'
                when ${bucket("d.lesson_id::text || d.student_id::text", 40)} = 1 then 'EXCUSED' else 'UNEXCUSED' end::absence_reason,
           case when ${bucket("d.lesson_id::text || d.student_id::text", 40)} >= 2 then 5 end,
           (d.date + time '15:00') at time zone d.time_zone, false
      from demo_seat d
     where ${bucket("d.lesson_id::text || d.student_id::text", 40)} < 3
    on conflict (lesson_id, student_id) do nothing`);
  // A mark for about one present student in four: mostly 4s and 5s, some 3s, a few 2s.
  await em.execute(`
    insert into mark (id, created_at, updated_at, school_id, lesson_id, student_id, work_type_id, grading_value_id, value,
                      posted_by_id, posted_at, due_at, late)
    select gen_random_uuid(), now(), now(), d.school_id, d.lesson_id, d.student_id, w.id, v.id, v.code, d.teacher_id,
           (d.date + time '14:00') at time zone d.time_zone, ((d.date + 1)::timestamp) at time zone d.time_zone, false
      from demo_seat d
      join work_type w on w.school_id = d.school_id and w.name = 'Ответ на уроке'
      join grading_system gs on gs.school_id = d.school_id and gs.kind = 'FIVE_POINT'
      join grading_value v on v.grading_system_id = gs.id and v.code =
           case when ${bucket("d.student_id::text || d.lesson_id::text || 'v'", 20)} < 7 then '5'
                when ${bucket("d.student_id::text || d.lesson_id::text || 'v'", 20)} < 15 then '4'
                when ${bucket("d.student_id::text || d.lesson_id::text || 'v'", 20)} < 19 then '3' else '2' end
     where ${bucket("d.student_id::text || d.lesson_id::text", 4)} = 0
       and not exists (select 1 from attendance a where a.lesson_id = d.lesson_id and a.student_id = d.student_id and a.status = 'ABSENT')`);
}

/**
 * The demo's closed periods (R-JOUR-8, R-JOUR-9): every study period that ended before today has
 * its final marks — per student and subject with current marks in it, the rounded weighted average
 * of them (weighted by work type, as `weightedAverage`) on the five-point scale, set on the deadline by the teacher who posted the student's last mark.
 * The period's journal is closed (it ended); the teachers see its final marks and the summary sheet.
 */
async function seedFinalMarks(em: EntityManager): Promise<void> {
  await em.execute(`
    insert into final_mark (id, created_at, updated_at, school_id, academic_year_id, student_id, subject_id, study_period_id, kind,
                            grading_value_id, value, set_by_id, set_at, due_on, late)
    select gen_random_uuid(), now(), now(), x.school_id, x.year_id, x.student_id, x.subject_id, x.period_id, 'MARK',
           v.id, v.code, x.teacher_id, (x.deadline + time '15:00') at time zone x.time_zone, x.deadline, false
      from (select p.school_id, p.academic_year_id as year_id, p.id as period_id, p.final_mark_deadline as deadline, sch.time_zone,
                   m.student_id, l.subject_id, (array_agg(m.posted_by_id order by m.posted_at desc))[1] as teacher_id,
                   round(sum(gv.numeric_value * w.weight) / sum(w.weight))::int as average
              from study_period p join school sch on sch.id = p.school_id
              join lesson l on l.academic_year_id = p.academic_year_id and l.date between p.start_date and p.end_date
              join mark m on m.lesson_id = l.id
              join grading_value gv on gv.id = m.grading_value_id and gv.numeric_value is not null
              join work_type w on w.id = m.work_type_id
              join class_membership cm on cm.student_id = m.student_id and cm.from_date <= l.date and (cm.to_date is null or cm.to_date >= l.date)
              join school_class c on c.id = cm.school_class_id and c.academic_year_id = p.academic_year_id and c.grade = any (p.grades)
             where p.end_date < (?::timestamptz at time zone sch.time_zone)::date
             group by p.id, sch.time_zone, m.student_id, l.subject_id) x
      join grading_system gs on gs.school_id = x.school_id and gs.kind = 'FIVE_POINT'
      join grading_value v on v.grading_system_id = gs.id and v.code = greatest(2, least(5, x.average))::text
    on conflict do nothing`, [clock.now().toISOString()]);
}

export const journalSeedSteps: SeedStep[] = [{ name: 'journal-demo', run: seedJournal }, { name: 'final-marks-demo', run: seedFinalMarks }];
