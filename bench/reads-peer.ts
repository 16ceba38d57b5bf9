import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import pg from 'pg';
import DataLoader from 'dataloader';
import { createHandler } from 'graphql-http/lib/use/http';
import {
  buildSchema, GraphQLError, GraphQLObjectType, GraphQLScalarType, Kind, type GraphQLFieldResolver, type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { answerBench, countStatements } from './reads-child';

/**
 * The hand-written reference server of the reads benchmark (issue 11): what a team would write for
 * the two hot reads with the standard stack and nothing of this project — a graphql-js schema
 * written by hand, graphql-http's Node handler, a `pg` Pool and DataLoader. It serves exactly
 *   A: schoolClass(id) { students { id fullName birthDate guardians { guardian { fullName phone } } } }
 *   B: studentDiary(studentId, from, to) { date lessons { id date lessonNumber startsAt endsAt status topic
 *        subject { name } teacher { fullName } room { name } } }
 * with the JSON of this project, and the same access decisions, taken in SQL on the same database:
 * - the session by the SHA-256 of the bearer token (auth_token → auth_session → app_user, with the
 *   user's roles), checked on every request: unknown, expired, revoked or blocked is refused;
 * - a class only of a school the viewer holds a role in; its students on the school's today (the
 *   school's time zone) that the viewer takes part in educating today, `student_access_at(now)`;
 * - personal data null without consent or after erasure;
 * - a diary only for a student in `student_access_at(now)` for the viewer; the lessons of the
 *   student's class and group memberships by day, and individual ones; times from
 *   `effective_bell_schedule()`.
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
    subject: Subject! teacher: Staff! room: Room
  }
  type DiaryDay { date: LocalDate! lessons: [Lesson!]! }
  type Query {
    schoolClass(id: ID!): SchoolClass!
    studentDiary(studentId: ID!, from: LocalDate!, to: LocalDate!): [DiaryDay!]!
  }
`;

const MAX_DAYS = 31;

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

function addDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
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

interface Viewer { userId: string; schoolIds: string[] }

interface StudentRow {
  id: string; last_name: string | null; first_name: string | null; middle_name: string | null;
  birth_date: string | null; consent_status: string; erased: boolean;
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

type Context = {
  viewer: Viewer | null;
  authError: GraphQLError | null;
  /** the school-calendar instant of this request */
  now: string;
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

function createLoaders(db: pg.Pool) {
  return {
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
    expires_at: Date; revoked_at: Date | null; user_id: string; blocked_at: Date | null; must_change_password: boolean; school_ids: string[];
  }>(
    `select t.expires_at, s.revoked_at, u.id as user_id, u.blocked_at, u.must_change_password,
            coalesce(array_agg(distinct r.school_id) filter (where r.id is not null), '{}') as school_ids
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
  return { viewer: { userId: row.user_id, schoolIds: row.school_ids } };
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
      fullName: (s: StudentRow) => (s.erased || s.consent_status !== 'GIVEN' ? null : fullName(s.last_name, s.first_name, s.middle_name) || null),
      birthDate: (s: StudentRow) => (s.erased || s.consent_status !== 'GIVEN' ? null : s.birth_date),
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
    },

    Subject: { id: (s: { id: string }) => toGlobalId('Subject', s.id) },
    Room: { id: (r: { id: string }) => toGlobalId('Room', r.id) },
    Staff: {
      id: (s: { id: string }) => toGlobalId('Staff', s.id),
      fullName: (s: { full_name: string }) => s.full_name,
    },
  };
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
      const base = {
        viewer: auth && 'viewer' in auth ? auth.viewer : null,
        authError: auth && 'error' in auth ? auth.error : null,
        now: new Date(Date.now() + pinned).toISOString(),
      };
      return { ...base, ...createLoaders(db) };
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
