import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { YEAR_TABLES, expectUnchanged, createOtherSchool } from './helpers/db';
import { plainAudit } from './helpers/audit';

let app: TestApp;
const c: Record<string, HttpClient> = {};
let demo: { schoolId: string; schoolUuid: string; yearId: string; periodId: string; holidayId: string };
let yearId: string;

const PERIOD = 'id name kind grades startDate endDate finalMarkDeadline';
const HOLIDAY = 'id name startDate endDate grades';
const ERR = 'userErrors { code field message }';
const PERIOD_CREATE = `mutation($input: StudyPeriodCreateInput!) { studyPeriodCreate(input: $input) { studyPeriod { ${PERIOD} academicYear { id } } ${ERR} } }`;
const PERIOD_UPDATE = `mutation($input: StudyPeriodUpdateInput!) { studyPeriodUpdate(input: $input) { studyPeriod { ${PERIOD} } ${ERR} } }`;
const PERIOD_DELETE = `mutation($input: StudyPeriodDeleteInput!) { studyPeriodDelete(input: $input) { deletedStudyPeriodId academicYear { periods { id } } ${ERR} } }`;
const HOLIDAY_CREATE = `mutation($input: HolidayCreateInput!) { holidayCreate(input: $input) { holiday { ${HOLIDAY} academicYear { id } } ${ERR} } }`;
const HOLIDAY_UPDATE = `mutation($input: HolidayUpdateInput!) { holidayUpdate(input: $input) { holiday { ${HOLIDAY} } ${ERR} } }`;
const HOLIDAY_DELETE = `mutation($input: HolidayDeleteInput!) { holidayDelete(input: $input) { deletedHolidayId academicYear { holidays { id } } ${ERR} } }`;

/** Runs `fn` and asserts it changed nothing the feature writes (audit trail included). */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, YEAR_TABLES, fn);

const createPeriod = (input: Record<string, unknown>, as = 'deputy') =>
  c[as].ok(PERIOD_CREATE, { input: { academicYearId: yearId, kind: 'QUARTER', ...input } }).then((r) => r.studyPeriodCreate);

beforeAll(async () => {
  app = await startTestApp();
  await createOtherSchool(app, { login: 'outsider', role: 'DEPUTY', name: 'Другая школа', timeZone: 'Asia/Omsk' });
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'outsider']) c[login] = await app.as(login);
  const s = (await c.deputy.ok(`{ schools { id academicYears { id periods { id } holidays { id } } } }`)).schools[0];
  demo = {
    schoolId: s.id,
    schoolUuid: Buffer.from(s.id, 'base64url').toString().split(':')[1],
    yearId: s.academicYears[0].id,
    periodId: s.academicYears[0].periods[0].id,
    holidayId: s.academicYears[0].holidays[0].id,
  };
  const y = await c.deputy.ok(`mutation($input: AcademicYearCreateInput!) { academicYearCreate(input: $input) { academicYear { id } ${ERR} } }`,
    { input: { schoolId: demo.schoolId, name: '2026/2027', startDate: '2026-09-01', endDate: '2027-05-31' } });
  yearId = y.academicYearCreate.academicYear.id;
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-1 study periods', () => {
  let q1: string;

  test('R-YEAR-1: the deputy creates a quarter; grades are stored ascending; it is audited in the school', async () => {
    const r = await createPeriod({ name: ' 1 четверть ', grades: [9, 1, 5, 2, 3, 4, 6, 7, 8], startDate: '2026-09-01', endDate: '2026-10-23' });
    expect(r.userErrors).toEqual([]);
    expect(r.studyPeriod).toMatchObject({ name: '1 четверть', kind: 'QUARTER', grades: [1, 2, 3, 4, 5, 6, 7, 8, 9], startDate: '2026-09-01', endDate: '2026-10-23', academicYear: { id: yearId } });
    q1 = r.studyPeriod.id;
    const [a] = await plainAudit(app, `select entity_type, action, actor_login, operation, school_id from audit_entry order by id desc limit 1`);
    expect(a).toEqual({ entity_type: 'StudyPeriod', action: 'CREATE', actor_login: 'deputy', operation: 'studyPeriodCreate', school_id: demo.schoolUuid });
  });

  test('R-JOUR-8: the deadline for final marks defaults to two days before the end', async () => {
    const r = await c.teacher.ok(`query($id: ID!) { academicYear(id: $id) { periods(grade: 5) { name finalMarkDeadline } } }`, { id: yearId });
    expect(r.academicYear.periods).toEqual([{ name: '1 четверть', finalMarkDeadline: '2026-10-21' }]);
    const short = await createPeriod({ name: 'один день', kind: 'YEAR', grades: [11], startDate: '2026-09-01', endDate: '2026-09-01' });
    expect(short.studyPeriod.finalMarkDeadline).toBe('2026-09-01');
    await c.deputy.ok(PERIOD_DELETE, { input: { studyPeriodId: short.studyPeriod.id } });
  });

  test('R-JOUR-8: a given deadline must lie within the period (DEADLINE_INVALID)', async () => {
    for (const deadline of ['2026-10-25', '2026-10-26']) {
      const r = await unchanged(() => createPeriod({ name: '2 четверть', grades: [5], startDate: '2026-11-02', endDate: '2026-12-25', finalMarkDeadline: deadline }));
      expect(r.studyPeriod).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code: 'DEADLINE_INVALID', field: ['input', 'finalMarkDeadline'] })]);
    }
    const ok = await createPeriod({ name: '2 четверть', grades: [1, 2, 3, 4, 5, 6, 7, 8, 9], startDate: '2026-11-02', endDate: '2026-12-25', finalMarkDeadline: '2026-12-25' });
    expect(ok.userErrors).toEqual([]);
    expect(ok.studyPeriod.finalMarkDeadline).toBe('2026-12-25');
  });

  test('R-YEAR-1: invalid grades, dates outside the year or a reversed range are refused and change nothing', async () => {
    const base = { name: '3 четверть', grades: [5], startDate: '2027-01-11', endDate: '2027-03-19' };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ grades: [] }, 'GRADE_INVALID', 'grades'],
      [{ grades: [0, 5] }, 'GRADE_INVALID', 'grades'],
      [{ grades: [12] }, 'GRADE_INVALID', 'grades'],
      [{ grades: [5, 6, 5] }, 'GRADE_INVALID', 'grades'],
      [{ startDate: '2026-08-31', endDate: '2026-08-31' }, 'OUTSIDE_ACADEMIC_YEAR', 'startDate'],
      [{ endDate: '2027-06-01' }, 'OUTSIDE_ACADEMIC_YEAR', 'endDate'],
      [{ startDate: '2027-03-20' }, 'DATE_RANGE_INVALID', 'endDate'],
      [{ name: '' }, 'REQUIRED', 'name'],
    ];
    for (const [input, code, field] of cases) {
      const r = await unchanged(() => createPeriod({ ...base, ...input }));
      expect(r.studyPeriod).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    }
  });

  test('R-YEAR-1: a period overlapping another for the same grades is refused; the message names the other period', async () => {
    const r = await unchanged(() => createPeriod({ name: 'Полугодие', kind: 'HALF_YEAR', grades: [9, 10, 11], startDate: '2026-09-01', endDate: '2026-12-25' }));
    expect(r.studyPeriod).toBeNull();
    expect(r.userErrors).toHaveLength(2);
    expect(r.userErrors[0]).toMatchObject({ code: 'OVERLAPS', field: ['input', 'startDate'] });
    expect(r.userErrors[0].message).toMatch(/«1 четверть».*grade 9/);
    expect(r.userErrors[1].message).toMatch(/«2 четверть»/);
    const other = await createPeriod({ name: '1 полугодие', kind: 'HALF_YEAR', grades: [10, 11], startDate: '2026-09-01', endDate: '2026-12-25' });
    expect(other.userErrors).toEqual([]);
  });

  test('R-YEAR-1: parallel creates of overlapping periods for a shared grade: exactly one succeeds', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) =>
      createPeriod({ name: `3 четверть ${n}`, grades: [n, 9], startDate: `2027-01-1${n}`, endDate: '2027-03-19' })));
    const ok = results.filter((r) => r.studyPeriod);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => !x.studyPeriod)) expect(r.userErrors.map((e: any) => e.code)).toContain('OVERLAPS');
    const rows = await app.sql(`select count(*)::int as n from study_period where name like '3 четверть %'`);
    expect(rows[0].n).toBe(1);
    await c.deputy.ok(PERIOD_DELETE, { input: { studyPeriodId: ok[0].studyPeriod.id } });
  });

  test('R-JOUR-8: moving the end moves a default deadline; a custom one is kept; null resets it', async () => {
    let r = (await c.admin.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, endDate: '2026-10-24' } })).studyPeriodUpdate;
    expect(r.userErrors).toEqual([]);
    expect(r.studyPeriod).toMatchObject({ endDate: '2026-10-24', finalMarkDeadline: '2026-10-22', name: '1 четверть', grades: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
    r = (await c.admin.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, finalMarkDeadline: '2026-10-20' } })).studyPeriodUpdate;
    expect(r.studyPeriod.finalMarkDeadline).toBe('2026-10-20');
    r = (await c.admin.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, endDate: '2026-10-23', name: 'I четверть', kind: 'TRIMESTER' } })).studyPeriodUpdate;
    expect(r.studyPeriod).toMatchObject({ name: 'I четверть', kind: 'TRIMESTER', endDate: '2026-10-23', finalMarkDeadline: '2026-10-20' });
    const bad = (await unchanged(() => c.admin.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, endDate: '2026-10-19' } }))).studyPeriodUpdate;
    expect(bad.userErrors).toEqual([expect.objectContaining({ code: 'DEADLINE_INVALID', field: ['input', 'finalMarkDeadline'] })]);
    r = (await c.admin.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, endDate: '2026-10-19', finalMarkDeadline: null } })).studyPeriodUpdate;
    expect(r.studyPeriod.finalMarkDeadline).toBe('2026-10-17');
    r = (await c.admin.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, endDate: '2026-10-23', name: '1 четверть', kind: 'QUARTER' } })).studyPeriodUpdate;
    expect(r.studyPeriod).toMatchObject({ endDate: '2026-10-23', finalMarkDeadline: '2026-10-21' });
    const [a] = await app.sql(`select entity_type, action, changes from audit_entry order by id desc limit 1`);
    expect(a).toMatchObject({ entity_type: 'StudyPeriod', action: 'UPDATE' });
    expect(a.changes.endDate).toEqual({ before: '2026-10-19', after: '2026-10-23' });
  });

  test('R-YEAR-1: an update is checked like a create: overlap, grades, range, year bounds', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ endDate: '2026-11-05' }, 'OVERLAPS', 'startDate'],
      [{ grades: [10] }, 'OVERLAPS', 'startDate'],
      [{ grades: [] }, 'GRADE_INVALID', 'grades'],
      [{ startDate: '2026-10-24' }, 'DATE_RANGE_INVALID', 'endDate'],
      [{ startDate: '2026-08-20' }, 'OUTSIDE_ACADEMIC_YEAR', 'startDate'],
      [{ name: '  ' }, 'REQUIRED', 'name'],
    ];
    for (const [input, code, field] of cases) {
      const r = (await unchanged(() => c.deputy.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, ...input } }))).studyPeriodUpdate;
      expect(r.studyPeriod).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    }
    const same = (await c.deputy.ok(PERIOD_UPDATE, { input: { studyPeriodId: q1, grades: [9, 8, 7, 6, 5, 4, 3, 2, 1] } })).studyPeriodUpdate;
    expect(same.userErrors).toEqual([]);
  });

  test('R-YEAR-1: a period is deleted and the deletion audited; unknown IDs are NOT_FOUND', async () => {
    const p = await createPeriod({ name: '4 четверть', grades: [1], startDate: '2027-04-01', endDate: '2027-05-31' });
    const r = (await c.deputy.ok(PERIOD_DELETE, { input: { studyPeriodId: p.studyPeriod.id } })).studyPeriodDelete;
    expect(r.userErrors).toEqual([]);
    expect(r.deletedStudyPeriodId).toBe(p.studyPeriod.id);
    expect(r.academicYear.periods.map((x: any) => x.id)).not.toContain(p.studyPeriod.id);
    const [a] = await plainAudit(app, `select entity_type, action, actor_login from audit_entry order by id desc limit 1`);
    expect(a).toEqual({ entity_type: 'StudyPeriod', action: 'DELETE', actor_login: 'deputy' });
    expect(errorCode(await unchanged(() => c.deputy.gql(PERIOD_DELETE, { input: { studyPeriodId: p.studyPeriod.id } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.deputy.gql(PERIOD_UPDATE, { input: { studyPeriodId: p.studyPeriod.id, name: 'x' } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.deputy.gql(PERIOD_UPDATE, { input: { studyPeriodId: yearId, name: 'x' } })))).toBe('BAD_USER_INPUT');
    const unknownYear = Buffer.from('AcademicYear:00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(errorCode(await unchanged(() => c.deputy.gql(PERIOD_CREATE, { input: { academicYearId: unknownYear, name: 'x', kind: 'QUARTER', grades: [1], startDate: '2026-09-01', endDate: '2026-09-30' } })))).toBe('NOT_FOUND');
  });
});

describe('R-YEAR-1 holidays', () => {
  let autumn: string;

  test('R-YEAR-1: a holiday for the whole school and one for some grades', async () => {
    const r = (await c.deputy.ok(HOLIDAY_CREATE, { input: { academicYearId: yearId, name: 'Осенние каникулы', startDate: '2026-10-24', endDate: '2026-11-01' } })).holidayCreate;
    expect(r.userErrors).toEqual([]);
    expect(r.holiday).toMatchObject({ name: 'Осенние каникулы', grades: null, academicYear: { id: yearId } });
    autumn = r.holiday.id;
    const g = (await c.admin.ok(HOLIDAY_CREATE, { input: { academicYearId: yearId, name: 'Доп. каникулы', startDate: '2027-02-13', endDate: '2027-02-21', grades: [2, 1] } })).holidayCreate;
    expect(g.holiday.grades).toEqual([1, 2]);
    const read = await c.parent.ok(`query($id: ID!) { academicYear(id: $id) { all: holidays { name } fifth: holidays(grade: 5) { name } } }`, { id: yearId });
    expect(read.academicYear.all.map((h: any) => h.name)).toEqual(['Осенние каникулы', 'Доп. каникулы']);
    expect(read.academicYear.fifth.map((h: any) => h.name)).toEqual(['Осенние каникулы']);
    const [a] = await plainAudit(app, `select entity_type, action, actor_login, operation from audit_entry order by id desc limit 1`);
    expect(a).toEqual({ entity_type: 'Holiday', action: 'CREATE', actor_login: 'admin', operation: 'holidayCreate' });
  });

  test('R-YEAR-1: a holiday outside the year, reversed, with bad grades or no name is refused and changes nothing', async () => {
    const base = { academicYearId: yearId, name: 'Зимние каникулы', startDate: '2026-12-26', endDate: '2027-01-10' };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ startDate: '2026-08-25' }, 'OUTSIDE_ACADEMIC_YEAR', 'startDate'],
      [{ endDate: '2027-06-10' }, 'OUTSIDE_ACADEMIC_YEAR', 'endDate'],
      [{ endDate: '2026-12-25' }, 'DATE_RANGE_INVALID', 'endDate'],
      [{ grades: [] }, 'GRADE_INVALID', 'grades'],
      [{ grades: [1, 13] }, 'GRADE_INVALID', 'grades'],
      [{ name: '' }, 'REQUIRED', 'name'],
    ];
    for (const [input, code, field] of cases) {
      const r = (await unchanged(() => c.deputy.ok(HOLIDAY_CREATE, { input: { ...base, ...input } }))).holidayCreate;
      expect(r.holiday).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    }
  });

  test('R-YEAR-1: a holiday is updated: omitted fields stay, grades null means the whole school', async () => {
    let r = (await c.deputy.ok(HOLIDAY_UPDATE, { input: { holidayId: autumn, grades: [5, 6] } })).holidayUpdate;
    expect(r.holiday).toMatchObject({ name: 'Осенние каникулы', grades: [5, 6], startDate: '2026-10-24' });
    r = (await c.deputy.ok(HOLIDAY_UPDATE, { input: { holidayId: autumn, name: 'Осенние', endDate: '2026-11-02' } })).holidayUpdate;
    expect(r.holiday).toMatchObject({ name: 'Осенние', grades: [5, 6], endDate: '2026-11-02' });
    r = (await c.deputy.ok(HOLIDAY_UPDATE, { input: { holidayId: autumn, grades: null } })).holidayUpdate;
    expect(r.holiday.grades).toBeNull();
    const bad = (await unchanged(() => c.deputy.ok(HOLIDAY_UPDATE, { input: { holidayId: autumn, startDate: '2026-11-03' } }))).holidayUpdate;
    expect(bad.userErrors).toEqual([expect.objectContaining({ code: 'DATE_RANGE_INVALID', field: ['input', 'endDate'] })]);
    const outside = (await unchanged(() => c.deputy.ok(HOLIDAY_UPDATE, { input: { holidayId: autumn, endDate: '2027-07-01' } }))).holidayUpdate;
    expect(outside.userErrors).toEqual([expect.objectContaining({ code: 'OUTSIDE_ACADEMIC_YEAR', field: ['input', 'endDate'] })]);
  });

  test('R-YEAR-1: a year cannot shrink past its holidays; a holiday is deleted', async () => {
    const shrink = await unchanged(() => c.deputy.ok(`mutation($input: AcademicYearUpdateInput!) { academicYearUpdate(input: $input) { ${ERR} } }`,
      { input: { academicYearId: yearId, endDate: '2027-02-15' } }));
    expect(shrink.academicYearUpdate.userErrors).toEqual([expect.objectContaining({ code: 'OUTSIDE_ACADEMIC_YEAR', field: ['input', 'endDate'] })]);
    expect(shrink.academicYearUpdate.userErrors[0].message).toMatch(/Доп\. каникулы/);
    const r = (await c.deputy.ok(HOLIDAY_DELETE, { input: { holidayId: autumn } })).holidayDelete;
    expect(r.userErrors).toEqual([]);
    expect(r.deletedHolidayId).toBe(autumn);
    expect(r.academicYear.holidays).toHaveLength(1);
    expect(errorCode(await unchanged(() => c.deputy.gql(HOLIDAY_DELETE, { input: { holidayId: autumn } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.deputy.gql(HOLIDAY_DELETE, { input: { holidayId: 'x' } })))).toBe('BAD_USER_INPUT');
  });
});

describe('R-ROLE period and holiday mutations', () => {
  test('R-ROLE: the director, teachers, students and parents get FORBIDDEN; a deputy of another school NOT_FOUND', async () => {
    const ops: [string, Record<string, unknown>][] = [
      [PERIOD_CREATE, { academicYearId: demo.yearId, name: 'x', kind: 'QUARTER', grades: [1], startDate: '2025-10-25', endDate: '2025-11-02' }],
      [PERIOD_UPDATE, { studyPeriodId: demo.periodId, name: 'x' }],
      [PERIOD_DELETE, { studyPeriodId: demo.periodId }],
      [HOLIDAY_CREATE, { academicYearId: demo.yearId, name: 'x', startDate: '2025-10-25', endDate: '2025-11-02' }],
      [HOLIDAY_UPDATE, { holidayId: demo.holidayId, name: 'x' }],
      [HOLIDAY_DELETE, { holidayId: demo.holidayId }],
    ];
    for (const [doc, input] of ops) {
      for (const login of ['director', 'teacher', 'classteacher', 'student', 'parent']) {
        expect(errorCode(await unchanged(() => c[login].gql(doc, { input })))).toBe('FORBIDDEN');
      }
      expect(errorCode(await unchanged(() => c.outsider.gql(doc, { input })))).toBe('NOT_FOUND');
      expect(errorCode(await unchanged(() => app.anon().gql(doc, { input })))).toBe('UNAUTHENTICATED');
    }
  });
});
