import { countQueries } from './helpers/db';
import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { demo, gid, schoolClass, student } from './helpers/factories';

/**
 * Issue 11: a school's time zone is kept per process, and forgotten when the school changes (a
 * trigger announces every change at commit, whoever writes it) or when the listener reconnects
 * (announcements made while it was away are lost). The zone decides "today" in the school: a student
 * enrolled from 2025-11-25 is a member at 09:00 UTC in Moscow (12:00 local) but not yet in Pago Pago
 * (22:00 on the 24th).
 */
let app: TestApp;
let admin: HttpClient;
let schoolId: string;
let classGid: string;
let newcomer: string;
let zone: string;
const STUDENTS = 'query($id: ID!) { schoolClass(id: $id) { students { id } } }';

beforeAll(async () => {
  app = await startTestApp({});
  let yearId: string;
  ({ schoolId, yearId } = await demo(app));
  admin = await app.as('admin');
  const classId = await schoolClass(app, schoolId, yearId);
  classGid = gid('SchoolClass', classId);
  newcomer = gid('Student', (await student(app, schoolId, { classId, from: '2025-11-25' })).studentId);
  zone = (await app.sql('select time_zone from school where id = $1', [schoolId]))[0].time_zone;
});
afterAll(async () => {
  await app?.sql('update school set time_zone = $2 where id = $1', [schoolId, zone]);
  await app?.stop();
});

const members = async () => ((await admin.ok(STUDENTS, { id: classGid })).schoolClass.students as { id: string }[]).map((s) => s.id);

/** Statements reading a school's zone while `fn` runs. */
const zoneReads = (fn: () => Promise<unknown>) => countQueries(app, fn, /select time_zone from school/);

async function eventually(pred: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('issue 11: school time zones kept per process', () => {
  test('issue 11, R-YEAR-1: the zone is read once, then kept: a second class list reads no school row', async () => {
    app.server.services.schoolZones.forgetAll();
    expect(await zoneReads(members)).toBe(1);
    expect(await zoneReads(members)).toBe(0);
    expect(await members()).toContain(newcomer);
  });

  test('issue 11, R-YEAR-1: a change of the school made by plain SQL is announced at commit; the next request uses the new zone', async () => {
    await members();
    await app.sql(`update school set time_zone = 'Pacific/Pago_Pago' where id = $1`, [schoolId]);
    await eventually(async () => !(await members()).includes(newcomer), 'the new zone to be used');
    await app.sql('update school set time_zone = $2 where id = $1', [schoolId, zone]);
    await eventually(async () => (await members()).includes(newcomer), 'the zone to be restored');
  });

  test('issue 11: when the listener reconnects, every kept zone is forgotten (changes announced while it was away are lost)', async () => {
    await members();
    expect(app.server.services.schoolZones.size).toBeGreaterThan(0);
    const listeners = () => app.sql(`select pid from pg_stat_activity where datname = current_database() and query ilike 'LISTEN %'`);
    const [old] = await listeners();
    await app.sql('select pg_terminate_backend($1)', [old.pid]);
    await eventually(async () => (await listeners()).some((r) => r.pid !== old.pid), 'the listener to reconnect');
    await eventually(async () => app.server.services.schoolZones.size === 0, 'the kept zones to be forgotten');
    // And a change made now is announced again.
    await members();
    await app.sql(`update school set time_zone = 'Pacific/Pago_Pago' where id = $1`, [schoolId]);
    await eventually(async () => !(await members()).includes(newcomer), 'the new zone to be used');
  });
});
