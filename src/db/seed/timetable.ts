import type { EntityManager } from '@mikro-orm/postgresql';
import type { SeedStep } from './demo';
import { AcademicYear, StudyPeriod } from '../../entities/academic-year.entity';
import { Role, RoleAssignment } from '../../entities/user.entity';
import { School } from '../../entities/school.entity';
import { Room, Subject } from '../../entities/subject.entity';
import { Staff } from '../../entities/staff.entity';
import { SchoolClass } from '../../entities/school-class.entity';
import { StudyGroup, StudyGroupKind } from '../../entities/study-group.entity';
import { TeachingAssignment } from '../../entities/teaching-assignment.entity';
import { BellSchedule, BellSlot, LessonKind, TimetableEntry } from '../../entities/timetable.entity';
import { Lesson } from '../../entities/lesson.entity';
import { ControlForm, ControlWork } from '../../entities/control-work.entity';
import { dateIn } from '../../services/shared';
import { expandTimetable, findLessonClashes } from '../../services/scheduling';
import { DEMO_CLASS, ROSTER_YEAR, prng } from './roster';
import { demoData as data } from './calendar';

/* ------------------------------------------------------------------------------------------------
 * Demo timetable of the demo school (R-YEAR-6, R-YEAR-9): the school's bell schedule, a weekly
 * timetable of all classes built from the teaching load (hours per week → that many weekly
 * entries), conflict-free by construction, the dated lessons of the current study period, one
 * substitution (R-JOUR-6) and one control work (R-YEAR-10). Deterministic for a given day: the
 * period is the one containing today in the school's time zone (else the first of the year).
 * ---------------------------------------------------------------------------------------------- */

const DAYS = 5;
export const DEMO_BELL_SCHEDULE_NAME = 'Основное расписание звонков';
const LESSONS_PER_DAY = data.bellSchedule.length;
const SUBSTITUTION_REASON = 'больничный';
const PE = 'Физическая культура';
const COMPUTER_SUBJECTS = new Set(['Информатика', 'Индивидуальный проект']);
const GYMS = ['Спортзал', 'Актовый зал'];
const MAX_ATTEMPTS = 200;

/** The demo school (where the demo director works) and its demo year. */
async function demoContext(em: EntityManager): Promise<{ school: School; year: AcademicYear }> {
  const director = await em.findOne(RoleAssignment, { user: { login: 'director' }, role: Role.DIRECTOR }, { populate: ['school'] });
  if (!director) throw new Error('the demo school is missing: apply the foundation step first');
  const school = director.school.getEntity();
  return { school, year: await em.findOneOrFail(AcademicYear, { school, name: ROSTER_YEAR }) };
}

const className = (c: SchoolClass) => `${c.grade}${c.letter}`;
const byClassOrder = (a: SchoolClass, b: SchoolClass) => a.grade - b.grade || a.letter.localeCompare(b.letter, 'ru');

/**
 * The study period of each grade the demo timetable is for: the one containing today in the
 * school's time zone, else the first of the year for that grade.
 */
export async function demoPeriods(em: EntityManager): Promise<Map<number, StudyPeriod>> {
  const { school, year } = await demoContext(em);
  const today = dateIn(school.timeZone, new Date());
  const periods = await em.find(StudyPeriod, { academicYear: year }, { orderBy: { startDate: 'asc', name: 'asc' } });
  const byGrade = new Map<number, StudyPeriod>();
  for (let grade = 1; grade <= 11; grade++) {
    const own = periods.filter((p) => p.grades.map(Number).includes(grade));
    const current = own.find((p) => p.startDate <= today && p.endDate >= today) ?? own[0];
    if (current) byGrade.set(grade, current);
  }
  return byGrade;
}

/* ---------------------------------------------- bell schedule ----------------------------------- */

/** R-YEAR-6: the school default: 8:30, 45-minute lessons, breaks of 10 and 20 minutes, 7 lessons. */
async function seedBellSchedule(em: EntityManager): Promise<void> {
  const { school, year } = await demoContext(em);
  const schedule = em.create(BellSchedule, { school, academicYear: year, name: DEMO_BELL_SCHEDULE_NAME, schoolClass: null, group: null });
  for (const s of data.bellSchedule) em.create(BellSlot, { bellSchedule: schedule, lessonNumber: s.lesson, startsAt: s.start, endsAt: s.end });
}

/* ---------------------------------------------- weekly timetable -------------------------------- */

/** One line of a lesson: whom, what, who teaches, which rooms it prefers. */
interface Item { subject: Subject; teacher: Staff; schoolClass?: SchoolClass; group?: StudyGroup; rooms: string[]; kind: LessonKind }
/**
 * What takes one timetable slot: one or more parallel items, occupying whole classes. A
 * cross-class group's lesson (an elective) is for some students of its classes only: it goes last
 * in their day, so the others have no gap.
 */
interface Unit { items: Item[]; classIds: string[]; subjects: string[]; lastOfDay?: boolean }
interface Slot { day: number; lesson: number }

/**
 * Units of the week from the teaching load: a class lesson per hour; both subgroups of a class in
 * parallel (different teachers); when one teacher teaches both subgroups of a subject, each half
 * is paired with the other half's lesson of another split subject, so the class has no gap; a
 * stream or cross-class group occupies all classes of its students.
 */
async function weeklyUnits(em: EntityManager, year: AcademicYear): Promise<{ units: Unit[]; classes: SchoolClass[] }> {
  const classes = (await em.find(SchoolClass, { academicYear: year })).sort(byClassOrder);
  const classIndex = new Map(classes.map((c, i) => [c.id, i]));
  const assignments = await em.find(TeachingAssignment, { academicYear: year }, { populate: ['subject', 'teacher', 'schoolClass', 'group'] });
  const memberClasses = new Map<string, string[]>();
  for (const r of await em.execute<{ group_id: string; classes: string[] }[]>(
    `select gm.group_id, array_agg(distinct cm.school_class_id) as classes from group_membership gm
       join class_membership cm on cm.student_id = gm.student_id and cm.to_date is null
       join study_group g on g.id = gm.group_id where g.academic_year_id = ? group by gm.group_id`, [year.id])) {
    memberClasses.set(r.group_id, r.classes);
  }
  const homeRoom = (classId: string) => String(101 + classIndex.get(classId)!);
  const roomsFor = (subject: Subject, classId: string | null, part: number): string[] => {
    if (subject.name === PE) return GYMS;
    if (COMPUTER_SUBJECTS.has(subject.name)) return ['130', '129'];
    if (!classId) return ['128'];
    return part === 0 ? [homeRoom(classId)] : [String(117 + (classIndex.get(classId)! % 11))];
  };
  const hours = (a: TeachingAssignment) => Math.round(Number(a.hoursPerWeek));

  const units: Unit[] = [];
  for (const cls of classes) {
    const own = assignments.filter((a) => a.schoolClass?.id === cls.id).sort((a, b) => a.subject.getEntity().name.localeCompare(b.subject.getEntity().name, 'ru'));
    for (const a of own) {
      const item: Item = { subject: a.subject.getEntity(), teacher: a.teacher.getEntity(), schoolClass: cls, rooms: roomsFor(a.subject.getEntity(), cls.id, 0), kind: LessonKind.MAIN };
      for (let h = 0; h < hours(a); h++) units.push({ items: [item], classIds: [cls.id], subjects: [item.subject.name] });
    }
    // Subgroups of the class, by subject: [part 0, part 1] with their hours.
    const split = new Map<string, TeachingAssignment[]>();
    for (const a of assignments.filter((x) => x.group && x.group.getEntity().kind === StudyGroupKind.SUBGROUP && x.group.getEntity().schoolClass?.id === cls.id)) {
      split.set(a.subject.getEntity().name, [...(split.get(a.subject.getEntity().name) ?? []), a]);
    }
    const pairs: Unit[] = [];
    const sameTeacher: { parts: Item[]; hours: number }[] = [];
    for (const [, parts] of [...split].sort(([a], [b]) => a.localeCompare(b, 'ru'))) {
      parts.sort((a, b) => a.group!.getEntity().name.localeCompare(b.group!.getEntity().name, 'ru'));
      const items = parts.map((a, i): Item => ({ subject: a.subject.getEntity(), teacher: a.teacher.getEntity(), group: a.group!.getEntity(), rooms: roomsFor(a.subject.getEntity(), cls.id, i), kind: LessonKind.MAIN }));
      if (items.length === 2 && items[0].teacher.id === items[1].teacher.id) sameTeacher.push({ parts: items, hours: hours(parts[0]) });
      else for (let h = 0; h < hours(parts[0]); h++) pairs.push({ items, classIds: [cls.id], subjects: items.map((i) => i.subject.name) });
    }
    for (const { parts, hours: h } of sameTeacher) {
      for (let k = 0; k < h; k++) {
        const partner = pairs.findIndex((u) => u.items.length === 2 && u.subjects[0] === u.subjects[1] && u.items.every((i) => i.teacher.id !== parts[0].teacher.id));
        if (partner < 0) {
          for (const p of parts) pairs.push({ items: [p], classIds: [cls.id], subjects: [p.subject.name] });
          continue;
        }
        const [x0, x1] = pairs[partner].items;
        pairs.splice(partner, 1,
          { items: [x0, parts[1]], classIds: [cls.id], subjects: [x0.subject.name, parts[1].subject.name] },
          { items: [parts[0], x1], classIds: [cls.id], subjects: [parts[0].subject.name, x1.subject.name] });
      }
    }
    units.push(...pairs);
  }
  // Streams and cross-class groups occupy the classes of their students.
  for (const a of assignments.filter((x) => x.group && x.group.getEntity().kind !== StudyGroupKind.SUBGROUP)) {
    const group = a.group!.getEntity();
    const classIds = group.kind === StudyGroupKind.STREAM ? group.streamClassIds ?? [] : memberClasses.get(group.id) ?? [];
    const kind = group.kind === StudyGroupKind.STREAM ? LessonKind.MAIN : LessonKind.EXTRACURRICULAR;
    const item: Item = { subject: a.subject.getEntity(), teacher: a.teacher.getEntity(), group, rooms: roomsFor(a.subject.getEntity(), null, 0), kind };
    const lastOfDay = group.kind !== StudyGroupKind.STREAM;
    for (let h = 0; h < hours(a); h++) units.push({ items: [item], classIds: [...classIds].sort(), subjects: [item.subject.name], lastOfDay });
  }
  return { units, classes };
}

/**
 * Places every unit at a (weekday, lesson) so that no class, teacher (or, later, room) is in two
 * places: each class gets a compact day (lessons 1…n, the week's load spread over five days); the
 * most constrained units first, the same subject on different days where possible; a stuck unit
 * swaps places with a lesson of its class; a deterministic restart when that fails too.
 */
function placeUnits(units: Unit[], classes: SchoolClass[]): Map<Unit, Slot> {
  const load = new Map<string, number>();
  for (const u of units) for (const c of u.classIds) load.set(c, (load.get(c) ?? 0) + 1);
  const caps = new Map<string, number[]>();
  for (const c of classes) {
    const n = load.get(c.id) ?? 0;
    if (n > DAYS * LESSONS_PER_DAY) throw new Error(`class ${className(c)} has ${n} lessons a week, more than ${DAYS * LESSONS_PER_DAY}`);
    caps.set(c.id, Array.from({ length: DAYS }, (_, d) => Math.floor(n / DAYS) + (d < n % DAYS ? 1 : 0)));
  }
  const teacherLoad = new Map<string, number>();
  for (const u of units) for (const i of u.items) teacherLoad.set(i.teacher.id, (teacherLoad.get(i.teacher.id) ?? 0) + 1);
  const difficulty = (u: Unit) => u.classIds.length * 1000 + Math.max(...u.items.map((i) => teacherLoad.get(i.teacher.id)!)) * 10 + u.items.length;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const rng = prng(20250902 + attempt);
    const order = units.map((u) => ({ u, r: rng.next() })).sort((a, b) => difficulty(b.u) - difficulty(a.u) || a.r - b.r).map((x) => x.u);
    const placed = new Map<Unit, Slot>();
    const busy = new Map<string, Unit>(); // `c:<class>|d|l` and `t:<teacher>|d|l` → the unit there
    const key = (kind: string, id: string, s: Slot) => `${kind}:${id}|${s.day}|${s.lesson}`;
    const keys = (u: Unit, s: Slot) => [...u.classIds.map((c) => key('c', c, s)), ...u.items.map((i) => key('t', i.teacher.id, s))];
    const allowed = (u: Unit, s: Slot) => u.classIds.every((c) => (u.lastOfDay ? s.lesson === caps.get(c)![s.day] : s.lesson <= caps.get(c)![s.day]));
    const fits = (u: Unit, s: Slot) => allowed(u, s) && keys(u, s).every((k) => !busy.has(k));
    const put = (u: Unit, s: Slot) => {
      placed.set(u, s);
      for (const k of keys(u, s)) busy.set(k, u);
    };
    const take = (u: Unit) => {
      const s = placed.get(u)!;
      placed.delete(u);
      for (const k of keys(u, s)) busy.delete(k);
    };
    const sameSubjectThatDay = (u: Unit, day: number) => {
      let n = 0;
      for (const [v, s] of placed) if (s.day === day && v.classIds.some((c) => u.classIds.includes(c)) && v.subjects.some((x) => u.subjects.includes(x))) n++;
      return n;
    };
    /** Frees a slot for `u` by moving one lesson of its class to a free slot of that class. */
    const swapIn = (u: Unit): boolean => {
      if (u.classIds.length !== 1) return false;
      const cls = u.classIds[0];
      const free: Slot[] = [];
      for (let day = 0; day < DAYS; day++) {
        for (let lesson = 1; lesson <= caps.get(cls)![day]; lesson++) if (!busy.has(key('c', cls, { day, lesson }))) free.push({ day, lesson });
      }
      for (const [v, s] of [...placed]) {
        if (v.classIds.length !== 1 || v.classIds[0] !== cls) continue;
        take(v);
        if (fits(u, s)) {
          put(u, s);
          const f = free.find((x) => fits(v, x));
          if (f) {
            put(v, f);
            return true;
          }
          take(u);
        }
        put(v, s);
      }
      return false;
    };
    let ok = true;
    for (const u of order) {
      const candidates: { s: Slot; score: number }[] = [];
      for (let day = 0; day < DAYS; day++) {
        for (let lesson = 1; lesson <= LESSONS_PER_DAY; lesson++) {
          const s = { day, lesson };
          if (fits(u, s)) candidates.push({ s, score: sameSubjectThatDay(u, day) * 10 + rng.next() });
        }
      }
      if (candidates.length) {
        candidates.sort((a, b) => a.score - b.score);
        put(u, candidates[0].s);
      } else if (!swapIn(u)) {
        ok = false;
        break;
      }
    }
    if (ok) return placed;
  }
  throw new Error(`no conflict-free timetable found in ${MAX_ATTEMPTS} attempts`);
}

/** R-YEAR-9: the weekly timetable of every class for its current study period, with rooms. */
async function seedTimetable(em: EntityManager): Promise<void> {
  const { school, year } = await demoContext(em);
  const periods = await demoPeriods(em);
  const { units, classes } = await weeklyUnits(em, year);
  const placed = placeUnits(units, classes);
  const gradeOf = new Map(classes.map((c) => [c.id, c.grade]));
  const rooms = (await em.find(Room, { school, archivedAt: null })).sort((a, b) => a.name.localeCompare(b.name, 'ru', { numeric: true }));
  const roomByName = new Map(rooms.map((r) => [r.name, r]));
  const fallbackRooms = rooms.filter((r) => !GYMS.includes(r.name));

  // Rooms slot by slot: preferred rooms first (gyms, the computer rooms, the class's room), else the first free one.
  const bySlot = new Map<string, Unit[]>();
  for (const [u, s] of placed) bySlot.set(`${s.day}|${s.lesson}`, [...(bySlot.get(`${s.day}|${s.lesson}`) ?? []), u]);
  for (const [slotKey, slotUnits] of [...bySlot].sort(([a], [b]) => a.localeCompare(b))) {
    const [day, lesson] = slotKey.split('|').map(Number);
    const taken = new Set<string>();
    const items = slotUnits.flatMap((u) => u.items.map((item) => ({ u, item })));
    // The most particular preferences choose first.
    items.sort((a, b) => a.item.rooms.length - b.item.rooms.length || (a.item.rooms[0] ?? '').localeCompare(b.item.rooms[0] ?? '', 'ru', { numeric: true }));
    for (const { u, item } of items) {
      const room = item.rooms.map((n) => roomByName.get(n)).find((r) => r && !taken.has(r.id)) ?? fallbackRooms.find((r) => !taken.has(r.id));
      if (room) taken.add(room.id);
      const period = periods.get(gradeOf.get(u.classIds[0]) ?? 1)!;
      em.create(TimetableEntry, {
        school, academicYear: year, weekday: day + 1, lessonNumber: lesson, subject: item.subject, teacher: item.teacher, room: room ?? null,
        schoolClass: item.schoolClass ?? null, group: item.group ?? null, student: null, kind: item.kind,
        validFrom: period.startDate, validTo: period.endDate,
      });
    }
  }
}

/* ---------------------------------------------- lessons, substitution, control work ------------- */

/** The dated lessons of the demo periods, generated from the timetable as `lessonsGenerate` does. */
async function seedLessons(em: EntityManager): Promise<void> {
  const periods = [...new Map([...(await demoPeriods(em)).values()].map((p) => [p.id, p])).values()];
  for (const period of periods) {
    await expandTimetable(em, period);
    // Each flush looks at every managed entity: the lessons of one period need not be watched during the next.
    em.clear();
  }
}

/**
 * R-JOUR-6: a lesson of Математика in 5А in the coming days (the last one of the period when the
 * period is over) is conducted by another mathematics teacher who is free then, because the
 * teacher is ill; R-YEAR-10: a control work «Дроби» of Математика in 5А a week or two later.
 */
async function seedSubstitutionAndControlWork(em: EntityManager): Promise<void> {
  const { school, year } = await demoContext(em);
  const today = dateIn(school.timeZone, new Date());
  const cls = (await em.find(SchoolClass, { academicYear: year })).find((c) => className(c) === DEMO_CLASS)!;
  const math = await em.findOneOrFail(Subject, { school, name: 'Математика' });
  const lessons = await em.find(Lesson, { schoolClass: cls, subject: math }, { orderBy: { date: 'asc', lessonNumber: 'asc' } });
  if (lessons.length === 0) throw new Error(`no lessons of Математика in ${DEMO_CLASS}: apply the timetable steps first`);
  const upcoming = lessons.filter((l) => l.date > today);
  // The first coming lesson a colleague can take; when the period is over, the latest such lesson.
  const candidates = upcoming.length ? upcoming : [...lessons].reverse();
  const colleagues = await em.execute<{ teacher_id: string }[]>(
    `select distinct ta.teacher_id from teaching_assignment ta join subject s on s.id = ta.subject_id
      where ta.academic_year_id = ? and s.name in ('Математика', 'Алгебра', 'Геометрия') order by 1`, [year.id]);
  let lesson: Lesson | null = null;
  let substitute: string | null = null;
  for (const candidate of candidates) {
    for (const { teacher_id } of colleagues) {
      if (teacher_id === candidate.teacher.id) continue;
      const clashes = await findLessonClashes(em, {
        schoolId: school.id, date: candidate.date, lessonNumber: candidate.lessonNumber, teacherIds: [teacher_id],
        target: { classId: cls.id }, excludeLessonId: candidate.id,
      });
      if (clashes.length === 0) {
        substitute = teacher_id;
        break;
      }
    }
    if (substitute) {
      lesson = candidate;
      break;
    }
  }
  if (!lesson || !substitute) throw new Error(`no mathematics teacher is free for a lesson of Математика in ${DEMO_CLASS}`);
  lesson.substituteTeacher = em.getReference(Staff, substitute, { wrapped: true });
  lesson.substitutionReason = SUBSTITUTION_REASON;

  const later = lessons[Math.min(lessons.indexOf(lesson) + 7, lessons.length - 1)];
  const work = later === lesson ? lessons[Math.max(0, lessons.length - 2)] : later;
  em.create(ControlWork, {
    school, academicYear: year, date: work.date, lessonNumber: work.lessonNumber, subject: math, schoolClass: cls, group: null,
    form: ControlForm.CONTROL_WORK, title: 'Дроби',
  });
}

/**
 * The demo timetable, in steps after the roster (each its own transaction): the bell schedule, the
 * weekly timetable, the dated lessons of the current period, a substitution and a control work.
 */
export const timetableSeedSteps: SeedStep[] = [
  { name: 'timetable-bells', run: seedBellSchedule },
  { name: 'timetable', run: seedTimetable },
  { name: 'timetable-lessons', run: seedLessons },
  { name: 'timetable-changes', run: seedSubstitutionAndControlWork },
];
