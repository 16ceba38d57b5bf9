import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import DataLoader from 'dataloader';
import { createHandler } from 'graphql-http/lib/use/http';
import {
  buildSchema, GraphQLError, GraphQLObjectType, GraphQLScalarType, Kind, type GraphQLFieldResolver, type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { answerBench, countStatements } from './reads-child';

/**
 * The hand-written reference server of the reads and journal benchmarks (issues 11, 12): what a team
 * would write for the hot reads and the bulk posting of marks with the standard stack and nothing of
 * this project — a graphql-js schema written by hand, graphql-http's Node handler, a `pg` Pool and
 * DataLoader. It serves exactly
 *   A: schoolClass(id) { students { id fullName birthDate guardians { guardian { fullName phone } } } }
 *   B: studentDiary(studentId, from, to) { date lessons { id date lessonNumber startsAt endsAt status topic
 *        subject { name } teacher { fullName } room { name } } }
 *   C: classJournal(input: { subjectId, classId | groupId, from, to }) { lessons { id date lessonNumber topic
 *        homework { text } } rows { student { id fullName } average marks { value workType { name } lesson { id } }
 *        attendance { status reason lesson { id } } } }
 *   D: B with marks(studentId) { value workType { name } } and homework { text } on each lesson
 *   marksPost(input: { lessonId, marks: [{ studentId, workTypeId, value, comment }] }) { marks { id value } userErrors }
 * with the JSON of this project, and the same access decisions, taken in SQL on the same database:
 * - the session by the SHA-256 of the bearer token (auth_token → auth_session → app_user, with the
 *   user's roles), checked on every request: unknown, expired, revoked or blocked is refused;
 * - a class only of a school the viewer holds a role in; its students on the school's today (the
 *   school's time zone) that the viewer takes part in educating today, `student_access_at(now)`;
 * - personal data null without consent or after erasure;
 * - a diary only for a student in `student_access_at(now)` for the viewer; the lessons of the
 *   student's class and group memberships by day, and individual ones; times from
 *   `effective_bell_schedule()`; a lesson's marks only of students the viewer may see (their school's
 *   administration, or `student_access_at(now)`);
 * - a class journal page for the teachers of the subject there (a teaching assignment, or a lesson of
 *   the page conducted), the class teacher and the administration; everyone in the class or group on
 *   some day of the range, names only of those the viewer may see; averages weighted by the work
 *   types' weights, rounded to 2 decimals, in the order the project sums them;
 * - marks posted only by the teacher who conducts the lesson (its substitute when it has one), to
 *   the lesson's students on its date with consent, on the grading system of the subject and class,
 *   work types of the school not archived (a CONTROL one needs the lesson's control work); all or
 *   nothing, in one transaction that locks the lesson row once and writes the marks, their audit
 *   entries (the actor's login and address encrypted with the actor's personal-data key, as the
 *   project stores them; the chain's hashes filled by the database trigger) and one outbox event
 *   per mark, each table in one multi-row insert. Credits (R-JOUR-7) are not part of it.
 * "now" is the school-calendar instant: TEST_NOW (when set) and flowing on, like the project's clock.
 *
 * Forked by reads.bench.ts; IPC as in reads-child.ts.
 */

const SDL = /* GraphQL */ `
  scalar LocalDate
  scalar LocalTime
  enum LessonStatus { SCHEDULED CANCELLED }
  type Guardian { id: ID! fullName: String phone: String }
  type StudentGuardian { id: ID! guardian: Guardian }
  type Student { id: ID! fullName: String birthDate: LocalDate guardians: [StudentGuardian!]! }
  type SchoolClass { id: ID! name: String! students(onDate: LocalDate): [Student!]! }
  type Subject { id: ID! name: String! }
  type Room { id: ID! name: String! }
  type Staff { id: ID! fullName: String! }
  type Lesson {
    id: ID! date: LocalDate! lessonNumber: Int! startsAt: LocalTime endsAt: LocalTime status: LessonStatus! topic: String
    subject: Subject! teacher: Staff! room: Room homework: Homework marks(studentId: ID): [Mark!]!
  }
  type DiaryDay { date: LocalDate! lessons: [Lesson!]! }
  type WorkType { id: ID! name: String! }
  type Homework { id: ID! text: String! }
  type Mark { id: ID! value: String! workType: WorkType! lesson: Lesson! }
  enum AttendanceStatus { ABSENT LATE }
  enum AbsenceReason { ILLNESS EXCUSED UNEXCUSED OTHER }
  type Attendance { id: ID! status: AttendanceStatus! reason: AbsenceReason! lesson: Lesson! }
  type JournalRow { student: Student! average: Float marks: [Mark!]! attendance: [Attendance!]! }
  type ClassJournal { lessons: [Lesson!]! rows: [JournalRow!]! }
  input ClassJournalInput { subjectId: ID! classId: ID groupId: ID from: LocalDate! to: LocalDate! }
  type UserError { code: String! field: [String!] message: String! }
  input MarkInput { studentId: ID! workTypeId: ID! value: String! comment: String }
  input MarksPostInput { lessonId: ID! marks: [MarkInput!]! }
  type MarksPostPayload { marks: [Mark!]! userErrors: [UserError!]! }
  type Query {
    schoolClass(id: ID!): SchoolClass!
    studentDiary(studentId: ID!, from: LocalDate!, to: LocalDate!): [DiaryDay!]!
    classJournal(input: ClassJournalInput!): ClassJournal!
  }
  type Mutation { marksPost(input: MarksPostInput!): MarksPostPayload! }
`;

const MAX_DAYS = 31;
/** The project's limits (src/schema/journal.types.ts). */
const JOURNAL_RANGE_MAX_DAYS = 120;
const MARKS_PER_POST_MAX = 120;
const COMMENT_MAX = 500;
/** Roles that read every student of their school and every class journal page of it. */
const ADMINISTRATION = ['ADMIN', 'DIRECTOR', 'DEPUTY'];

// ---------------------------------------------------------------------------------------------
// Small helpers

const toGlobalId = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

const error = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });
const notFound = (what: string) => error(`${what} not found`, 'NOT_FOUND');

function fromGlobalId(globalId: string, type: string, arg: string): string {
  const decoded = Buffer.from(String(globalId), 'base64url').toString('utf8');
  const sep = decoded.indexOf(':');
  const id = decoded.slice(sep + 1);
  if (sep <= 0 || decoded.slice(0, sep) !== type || !UUID.test(id)) throw error(`"${arg}" is not a valid ${type} ID`, 'BAD_USER_INPUT');
  return id;
}

const fullName = (...parts: (string | null)[]) => parts.filter(Boolean).join(' ');

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const addDay = (date: string) => addDays(date, 1);

/** A weighted average of numeric values, rounded to 2 decimals (as the project computes and rounds it); null without any. */
function weightedAverage(items: { value: number | null; weight: number }[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const i of items) {
    if (i.value == null) continue;
    sum += i.value * i.weight;
    weights += i.weight;
  }
  return weights > 0 ? Math.round((sum / weights) * 100) / 100 : null;
}

/** Groups rows by a key, keeping their order. */
function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function stringScalar(name: string, pattern: RegExp): GraphQLScalarType {
  const check = (v: unknown) => {
    if (typeof v !== 'string' || !pattern.test(v)) throw new TypeError(`${name} cannot represent ${String(v)}`);
    return v;
  };
  return new GraphQLScalarType({
    name,
    serialize: check,
    parseValue: check,
    parseLiteral: (ast) => check(ast.kind === Kind.STRING ? ast.value : undefined),
  });
}

/** "Bearer <token>" or the bare token. */
function bearer(header: string | undefined): string | null {
  const m = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

// ---------------------------------------------------------------------------------------------
// Rows and context

interface Viewer { userId: string; login: string; sessionId: string; schoolIds: string[]; roles: { school_id: string; role: string }[] }

const administers = (v: Viewer, schoolId: string) => v.roles.some((r) => r.school_id === schoolId && ADMINISTRATION.includes(r.role));

interface StudentRow {
  id: string; last_name: string | null; first_name: string | null; middle_name: string | null;
  birth_date: string | null; consent_status: string; erased: boolean;
  /** false: a student the viewer may not see now (a journal page lists everyone who was in the class) */
  visible?: boolean;
}
interface ClassRow { id: string; grade: number; letter: string; today: string; students: StudentRow[] | null }
interface GuardianLinkRow {
  id: string; student_id: string; guardian_id: string; last_name: string | null; first_name: string | null;
  middle_name: string | null; phone: string | null; erased: boolean;
}
interface LessonRow {
  id: string; date: string; lesson_number: number; status: string; topic: string | null; academic_year_id: string;
  school_class_id: string | null; group_id: string | null; student_id: string | null;
  subject_id: string; teacher_id: string; room_id: string | null;
}
interface MarkRow {
  id: string; lesson_id: string; student_id: string; value: string; work_type_id: string; work_type_name: string;
  /** for averages */
  numeric_value?: string | null; weight?: number;
  /** the lesson, when the request has it already */
  lesson?: LessonRow;
}
interface AttendanceRow { id: string; lesson_id: string; student_id: string; status: string; reason: string; lesson?: LessonRow }
interface HomeworkRow { id: string; lesson_id: string; text: string }
interface JournalRowValue { student: StudentRow; marks: MarkRow[]; attendance: AttendanceRow[]; average: number | null }
interface UserErrorValue { code: string; field: string[] | null; message: string }

type Context = {
  viewer: Viewer | null;
  authError: GraphQLError | null;
  /** the school-calendar instant of this request */
  now: string;
  /** the school-calendar clock (TEST_NOW and flowing on) */
  clock: () => Date;
  /** the client's address (the socket's peer: no proxy in front of the benchmark) */
  ip: string | null;
  /** students this request found the viewer may see (studentDiary's check) */
  seen: Set<string>;
  lessons: DataLoader<string, LessonRow | null>;
  homework: DataLoader<string, HomeworkRow | null>;
  /** a lesson's marks, of one student (`lessonId|studentId`) or all (`lessonId|`), of the students the viewer may see */
  lessonMarks: DataLoader<string, MarkRow[]>;
  guardianLinks: DataLoader<string, GuardianLinkRow[]>;
  bellTimes: DataLoader<LessonRow, { starts_at: string; ends_at: string } | null, string>;
  subjects: DataLoader<string, { id: string; name: string } | null>;
  staff: DataLoader<string, { id: string; full_name: string } | null>;
  rooms: DataLoader<string, { id: string; name: string } | null>;
};

function requireViewer(ctx: Context): Viewer {
  if (!ctx.viewer) throw ctx.authError ?? error('Authentication required', 'UNAUTHENTICATED');
  return ctx.viewer;
}

/** rows with an `id`, in the order of `ids` (null where missing) */
function byIds<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
}

const LESSON_COLUMNS = `l.id, l.date::text as date, l.lesson_number, l.status, l.topic, l.academic_year_id, l.school_class_id, l.group_id,
  l.student_id, l.subject_id, l.teacher_id, l.room_id`;

function createLoaders(db: pg.Pool, viewer: Viewer | null, now: string, seen: Set<string>) {
  return {
    lessons: new DataLoader<string, LessonRow | null>(async (ids) =>
      byIds(ids, (await db.query<LessonRow>(`select ${LESSON_COLUMNS} from lesson l where l.id = any($1::uuid[])`, [ids])).rows)),
    homework: new DataLoader<string, HomeworkRow | null>(async (lessonIds) => {
      const { rows } = await db.query<HomeworkRow>('select id, lesson_id, text from homework where lesson_id = any($1::uuid[])', [lessonIds]);
      const byLesson = new Map(rows.map((r) => [r.lesson_id, r]));
      return lessonIds.map((id) => byLesson.get(id) ?? null);
    }),
    // By posting time; only marks of students the viewer may see: the administration of their
    // school, or those the viewer takes part in educating today (in a school the viewer belongs to)
    // — known already for the student whose diary this is.
    lessonMarks: new DataLoader<string, MarkRow[]>(async (keys) => {
      if (!viewer) return keys.map(() => []);
      const byFilter = groupBy([...new Set(keys)], (k) => k.slice(k.indexOf('|') + 1));
      const found = new Map<string, MarkRow[]>();
      await Promise.all([...byFilter].map(async ([studentId, group]) => {
        const lessonIds = group.map((k) => k.slice(0, k.indexOf('|')));
        const { rows } = studentId && seen.has(studentId)
          ? await db.query<MarkRow>(
            `select m.id, m.lesson_id, m.student_id, m.value, m.work_type_id, w.name as work_type_name
               from mark m join work_type w on w.id = m.work_type_id
              where m.lesson_id = any($1::uuid[]) and m.student_id = $2 and m.school_id = any($3::uuid[])
              order by m.posted_at, m.id`,
            [lessonIds, studentId, viewer.schoolIds])
          : await db.query<MarkRow>(
            `select m.id, m.lesson_id, m.student_id, m.value, m.work_type_id, w.name as work_type_name
               from mark m join work_type w on w.id = m.work_type_id
              where m.lesson_id = any($1::uuid[]) and ($2::uuid is null or m.student_id = $2::uuid)
                and (m.school_id = any($3::uuid[])
                     or (m.school_id = any($4::uuid[])
                         and m.student_id in (select a.student_id from student_access_at($5::timestamptz) a where a.user_id = $6)))
              order by m.posted_at, m.id`,
            [lessonIds, studentId || null,
              viewer.roles.filter((r) => ADMINISTRATION.includes(r.role)).map((r) => r.school_id), viewer.schoolIds, now, viewer.userId]);
        const byLesson = groupBy(rows, (r) => r.lesson_id);
        for (const k of group) found.set(k, byLesson.get(k.slice(0, k.indexOf('|'))) ?? []);
      }));
      return keys.map((k) => found.get(k) ?? []);
    }),
    // Current links, oldest first. A student reaches these only through an access-scoped list
    // (schoolClass.students), and a guardian linked now to a student the viewer takes part in
    // educating is one whose personal data the viewer may read: no second check is needed.
    guardianLinks: new DataLoader<string, GuardianLinkRow[]>(async (studentIds) => {
      const { rows } = await db.query<GuardianLinkRow>(
        `select sg.id, sg.student_id, g.id as guardian_id, g.last_name, g.first_name, g.middle_name, g.phone,
                g.erased_at is not null as erased
           from student_guardian sg join guardian g on g.id = sg.guardian_id
          where sg.student_id = any($1::uuid[]) and sg.removed_at is null
          order by sg.created_at, sg.id`,
        [studentIds]);
      return studentIds.map((id) => rows.filter((r) => r.student_id === id));
    }),
    bellTimes: new DataLoader<LessonRow, { starts_at: string; ends_at: string } | null, string>(async (lessons) => {
      const { rows } = await db.query<{ i: number; starts_at: string | null; ends_at: string | null }>(
        `select k.i, s.starts_at::text as starts_at, s.ends_at::text as ends_at
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::date[], $6::int[]) with ordinality
                as k(year_id, class_id, group_id, student_id, on_date, lesson_number, i)
           join bell_slot s on s.lesson_number = k.lesson_number
            and s.bell_schedule_id = effective_bell_schedule(k.year_id, k.class_id, k.group_id, k.student_id, k.on_date, k.on_date)`,
        [lessons.map((l) => l.academic_year_id), lessons.map((l) => l.school_class_id), lessons.map((l) => l.group_id),
          lessons.map((l) => l.student_id), lessons.map((l) => l.date), lessons.map((l) => l.lesson_number)]);
      const out: ({ starts_at: string; ends_at: string } | null)[] = lessons.map(() => null);
      for (const r of rows) if (r.starts_at && r.ends_at) out[Number(r.i) - 1] = { starts_at: r.starts_at, ends_at: r.ends_at };
      return out;
    }, {
      cacheKeyFn: (l) => [l.academic_year_id, l.school_class_id, l.group_id, l.student_id, l.date, l.lesson_number].join('|'),
    }),
    subjects: new DataLoader<string, { id: string; name: string } | null>(async (ids) =>
      byIds(ids, (await db.query<{ id: string; name: string }>('select id, name from subject where id = any($1::uuid[])', [ids])).rows)),
    staff: new DataLoader<string, { id: string; full_name: string } | null>(async (ids) =>
      byIds(ids, (await db.query<{ id: string; full_name: string }>(
        `select st.id, concat_ws(' ', nullif(u.last_name, ''), nullif(u.first_name, ''), nullif(u.middle_name, '')) as full_name
           from staff st join app_user u on u.id = st.user_id where st.id = any($1::uuid[])`, [ids])).rows)),
    rooms: new DataLoader<string, { id: string; name: string } | null>(async (ids) =>
      byIds(ids, (await db.query<{ id: string; name: string }>('select id, name from room where id = any($1::uuid[])', [ids])).rows)),
  };
}

/** The session of a bearer token, read on every request (no cache): one statement. */
async function authenticate(db: pg.Pool, token: string): Promise<{ viewer: Viewer } | { error: GraphQLError }> {
  const hash = createHash('sha256').update(token, 'utf8').digest('hex');
  const { rows } = await db.query<{
    expires_at: Date; session_id: string; revoked_at: Date | null; user_id: string; login: string; blocked_at: Date | null;
    must_change_password: boolean; school_ids: string[]; roles: { school_id: string; role: string }[];
  }>(
    `select t.expires_at, s.id as session_id, s.revoked_at, u.id as user_id, u.login, u.blocked_at, u.must_change_password,
            coalesce(array_agg(distinct r.school_id) filter (where r.id is not null), '{}') as school_ids,
            coalesce(json_agg(json_build_object('school_id', r.school_id, 'role', r.role)) filter (where r.id is not null), '[]') as roles
       from auth_token t join auth_session s on s.id = t.session_id join app_user u on u.id = s.user_id
       left join role_assignment r on r.user_id = u.id
      where t.hash = $1 and t.kind = 'ACCESS'
      group by t.hash, s.id, u.id`,
    [hash]);
  const row = rows[0];
  const refused = (message: string) => ({ error: error(message, 'UNAUTHENTICATED') });
  if (!row) return refused('The access token is not valid');
  if (row.blocked_at) return refused('The account is blocked');
  if (row.revoked_at) return refused('The session has ended: log in again');
  if (new Date(row.expires_at).getTime() <= Date.now()) return refused('The access token has expired: refresh it');
  if (row.must_change_password) return { error: error('Change the one-time password first', 'PASSWORD_CHANGE_REQUIRED') };
  return { viewer: { userId: row.user_id, login: row.login, sessionId: row.session_id, schoolIds: row.school_ids, roles: row.roles } };
}

// ---------------------------------------------------------------------------------------------
// Resolvers

type Resolver = GraphQLFieldResolver<any, Context, any>;

/** `students` selected without arguments: the class query reads them with the class, in one statement. */
const selectsTodaysStudents = (info: GraphQLResolveInfo) => info.fieldNodes.some((n) => n.selectionSet?.selections.some(
  (s) => s.kind === Kind.FIELD && s.name.value === 'students' && !s.arguments?.length));

const STUDENT_COLUMNS = `s.id, s.last_name, s.first_name, s.middle_name, s.birth_date::text as birth_date, s.consent_status,
  s.erased_at is not null as erased`;

function resolvers(db: pg.Pool): Record<string, Record<string, Resolver>> {
  const studentsOn = async (ctx: Context, classId: string, onDate: string) => (await db.query<StudentRow>(
    `select ${STUDENT_COLUMNS}
       from class_membership cm join student s on s.id = cm.student_id
      where cm.school_class_id = $1 and cm.from_date <= $2::date and (cm.to_date is null or cm.to_date >= $2::date)
        and s.id in (select a.student_id from student_access_at($3::timestamptz) a where a.user_id = $4)
      order by s.last_name asc nulls last, s.pseudonym asc`,
    [classId, onDate, ctx.now, ctx.viewer!.userId])).rows;

  return {
    Query: {
      async schoolClass(_root, { id }: { id: string }, ctx, info): Promise<ClassRow> {
        const viewer = requireViewer(ctx);
        const classId = fromGlobalId(id, 'SchoolClass', 'id');
        // The class of a school of the viewer, its school's today, and (when selected) the students
        // on that day whom the viewer takes part in educating today.
        const withStudents = selectsTodaysStudents(info);
        const { rows } = await db.query<ClassRow>(
          `select c.id, c.grade, c.letter, d.today::text as today,
                  ${withStudents ? `(select coalesce(json_agg(st order by st.last_name asc nulls last, st.pseudonym asc), '[]')
                     from (select ${STUDENT_COLUMNS}, s.pseudonym
                             from class_membership cm join student s on s.id = cm.student_id
                            where cm.school_class_id = c.id and cm.from_date <= d.today and (cm.to_date is null or cm.to_date >= d.today)
                              and s.id in (select a.student_id from student_access_at($2::timestamptz) a where a.user_id = $3)) st)`
                    : 'null'} as students
             from school_class c join school sch on sch.id = c.school_id
            cross join lateral (select ($2::timestamptz at time zone sch.time_zone)::date as today) d
            where c.id = $1 and c.school_id = any($4::uuid[])`,
          [classId, ctx.now, viewer.userId, viewer.schoolIds]);
        if (!rows[0]) throw notFound('Class');
        return rows[0];
      },

      async studentDiary(_root, args: { studentId: string; from: string; to: string }, ctx): Promise<{ date: string; lessons: LessonRow[] }[]> {
        const viewer = requireViewer(ctx);
        const studentId = fromGlobalId(args.studentId, 'Student', 'studentId');
        const { from, to } = args;
        if (from > to) throw error(`"from" (${from}) is after "to" (${to})`, 'BAD_USER_INPUT');
        const days: string[] = [];
        for (let d = from; d <= to; d = addDay(d)) {
          days.push(d);
          if (days.length > MAX_DAYS) throw error(`At most ${MAX_DAYS} days per call: ${from} – ${to} is longer`, 'BAD_USER_INPUT');
        }
        const access = await db.query(
          'select 1 from student_access_at($1::timestamptz) a where a.user_id = $2 and a.student_id = $3 limit 1',
          [ctx.now, viewer.userId, studentId]);
        if (!access.rowCount) throw notFound('Student');
        ctx.seen.add(studentId);
        // The lessons of the student's class and group memberships by day (clipped to the range), and individual ones.
        const { rows } = await db.query<LessonRow>(
          `with cls as (select school_class_id as id, greatest(from_date, $2::date) as f, least(coalesce(to_date, $3::date), $3::date) as t
                          from class_membership where student_id = $1 and from_date <= $3::date and (to_date is null or to_date >= $2::date)),
                grp as (select group_id as id, greatest(from_date, $2::date) as f, least(coalesce(to_date, $3::date), $3::date) as t
                          from group_membership where student_id = $1 and from_date <= $3::date and (to_date is null or to_date >= $2::date)),
                ids as (select l.id from lesson l join cls on l.school_class_id = cls.id and l.date between cls.f and cls.t
                        union
                        select l.id from lesson l join grp on l.group_id = grp.id and l.date between grp.f and grp.t
                        union
                        select l.id from lesson l where l.student_id = $1 and l.date between $2::date and $3::date)
           select l.id, l.date::text as date, l.lesson_number, l.status, l.topic, l.academic_year_id, l.school_class_id, l.group_id,
                  l.student_id, l.subject_id, l.teacher_id, l.room_id
             from lesson l join ids on ids.id = l.id
            order by l.date, l.lesson_number, l.id`,
          [studentId, from, to]);
        const byDate = new Map<string, LessonRow[]>();
        for (const r of rows) {
          const list = byDate.get(r.date);
          if (list) list.push(r);
          else byDate.set(r.date, [r]);
        }
        return days.map((date) => ({ date, lessons: byDate.get(date) ?? [] }));
      },

      classJournal: (_root, { input }: { input: ClassJournalInput }, ctx) => classJournal(db, ctx, input),
    },

    Mutation: {
      marksPost: (_root, { input }: { input: MarksPostInput }, ctx) => marksPost(db, ctx, input),
    },

    SchoolClass: {
      id: (c: ClassRow) => toGlobalId('SchoolClass', c.id),
      name: (c: ClassRow) => `${c.grade}${c.letter}`,
      async students(c: ClassRow, { onDate }: { onDate?: string | null }, ctx) {
        if (onDate == null && c.students) return c.students;
        return studentsOn(ctx, c.id, onDate ?? c.today);
      },
    },

    // Listed students are ones the viewer takes part in educating: personal data need consent and no erasure.
    Student: {
      id: (s: StudentRow) => toGlobalId('Student', s.id),
      fullName: (s: StudentRow) => (s.erased || s.consent_status !== 'GIVEN' || s.visible === false ? null
        : fullName(s.last_name, s.first_name, s.middle_name) || null),
      birthDate: (s: StudentRow) => (s.erased || s.consent_status !== 'GIVEN' || s.visible === false ? null : s.birth_date),
      guardians: (s: StudentRow, _a, ctx) => ctx.guardianLinks.load(s.id),
    },

    StudentGuardian: {
      id: (l: GuardianLinkRow) => toGlobalId('StudentGuardian', l.id),
      guardian: (l: GuardianLinkRow) => l,
    },

    Guardian: {
      id: (g: GuardianLinkRow) => toGlobalId('Guardian', g.guardian_id),
      fullName: (g: GuardianLinkRow) => (g.erased ? null : fullName(g.last_name, g.first_name, g.middle_name) || null),
      phone: (g: GuardianLinkRow) => (g.erased ? null : g.phone),
    },

    Lesson: {
      id: (l: LessonRow) => toGlobalId('Lesson', l.id),
      lessonNumber: (l: LessonRow) => l.lesson_number,
      startsAt: async (l: LessonRow, _a, ctx) => (await ctx.bellTimes.load(l))?.starts_at ?? null,
      endsAt: async (l: LessonRow, _a, ctx) => (await ctx.bellTimes.load(l))?.ends_at ?? null,
      async subject(l: LessonRow, _a, ctx) {
        const subject = await ctx.subjects.load(l.subject_id);
        if (!subject) throw notFound('Subject');
        return subject;
      },
      async teacher(l: LessonRow, _a, ctx) {
        const staff = await ctx.staff.load(l.teacher_id);
        if (!staff) throw notFound('Staff member');
        return staff;
      },
      room: (l: LessonRow, _a, ctx) => (l.room_id ? ctx.rooms.load(l.room_id) : null),
      homework: (l: LessonRow, _a, ctx) => ctx.homework.load(l.id),
      async marks(l: LessonRow, { studentId }: { studentId?: string | null }, ctx) {
        const id = studentId == null ? '' : fromGlobalId(studentId, 'Student', 'studentId');
        return ctx.lessonMarks.load(`${l.id}|${id}`);
      },
    },

    Mark: {
      id: (m: MarkRow) => toGlobalId('Mark', m.id),
      workType: (m: MarkRow) => ({ id: m.work_type_id, name: m.work_type_name }),
      async lesson(m: MarkRow, _a, ctx) {
        const lesson = m.lesson ?? await ctx.lessons.load(m.lesson_id);
        if (!lesson) throw notFound('Lesson');
        return lesson;
      },
    },
    Attendance: {
      id: (a: AttendanceRow) => toGlobalId('Attendance', a.id),
      async lesson(a: AttendanceRow, _a, ctx) {
        const lesson = a.lesson ?? await ctx.lessons.load(a.lesson_id);
        if (!lesson) throw notFound('Lesson');
        return lesson;
      },
    },
    WorkType: { id: (w: { id: string }) => toGlobalId('WorkType', w.id) },
    Homework: { id: (h: HomeworkRow) => toGlobalId('Homework', h.id) },

    Subject: { id: (s: { id: string }) => toGlobalId('Subject', s.id) },
    Room: { id: (r: { id: string }) => toGlobalId('Room', r.id) },
    Staff: {
      id: (s: { id: string }) => toGlobalId('Staff', s.id),
      fullName: (s: { full_name: string }) => s.full_name,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The class journal page (C)

interface ClassJournalInput { subjectId: string; classId?: string | null; groupId?: string | null; from: string; to: string }

async function classJournal(db: pg.Pool, ctx: Context, input: ClassJournalInput): Promise<{ lessons: LessonRow[]; rows: JournalRowValue[] }> {
  const viewer = requireViewer(ctx);
  const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
  if ((input.classId == null) === (input.groupId == null)) throw error('Give exactly one of classId and groupId', 'BAD_USER_INPUT');
  const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
  const groupId = input.groupId != null ? fromGlobalId(input.groupId, 'StudyGroup', 'groupId') : null;
  const { from, to } = input;
  if (from > to) throw error(`"from" (${from}) is after "to" (${to})`, 'BAD_USER_INPUT');
  if (addDays(from, JOURNAL_RANGE_MAX_DAYS) <= to) throw error(`At most ${JOURNAL_RANGE_MAX_DAYS} days per page`, 'BAD_USER_INPUT');
  // The page's class or group, and the viewer's relations to it.
  const { rows: [t] } = await db.query<{
    school_id: string; subject_school: string; class_teacher: boolean; teaches: boolean; conducted: boolean;
  }>(
    `with t as (select coalesce(c.school_id, g.school_id) as school_id, coalesce(c.id, g.school_class_id) as class_id
                  from (select 1) x left join school_class c on c.id = $1::uuid left join study_group g on g.id = $2::uuid
                 where c.id is not null or g.id is not null)
     select t.school_id, s.school_id as subject_school,
            exists (select 1 from school_class c join staff st on st.id = c.class_teacher_id
                     where c.id = t.class_id and st.user_id = $3 and st.archived_at is null) as class_teacher,
            exists (select 1 from teaching_assignment ta join staff st on st.id = ta.teacher_id
                     where st.user_id = $3 and st.archived_at is null and ta.subject_id = $4
                       and (ta.school_class_id = $1::uuid or ta.group_id = $2::uuid)) as teaches,
            exists (select 1 from lesson l join staff st on st.id = coalesce(l.substitute_teacher_id, l.teacher_id)
                     where st.user_id = $3 and l.subject_id = $4 and l.date between $5::date and $6::date
                       and (l.school_class_id = $1::uuid or l.group_id = $2::uuid)) as conducted
       from t join subject s on s.id = $4`,
    [classId, groupId, viewer.userId, subjectId, from, to]);
  if (!t || t.subject_school !== t.school_id || !viewer.schoolIds.includes(t.school_id)) throw notFound(classId ? 'Class' : 'Study group');
  if (!t.teaches && !t.conducted && !t.class_teacher && !administers(viewer, t.school_id)) {
    throw error('A class journal page is for the teachers of the subject there, the class teacher and the administration', 'FORBIDDEN');
  }
  const target = classId ? 'l.school_class_id = $4' : 'l.group_id = $4';
  const pageLessons = `l.subject_id = $1 and l.date between $2::date and $3::date and l.status = 'SCHEDULED' and ${target}`;
  const page = [subjectId, from, to, classId ?? groupId];
  const all = administers(viewer, t.school_id);
  // Everything of the page at once: its lessons, everyone in the class or group on some day of
  // the range (names only of those the viewer may see now), the lessons' marks, absences and homework.
  const [lessons, students, marks, attendance, homework] = await Promise.all([
    db.query<LessonRow>(`select ${LESSON_COLUMNS} from lesson l where ${pageLessons} order by l.date, l.lesson_number, l.id`, page),
    db.query<StudentRow>(
      `select s.id, s.last_name, s.first_name, s.middle_name, s.birth_date::text as birth_date, s.consent_status,
              s.erased_at is not null as erased,
              ($4::boolean or s.id in (select a.student_id from student_access_at($5::timestamptz) a where a.user_id = $6)) as visible
         from student s
         join (select student_id from ${classId ? 'class_membership where school_class_id' : 'group_membership where group_id'} = $1
                  and from_date <= $3::date and (to_date is null or to_date >= $2::date)
                group by student_id) m on m.student_id = s.id
        order by s.last_name nulls last, s.first_name nulls last, s.pseudonym`,
      [classId ?? groupId, from, to, all, ctx.now, viewer.userId]),
    db.query<MarkRow>(
      `select m.id, m.lesson_id, m.student_id, m.value, m.work_type_id, w.name as work_type_name, v.numeric_value, w.weight
         from mark m join lesson l on l.id = m.lesson_id join grading_value v on v.id = m.grading_value_id join work_type w on w.id = m.work_type_id
        where ${pageLessons} order by l.date, l.lesson_number, m.posted_at, m.id`, page),
    db.query<AttendanceRow>(
      `select a.id, a.lesson_id, a.student_id, a.status, a.reason from attendance a join lesson l on l.id = a.lesson_id
        where ${pageLessons} order by l.date, l.lesson_number, a.id`, page),
    db.query<HomeworkRow>(`select h.id, h.lesson_id, h.text from homework h join lesson l on l.id = h.lesson_id where ${pageLessons}`, page),
  ]);
  const lessonById = new Map(lessons.rows.map((l) => [l.id, l]));
  const homeworkOf = new Map(homework.rows.map((h) => [h.lesson_id, h]));
  for (const l of lessons.rows) ctx.homework.prime(l.id, homeworkOf.get(l.id) ?? null);
  for (const m of marks.rows) m.lesson = lessonById.get(m.lesson_id);
  for (const a of attendance.rows) a.lesson = lessonById.get(a.lesson_id);
  const marksOf = groupBy(marks.rows, (m) => m.student_id);
  const absencesOf = groupBy(attendance.rows, (a) => a.student_id);
  return {
    lessons: lessons.rows,
    rows: students.rows.map((student) => {
      const own = marksOf.get(student.id) ?? [];
      return {
        student,
        marks: own,
        attendance: absencesOf.get(student.id) ?? [],
        average: weightedAverage(own.map((m) => ({ value: m.numeric_value == null ? null : Number(m.numeric_value), weight: Number(m.weight) }))),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Posting marks

interface MarksPostInput { lessonId: string; marks: { studentId: string; workTypeId: string; value: string; comment?: string | null }[] }

/** Days after the lesson's date at whose start (school time) a mark of the kind is due: the lesson's day, 3 days, a week. */
const DUE_DAYS_SQL = `case w.kind when 'CONTROL' then 4 when 'WRITTEN' then 8 when 'PRACTICAL' then 8 else 1 end`;

const PD_PREFIX = 'pd1';

/** AES-256-GCM with the actor's personal-data key, in the format of the project's audit trail (src/db/pd-keys.ts). */
function encrypt(key: { id: string; key: Buffer }, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(`${PD_PREFIX}:${key.id}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${PD_PREFIX}:${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

class Refused extends Error {
  constructor(readonly userErrors: UserErrorValue[]) {
    super('refused');
  }
}

async function marksPost(db: pg.Pool, ctx: Context, input: MarksPostInput): Promise<{ marks: MarkRow[]; userErrors: UserErrorValue[] }> {
  const viewer = requireViewer(ctx);
  const lessonId = fromGlobalId(input.lessonId, 'Lesson', 'lessonId');
  const at = (...path: (string | number)[]) => ['input', ...path.map(String)];
  const problems: UserErrorValue[] = [];
  const problem = (code: string, message: string, field: string[]) => problems.push({ code, message, field });
  if (input.marks.length === 0 || input.marks.length > MARKS_PER_POST_MAX) {
    return { marks: [], userErrors: [{ code: 'INVALID', message: `Post 1–${MARKS_PER_POST_MAX} marks at a time`, field: at('marks') }] };
  }
  const studentIds = input.marks.map((m, i) => fromGlobalId(m.studentId, 'Student', `marks[${i}].studentId`));
  const workTypeIds = input.marks.map((m, i) => fromGlobalId(m.workTypeId, 'WorkType', `marks[${i}].workTypeId`));
  const client = await db.connect();
  try {
    await client.query('begin');
    // The lesson, locked once for the transaction, with who conducts it, the school's time zone and the actor's personal-data key.
    const { rows: [lesson] } = await client.query<{
      school_id: string; date: string; status: string; school_class_id: string | null; group_id: string | null; student_id: string | null;
      subject_id: string; academic_year_id: string; lesson_number: number; staff_id: string; staff_user_id: string; staff_school_id: string;
      staff_active: boolean; key_id: string | null; key: Buffer | null;
    }>(
      `select l.school_id, l.date::text as date, l.status, l.school_class_id, l.group_id, l.student_id, l.subject_id, l.academic_year_id,
              l.lesson_number, st.id as staff_id, st.user_id as staff_user_id, st.school_id as staff_school_id,
              st.archived_at is null as staff_active, k.id::text as key_id, k.key
         from lesson l join staff st on st.id = coalesce(l.substitute_teacher_id, l.teacher_id)
         left join pd_key k on k.subject_type = 'User' and k.subject_id = $2 and k.category = 'DIARY_SERVICE' and k.destroyed_at is null
        where l.id = $1
          for no key update of l`,
      [lessonId, viewer.userId]);
    if (!lesson || !viewer.schoolIds.includes(lesson.school_id)) throw notFound('Lesson');
    if (lesson.staff_user_id !== viewer.userId || lesson.staff_school_id !== lesson.school_id || !lesson.staff_active) {
      throw error('Only the teacher who conducts this lesson (or its substitute) may fill it in', 'FORBIDDEN');
    }
    if (lesson.status === 'CANCELLED') throw new Refused([{ code: 'LESSON_CANCELLED', message: 'The lesson is cancelled', field: at('lessonId') }]);
    // Every mark checked at once: the student (of the lesson on its date, with consent), the work
    // type (of the school, not archived; its kind's deadline), the grading system of the subject
    // and class with its values, the lesson's control work.
    const { rows: items } = await client.query<{
      in_lesson: boolean; consent_status: string | null; work_type_school: string | null; work_type_name: string | null;
      work_type_kind: string | null; archived: boolean | null; due_at: Date | null; scale_name: string | null;
      scale: { id: string; code: string; final_only: boolean }[] | null; control_work_id: string | null; time_zone: string;
    }>(
      `with l as (select $3::uuid as class_id, $4::uuid as group_id, $5::uuid as student_id, $6::date as date, $7::uuid as year_id, $8::uuid as subject_id),
            c as (select coalesce(l.class_id, g.school_class_id,
                    (select cm.school_class_id from class_membership cm join school_class sc on sc.id = cm.school_class_id
                      where cm.student_id = l.student_id and sc.academic_year_id = l.year_id and cm.from_date <= l.date
                        and (cm.to_date is null or cm.to_date >= l.date) limit 1)) as class_id
                    from l left join study_group g on g.id = l.group_id),
            gs as (select s.id, s.name from c join grading_system s on s.id = effective_grading_system($7, $8, c.class_id)),
            members as (select t.id from l, target_students(l.class_id, l.group_id, l.student_id, l.date, l.date) t(id))
       select i.student_id in (select id from members) as in_lesson, s.consent_status, w.school_id as work_type_school,
              w.name as work_type_name, w.kind as work_type_kind, w.archived_at is not null as archived,
              ((l.date + ${DUE_DAYS_SQL})::timestamp at time zone sch.time_zone) as due_at,
              (select name from gs) as scale_name,
              (select json_agg(json_build_object('id', v.id, 'code', v.code, 'final_only', v.final_only) order by v.position)
                 from grading_value v where v.grading_system_id = (select id from gs)) as scale,
              (select cw.id from control_work cw
                where cw.subject_id = l.subject_id and cw.date = l.date and cw.cancelled_at is null
                  and (cw.lesson_number is null or cw.lesson_number = $9)
                  and (cw.group_id = l.group_id or cw.school_class_id = (select class_id from c where l.student_id is null))
                order by cw.lesson_number nulls last, cw.created_at limit 1) as control_work_id,
              sch.time_zone
         from unnest($1::uuid[], $2::uuid[]) with ordinality as i(student_id, work_type_id, n)
         cross join l join school sch on sch.id = $10
         left join student s on s.id = i.student_id
         left join work_type w on w.id = i.work_type_id
        order by i.n`,
      [studentIds, workTypeIds, lesson.school_class_id, lesson.group_id, lesson.student_id, lesson.date, lesson.academic_year_id,
        lesson.subject_id, lesson.lesson_number, lesson.school_id]);
    const scale = new Map<string, { id: string; code: string }>();
    for (const v of items[0].scale ?? []) if (!v.final_only) scale.set(v.code.toLocaleLowerCase('ru'), { id: v.id, code: v.code });
    const values = input.marks.map((m, i) => {
      const item = items[i];
      if (!item.in_lesson) problem('NOT_IN_LESSON', 'The student is not one of this lesson\'s students on its date', at('marks', i, 'studentId'));
      else if (item.consent_status !== 'GIVEN') problem('NO_CONSENT', 'The student has no consent to personal-data processing: no electronic marks', at('marks', i, 'studentId'));
      let value: { id: string; code: string } | undefined;
      if (!item.scale_name) problem('NO_GRADING_SYSTEM', 'No grading system is assigned to this subject and class', at('marks', i, 'value'));
      else if (!(value = scale.get(String(m.value).normalize('NFC').trim().toLocaleLowerCase('ru')))) {
        problem('NOT_ON_SCALE', `«${String(m.value).slice(0, 20)}» is not a mark of the grading system «${item.scale_name}»`, at('marks', i, 'value'));
      }
      if (item.work_type_school !== lesson.school_id) problem('INVALID', 'Not a work type of this school', at('marks', i, 'workTypeId'));
      else if (item.archived) problem('ARCHIVED', `The work type «${item.work_type_name}» is archived`, at('marks', i, 'workTypeId'));
      else if (item.work_type_kind === 'CONTROL' && !item.control_work_id) {
        problem('NO_CONTROL_WORK', 'No control work is scheduled for this lesson', at('marks', i, 'workTypeId'));
      }
      const comment = m.comment?.normalize('NFC').trim() || null;
      if (comment && comment.length > COMMENT_MAX) problem('TOO_LONG', `The comment is longer than ${COMMENT_MAX} characters`, at('marks', i, 'comment'));
      return { value, comment };
    });
    if (problems.length) throw new Refused(problems);

    let key = lesson.key_id && lesson.key ? { id: lesson.key_id, key: lesson.key } : null;
    if (!key) {
      // The actor's first audited change: their key is created (by the database) first.
      const { rows: [k] } = await client.query<{ id: string; key: Buffer }>(
        `with ins as (insert into pd_key (subject_type, subject_id, category) values ('User', $1, 'DIARY_SERVICE')
                        on conflict (subject_type, subject_id, category) where destroyed_at is null do nothing returning id, key)
         select id::text as id, key from ins
         union all select id::text, key from pd_key where subject_type = 'User' and subject_id = $1 and category = 'DIARY_SERVICE' and destroyed_at is null`,
        [viewer.userId]);
      key = k;
    }
    const postedAt = ctx.clock();
    const occurredAt = new Date();
    const marks = input.marks.map((_, i) => {
      const item = items[i];
      const controlWorkId = item.work_type_kind === 'CONTROL' ? item.control_work_id : null;
      const dueAt = item.due_at!;
      return {
        id: randomUUID(), studentId: studentIds[i], workTypeId: workTypeIds[i], controlWorkId, gradingValueId: values[i].value!.id,
        value: values[i].value!.code, comment: values[i].comment, dueAt, late: postedAt > dueAt, workTypeName: item.work_type_name!,
      };
    });
    await client.query(
      `insert into mark (id, created_at, updated_at, school_id, lesson_id, student_id, work_type_id, control_work_id, grading_value_id,
                         value, comment, posted_by_id, posted_at, due_at, late)
       select m.id, $1, $1, $2, $3, m.student_id, m.work_type_id, m.control_work_id, m.grading_value_id, m.value, m.comment, $4, $5, m.due_at, m.late
         from unnest($6::uuid[], $7::uuid[], $8::uuid[], $9::uuid[], $10::uuid[], $11::text[], $12::text[], $13::timestamptz[], $14::boolean[])
              as m(id, student_id, work_type_id, control_work_id, grading_value_id, value, comment, due_at, late)`,
      [occurredAt, lesson.school_id, lessonId, lesson.staff_id, postedAt, marks.map((m) => m.id), marks.map((m) => m.studentId),
        marks.map((m) => m.workTypeId), marks.map((m) => m.controlWorkId), marks.map((m) => m.gradingValueId), marks.map((m) => m.value),
        marks.map((m) => m.comment), marks.map((m) => m.dueAt), marks.map((m) => m.late)]);
    // The audit entries: what the project records of a created mark (its persisted fields that are
    // not null, relations as ids), chained by the database trigger in insertion order.
    const created = (v: unknown) => ({ before: null, after: v });
    const changes = marks.map((m) => JSON.stringify({
      school: created(lesson.school_id), lesson: created(lessonId), student: created(m.studentId), workType: created(m.workTypeId),
      ...(m.controlWorkId ? { controlWork: created(m.controlWorkId) } : {}), gradingValue: created(m.gradingValueId), value: created(m.value),
      ...(m.comment != null ? { comment: created(m.comment) } : {}), postedBy: created(lesson.staff_id), postedAt: created(postedAt.toISOString()),
      dueAt: created(m.dueAt.toISOString()), late: created(m.late),
    }));
    await client.query(
      `insert into audit_entry (chain_id, school_id, occurred_at, actor_id, actor_login, session_id, ip, operation, entity_type, entity_id, action, changes)
       select $1, $1, $2, $3, e.actor_login, $4, e.ip, 'marksPost', 'Mark', e.entity_id, 'CREATE', e.changes
         from unnest($5::text[], $6::jsonb[], $7::text[], $8::text[]) with ordinality as e(entity_id, changes, actor_login, ip, n)
        order by e.n`,
      [lesson.school_id, occurredAt, viewer.userId, viewer.sessionId, marks.map((m) => m.id), changes,
        marks.map(() => encrypt(key!, viewer.login)), marks.map(() => (ctx.ip == null ? null : encrypt(key!, ctx.ip)))]);
    // One outbox event per mark, for its student's diary and the teacher; the server processes are woken at commit.
    await client.query(
      `with e as (insert into outbox_event (school_id, kind, actor_id, object_type, object_id, date_from, date_to, details, student_ids, teacher_user_ids)
                  select $1, 'MARK_POSTED', $2, 'Mark', e.id, $3::date, $3::date, '{}', array[e.student_id], array[$2::uuid]
                    from unnest($4::uuid[], $5::uuid[]) with ordinality as e(id, student_id, n) order by e.n)
       select pg_notify('otmetka_events', '')`,
      [lesson.school_id, viewer.userId, lesson.date, marks.map((m) => m.id), marks.map((m) => m.studentId)]);
    await client.query('commit');
    return {
      marks: marks.map((m) => ({ id: m.id, lesson_id: lessonId, student_id: m.studentId, value: m.value, work_type_id: m.workTypeId, work_type_name: m.workTypeName })),
      userErrors: [],
    };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    if (err instanceof Refused) return { marks: [], userErrors: err.userErrors };
    throw err;
  } finally {
    client.release();
  }
}

function makeSchema(db: pg.Pool): GraphQLSchema {
  const schema = buildSchema(SDL);
  const scalars = [stringScalar('LocalDate', DATE), stringScalar('LocalTime', TIME)];
  for (const scalar of scalars) {
    const type = schema.getType(scalar.name) as GraphQLScalarType;
    type.serialize = scalar.serialize;
    type.parseValue = scalar.parseValue;
    type.parseLiteral = scalar.parseLiteral;
  }
  for (const [typeName, fields] of Object.entries(resolvers(db))) {
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const [name, resolve] of Object.entries(fields)) type.getFields()[name].resolve = resolve;
  }
  return schema;
}

async function main() {
  countStatements();
  const pinned = process.env.TEST_NOW ? new Date(process.env.TEST_NOW).getTime() - Date.now() : 0;
  const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, options: '-c jit=off' });
  db.on('error', () => undefined);
  const schema = makeSchema(db);
  const handler = createHandler<Context>({
    schema,
    async context(req) {
      const token = bearer(req.raw.headers.authorization);
      const auth = token ? await authenticate(db, token) : null;
      const viewer = auth && 'viewer' in auth ? auth.viewer : null;
      const now = new Date(Date.now() + pinned).toISOString();
      const base = {
        viewer,
        authError: auth && 'error' in auth ? auth.error : null,
        now,
        clock: () => new Date(Date.now() + pinned),
        ip: req.raw.socket.remoteAddress ?? null,
        seen: new Set<string>(),
      };
      return { ...base, ...createLoaders(db, viewer, now, base.seen) };
    },
  });
  const server = http.createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/graphql') {
      res.writeHead(404).end();
      return;
    }
    handler(req, res).catch((err) => {
      res.writeHead(500).end(JSON.stringify({ errors: [{ message: err instanceof Error ? err.message : String(err) }] }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  answerBench(`http://127.0.0.1:${port}/graphql`, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.end();
  });
}

main().catch((err) => {
  process.stderr.write(`reads-peer failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
