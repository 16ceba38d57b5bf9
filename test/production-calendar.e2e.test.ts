import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { createOtherSchool, expectUnchanged } from './helpers/db';
import * as f from './helpers/factories';
import { clock } from '../src/clock';
import { toGlobalId } from '../src/schema/node';
import { addWorkingDays, workingDaysDeadline } from '../src/services/production-calendar.service';
import { ProductionDayKind } from '../src/entities/production-calendar.entity';

/**
 * R-SEC-4, R-SEC-8: working days follow the production calendar the administrator enters per school
 * (non-working weekdays, working Saturdays), not the school holidays; the 3-working-day erasure
 * deadline counts with it.
 */
let app: TestApp;
const c: Record<string, HttpClient> = {};
let schoolUuid: string;
let schoolId: string;
let classUuid: string;

const SET = `mutation($i: ProductionCalendarDaySetInput!) { productionCalendarDaySet(input: $i) { day { id date kind note } userErrors { code field message } } }`;
const REMOVE = `mutation($i: ProductionCalendarDayRemoveInput!) { productionCalendarDayRemove(input: $i) { removedDate userErrors { code field message } } }`;
const CALENDAR = `query($s: ID!, $y: Int!) { productionCalendar(schoolId: $s, year: $y) { schoolId year workingDays days { date kind note } } }`;
const WITHDRAW = `mutation($i: ConsentWithdrawInput!) { consentWithdraw(input: $i) { erasureJob { reason dueAt } userErrors { code message } } }`;
const LEAVE = `mutation($i: StudentLeaveInput!) { studentLeave(input: $i) { membership { id } userErrors { code message } } }`;
const TABLES = ['production_calendar_day', 'audit_entry', 'erasure_job'];

const set = (client: HttpClient, date: string, kind: string, note?: string | null, s = schoolId) => client.gql(SET, { i: { schoolId: s, date, kind, note } });

/** A consenting student in a class of the demo year, with personal data; returns the raw id. */
const student = (pseudonym: string) =>
  f.studentRow(app, schoolUuid, { pseudonym, consent: 'GIVEN', lastName: 'Календарёв', firstName: 'Иван', classId: classUuid });

beforeAll(async () => {
  app = await startTestApp({ ERASURE_POLL_SECONDS: '0' });
  clock.pin('2025-11-25T09:00:00Z'); // Tuesday
  [{ id: schoolUuid }] = await app.sql(`select id from school limit 1`);
  schoolId = toGlobalId('School', schoolUuid);
  const [{ id: yearUuid }] = await app.sql(`select id from academic_year where school_id = $1 limit 1`, [schoolUuid]);
  classUuid = await f.schoolClass(app, schoolUuid, yearUuid, { grade: 8, letter: 'К' });
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'student', 'parent']) c[login] = await app.as(login);
});
afterAll(async () => {
  clock.pin(null);
  await app?.stop();
});

describe('R-SEC-4 the production calendar', () => {
  test('R-SEC-4: working days skip weekends and non-working weekdays and count working Saturdays', () => {
    const none = new Map<string, ProductionDayKind>();
    // Friday 31 October 2025 + 3 working days: Mon 3, Tue 4, Wed 5 November.
    expect(addWorkingDays('2025-10-31', 3, none)).toBe('2025-11-05');
    // The 2025 calendar: Saturday 1 November worked, Monday 3 and Tuesday 4 November off.
    const calendar = new Map([['2025-11-01', ProductionDayKind.WORKING], ['2025-11-03', ProductionDayKind.NON_WORKING], ['2025-11-04', ProductionDayKind.NON_WORKING]]);
    expect(addWorkingDays('2025-10-31', 3, calendar)).toBe('2025-11-06');
    expect(workingDaysDeadline('2025-10-31', 'Europe/Moscow', 3, calendar).toISOString()).toBe('2025-11-06T20:59:59.000Z');
  });

  test('R-SEC-4: the admin enters non-working weekdays and working Saturdays; the administration reads the year; the deadline of a withdrawal counts with them', async () => {
    for (const [date, kind, note] of [['2025-11-01', 'WORKING', 'Перенос выходного с 3 ноября'], ['2025-11-03', 'NON_WORKING', null], ['2025-11-04', 'NON_WORKING', ' День народного единства ']]) {
      const r = await c.admin.ok(SET, { i: { schoolId, date, kind, note } });
      expect(r.productionCalendarDaySet.userErrors).toEqual([]);
      expect(r.productionCalendarDaySet.day).toMatchObject({ date, kind, note: note?.trim() ?? null });
    }
    // Setting a day again changes it (here: only the note).
    expect((await c.admin.ok(SET, { i: { schoolId, date: '2025-11-03', kind: 'NON_WORKING', note: 'Перенос' } })).productionCalendarDaySet.day.note).toBe('Перенос');
    for (const who of ['admin', 'director', 'deputy']) {
      const cal = (await c[who].ok(CALENDAR, { s: schoolId, y: 2025 })).productionCalendar;
      expect(cal.days.map((d: any) => [d.date, d.kind])).toEqual([['2025-11-01', 'WORKING'], ['2025-11-03', 'NON_WORKING'], ['2025-11-04', 'NON_WORKING']]);
      // 2025 has 261 weekdays; one more worked, two fewer.
      expect(cal).toMatchObject({ schoolId, year: 2025, workingDays: 260 });
    }
    const audit = await app.sql(`select count(*)::int as n from audit_entry where entity_type = 'ProductionCalendarDay' and chain_id = $1`, [schoolUuid]);
    expect(audit[0].n).toBe(4);

    // Withdrawal on Friday 31 October: due at the end of Thursday 6 November (not Wednesday 5).
    const s = await student('КАЛ-1');
    const r = await c.deputy.ok(WITHDRAW, { i: { studentId: toGlobalId('Student', s), decidedOn: '2025-10-31', documentRef: 'Отзыв № 1' } });
    expect(r.consentWithdraw).toMatchObject({ userErrors: [], erasureJob: { reason: 'WITHDRAWAL', dueAt: '2025-11-06T20:59:59.000Z' } });
  });

  test('R-SEC-8: leaving on a Tuesday before a non-working Thursday and a working Saturday: the diary-service data are due by the end of that Saturday', async () => {
    expect((await set(c.admin, '2025-11-27', 'NON_WORKING')).data.productionCalendarDaySet.userErrors).toEqual([]);
    expect((await set(c.admin, '2025-11-29', 'WORKING')).data.productionCalendarDaySet.userErrors).toEqual([]);
    const s = await student('КАЛ-2');
    const r = await c.deputy.ok(LEAVE, { i: { studentId: toGlobalId('Student', s), date: '2025-11-25', reason: 'Переезд' } });
    expect(r.studentLeave.userErrors).toEqual([]);
    // Registered Tuesday 25: Wednesday 26 (1), Thursday 27 off, Friday 28 (2), Saturday 29 worked (3).
    const [job] = await app.sql(`select reason, due_at, notice from erasure_job where student_id = $1`, [s]);
    expect(job.reason).toBe('LEFT_SCHOOL');
    expect(job.due_at.toISOString()).toBe('2025-11-29T20:59:59.000Z');
    expect(job.notice).toContain('29.11.2025');
    // Removing the exceptions does not move a deadline already given in the notice.
    for (const date of ['2025-11-27', '2025-11-29']) {
      expect((await c.admin.ok(REMOVE, { i: { schoolId, date } })).productionCalendarDayRemove).toEqual({ removedDate: date, userErrors: [] });
    }
    expect((await app.sql(`select due_at from erasure_job where student_id = $1`, [s]))[0].due_at.toISOString()).toBe('2025-11-29T20:59:59.000Z');
    expect((await c.admin.ok(CALENDAR, { s: schoolId, y: 2025 })).productionCalendar.days.map((d: any) => d.date)).not.toContain('2025-11-27');
  });

  test('R-SEC-4: bad input comes back as clear userErrors and writes nothing', async () => {
    await expectUnchanged(app, TABLES, async () => {
      const weekendOff = (await set(c.admin, '2025-12-06', 'NON_WORKING')).data.productionCalendarDaySet;
      expect(weekendOff).toMatchObject({ day: null, userErrors: [{ code: 'INVALID', field: ['input', 'date'] }] });
      expect(weekendOff.userErrors[0].message).toContain('Saturday or Sunday');
      const weekdayOn = (await set(c.admin, '2025-12-03', 'WORKING')).data.productionCalendarDaySet;
      expect(weekdayOn).toMatchObject({ day: null, userErrors: [{ code: 'INVALID', field: ['input', 'date'] }] });
      expect(weekdayOn.userErrors[0].message).toContain('weekday');
      expect((await set(c.admin, '1999-12-01', 'NON_WORKING')).data.productionCalendarDaySet.userErrors[0]).toMatchObject({ code: 'DATE_INVALID', field: ['input', 'date'] });
      expect((await set(c.admin, '2025-12-01', 'NON_WORKING', 'я'.repeat(201))).data.productionCalendarDaySet.userErrors[0]).toMatchObject({ code: 'TOO_LONG', field: ['input', 'note'] });
      expect((await c.admin.gql(REMOVE, { i: { schoolId, date: '2025-12-02' } })).data.productionCalendarDayRemove)
        .toEqual({ removedDate: null, userErrors: [{ code: 'INVALID', field: ['input', 'date'], message: 'No exception is recorded for 2025-12-02' }] });
      // Malformed arguments are refused before anything runs.
      expect(errorCode(await c.admin.gql(SET, { i: { schoolId, date: '2025-13-01', kind: 'WORKING' } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await c.admin.gql(CALENDAR, { s: schoolId, y: 1800 }))).toBe('BAD_USER_INPUT');
    });
  });

  test('R-ROLE-1, R-SEC-2: only the admin of the school enters the calendar; other schools are NOT_FOUND', async () => {
    const other = await createOtherSchool(app, { login: 'cal.admin', role: 'ADMIN', name: 'Школа № 2', timeZone: 'Asia/Vladivostok' });
    const otherAdmin = await app.as('cal.admin');
    await expectUnchanged(app, TABLES, async () => {
      for (const who of ['director', 'deputy', 'teacher', 'student', 'parent']) {
        expect(errorCode(await set(c[who], '2025-12-08', 'NON_WORKING'))).toBe('FORBIDDEN');
        expect(errorCode(await c[who].gql(REMOVE, { i: { schoolId, date: '2025-11-01' } }))).toBe('FORBIDDEN');
      }
      for (const who of ['teacher', 'student', 'parent']) expect(errorCode(await c[who].gql(CALENDAR, { s: schoolId, y: 2025 }))).toBe('FORBIDDEN');
      expect(errorCode(await set(app.anon(), '2025-12-08', 'NON_WORKING'))).toBe('UNAUTHENTICATED');
      expect(errorCode(await set(c.admin, '2025-12-08', 'NON_WORKING', null, other.schoolId))).toBe('NOT_FOUND');
      expect(errorCode(await c.admin.gql(CALENDAR, { s: other.schoolId, y: 2025 }))).toBe('NOT_FOUND');
      expect(errorCode(await set(otherAdmin, '2025-12-08', 'NON_WORKING'))).toBe('NOT_FOUND');
    });
  });
});
