import type { EntityManager } from '@mikro-orm/postgresql';
import type { SeedStep } from './demo';
import { clock } from '../../clock';

/* ------------------------------------------------------------------------------------------------
 * Demo messages and acknowledgments (R-JOUR-12, R-DIARY-5): the demo teacher's recommendation on
 * Кирилл's last «Математика» lesson before today, answered by his mother; the class teacher's message
 * to every guardian of 5А (not read nor acknowledged yet); and the mother's acknowledgments of last
 * week's diary of both her children and of Кирилл's latest mark. A few statements of SQL, like
 * the demo journal: demo data without audit entries, relative to the school calendar's today.
 * ---------------------------------------------------------------------------------------------- */

async function seedMessages(em: EntityManager): Promise<void> {
  const now = clock.now().toISOString();
  // The demo people and places, by their logins and names.
  await em.execute(`
    create temporary table demo_msg on commit drop as
    select sch.id as school_id, sch.time_zone, (?::timestamptz at time zone sch.time_zone)::date as today,
           t.id as teacher_staff_id, t.user_id as teacher_user_id, ct.id as ct_staff_id, ct.user_id as ct_user_id,
           p.id as parent_user_id, c.id as class_id, s.id as kid_id, g.id as guardian_id
      from app_user p
      join guardian g on g.user_id = p.id
      join student_guardian sg on sg.guardian_id = g.id and sg.removed_at is null
      join student s on s.id = sg.student_id
      join class_membership cm on cm.student_id = s.id and cm.to_date is null
      join school_class c on c.id = cm.school_class_id and c.grade = 5 and c.letter = 'А'
      join school sch on sch.id = c.school_id
      join staff t on t.school_id = sch.id and t.user_id = (select id from app_user where login = 'teacher')
      join staff ct on ct.id = c.class_teacher_id
     where p.login = 'parent'`, [now]);
  const [d] = await em.execute<{ n: number }[]>('select count(*)::int as n from demo_msg');
  if (!d || d.n === 0) return;
  // The recommendation, on the teacher's last lesson of the class before today (if any), and the mother's answer.
  await em.execute(`
    with lesson as (
      select l.id, l.date from demo_msg x join lesson l on l.school_class_id = x.class_id and l.teacher_id = x.teacher_staff_id
       where l.status = 'SCHEDULED' and l.date < x.today order by l.date desc, l.lesson_number desc limit 1),
    thread as (
      insert into message_thread (id, created_at, updated_at, school_id, kind, student_id, lesson_id, staff_id, started_by_id, topic, last_message_at)
      select gen_random_uuid(), now(), now(), x.school_id, 'STUDENT', x.kid_id, (select id from lesson), x.teacher_staff_id, x.teacher_user_id,
             'Рекомендации по математике', ((x.today - 1) + time '19:30') at time zone x.time_zone
        from demo_msg x returning id, school_id),
    sent as (
      insert into message (id, created_at, updated_at, school_id, thread_id, author_id, author_kind, author_staff_id, author_guardian_id, body, sent_at)
      select gen_random_uuid(), now(), now(), t.school_id, t.id, x.teacher_user_id, 'STAFF'::message_author_kind, x.teacher_staff_id, null::uuid,
             'Кирилл хорошо работал на уроке, но путается в приведении дробей к общему знаменателю. Рекомендую решить дома № 312–315.',
             ((x.today - 1) + time '16:00') at time zone x.time_zone
        from thread t cross join demo_msg x
      union all
      select gen_random_uuid(), now(), now(), t.school_id, t.id, x.parent_user_id, 'GUARDIAN'::message_author_kind, null::uuid, x.guardian_id,
             'Спасибо, Алексей Николаевич! Позанимаемся вечером.', ((x.today - 1) + time '19:30') at time zone x.time_zone
        from thread t cross join demo_msg x
      returning thread_id)
    insert into message_read (id, created_at, updated_at, thread_id, user_id, read_at)
    select gen_random_uuid(), now(), now(), t.id, x.parent_user_id, ((x.today - 1) + time '19:30') at time zone x.time_zone
      from thread t cross join demo_msg x`);
  // The class teacher's message to every guardian of 5А, yesterday (unread and not acknowledged yet).
  await em.execute(`
    with thread as (
      insert into message_thread (id, created_at, updated_at, school_id, kind, school_class_id, staff_id, started_by_id, topic, last_message_at)
      select gen_random_uuid(), now(), now(), x.school_id, 'CLASS', x.class_id, x.ct_staff_id, x.ct_user_id, 'Родительское собрание',
             ((x.today - 1) + time '12:00') at time zone x.time_zone
        from demo_msg x returning id, school_id)
    insert into message (id, created_at, updated_at, school_id, thread_id, author_id, author_kind, author_staff_id, body, sent_at)
    select gen_random_uuid(), now(), now(), t.school_id, t.id, x.ct_user_id, 'STAFF', x.ct_staff_id,
           'Уважаемые родители! Родительское собрание 5А — в пятницу в 18:00 в кабинете 12. Тема: итоги четверти.',
           ((x.today - 1) + time '12:00') at time zone x.time_zone
      from thread t cross join demo_msg x`);
  // The mother acknowledges last week's diary of each child and Кирилл's latest mark.
  await em.execute(`
    insert into acknowledgment (id, created_at, updated_at, school_id, kind, student_id, guardian_id, user_id, week_start, acknowledged_at)
    select gen_random_uuid(), now(), now(), g.school_id, 'DIARY_WEEK', sg.student_id, g.id, g.user_id,
           date_trunc('week', x.today - 7)::date, ((x.today - 1) + time '20:00') at time zone x.time_zone
      from demo_msg x join guardian g on g.user_id = x.parent_user_id join student_guardian sg on sg.guardian_id = g.id and sg.removed_at is null
    on conflict do nothing`);
  await em.execute(`
    insert into acknowledgment (id, created_at, updated_at, school_id, kind, student_id, guardian_id, user_id, mark_id, acknowledged_at)
    select gen_random_uuid(), now(), now(), x.school_id, 'MARK', x.kid_id, x.guardian_id, x.parent_user_id, m.id, ((x.today - 1) + time '20:05') at time zone x.time_zone
      from demo_msg x cross join lateral (select m.id from mark m join lesson l on l.id = m.lesson_id
                                           where m.student_id = x.kid_id and l.date < x.today order by l.date desc, m.posted_at desc limit 1) m
    on conflict do nothing`);
}

export const messageSeedSteps: SeedStep[] = [{ name: 'messages-demo', run: seedMessages }];
