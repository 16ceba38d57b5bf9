import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { YEAR_TABLES, expectUnchanged, createOtherSchool, countQueries } from './helpers/db';
import { plainAudit } from './helpers/audit';

type Client = HttpClient;
let app: TestApp;
const c: Record<string, Client> = {};
let demo: { schoolId: string; yearId: string; periodId: string; holidayId: string; systemId: string };
let other: { schoolId: string; schoolUuid: string };

const STRUCTURE = `{
  schools { id name timeZone
    academicYears { id name startDate endDate
      periods { id name kind grades startDate endDate finalMarkDeadline }
      holidays { id name startDate endDate grades } }
    gradingSystems { id name kind values { id code label numericValue passing finalOnly position } } } }`;

const YEAR_CREATE = `mutation($input: AcademicYearCreateInput!) { academicYearCreate(input: $input) {
  academicYear { id name startDate endDate school { id } periods { id } } userErrors { code field message } } }`;
const YEAR_UPDATE = `mutation($input: AcademicYearUpdateInput!) { academicYearUpdate(input: $input) {
  academicYear { id name startDate endDate } userErrors { code field message } } }`;
const YEAR_DELETE = `mutation($input: AcademicYearDeleteInput!) { academicYearDelete(input: $input) {
  deletedAcademicYearId school { id academicYears { id } } userErrors { code field message } } }`;
const SCHOOL_UPDATE = `mutation($input: SchoolUpdateInput!) { schoolUpdate(input: $input) {
  school { id name timeZone } userErrors { code field message } } }`;

/** Runs `fn` and asserts it changed nothing the feature writes (audit trail included). */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, YEAR_TABLES, fn);

const uerr = (payload: { userErrors: { code: string; field: string[] | null; message: string }[] }) => payload.userErrors;

beforeAll(async () => {
  app = await startTestApp();
  other = await createOtherSchool(app, { login: 'outsider', role: 'ADMIN', name: 'МАОУ «Лицей № 3»', timeZone: 'Asia/Novosibirsk' });
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'outsider']) c[login] = await app.as(login);
  const s = (await c.deputy.ok(STRUCTURE)).schools[0];
  demo = {
    schoolId: s.id,
    yearId: s.academicYears[0].id,
    periodId: s.academicYears[0].periods[0].id,
    holidayId: s.academicYears[0].holidays[0].id,
    systemId: s.gradingSystems[0].id,
  };
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-1 reading the school-year structure', () => {
  test.each(['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent'])(
    'R-YEAR-1: %s reads the demo year, its periods, holidays and grading systems', async (login) => {
      const r = await c[login].ok(STRUCTURE);
      expect(r.schools).toHaveLength(1);
      const school = r.schools[0];
      expect(school.timeZone).toBe('Europe/Moscow');
      expect(school.academicYears.map((y: any) => [y.name, y.startDate, y.endDate])).toEqual([['2025/2026', '2025-09-01', '2026-05-26']]);
      const year = school.academicYears[0];
      expect(year.periods.map((p: any) => p.name)).toEqual(['1 четверть', '1 полугодие', '2 четверть', '3 четверть', '2 полугодие', '4 четверть']);
      const q1 = year.periods[0];
      expect(q1).toMatchObject({ kind: 'QUARTER', grades: [1, 2, 3, 4, 5, 6, 7, 8, 9], startDate: '2025-09-01', endDate: '2025-10-24', finalMarkDeadline: '2025-10-22' });
      expect(year.holidays.map((h: any) => h.name)).toEqual(['Осенние каникулы', 'Зимние каникулы', 'Дополнительные каникулы (1 класс)', 'Весенние каникулы']);
      expect(year.holidays[2].grades).toEqual([1]);
      expect(year.holidays[0].grades).toBeNull();
      expect(school.gradingSystems.map((g: any) => [g.name, g.kind]).sort()).toEqual([
        ['Десятибалльная', 'TEN_POINT'], ['Зачёт/незачёт', 'PASS_FAIL'], ['Пятибалльная', 'FIVE_POINT'],
      ]);
      const five = school.gradingSystems.find((g: any) => g.kind === 'FIVE_POINT');
      expect(five.values.map((v: any) => v.code)).toEqual(['1', '2', '3', '4', '5', 'осв', 'н/а']);
      expect(five.values.find((v: any) => v.code === '5')).toMatchObject({ numericValue: 5, passing: true, finalOnly: false });
      expect(five.values.find((v: any) => v.code === 'н/а')).toMatchObject({ numericValue: null, passing: false, finalOnly: true });
    });

  test('R-YEAR-1: periods and holidays filter by grade', async () => {
    const r = await c.student.ok(`query($id: ID!) { academicYear(id: $id) {
      ten: periods(grade: 10) { name } first: holidays(grade: 1) { name } fifth: holidays(grade: 5) { name } } }`, { id: demo.yearId });
    expect(r.academicYear.ten.map((p: any) => p.name)).toEqual(['1 полугодие', '2 полугодие']);
    expect(r.academicYear.first).toHaveLength(4);
    expect(r.academicYear.fifth.map((h: any) => h.name)).not.toContain('Дополнительные каникулы (1 класс)');
    const bad = await c.student.gql(`query($id: ID!) { academicYear(id: $id) { periods(grade: 12) { name } } }`, { id: demo.yearId });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
  });

  test('R-YEAR-1: school, academicYear and the way back up by ID', async () => {
    const r = await c.parent.ok(`query($s: ID!, $y: ID!) { school(id: $s) { id name } academicYear(id: $y) { id name school { id }
      periods { academicYear { id } } holidays { academicYear { id } } } }`, { s: demo.schoolId, y: demo.yearId });
    expect(r.school.id).toBe(demo.schoolId);
    expect(r.academicYear.school.id).toBe(demo.schoolId);
    expect(r.academicYear.periods[0].academicYear.id).toBe(demo.yearId);
    expect(r.academicYear.holidays[0].academicYear.id).toBe(demo.yearId);
    const gs = await c.parent.ok(`query($s: ID!) { school(id: $s) { gradingSystems { school { id } } } }`, { s: demo.schoolId });
    expect(gs.school.gradingSystems[0].school.id).toBe(demo.schoolId);
  });

  test('R-YEAR-1: malformed IDs are BAD_USER_INPUT, unknown ones NOT_FOUND', async () => {
    expect(errorCode(await c.teacher.gql(`{ school(id: "nonsense") { id } }`))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.teacher.gql(`query($id: ID!) { school(id: $id) { id } }`, { id: demo.yearId }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.teacher.gql(`query($id: ID!) { academicYear(id: $id) { id } }`, { id: demo.schoolId }))).toBe('BAD_USER_INPUT');
    const unknown = Buffer.from('AcademicYear:00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(errorCode(await c.teacher.gql(`query($id: ID!) { academicYear(id: $id) { id } }`, { id: unknown }))).toBe('NOT_FOUND');
  });

  test('R-ROLE: a viewer of another school sees only their own school; the demo school is NOT_FOUND', async () => {
    const r = await c.outsider.ok(`{ schools { id name academicYears { id } gradingSystems { id } } }`);
    expect(r.schools).toEqual([{ id: other.schoolId, name: 'МАОУ «Лицей № 3»', academicYears: [], gradingSystems: [] }]);
    expect(errorCode(await c.outsider.gql(`query($id: ID!) { school(id: $id) { id } }`, { id: demo.schoolId }))).toBe('NOT_FOUND');
    expect(errorCode(await c.outsider.gql(`query($id: ID!) { academicYear(id: $id) { id } }`, { id: demo.yearId }))).toBe('NOT_FOUND');
  });

  test('R-SEC-1: anonymous callers are UNAUTHENTICATED', async () => {
    expect(errorCode(await app.anon().gql(`{ schools { id } }`))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.anon().gql(SCHOOL_UPDATE, { input: { schoolId: demo.schoolId, name: 'x' } }))).toBe('UNAUTHENTICATED');
  });

  test('R-YEAR-1: nested lists are batched: the query count does not grow with the number of years', async () => {
    const q = `{ schools { academicYears { periods { id academicYear { id } } holidays { id } } gradingSystems { values { id } } } }`;
    let before = 0;
    for (const [i, from] of ['2026', '2027', '2028'].entries()) {
      const y = (await c.outsider.ok(YEAR_CREATE, { input: { schoolId: other.schoolId, name: `${from}/${+from + 1}`, startDate: `${from}-09-01`, endDate: `${+from + 1}-05-31` } })).academicYearCreate.academicYear;
      for (const [start, end] of [[`${from}-09-01`, `${from}-12-25`], [`${+from + 1}-01-10`, `${+from + 1}-05-31`]]) {
        await c.outsider.ok(`mutation($input: StudyPeriodCreateInput!) { studyPeriodCreate(input: $input) { userErrors { code } } }`,
          { input: { academicYearId: y.id, name: `p${start}`, kind: 'HALF_YEAR', grades: [1, 2], startDate: start, endDate: end } });
      }
      await c.outsider.ok(`mutation($input: HolidayCreateInput!) { holidayCreate(input: $input) { userErrors { code } } }`,
        { input: { academicYearId: y.id, name: 'Зимние', startDate: `${from}-12-26`, endDate: `${+from + 1}-01-09` } });
      await c.outsider.ok(`mutation($input: GradingSystemCreateInput!) { gradingSystemCreate(input: $input) { userErrors { code } } }`,
        { input: { schoolId: other.schoolId, name: `Шкала ${i}`, kind: 'PASS_FAIL', values: [{ code: 'зач', label: 'зачтено', passing: true }, { code: 'незач', label: 'не зачтено', passing: false }] } });
      if (i === 0) before = await countQueries(app, () => c.outsider.ok(q));
    }
    const r = await c.outsider.ok(q);
    expect(r.schools[0].academicYears).toHaveLength(3);
    expect(r.schools[0].academicYears.flatMap((y: any) => y.periods)).toHaveLength(6);
    expect(r.schools[0].gradingSystems.flatMap((g: any) => g.values)).toHaveLength(6);
    const after = await countQueries(app, () => c.outsider.ok(q));
    expect(after).toBe(before);
    // authentication, schools, years, periods, their years, holidays, grading systems, values
    expect(after).toBeLessThanOrEqual(8);
  });
});

describe('R-YEAR-1 schoolUpdate', () => {
  test('R-YEAR-1: the deputy renames the school and sets its time zone; the change is audited', async () => {
    const r = (await c.deputy.ok(SCHOOL_UPDATE, { input: { schoolId: demo.schoolId, name: '  Школа № 17  ', timeZone: 'Asia/Yekaterinburg' } })).schoolUpdate;
    expect(uerr(r)).toEqual([]);
    expect(r.school).toMatchObject({ name: 'Школа № 17', timeZone: 'Asia/Yekaterinburg' });
    const [a] = await plainAudit(app, `select entity_type, action, actor_login, operation, changes from audit_entry order by id desc limit 1`);
    expect(a).toMatchObject({ entity_type: 'School', action: 'UPDATE', actor_login: 'deputy', operation: 'schoolUpdate' });
    expect(a.changes.timeZone).toEqual({ before: 'Europe/Moscow', after: 'Asia/Yekaterinburg' });
    const back = (await c.admin.ok(SCHOOL_UPDATE, { input: { schoolId: demo.schoolId, name: 'МБОУ «Средняя общеобразовательная школа № 17»', timeZone: 'Europe/Moscow' } })).schoolUpdate;
    expect(back.school.timeZone).toBe('Europe/Moscow');
  });

  test('R-YEAR-1: an unknown time zone or an empty name is refused and changes nothing', async () => {
    for (const [input, code, field] of [
      [{ timeZone: 'Mars/Olympus_Mons' }, 'INVALID', 'timeZone'],
      [{ timeZone: '+03:00' }, 'INVALID', 'timeZone'],
      [{ name: '   ' }, 'REQUIRED', 'name'],
    ] as const) {
      const r = await unchanged(() => c.deputy.ok(SCHOOL_UPDATE, { input: { schoolId: demo.schoolId, ...input } }));
      expect(r.schoolUpdate.school).toBeNull();
      expect(uerr(r.schoolUpdate)).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    }
  });

  test('R-ROLE: only ADMIN or DEPUTY of the school may update it', async () => {
    for (const login of ['director', 'teacher', 'classteacher', 'student', 'parent']) {
      const r = await unchanged(() => c[login].gql(SCHOOL_UPDATE, { input: { schoolId: demo.schoolId, name: 'x' } }));
      expect(errorCode(r)).toBe('FORBIDDEN');
    }
    expect(errorCode(await unchanged(() => c.outsider.gql(SCHOOL_UPDATE, { input: { schoolId: demo.schoolId, name: 'x' } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.deputy.gql(SCHOOL_UPDATE, { input: { schoolId: 'bad', name: 'x' } })))).toBe('BAD_USER_INPUT');
  });
});

describe('R-YEAR-1 academic years', () => {
  let yearId: string;

  test('R-YEAR-1: the deputy creates an academic year; it is audited with the actor', async () => {
    const r = (await c.deputy.ok(YEAR_CREATE, { input: { schoolId: demo.schoolId, name: '2026/2027', startDate: '2026-09-01', endDate: '2027-05-31' } })).academicYearCreate;
    expect(uerr(r)).toEqual([]);
    expect(r.academicYear).toMatchObject({ name: '2026/2027', startDate: '2026-09-01', endDate: '2027-05-31', school: { id: demo.schoolId }, periods: [] });
    yearId = r.academicYear.id;
    const [a] = await plainAudit(app, `select entity_type, action, actor_login, operation, school_id from audit_entry order by id desc limit 1`);
    expect(a).toMatchObject({ entity_type: 'AcademicYear', action: 'CREATE', actor_login: 'deputy', operation: 'academicYearCreate' });
    const years = (await c.teacher.ok(`query($id: ID!) { school(id: $id) { academicYears { name } } }`, { id: demo.schoolId })).school.academicYears;
    expect(years.map((y: any) => y.name)).toEqual(['2025/2026', '2026/2027']);
  });

  test('R-YEAR-1: a taken name, a reversed range, an overlap or an empty name is refused and changes nothing', async () => {
    const cases: [Record<string, string>, string, string, RegExp?][] = [
      [{ name: '2025/2026', startDate: '2030-09-01', endDate: '2031-05-31' }, 'TAKEN', 'name'],
      [{ name: '2030/2031', startDate: '2031-05-31', endDate: '2030-09-01' }, 'DATE_RANGE_INVALID', 'endDate'],
      [{ name: 'лето', startDate: '2026-05-20', endDate: '2026-08-31' }, 'OVERLAPS', 'startDate', /2025\/2026/],
      [{ name: ' ', startDate: '2030-09-01', endDate: '2031-05-31' }, 'REQUIRED', 'name'],
    ];
    for (const [input, code, field, message] of cases) {
      const r = (await unchanged(() => c.admin.ok(YEAR_CREATE, { input: { schoolId: demo.schoolId, ...input } }))).academicYearCreate;
      expect(r.academicYear).toBeNull();
      expect(uerr(r)).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
      if (message) expect(uerr(r)[0].message).toMatch(message);
    }
  });

  test('R-YEAR-1: two parallel creates of overlapping years: exactly one succeeds', async () => {
    const results = await Promise.all(['A', 'B', 'C', 'D'].map((n) =>
      c.admin.ok(YEAR_CREATE, { input: { schoolId: demo.schoolId, name: `2040 ${n}`, startDate: '2040-09-01', endDate: '2041-05-31' } })));
    const created = results.filter((r) => r.academicYearCreate.academicYear);
    expect(created).toHaveLength(1);
    for (const r of results.filter((x) => !x.academicYearCreate.academicYear)) expect(uerr(r.academicYearCreate)[0].code).toBe('OVERLAPS');
    const del = (await c.admin.ok(YEAR_DELETE, { input: { academicYearId: created[0].academicYearCreate.academicYear.id } })).academicYearDelete;
    expect(uerr(del)).toEqual([]);
  });

  test('R-YEAR-1: the admin renames and moves a year', async () => {
    const r = (await c.admin.ok(YEAR_UPDATE, { input: { academicYearId: yearId, name: '2026–2027', endDate: '2027-06-15' } })).academicYearUpdate;
    expect(uerr(r)).toEqual([]);
    expect(r.academicYear).toMatchObject({ name: '2026–2027', startDate: '2026-09-01', endDate: '2027-06-15' });
  });

  test('R-YEAR-1: a year cannot be moved off its periods, onto another year, or renamed to a taken name', async () => {
    const cases: [Record<string, string>, string, string, RegExp][] = [
      [{ academicYearId: demo.yearId, startDate: '2025-09-02' }, 'OUTSIDE_ACADEMIC_YEAR', 'startDate', /1 четверть/],
      [{ academicYearId: demo.yearId, endDate: '2026-05-01' }, 'OUTSIDE_ACADEMIC_YEAR', 'endDate', /4 четверть/],
      [{ academicYearId: yearId, startDate: '2026-05-01' }, 'OVERLAPS', 'startDate', /2025\/2026/],
      [{ academicYearId: yearId, name: '2025/2026' }, 'TAKEN', 'name', /2025\/2026/],
      [{ academicYearId: yearId, endDate: '2026-01-01' }, 'DATE_RANGE_INVALID', 'endDate', /before/],
    ];
    for (const [input, code, field, message] of cases) {
      const r = (await unchanged(() => c.deputy.ok(YEAR_UPDATE, { input }))).academicYearUpdate;
      expect(r.academicYear).toBeNull();
      expect(uerr(r)).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
      expect(uerr(r)[0].message).toMatch(message);
    }
  });

  test('R-YEAR-1: a year with periods or holidays cannot be deleted (IN_USE)', async () => {
    const r = (await unchanged(() => c.deputy.ok(YEAR_DELETE, { input: { academicYearId: demo.yearId } }))).academicYearDelete;
    expect(r.deletedAcademicYearId).toBeNull();
    expect(uerr(r)).toEqual([expect.objectContaining({ code: 'IN_USE', field: ['input', 'academicYearId'] })]);
  });

  test('R-ROLE: teachers, students, parents and the director get FORBIDDEN on year mutations; others\' schools NOT_FOUND', async () => {
    for (const login of ['director', 'teacher', 'classteacher', 'student', 'parent']) {
      for (const [doc, input] of [
        [YEAR_CREATE, { schoolId: demo.schoolId, name: '2050/2051', startDate: '2050-09-01', endDate: '2051-05-31' }],
        [YEAR_UPDATE, { academicYearId: yearId, name: 'x' }],
        [YEAR_DELETE, { academicYearId: yearId }],
      ] as const) {
        expect(errorCode(await unchanged(() => c[login].gql(doc, { input })))).toBe('FORBIDDEN');
      }
    }
    expect(errorCode(await unchanged(() => c.outsider.gql(YEAR_CREATE, { input: { schoolId: demo.schoolId, name: '2050/2051', startDate: '2050-09-01', endDate: '2051-05-31' } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.outsider.gql(YEAR_UPDATE, { input: { academicYearId: yearId, name: 'x' } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.outsider.gql(YEAR_DELETE, { input: { academicYearId: yearId } })))).toBe('NOT_FOUND');
    expect(errorCode(await unchanged(() => c.admin.gql(YEAR_DELETE, { input: { academicYearId: 'garbage' } })))).toBe('BAD_USER_INPUT');
  });

  test('R-YEAR-1: an empty year is deleted; the deletion is audited', async () => {
    const r = (await c.deputy.ok(YEAR_DELETE, { input: { academicYearId: yearId } })).academicYearDelete;
    expect(uerr(r)).toEqual([]);
    expect(r.deletedAcademicYearId).toBe(yearId);
    expect(r.school.academicYears.map((y: any) => y.id)).toEqual([demo.yearId]);
    const [a] = await plainAudit(app, `select entity_type, action, actor_login from audit_entry order by id desc limit 1`);
    expect(a).toEqual({ entity_type: 'AcademicYear', action: 'DELETE', actor_login: 'deputy' });
    expect(errorCode(await c.deputy.gql(`query($id: ID!) { academicYear(id: $id) { id } }`, { id: yearId }))).toBe('NOT_FOUND');
  });
});
