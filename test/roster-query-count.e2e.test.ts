import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { countQueries } from './helpers/db';
import * as f from './helpers/factories';
import { toGlobalId } from '../src/schema/node';

/** CONVENTIONS / R-SEC-3: listing a class with its students and guardians costs the same number of statements for 3 or 30 students. */
let app: TestApp;
let admin: HttpClient;
let parent: HttpClient;
let schoolUuid: string;
let yearUuid: string;
let letterCode = 0x410; // А

const LIST = `query($c: ID!) { schoolClass(id: $c) { name studentCount classTeacherName
  students { id pseudonym fullName birthDate sex phone currentClass { name }
    guardians { kind guardian { id fullName phone email } } } } }`;

/** A class of `n` students with consent, each with one guardian; returns its global ID. */
async function classWith(n: number): Promise<string> {
  const letter = String.fromCharCode(letterCode++);
  const classId = await f.schoolClass(app, schoolUuid, yearUuid, { grade: 9, letter });
  for (let i = 1; i <= n; i++) {
    const studentId = await f.studentRow(app, schoolUuid, {
      pseudonym: `Q-${letter}-${i}`, lastName: `Фамилия${i}`, firstName: 'Имя', birthDate: '2011-01-01', sex: 'FEMALE', phone: '+7 900 000-00-00', consent: 'GIVEN',
      classId, from: '2020-01-01',
    });
    // one guardian each, whose first name (the student's id) is unique
    await f.linkGuardian(app, studentId, await f.guardian(app, schoolUuid, { lastName: 'Родитель', firstName: studentId, phone: '+7 911 000-00-00' }));
  }
  return toGlobalId('SchoolClass', classId);
}

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.as('admin');
  parent = await app.as('parent');
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  [{ id: yearUuid }] = await app.sql(`select id from academic_year where school_id = $1 limit 1`, [schoolUuid]);
});
afterAll(async () => { await app?.stop(); });

test('R-SEC-3, CONVENTIONS: a class with students and guardians is listed in a constant number of statements (3 vs 30 students)', async () => {
  const small = await classWith(3);
  const large = await classWith(30);
  let smallData: any;
  let largeData: any;
  // The school's time zone is kept by the process after its first read (src/services/school-zones.ts): read it first.
  await admin.ok(LIST, { c: small });
  const nSmall = await countQueries(app, async () => { smallData = await admin.ok(LIST, { c: small }); });
  const nLarge = await countQueries(app, async () => { largeData = await admin.ok(LIST, { c: large }); });
  expect(smallData.schoolClass.students).toHaveLength(3);
  expect(largeData.schoolClass.students).toHaveLength(30);
  expect(largeData.schoolClass.students[0].guardians[0].guardian.fullName).toMatch(/^Родитель /);
  expect(largeData.schoolClass.students[0].currentClass).not.toBeNull();
  expect(nSmall).toBeGreaterThan(0);
  expect(nLarge).toBe(nSmall);
});

test('R-SEC-3: a parent with no child in the class lists nobody, whatever the class size', async () => {
  const large = await classWith(5);
  const r = await parent.ok(LIST, { c: large });
  // R-ROLE-8: the class's size is the same for every viewer; the list stays scoped
  expect(r.schoolClass).toMatchObject({ studentCount: 5, students: [] });
});
