import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../src/db/orm';
import { seedDemo, seedSteps } from '../src/db/seed/demo';
import { demoPeriods } from '../src/db/seed/timetable';
import { expandTimetable, findLessonClashes, findTimetableClashes, lockTimetable } from '../src/services/scheduling';
import { TimetableEntry } from '../src/entities/timetable.entity';
import { createTestDatabase, type TestDatabase } from './helpers/app';

/**
 * The demo timetable (R-YEAR-6, R-YEAR-9, R-JOUR-6, R-YEAR-10) applied with the whole demo seed to a
 * database of its own, and checked with the service's own conflict checks.
 */
let database: TestDatabase;
let orm: MikroORM;
let pool: pg.Pool;
const ms: Record<string, number> = {};
const sql = async <R = any>(text: string, params?: unknown[]): Promise<R[]> => (await pool.query(text, params as unknown[])).rows;

beforeAll(async () => {
  database = await createTestDatabase();
  orm = await initOrm(database.databaseUrl, 3);
  pool = new pg.Pool({ connectionString: database.databaseUrl, max: 2 });
  const timed = async (label: string, only: string[]) => {
    const started = Date.now();
    await seedDemo(orm, only);
    ms[label] = Date.now() - started;
  };
  const timetableSteps = ['timetable-bells', 'timetable', 'timetable-lessons', 'timetable-changes'];
  await timed('roster', seedSteps.map((s) => s.name).filter((n) => !timetableSteps.includes(n)));
  for (const step of timetableSteps) await timed(step, [step]);
  if (process.env.OTMETKA_SEED_TIMING) process.stdout.write(`timetable seed steps (ms): ${JSON.stringify(ms)}\n`);
}, 180_000);
afterAll(async () => {
  await orm?.close();
  await pool?.end();
  await database?.drop();
});

describe('demo timetable seed', () => {
  test('R-YEAR-6: the school default bell schedule: 7 lessons of 45 minutes from 8:30, breaks of 10 and 20 minutes', async () => {
    const slots = await sql(`select s.lesson_number, to_char(s.starts_at, 'HH24:MI') as starts, to_char(s.ends_at, 'HH24:MI') as ends
      from bell_slot s join bell_schedule b on b.id = s.bell_schedule_id where b.school_class_id is null and b.group_id is null order by 1`);
    expect(slots.map((s) => `${s.lesson_number} ${s.starts}–${s.ends}`)).toEqual([
      '1 08:30–09:15', '2 09:25–10:10', '3 10:30–11:15', '4 11:35–12:20', '5 12:30–13:15', '6 13:25–14:10', '7 14:20–15:05']);
  });

  test('R-YEAR-9: every class has its weekly hours from the teaching load, in compact days of at most 7 lessons', async () => {
    const rows = await sql<{ name: string; slots: number; hours: number; max_day: number; gaps: number }>(
      `with class_slots as (
         select c.id, e.weekday, e.lesson_number from school_class c
           join timetable_entry e on e.school_class_id = c.id
              or e.group_id in (select g.id from study_group g where g.school_class_id = c.id or c.id = any(g.stream_class_ids))
         group by 1, 2, 3),
       per_day as (select id, weekday, count(*) as n, max(lesson_number) as last from class_slots group by 1, 2)
       select c.grade || c.letter as name,
              (select count(*)::int from class_slots s where s.id = c.id) as slots,
              (select sum(hours_per_week)::int from curriculum_item ci where ci.grade = c.grade and ci.academic_year_id = c.academic_year_id) as hours,
              (select max(n)::int from per_day d where d.id = c.id) as max_day,
              (select count(*)::int from per_day d where d.id = c.id and d.last <> d.n) as gaps
         from school_class c order by c.grade, c.letter`);
    expect(rows).toHaveLength(16);
    for (const r of rows) {
      // A subject whose two subgroups have one teacher shares slots with another split subject: no extra slot.
      expect(r.slots).toBe(r.hours);
      expect(r.max_day).toBeLessThanOrEqual(7);
      expect(r.gaps).toBe(0);
    }
    const [{ stream }] = await sql(`select count(*)::int as stream from timetable_entry e join study_group g on g.id = e.group_id where g.kind = 'STREAM'`);
    expect(stream).toBe(2);
    const [{ rooms }] = await sql(`select count(*)::int as rooms from timetable_entry where room_id is null`);
    expect(rooms).toBe(0);
  });

  test('R-YEAR-9: the demo timetable is conflict-free by the service\'s own checks', async () => {
    const em = orm.em.fork();
    const entries = await em.find(TimetableEntry, {});
    expect(entries.length).toBeGreaterThan(400);
    const clashes: string[] = [];
    for (const e of entries) {
      const found = await findTimetableClashes(em, {
        schoolId: e.school.id, weekday: e.weekday, lessonNumber: e.lessonNumber, validFrom: e.validFrom, validTo: e.validTo,
        teacherIds: [e.teacher.id], roomId: e.room?.id, target: { classId: e.schoolClass?.id, groupId: e.group?.id, studentId: e.student?.id },
        excludeEntryId: e.id,
      });
      clashes.push(...found.map((x) => x.message));
    }
    expect(clashes).toEqual([]);
  }, 60_000);

  test('R-YEAR-9, R-YEAR-1: lessons are generated for the current period of every class, none on holidays; a second run creates nothing', async () => {
    const perClass = await sql<{ name: string; n: number }>(
      `select c.grade || c.letter as name, count(l.id)::int as n from school_class c left join lesson l on l.school_class_id = c.id
         or l.group_id in (select g.id from study_group g where g.school_class_id = c.id or c.id = any(g.stream_class_ids)) group by 1`);
    for (const r of perClass) expect(r.n).toBeGreaterThan(100);
    const [{ onHoliday }] = await sql(`select count(*)::int as "onHoliday" from lesson l join holiday h on l.date between h.start_date and h.end_date and h.grades is null`);
    expect(onHoliday).toBe(0);
    const [{ outside }] = await sql(`select count(*)::int as outside from lesson l join timetable_entry e on e.id = l.timetable_entry_id
      where l.planned_date not between e.valid_from and e.valid_to or extract(isodow from l.planned_date) <> e.weekday`);
    expect(outside).toBe(0);

    const before = (await sql(`select count(*)::int as n from lesson`))[0].n;
    const em = orm.em.fork();
    await em.transactional(async (tem) => {
      for (const period of new Set((await demoPeriods(tem)).values())) {
        await lockTimetable(tem, period.academicYear.id);
        const again = await expandTimetable(tem, period);
        expect({ created: again.created.length, removed: again.removed, notFitting: again.notFitting.length }).toEqual({ created: 0, removed: 0, notFitting: 0 });
        expect(again.unchanged).toBeGreaterThan(1000);
      }
    });
    expect((await sql(`select count(*)::int as n from lesson`))[0].n).toBe(before);
  });

  test('R-JOUR-6, R-YEAR-10: one lesson of Математика in 5А has a free substitute for «больничный»; a control work «Дроби» is scheduled in the period', async () => {
    const subs = await sql(`select l.id, to_char(l.date, 'YYYY-MM-DD') as date, l.lesson_number, l.school_id, l.substitute_teacher_id, l.teacher_id, l.substitution_reason,
        s.name as subject, c.grade || c.letter as class from lesson l join subject s on s.id = l.subject_id join school_class c on c.id = l.school_class_id
       where l.substitute_teacher_id is not null`);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ subject: 'Математика', class: '5А', substitution_reason: 'больничный' });
    expect(subs[0].substitute_teacher_id).not.toBe(subs[0].teacher_id);
    const clashes = await findLessonClashes(orm.em.fork(), {
      schoolId: subs[0].school_id, date: subs[0].date, lessonNumber: subs[0].lesson_number, teacherIds: [subs[0].substitute_teacher_id],
      target: { classId: null }, excludeLessonId: subs[0].id,
    });
    expect(clashes).toEqual([]);
    const works = await sql(`select w.form, w.title, to_char(w.date, 'YYYY-MM-DD') as date, w.lesson_number, s.name as subject, c.grade || c.letter as class,
        exists (select 1 from lesson l where l.school_class_id = w.school_class_id and l.subject_id = w.subject_id and l.date = w.date and l.lesson_number = w.lesson_number) as on_lesson
      from control_work w join subject s on s.id = w.subject_id join school_class c on c.id = w.school_class_id`);
    expect(works).toEqual([expect.objectContaining({ form: 'CONTROL_WORK', title: 'Дроби', subject: 'Математика', class: '5А', on_lesson: true })]);
  });

  test('R-SEC-5: the timetable seed is audited under its steps; applying the seed again changes nothing', async () => {
    const rows = await sql(`select operation, entity_type, count(*)::int as n from audit_entry where operation like 'seed:timetable%' group by 1, 2 order by 1, 2`);
    const by = Object.fromEntries(rows.map((r) => [`${r.operation} ${r.entity_type}`, r.n]));
    const [{ lessons, entries }] = await sql(`select (select count(*)::int from lesson) as lessons, (select count(*)::int from timetable_entry) as entries`);
    expect(by).toMatchObject({
      'seed:timetable-bells BellSchedule': 1, 'seed:timetable-bells BellSlot': 7, 'seed:timetable TimetableEntry': entries,
      'seed:timetable-lessons Lesson': lessons, 'seed:timetable-changes Lesson': 1, 'seed:timetable-changes ControlWork': 1,
    });
    expect(await seedDemo(orm)).toEqual([]);
  });
});
