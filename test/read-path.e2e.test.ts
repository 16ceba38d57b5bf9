import { countQueries } from './helpers/db';
import { startTestApp, TestApp } from './helpers/app';
import { demo, gid, guardian, linkGuardian, schoolClass, staff, student, user } from './helpers/factories';
import { SCHOOL_WIDE_ACCESS_ROLES } from '../src/permissions/capabilities';

/**
 * Issue 11, R-SEC-3: one access decision per request where the roles decide it. The administration
 * of a school takes part in the education of all its students (the ADMINISTRATION branch of
 * `student_access_span`, without dates), so its class lists and personal-data fields need no
 * per-student access statement; everyone else is still checked row by row.
 */
let app: TestApp;
let schoolId: string;
let yearId: string;
let classGid: string;
let kid: { studentId: string; pd: { lastName: string; birthDate: string; guardianPhone: string } };
const A = 'query($id: ID!) { schoolClass(id: $id) { students { id fullName birthDate guardians { guardian { fullName phone } } } } }';

beforeAll(async () => {
  app = await startTestApp({});
  ({ schoolId, yearId } = await demo(app));
  const classId = await schoolClass(app, schoolId, yearId);
  classGid = gid('SchoolClass', classId);
  kid = await student(app, schoolId, { classId });
  await student(app, schoolId, { classId });
});
afterAll(async () => {
  await app?.stop();
});

const accessStatements = (fn: () => Promise<unknown>) => countQueries(app, fn, /student_access_at|student_access_keys/);

describe('issue 11: access decided from the roles where they decide it', () => {
  test('issue 11, R-SEC-3: SCHOOL_WIDE_ACCESS_ROLES is exactly the role list of the ADMINISTRATION branch of student_access_span', async () => {
    const [{ def }] = await app.sql(`select pg_get_viewdef('student_access_span'::regclass) as def`);
    const branch = String(def).split(/UNION ALL/i)[0];
    expect(branch).toContain("'ADMINISTRATION'");
    const roles = [...branch.matchAll(/'([A-Z_]+)'::role/g)].map((m) => m[1]).sort();
    expect(roles).toEqual([...SCHOOL_WIDE_ACCESS_ROLES].sort());
  });

  test('issue 11, R-SEC-3: the administration\'s class list with personal data runs no access statement, and shows every member with their data', async () => {
    const admin = await app.as('admin');
    let data: any;
    expect(await accessStatements(async () => { data = await admin.ok(A, { id: classGid }); })).toBe(0);
    const text = JSON.stringify(data);
    expect(data.schoolClass.students).toHaveLength(2);
    expect(text).toContain(kid.pd.lastName);
    expect(text).toContain(kid.pd.birthDate);
    expect(text).toContain(kid.pd.guardianPhone);
  });

  test('issue 11, R-SEC-3: a parent of one child is still checked per student: the same class shows only their child, with access statements', async () => {
    const parent = await user(app, schoolId, ['PARENT']);
    await linkGuardian(app, kid.studentId, await guardian(app, schoolId, { lastName: 'Опекунова', firstName: 'Анна', userId: parent.userId }));
    const client = await app.as(parent.login);
    let data: any;
    expect(await accessStatements(async () => { data = await client.ok(A, { id: classGid }); })).toBeGreaterThan(0);
    expect(data.schoolClass.students.map((s: { id: string }) => s.id)).toEqual([gid('Student', kid.studentId)]);
  });

  test('issue 11, R-SEC-3, R-ROLE-5: a class teacher\'s class list with guardians decides access once — the list\'s own filter — not again per student and guardian; a pupil of another class is not listed', async () => {
    const lead = await staff(app, schoolId);
    const own = await schoolClass(app, schoolId, yearId, { classTeacherId: lead.staffId });
    const pupil = await student(app, schoolId, { classId: own });
    const client = await app.as(lead.login);
    let data: any;
    expect(await accessStatements(async () => { data = await client.ok(A, { id: gid('SchoolClass', own) }); })).toBe(1);
    const text = JSON.stringify(data);
    expect(data.schoolClass.students.map((s: { id: string }) => s.id)).toEqual([gid('Student', pupil.studentId)]);
    expect(text).toContain(pupil.pd.lastName);
    expect(text).toContain(pupil.pd.guardianPhone);
    expect(text).not.toContain(kid.pd.lastName);
  });
});
