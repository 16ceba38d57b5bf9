import pg from 'pg';
import { verify as argon2Verify } from '@node-rs/argon2';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../src/db/orm';
import { DEMO_PASSWORD, seedDemo } from '../src/db/seed/demo';
import { createTestDatabase, TEST_NOW, type TestDatabase } from './helpers/app';
import { clock } from '../src/clock';

/**
 * The full demo seed (foundation + roster) on a database of its own: a clone of the shared test
 * template (migrated, foundation step only). The server is not needed: everything is checked in
 * the database.
 */
let database: TestDatabase;
let orm: MikroORM;
let pool: pg.Pool;
let applied: string[];
let seedMs: number;
const app = {
  async sql<R = any>(text: string, params?: unknown[]): Promise<R[]> {
    return (await pool.query(text, params as unknown[])).rows;
  },
};

beforeAll(async () => {
  database = await createTestDatabase();
  const url = database.databaseUrl;
  orm = await initOrm(url, 3);
  pool = new pg.Pool({ connectionString: url, max: 2 });
  // The school calendar's today, as the server under test has it: the demo journal is filled up to it.
  clock.pin(TEST_NOW);
  const started = Date.now();
  applied = await seedDemo(orm);
  seedMs = Date.now() - started;
}, 120_000);
afterAll(async () => {
  await orm?.close();
  await pool?.end();
  await database?.drop();
});

const COUNTED = [
  'subject', 'room', 'staff', 'app_user', 'role_assignment', 'school_class', 'student', 'guardian', 'student_guardian',
  'class_membership', 'study_group', 'group_membership', 'teaching_assignment', 'audit_entry',
];
async function counts(): Promise<Record<string, number>> {
  const cols = COUNTED.map((t) => `(select count(*)::int from "${t}") as "${t}"`);
  return (await app.sql(`select ${cols.join(', ')}`))[0];
}

/** Current members of a class, by class name ("5А"). */
async function members(cls: string): Promise<{ id: string; consent_status: string; last_name: string | null }[]> {
  return app.sql(
    `select s.id, s.consent_status, s.last_name from class_membership cm join school_class c on c.id = cm.school_class_id
      join student s on s.id = cm.student_id where c.grade || c.letter = $1 and cm.to_date is null`, [cls]);
}


describe('demo roster seed', () => {
  test('R-YEAR-3: applies the roster step quickly', () => {
    expect(applied).toEqual(expect.arrayContaining(['roster', 'roster-guardians', 'roster-groups']));
    if (process.env.OTMETKA_SEED_TIMING) process.stdout.write(`roster seed: ${seedMs} ms\n`);
    expect(seedMs).toBeLessThan(30_000); // a guard against gross regressions; typically well under 5 s on an idle machine
  });

  test('R-YEAR-3: federal and school-component subjects, rooms, staff of the demo accounts and ~25 teachers', async () => {
    const subjects = await app.sql<{ name: string; component: string }>(`select name, component from subject`);
    const federal = subjects.filter((s) => s.component === 'FEDERAL').map((s) => s.name);
    expect(federal).toEqual(expect.arrayContaining(['Математика', 'Русский язык', 'Иностранный язык', 'Информатика', 'Физическая культура', 'ОБЗР']));
    expect(subjects.some((s) => s.component === 'SCHOOL' && s.name === 'Финансовая грамотность')).toBe(true);
    const rooms = (await app.sql<{ name: string }>(`select name from room`)).map((r) => r.name);
    expect(rooms).toEqual(expect.arrayContaining(['101', '130', 'Спортзал', 'Актовый зал']));
    const staff = await app.sql<{ login: string; position: string }>(`select u.login, s.position from staff s join app_user u on u.id = s.user_id`);
    const pos = Object.fromEntries(staff.map((s) => [s.login, s.position]));
    expect(pos).toMatchObject({ director: 'Директор', deputy: 'Заместитель директора по УВР', teacher: 'Учитель', classteacher: 'Учитель', admin: 'Системный администратор' });
    const teachers = await app.sql<{ login: string }>(
      `select u.login from staff s join app_user u on u.id = s.user_id join role_assignment ra on ra.user_id = u.id and ra.role = 'TEACHER'`);
    expect(teachers.length).toBeGreaterThanOrEqual(25);
    expect(new Set(teachers.map((t) => t.login)).size).toBe(teachers.length);
    // The new teachers' accounts are no demo logins: their passwords are unknown.
    const other = teachers.map((t) => t.login).find((l) => !['teacher', 'classteacher'].includes(l))!;
    expect(other).toMatch(/^[a-z]\.[a-z]+\d*$/);
    const [{ password_hash: hash }] = await app.sql(`select password_hash from app_user where login = $1`, [other]);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await argon2Verify(hash, DEMO_PASSWORD)).toBe(false);
  });

  test('R-YEAR-4: classes 1–11 with letters, profiles in 10–11, a class teacher each; 5А led by classteacher', async () => {
    const classes = await app.sql<{ name: string; profile: string | null; teacher: string | null }>(
      `select c.grade || c.letter as name, c.profile, u.login as teacher from school_class c
         join academic_year y on y.id = c.academic_year_id and y.name = '2025/2026'
         left join staff s on s.id = c.class_teacher_id left join app_user u on u.id = s.user_id order by c.grade, c.letter`);
    expect(classes.map((c) => c.name)).toEqual(['1А', '1Б', '2А', '3А', '4А', '5А', '5Б', '6А', '7А', '8А', '9А', '9Б', '10А', '10Б', '11А', '11Б']);
    expect(classes.every((c) => c.teacher)).toBe(true);
    expect(new Set(classes.map((c) => c.teacher)).size).toBe(classes.length);
    expect(classes.find((c) => c.name === '5А')!.teacher).toBe('classteacher');
    expect(classes.find((c) => c.name === '10А')!.profile).toBe('технологический');
    expect(classes.find((c) => c.name === '10Б')!.profile).toBe('социально-экономический');
    expect(classes.filter((c) => c.profile).map((c) => c.name)).toEqual(['10А', '10Б', '11А', '11Б']);
  });

  test('R-YEAR-4: each class has 20–30 current members; every student is in exactly one class', async () => {
    const rows = await app.sql<{ name: string; n: number }>(
      `select c.grade || c.letter as name, count(cm.id)::int as n from school_class c
         left join class_membership cm on cm.school_class_id = c.id and cm.to_date is null and cm.from_date = '2025-09-01' group by 1`);
    for (const r of rows) {
      expect(r.n).toBeGreaterThanOrEqual(20);
      expect(r.n).toBeLessThanOrEqual(30);
    }
    const [{ students, memberships }] = await app.sql(
      `select (select count(*)::int from student) as students, (select count(distinct student_id)::int from class_membership where to_date is null) as memberships`);
    expect(memberships).toBe(students);
  });

  test('R-SEC-4: consenting students have names, sex and a birth date fitting the grade; pseudonyms unique and sequential', async () => {
    const rows = await app.sql<{ consent_status: string; last_name: string | null; first_name: string | null; middle_name: string | null; sex: string | null; birth_date: string | null; grade: number; pseudonym: string; enrolment_number: string | null }>(
      `select s.consent_status, s.last_name, s.first_name, s.middle_name, s.sex, s.birth_date::text, s.pseudonym, s.enrolment_number, c.grade
         from student s join class_membership cm on cm.student_id = s.id join school_class c on c.id = cm.school_class_id`);
    const given = rows.filter((r) => r.consent_status === 'GIVEN');
    expect(given.length).toBeGreaterThan(300);
    for (const s of given) {
      expect(s.last_name && s.first_name && s.middle_name && s.sex && s.birth_date && s.enrolment_number).toBeTruthy();
      const born = Number(s.birth_date!.slice(0, 4));
      expect(Math.abs(2025 - born - (s.grade + 6))).toBeLessThanOrEqual(1);
      if (s.sex === 'FEMALE') {
        expect(s.middle_name).toMatch(/(на|чна)$/);
        expect(s.last_name).toMatch(/(а|ая)$/);
      } else {
        expect(s.middle_name).toMatch(/(ич)$/);
      }
    }
    const pseudonyms = rows.map((r) => r.pseudonym).sort();
    expect(new Set(pseudonyms).size).toBe(rows.length);
    expect(pseudonyms[0]).toBe('У-0001');
    expect(pseudonyms[pseudonyms.length - 1]).toBe(`У-${String(rows.length).padStart(4, '0')}`);
  });

  test('R-SEC-4: 2–3 students refused consent and have no personal data', async () => {
    const refused = await app.sql(`select * from student where consent_status = 'REFUSED'`);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeLessThanOrEqual(3);
    for (const s of refused) {
      expect(s.pseudonym).toMatch(/^У-\d{4}$/);
      for (const k of ['last_name', 'first_name', 'middle_name', 'birth_date', 'sex', 'enrolment_number', 'phone', 'email', 'user_id']) expect(s[k]).toBeNull();
    }
    const [{ n }] = await app.sql(`select count(*)::int as n from student_guardian sg join student s on s.id = sg.student_id where s.consent_status = 'REFUSED'`);
    expect(n).toBe(0);
  });

  test('R-ROLE-6, R-ROLE-7: the demo student is in 5А; the demo parent is his mother and the mother of a sibling in 2А', async () => {
    const rows = await app.sql<{ cls: string; last_name: string; first_name: string; middle_name: string; kind: string; g_last: string }>(
      `select c.grade || c.letter as cls, s.last_name, s.first_name, s.middle_name, sg.kind, g.last_name as g_last
         from guardian g join app_user pu on pu.id = g.user_id and pu.login = 'parent'
         join student_guardian sg on sg.guardian_id = g.id and sg.removed_at is null join student s on s.id = sg.student_id
         join class_membership cm on cm.student_id = s.id and cm.to_date is null join school_class c on c.id = cm.school_class_id order by c.grade desc`);
    expect(rows.map((r) => r.cls)).toEqual(['5А', '2А']);
    expect(rows.every((r) => r.kind === 'MOTHER' && r.g_last === 'Морозова')).toBe(true);
    expect(rows[0]).toMatchObject({ last_name: 'Морозов', first_name: 'Кирилл', middle_name: 'Дмитриевич' });
    expect(rows[1].last_name).toBe('Морозова');
    const [own] = await app.sql(`select s.last_name from student s join app_user u on u.id = s.user_id where u.login = 'student'`);
    expect(own.last_name).toBe('Морозов');
    // The access view grants the demo accounts what the diary needs (R-SEC-3).
    const access = await app.sql(`select distinct u.login || ':' || a.reason as reason from student_access_at($1::timestamptz) a join app_user u on u.id = a.user_id join student s on s.id = a.student_id
      where s.first_name = 'Кирилл' and s.last_name = 'Морозов' and u.login in ('student', 'parent', 'classteacher', 'teacher') order by 1`, [TEST_NOW]);
    expect(access.map((a) => a.reason)).toEqual(['classteacher:CLASS_TEACHER', 'classteacher:TEACHER', 'parent:GUARDIAN', 'student:SELF', 'teacher:TEACHER']);
  });

  test('R-YEAR-4: guardians: 1–2 per consenting student, surnames matching, some with children in two classes', async () => {
    const perStudent = await app.sql<{ n: number }>(
      `select count(sg.id)::int as n from student s left join student_guardian sg on sg.student_id = s.id where s.consent_status = 'GIVEN' group by s.id`);
    expect(perStudent.every((r) => r.n >= 1 && r.n <= 2)).toBe(true);
    const mismatched = await app.sql(
      `select 1 from student_guardian sg join student s on s.id = sg.student_id join guardian g on g.id = sg.guardian_id
        where regexp_replace(g.last_name, 'а$', '') <> regexp_replace(s.last_name, 'а$', '')
           or (sg.kind = 'MOTHER' and g.last_name !~ 'а$') or (sg.kind = 'FATHER' and g.last_name ~ 'а$')`);
    expect(mismatched).toEqual([]);
    const siblings = await app.sql(
      `select sg.guardian_id from student_guardian sg join class_membership cm on cm.student_id = sg.student_id
        group by sg.guardian_id having count(distinct cm.school_class_id) > 1`);
    expect(siblings.length).toBeGreaterThan(5);
    const [{ n }] = await app.sql(`select count(*)::int as n from guardian`);
    expect(n).toBeGreaterThan(300);
  });

  test('R-YEAR-4: 5А English subgroups partition the class alphabetically; informatics subgroups (grades 7–11) partition theirs', async () => {
    const classMembers = (await members('5А')).map((m) => m.id).sort();
    for (const subject of ['Иностранный язык']) {
      const groups = await app.sql<{ id: string; name: string }>(
        `select g.id, g.name from study_group g join subject su on su.id = g.subject_id join school_class c on c.id = g.school_class_id
          where g.kind = 'SUBGROUP' and su.name = $1 and c.grade = 5 and c.letter = 'А' order by g.name`, [subject]);
      expect(groups).toHaveLength(2);
      const parts = await Promise.all(groups.map((g) => app.sql<{ student_id: string; last_name: string | null }>(
        `select gm.student_id, s.last_name from group_membership gm join student s on s.id = gm.student_id
          where gm.group_id = $1 and gm.to_date is null and gm.from_date = '2025-09-01'`, [g.id])));
      expect(parts.flat().map((p) => p.student_id).sort()).toEqual(classMembers);
      expect(Math.abs(parts[0].length - parts[1].length)).toBeLessThanOrEqual(1);
      const lastOfFirst = parts[0].map((p) => p.last_name!).filter(Boolean).sort((a, b) => a.localeCompare(b, 'ru')).pop()!;
      const firstOfSecond = parts[1].map((p) => p.last_name!).filter(Boolean).sort((a, b) => a.localeCompare(b, 'ru'))[0];
      expect(lastOfFirst.localeCompare(firstOfSecond, 'ru')).toBeLessThanOrEqual(0);
    }
    // Informatics starts in grade 7: 7А–11Б have its subgroups, partitioning each class.
    const inf = await app.sql<{ cls: string; groups: number; members: number; distinct_members: number; class_size: number }>(
      `select c.grade || c.letter as cls, count(distinct g.id)::int as groups, count(gm.id)::int as members,
              count(distinct gm.student_id)::int as distinct_members,
              (select count(*)::int from class_membership cm where cm.school_class_id = c.id and cm.to_date is null) as class_size
         from study_group g join subject su on su.id = g.subject_id and su.name = 'Информатика'
         join school_class c on c.id = g.school_class_id left join group_membership gm on gm.group_id = g.id
        where g.kind = 'SUBGROUP' group by c.id`);
    expect(inf.map((r) => r.cls).sort()).toEqual(['10А', '10Б', '11А', '11Б', '7А', '8А', '9А', '9Б']);
    for (const r of inf) {
      expect(r.groups).toBe(2);
      expect(r.members).toBe(r.class_size);
      expect(r.distinct_members).toBe(r.class_size);
    }
  });

  test('R-YEAR-4: a PE stream joins 10А and 10Б with more than 30 students; an elective across 9А/9Б', async () => {
    const [stream] = await app.sql(
      `select g.id, g.stream_class_ids, su.name as subject, (select count(*)::int from group_membership gm where gm.group_id = g.id) as n
         from study_group g join subject su on su.id = g.subject_id where g.kind = 'STREAM'`);
    expect(stream.subject).toBe('Физическая культура');
    expect(stream.n).toBeGreaterThan(30);
    const streamClasses = await app.sql(`select grade || letter as name from school_class where id = any($1::uuid[]) order by 1`, [stream.stream_class_ids]);
    expect(streamClasses.map((c) => c.name)).toEqual(['10А', '10Б']);
    const tenth = [...await members('10А'), ...await members('10Б')];
    expect(stream.n).toBe(tenth.length);
    const elective = await app.sql(
      `select distinct c.grade || c.letter as cls from study_group g join group_membership gm on gm.group_id = g.id
         join class_membership cm on cm.student_id = gm.student_id join school_class c on c.id = cm.school_class_id
        where g.kind = 'ELECTIVE' order by 1`);
    expect(elective.map((e) => e.cls)).toEqual(['9А', '9Б']);
  });

  test('R-YEAR-7: 5А has every grade-5 subject assigned with curriculum hours; demo teacher teaches Математика, classteacher Русский язык', async () => {
    const rows = await app.sql<{ subject: string; login: string; hours: string; via: string }>(
      `select su.name as subject, u.login, ta.hours_per_week::text as hours, case when ta.group_id is null then 'class' else 'group' end as via
         from teaching_assignment ta join subject su on su.id = ta.subject_id join staff s on s.id = ta.teacher_id join app_user u on u.id = s.user_id
         left join study_group g on g.id = ta.group_id
         join school_class c on c.id = coalesce(ta.school_class_id, g.school_class_id) where c.grade = 5 and c.letter = 'А'`);
    const grade5 = ['Русский язык', 'Литература', 'Иностранный язык', 'Математика', 'История', 'География', 'Биология', 'Музыка', 'Изобразительное искусство', 'Труд (технология)', 'Физическая культура', 'ОДНКНР'];
    expect(new Set(rows.map((r) => r.subject))).toEqual(new Set(grade5));
    expect(rows.find((r) => r.subject === 'Математика')).toMatchObject({ login: 'teacher', hours: '5.0', via: 'class' });
    expect(rows.filter((r) => ['Русский язык', 'Литература'].includes(r.subject)).map((r) => r.login)).toEqual(['classteacher', 'classteacher']);
    expect(rows.filter((r) => r.subject === 'Иностранный язык').map((r) => r.via)).toEqual(['group', 'group']);
    // Every class's curriculum is covered (grades 1–4 mostly by their class teacher).
    const [{ uncovered }] = await app.sql(
      `select count(*)::int as uncovered from school_class c where not exists (select 1 from teaching_assignment ta where ta.school_class_id = c.id)`);
    expect(uncovered).toBe(0);
  });

  test('R-SEC-5: the roster changes are in the audit trail under seed:roster (and its later steps)', async () => {
    const rows = await app.sql<{ operation: string; entity_type: string; n: number }>(
      `select operation, entity_type, count(*)::int as n from audit_entry where operation like 'seed:roster%' group by 1, 2`);
    const by = Object.fromEntries(rows.map((r) => [r.entity_type, r.n]));
    const op = Object.fromEntries(rows.map((r) => [r.entity_type, r.operation]));
    expect(op).toMatchObject({ Student: 'seed:roster', SchoolClass: 'seed:roster', Staff: 'seed:roster', Subject: 'seed:roster', Guardian: 'seed:roster-guardians', StudyGroup: 'seed:roster-groups', TeachingAssignment: 'seed:roster-groups' });
    // Every roster row has its CREATE entry.
    const [{ missing }] = await app.sql(`select count(*)::int as missing from (
      select id::text from student union all select id::text from guardian union all select id::text from student_guardian
      union all select id::text from class_membership union all select id::text from group_membership union all select id::text from teaching_assignment
      except select entity_id from audit_entry where action = 'CREATE') x`);
    expect(missing).toBe(0);
    const [c] = await app.sql(`select (select count(*)::int from student) as student, (select count(*)::int from guardian) as guardian, (select count(*)::int from school_class) as school_class`);
    expect(by.Student).toBe(c.student);
    expect(by.Guardian).toBe(c.guardian);
    expect(by.SchoolClass).toBe(c.school_class);
    expect(by.TeachingAssignment).toBeGreaterThan(100);
  });

  test('R-YEAR-3: applying the seed again changes nothing', async () => {
    const before = await counts();
    expect(await seedDemo(orm)).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});

describe('demo plans seed', () => {
  test('R-YEAR-5, R-YEAR-8: curriculum of every grade; thematic plan of Математика in 5А with ~30 dated topics; an individual plan', async () => {
    expect(applied).toContain('roster-plans');
    const [{ grades, items }] = await app.sql(`select count(distinct grade)::int as grades, count(*)::int as items from curriculum_item`);
    expect(grades).toBe(11);
    expect(items).toBeGreaterThan(100);
    const topics = await app.sql<{ position: number; hours: number; planned_date: string }>(
      `select t.position, t.hours, t.planned_date::text from planned_topic t join thematic_plan p on p.id = t.plan_id
         join subject su on su.id = p.subject_id and su.name = 'Математика' join school_class c on c.id = p.school_class_id and c.grade = 5 and c.letter = 'А'
        order by t.position`);
    expect(topics.length).toBeGreaterThanOrEqual(25);
    expect(topics[0].planned_date).toBe('2025-09-01');
    for (let i = 1; i < topics.length; i++) expect(topics[i].planned_date > topics[i - 1].planned_date).toBe(true);
    const [{ n }] = await app.sql(`select count(*)::int as n from individual_plan ip join individual_plan_subject s on s.plan_id = ip.id`);
    expect(n).toBeGreaterThan(5);
  });
});

describe('demo journal seed', () => {
  test('issue 12, R-JOUR-1..5: every class has a living journal before today (topics, homework, attendance, marks) and nothing from today on', async () => {
    expect(applied).toContain('journal-demo');
    const today = TEST_NOW.slice(0, 10);
    const perClass = await app.sql(`
      select c.grade || c.letter as class,
             count(distinct l.id) filter (where l.topic is not null) as topics,
             count(distinct h.id) as homework,
             count(distinct l.id) filter (where l.attendance_taken_at is not null) as taken,
             count(distinct m.id) as marks,
             count(distinct l.id) filter (where l.date >= $1::date and (l.attendance_taken_at is not null or m.id is not null or h.id is not null)) as future
        from school_class c join lesson l on l.school_class_id = c.id
        left join homework h on h.lesson_id = l.id left join mark m on m.lesson_id = l.id
       group by c.grade, c.letter order by c.grade, c.letter`, [today]);
    expect(perClass.length).toBeGreaterThan(10);
    for (const c of perClass) {
      expect({ class: c.class, topics: Number(c.topics) > 0, homework: Number(c.homework) > 0, taken: Number(c.taken) > 0, marks: Number(c.marks) > 0, future: Number(c.future) })
        .toEqual({ class: c.class, topics: true, homework: true, taken: true, marks: true, future: 0 });
    }
    // Marks only of the lessons' own students with consent, on the school's grading system.
    expect(await app.sql(`select count(*)::int as n from mark m join student s on s.id = m.student_id where s.consent_status <> 'GIVEN'`)).toEqual([{ n: 0 }]);
    expect(await app.sql(`select count(*)::int as n from mark m join lesson l on l.id = m.lesson_id
      where not exists (select 1 from target_students(l.school_class_id, l.group_id, l.student_id, l.date, l.date) t(id) where t.id = m.student_id)`)).toEqual([{ n: 0 }]);
    // No mark for a student recorded absent from that lesson.
    expect(await app.sql(`select count(*)::int as n from mark m join attendance a on a.lesson_id = m.lesson_id and a.student_id = m.student_id and a.status = 'ABSENT'`)).toEqual([{ n: 0 }]);
  });

  test('issue 13, R-JOUR-8, R-JOUR-9: the first quarter (ended before today) is closed with final marks for every class of grades 1–9; later periods have none', async () => {
    expect(applied).toContain('final-marks-demo');
    const perPeriod = await app.sql(`
      select p.name, count(f.id)::int as marks, count(distinct c.id)::int as classes,
             count(f.id) filter (where f.value !~ '^[2-5]$' or f.late)::int as odd
        from study_period p left join final_mark f on f.study_period_id = p.id
        left join class_membership cm on cm.student_id = f.student_id
        left join school_class c on c.id = cm.school_class_id and c.academic_year_id = p.academic_year_id
       group by p.name order by p.name`);
    const q1 = perPeriod.find((p: any) => p.name === '1 четверть');
    expect(q1.marks).toBeGreaterThan(100);
    expect(q1.classes).toBeGreaterThanOrEqual(9);
    expect(q1.odd).toBe(0);
    for (const p of perPeriod.filter((x: any) => x.name !== '1 четверть')) expect({ period: p.name, marks: p.marks }).toEqual({ period: p.name, marks: 0 });
    // A final mark's value is the rounded weighted average of the student's current marks of the period.
    const [check] = await app.sql(`
      select count(*)::int as n from final_mark f join study_period p on p.id = f.study_period_id
       where f.value::int <> greatest(2, least(5, (select round(sum(v.numeric_value * w.weight) / sum(w.weight))::int from mark m join lesson l on l.id = m.lesson_id
                 join grading_value v on v.id = m.grading_value_id join work_type w on w.id = m.work_type_id
                where m.student_id = f.student_id and l.subject_id = f.subject_id and l.date between p.start_date and p.end_date and v.numeric_value is not null)))`);
    expect(check.n).toBe(0);
  });
});

describe('demo messages seed', () => {
  test('issue 13, R-JOUR-12, R-DIARY-5: a recommendation answered by the mother, the class teacher\'s message to 5А, and the mother\'s acknowledgments, each seen by its participants only', async () => {
    expect(applied).toContain('messages-demo');
    const threads = await app.sql(`select t.kind, t.topic, (select count(*)::int from message m where m.thread_id = t.id) as messages, l.date is not null as on_lesson
      from message_thread t left join lesson l on l.id = t.lesson_id order by t.kind`);
    expect(threads).toEqual([
      { kind: 'STUDENT', topic: 'Рекомендации по математике', messages: 2, on_lesson: true },
      { kind: 'CLASS', topic: 'Родительское собрание', messages: 1, on_lesson: false },
    ]);
    // Who takes part today, by login (the one definition the API reads).
    const who = await app.sql(`select t.kind, string_agg(distinct u.login || ':' || a.participant, ',' order by u.login || ':' || a.participant) as logins
      from message_thread_access_at($1::timestamptz) a join message_thread t on t.id = a.thread_id join app_user u on u.id = a.user_id
      where u.login in ('admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent') group by t.kind order by t.kind`, [TEST_NOW]);
    expect(who).toEqual([
      { kind: 'STUDENT', logins: 'parent:GUARDIAN,student:SELF,teacher:STAFF' },
      { kind: 'CLASS', logins: 'classteacher:STAFF,parent:GUARDIAN' },
    ]);
    const acks = await app.sql(`select a.kind, count(*)::int as n, bool_and(u.login = 'parent') as by_parent, bool_and(a.acknowledged_at < $1::timestamptz) as past
      from acknowledgment a join app_user u on u.id = a.user_id group by a.kind order by a.kind`, [TEST_NOW]);
    expect(acks).toEqual([{ kind: 'DIARY_WEEK', n: 2, by_parent: true, past: true }, { kind: 'MARK', n: 1, by_parent: true, past: true }]);
    // Nothing written in the future of the school's today.
    expect(await app.sql(`select count(*)::int as n from message where sent_at >= $1::timestamptz`, [TEST_NOW])).toEqual([{ n: 0 }]);
  });
});
