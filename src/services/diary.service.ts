import { rolesOf } from '../permissions/capabilities';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { Holiday } from '../entities/academic-year.entity';
import { Lesson } from '../entities/lesson.entity';
import { ControlWork } from '../entities/control-work.entity';
import { fromGlobalId } from '../schema/node';
import { forbidden, notFound } from '../schema/errors';
import { DIARY_RANGE_MAX_DAYS, DiaryDay, type DiaryExtras, TeacherDay, TeacherLessonRole, TeacherTimetableLesson } from '../schema/diary.types';
import { leanStaff, staffColumns, uuidArray, viewerKey } from '../loaders/roster.loaders';
import { addDays, checkRange, isMember } from './shared';
import { boundRows } from '../db/bound';
import { leanRow, prefixedColumns } from '../db/lean';
import { Room, Subject } from '../entities/subject.entity';
import { bellKey } from '../loaders/lesson.loaders';
import { clock } from '../clock';

/**
 * What the selection of a diary reads of each lesson, read in the diary's own statement and primed
 * into the request's loaders (the fields then find them there): the bell times (`startsAt`,
 * `endsAt`), the subject, the room, the timetable teacher, the substitute (`substituteTeacher`,
 * `conductingTeacher`). Left out, each is read by its loader as for any lesson.
 */
export interface DiaryWants { times?: boolean; subject?: boolean; room?: boolean; teacher?: boolean; substitute?: boolean }

/** The diary's wants from the fields selected under `lessons` (schema/selection.ts). */
export function diaryWants(lessonFields: ReadonlySet<string>): DiaryWants {
  const conducting = lessonFields.has('conductingTeacher');
  return {
    times: lessonFields.has('startsAt') || lessonFields.has('endsAt'),
    subject: lessonFields.has('subject'),
    room: lessonFields.has('room'),
    teacher: lessonFields.has('teacher') || conducting,
    substitute: lessonFields.has('substituteTeacher') || conducting,
  };
}

/** The diary statement's extra columns (prefixed) and joins on the lessons (`d.lesson`) for `wants`; the bell times come with the lessons. */
function diaryExtras(wants: DiaryWants): { columns: string; joins: string } {
  let columns = '';
  let joins = '';
  if (wants.times) columns += ', d.starts_at::text as "__starts_at", d.ends_at::text as "__ends_at"';
  if (wants.subject) {
    columns += `, ${prefixedColumns(Subject, 'sj', 'sj__')}`;
    joins += ' left join subject sj on sj.id = (d.lesson).subject_id';
  }
  if (wants.room) {
    columns += `, ${prefixedColumns(Room, 'rm', 'rm__')}`;
    joins += ' left join room rm on rm.id = (d.lesson).room_id';
  }
  if (wants.teacher) {
    columns += `, ${staffColumns('ts', 'tu')}`;
    joins += ' left join staff ts on ts.id = (d.lesson).teacher_id left join app_user tu on tu.id = ts.user_id';
  }
  if (wants.substitute) {
    columns += `, ${staffColumns('ss', 'su')}`;
    joins += ' left join staff ss on ss.id = (d.lesson).substitute_teacher_id left join app_user su on su.id = ss.user_id';
  }
  return { columns, joins };
}

/** Primes the request's loaders with what the diary statement read (`diaryExtras`), as each loader would have read it. */
function primeDiaryLoaders(ctx: Ctx, wants: DiaryWants, rows: Record<string, unknown>[], lessons: Lesson[]): void {
  const { loaders } = ctx;
  const once = new Set<string>();
  const first = (kind: string, id: unknown): id is string => {
    if (id == null || once.has(`${kind}|${id}`)) return false;
    once.add(`${kind}|${id}`);
    return true;
  };
  const staff = (r: Record<string, unknown>, alias: string, userAlias: string) => {
    if (first('staff', r[`${alias}__id`])) {
      loaders.staffById.prime(String(r[`${alias}__id`]), leanStaff(r, alias, userAlias));
    }
  };
  rows.forEach((r, i) => {
    if (wants.times) {
      loaders.lessonBellTimes.prime(bellKey(lessons[i]), r.__starts_at && r.__ends_at ? { startsAt: String(r.__starts_at), endsAt: String(r.__ends_at) } : null);
    }
    if (wants.subject && first('subject', r.sj__id)) loaders.subjectById.prime(String(r.sj__id), leanRow(Subject, r, undefined, 'sj__'));
    if (wants.room && first('room', r.rm__id)) loaders.roomById.prime(String(r.rm__id), leanRow(Room, r, undefined, 'rm__'));
    if (wants.teacher) staff(r, 'ts', 'tu');
    if (wants.substitute) staff(r, 'ss', 'su');
  });
}

/** R-ROLE-1..3: read any teacher's timetable of their school. */
const TIMETABLE_READERS = rolesOf('canReadTeacherTimetables');

/** The days from `from` to `to` (inclusive); BAD_USER_INPUT for a reversed or too long range. */
export function daysOf(from: string, to: string): string[] {
  checkRange(from, to, DIARY_RANGE_MAX_DAYS);
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

function byDate<T extends { date: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(r.date, [...(out.get(r.date) ?? []), r]);
  return out;
}

/**
 * The diary read model (R-DIARY-2): a student's days with the lessons as they actually take place
 * (moves, substitutions and cancellations applied), holidays and control works; and a teacher's
 * timetable. Each read is a fixed number of statements whatever the range (at most 31 days).
 */
export class DiaryService {
  constructor(private readonly config: AppConfig) {}

  /**
   * A student's diary, one entry per day. Lessons follow membership by day: the class(es) and groups
   * the student is in that day, and individual lessons. Only for those who take part in the
   * student's education — the student, current guardians, staff, while they take part today (student_access_at); else NOT_FOUND.
   */
  async studentDiary(ctx: Ctx, studentGlobalId: string, from: string, to: string, wants: DiaryWants = {}): Promise<DiaryDay[]> {
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'studentId');
    const days = daysOf(from, to);
    if (!ctx.viewer) throw notFound('Student');
    const em = ctx.em;
    // One statement: whether the viewer takes part in the student's education today, the lessons
    // with their bell times (student_diary_lessons(), migrations 0024 and 0026: planned once per connection),
    // and what else the selection reads of them (`DiaryWants`), which then primes the request's loaders.
    const { columns, joins } = diaryExtras(wants);
    const rows = await boundRows<Record<string, unknown>>(em,
      `select d.ok as "__ok", (d.lesson).*${columns}
         from student_diary_lessons(?::timestamptz, ?::uuid, ?::uuid, ?::date, ?::date, ?::boolean) d${joins}
        order by (d.lesson).date, (d.lesson).lesson_number, (d.lesson).id`,
      [clock.now().toISOString(), ctx.viewer.userId, studentId, from, to, !!wants.times]);
    const allowed = rows[0]?.__ok === true;
    ctx.loaders.studentAccess.prime(viewerKey(ctx.viewer.userId, studentId), allowed);
    if (!allowed) throw notFound('Student');
    const lessonRows = rows.filter((r) => r.id != null);
    const lean = lessonRows.map((r) => leanRow(Lesson, r));
    primeDiaryLoaders(ctx, wants, lessonRows, lean);
    const lessons = byDate(lean);
    // Control works and holidays only when a day's field asks for them: one statement each, for the range.
    let controlWorks: Promise<Map<string, ControlWork[]>> | null = null;
    let holidays: Promise<Map<string, Holiday>> | null = null;
    const extras: DiaryExtras = {
      controlWorks: async (date) => (await (controlWorks ??= (async () => byDate((await boundRows<Record<string, unknown>>(em,
        // The control works of the student's classes and groups on the days of each membership (student_spans(), migration 0026).
        `select cw.* from control_work cw join student_spans(?, ?::date, ?::date) s on cw.school_class_id = s.class_id and cw.date between s.f and s.t
          where cw.cancelled_at is null
         union
         select cw.* from control_work cw join student_spans(?, ?::date, ?::date) s on cw.group_id = s.group_id and cw.date between s.f and s.t
          where cw.cancelled_at is null
         order by date, lesson_number nulls last, id`,
        [studentId, from, to, studentId, from, to])).map((r) => leanRow(ControlWork, r))))())).get(date) ?? [],
      holiday: async (date) => (await (holidays ??= (async () => {
        // R-YEAR-1: the holidays that apply to the student that day (holiday_applies: the whole
        // school's, and those of the grade of the class the student is in that day).
        const rows = await em.execute<Record<string, unknown>[]>(
          `select d::date::text as "__day", h.* from generate_series(?::date, ?::date, interval '1 day') d
             join holiday h on h.school_id = (select school_id from student where id = ?) and d::date between h.start_date and h.end_date
            where holiday_applies(h, null, null, ?::uuid, d::date)
            order by d, h.start_date, h.name`,
          [from, to, studentId, studentId]);
        const byDay = new Map<string, Holiday>();
        for (const { __day: day, ...row } of rows) if (!byDay.has(String(day))) byDay.set(String(day), leanRow(Holiday, row));
        return byDay;
      })())).get(date) ?? null,
    };
    return days.map((date) => Object.assign(new DiaryDay(), { date, lessons: lessons.get(date) ?? [], extras }));
  }

  /**
   * A teacher's timetable, one entry per day: their timetable lessons that have no substitute and
   * the lessons they substitute (`lessons`), and in `entries` also their own lessons a substitute
   * conducts, each marked with its role (R-JOUR-6). Without `teacherGlobalId`, the viewer's own (every school they work
   * at); another teacher's only for the administration of that teacher's school.
   */
  async teacherTimetable(ctx: Ctx, from: string, to: string, teacherGlobalId?: string | null): Promise<TeacherDay[]> {
    const days = daysOf(from, to);
    const viewer = ctx.viewer!;
    let staffIds: string[];
    if (teacherGlobalId != null) {
      const staffId = fromGlobalId(teacherGlobalId, 'Staff', 'teacherId');
      const staff = await ctx.loaders.staffById.load(staffId);
      if (!staff || !isMember(ctx, staff.school.id)) throw notFound('Staff member');
      if (staff.user.id !== viewer.userId && !hasRole(viewer, TIMETABLE_READERS, staff.school.id)) {
        throw forbidden('Another teacher\'s timetable is for the ADMIN, DIRECTOR or DEPUTY of the school');
      }
      staffIds = [staffId];
    } else {
      staffIds = (await ctx.em.execute<{ id: string }[]>('select id from staff where user_id = ?', [viewer.userId])).map((r) => r.id);
    }
    // One statement: the lessons they conduct and their own lessons a substitute conducts, with the role of each.
    const rows = staffIds.length === 0 ? [] : await ctx.em.execute<Record<string, unknown>[]>(
      `select l.*, case when l.substitute_teacher_id = any(?::uuid[]) then 'SUBSTITUTE'
                        when l.substitute_teacher_id is not null then 'SUBSTITUTED_AWAY' else 'OWN' end as "__role"
         from lesson l
        where l.date between ?::date and ?::date
          and (l.substitute_teacher_id = any(?::uuid[]) or l.teacher_id = any(?::uuid[]))
        order by l.date, l.lesson_number, l.id`,
      [uuidArray(staffIds), from, to, uuidArray(staffIds), uuidArray(staffIds)]);
    const entries = byDate(rows.map(({ __role: role, ...row }) => {
      const lesson = leanRow(Lesson, row);
      return { date: lesson.date, entry: Object.assign(new TeacherTimetableLesson(), { role: role as TeacherLessonRole, lesson }) };
    }));
    return days.map((date) => {
      const day = (entries.get(date) ?? []).map((e) => e.entry);
      return Object.assign(new TeacherDay(), { date, entries: day, lessons: day.filter((e) => e.role !== TeacherLessonRole.SUBSTITUTED_AWAY).map((e) => e.lesson) });
    });
  }
}
