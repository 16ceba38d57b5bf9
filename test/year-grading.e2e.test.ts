import { startTestApp, TestApp, HttpClient, errorCode } from './helpers/app';
import { YEAR_TABLES, expectUnchanged, createOtherSchool } from './helpers/db';
import { plainAudit } from './helpers/audit';

let app: TestApp;
const c: Record<string, HttpClient> = {};
let schoolId: string;
let demoSystemId: string;

const ERR = 'userErrors { code field message }';
const SYSTEM = 'id name kind values { id code label numericValue passing finalOnly position }';
const CREATE = `mutation($input: GradingSystemCreateInput!) { gradingSystemCreate(input: $input) { gradingSystem { ${SYSTEM} school { id } } ${ERR} } }`;
const UPDATE = `mutation($input: GradingSystemUpdateInput!) { gradingSystemUpdate(input: $input) { gradingSystem { ${SYSTEM} } ${ERR} } }`;
const DELETE = `mutation($input: GradingSystemDeleteInput!) { gradingSystemDelete(input: $input) { deletedGradingSystemId school { gradingSystems { id } } ${ERR} } }`;

/** Runs `fn` and asserts it changed nothing the feature writes (audit trail included). */
const unchanged = <T>(fn: () => Promise<T>): Promise<T> => expectUnchanged(app, YEAR_TABLES, fn);

const v = (code: string, numericValue: number | null, passing: boolean, finalOnly = false, label = code) => ({ code, label, numericValue, passing, finalOnly });
const FIVE = [v('2', 2, false), v('3', 3, true), v('4', 4, true), v('5', 5, true), v('осв', null, true, true, 'освобождён'), v('н/а', null, false, true, 'не аттестован')];
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

beforeAll(async () => {
  app = await startTestApp();
  await createOtherSchool(app, { login: 'outsider', role: 'ADMIN', name: 'Другая школа', timeZone: 'Europe/Samara' });
  for (const login of ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'outsider']) c[login] = await app.as(login);
  const s = (await c.deputy.ok(`{ schools { id gradingSystems { id } } }`)).schools[0];
  schoolId = s.id;
  demoSystemId = s.gradingSystems[0].id;
});
afterAll(async () => { await app?.stop(); });

describe('R-YEAR-2 grading systems', () => {
  let systemId: string;
  let valueIds: Record<string, string>;

  test('R-YEAR-2: the deputy creates a five-point system with «осв» and «н/а» as final-only values; it is audited', async () => {
    const auditBefore = (await app.sql(`select count(*)::int as n from audit_entry`))[0].n;
    const r = (await c.deputy.ok(CREATE, { input: { schoolId, name: 'Пятибалльная (2–5)', kind: 'FIVE_POINT', values: FIVE } })).gradingSystemCreate;
    expect(r.userErrors).toEqual([]);
    expect(r.gradingSystem).toMatchObject({ name: 'Пятибалльная (2–5)', kind: 'FIVE_POINT', school: { id: schoolId } });
    expect(r.gradingSystem.values.map((x: any) => [x.code, x.position, x.finalOnly])).toEqual([
      ['2', 0, false], ['3', 1, false], ['4', 2, false], ['5', 3, false], ['осв', 4, true], ['н/а', 5, true],
    ]);
    systemId = r.gradingSystem.id;
    valueIds = Object.fromEntries(r.gradingSystem.values.map((x: any) => [x.code, x.id]));
    const audit = await plainAudit(app, `select entity_type, action, actor_login, operation from audit_entry order by id desc limit 7`);
    expect((await app.sql(`select count(*)::int as n from audit_entry`))[0].n).toBe(auditBefore + 7);
    expect(audit.filter((a: any) => a.entity_type === 'GradingSystem')).toEqual([{ entity_type: 'GradingSystem', action: 'CREATE', actor_login: 'deputy', operation: 'gradingSystemCreate' }]);
    expect(audit.filter((a: any) => a.entity_type === 'GradingValue')).toHaveLength(6);
    const chains = await app.sql(`select distinct school_id from audit_entry where operation = 'gradingSystemCreate'`);
    expect(chains).toEqual([{ school_id: uuidOf(schoolId) }]);
    const read = await c.student.ok(`query($id: ID!) { school(id: $id) { gradingSystems { name values { code } } } }`, { id: schoolId });
    expect(read.school.gradingSystems.map((g: any) => g.name)).toContain('Пятибалльная (2–5)');
  });

  test('R-YEAR-2: invalid value lists and taken names are refused with the field at fault, changing nothing', async () => {
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ values: [] }, 'REQUIRED', ['values']],
      [{ values: [v('зач', null, true), v('Зач', null, true)] }, 'DUPLICATE', ['values', '1', 'code']],
      [{ values: [v(' ', null, true, false, 'пусто')] }, 'REQUIRED', ['values', '0', 'code']],
      [{ values: [v('5', 5, true, false, '')] }, 'REQUIRED', ['values', '0', 'label']],
      [{ values: [v('5', 5, true), v('осв', null, true, false)] }, 'INVALID', ['values', '1', 'finalOnly']],
      [{ values: [v('5', 5, true), v('н/а', 0, false, true)] }, 'INVALID', ['values', '1', 'numericValue']],
      [{ values: [v('осв', null, true, true)] }, 'INVALID', ['values']],
      [{ values: [v('x'.repeat(21), 1, true)] }, 'TOO_LONG', ['values', '0', 'code']],
      [{ name: 'Пятибалльная' }, 'TAKEN', ['name']],
      [{ name: '' }, 'REQUIRED', ['name']],
    ];
    for (const [input, code, field] of cases) {
      const r = (await unchanged(() => c.admin.ok(CREATE, { input: { schoolId, name: 'Новая', kind: 'CUSTOM', values: FIVE, ...input } }))).gradingSystemCreate;
      expect(r.gradingSystem).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: ['input', ...field] })]);
    }
  });

  test('R-YEAR-2: an update replaces the value list matched by code: kept codes keep their IDs, new ones are added, missing ones removed', async () => {
    const values = [v('1', 1, false, false, 'плохо'), v('2', 2, false, false, 'неуд'), v('3', 3, true), v('4', 4, true), v('5', 5, true, false, 'отлично'), v('осв', null, true, true, 'освобождён')];
    const r = (await c.admin.ok(UPDATE, { input: { gradingSystemId: systemId, name: 'Пятибалльная (1–5)', values } })).gradingSystemUpdate;
    expect(r.userErrors).toEqual([]);
    expect(r.gradingSystem.name).toBe('Пятибалльная (1–5)');
    expect(r.gradingSystem.kind).toBe('FIVE_POINT');
    expect(r.gradingSystem.values.map((x: any) => [x.code, x.label, x.position])).toEqual([
      ['1', 'плохо', 0], ['2', 'неуд', 1], ['3', '3', 2], ['4', '4', 3], ['5', 'отлично', 4], ['осв', 'освобождён', 5],
    ]);
    const ids = Object.fromEntries(r.gradingSystem.values.map((x: any) => [x.code, x.id]));
    for (const code of ['2', '3', '4', '5', 'осв']) expect(ids[code]).toBe(valueIds[code]);
    expect(Object.values(ids)).not.toContain(valueIds['н/а']);
    const gone = await app.sql(`select count(*)::int as n from grading_value where id = $1`, [uuidOf(valueIds['н/а'])]);
    expect(gone[0].n).toBe(0);
    const audit = await app.sql(`select entity_type, action, changes from audit_entry where operation = 'gradingSystemUpdate' order by id`);
    expect(audit.map((a: any) => `${a.entity_type} ${a.action}`).sort()).toEqual([
      'GradingSystem UPDATE', 'GradingValue CREATE', 'GradingValue DELETE',
      ...Array(5).fill('GradingValue UPDATE'), // labels and positions of the kept values
    ]);
    valueIds = ids;
  });

  test('R-YEAR-2: an update with a taken name or a bad value list changes nothing', async () => {
    for (const [input, code, field] of [
      [{ name: 'Десятибалльная' }, 'TAKEN', ['name']],
      [{ values: [v('5', 5, true), v('5', 5, true)] }, 'DUPLICATE', ['values', '1', 'code']],
      [{ values: [] }, 'REQUIRED', ['values']],
    ] as const) {
      const r = (await unchanged(() => c.deputy.ok(UPDATE, { input: { gradingSystemId: systemId, ...input } }))).gradingSystemUpdate;
      expect(r.gradingSystem).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code, field: ['input', ...field] })]);
    }
    const kind = (await c.deputy.ok(UPDATE, { input: { gradingSystemId: systemId, kind: 'CUSTOM' } })).gradingSystemUpdate;
    expect(kind.gradingSystem.kind).toBe('CUSTOM');
    expect(kind.gradingSystem.values).toHaveLength(6);
  });

  test('R-YEAR-2: a grading system in use cannot lose a value that marks use (VALUE_IN_USE) nor be deleted (IN_USE)', async () => {
    await app.sql(`create table test_mark_ref (value_id uuid references grading_value(id) on delete restrict)`);
    await app.sql(`insert into test_mark_ref values ($1)`, [uuidOf(valueIds['2'])]);
    const without2 = [v('1', 1, false), v('3', 3, true), v('4', 4, true), v('5', 5, true), v('осв', null, true, true)];
    const r = (await unchanged(() => c.deputy.ok(UPDATE, { input: { gradingSystemId: systemId, name: 'Другое имя', values: without2 } }))).gradingSystemUpdate;
    expect(r.gradingSystem).toBeNull();
    expect(r.userErrors).toEqual([expect.objectContaining({ code: 'VALUE_IN_USE', field: ['input', 'values'] })]);
    expect(r.userErrors[0].message).toMatch(/«2»/);
    const del = (await unchanged(() => c.deputy.ok(DELETE, { input: { gradingSystemId: systemId } }))).gradingSystemDelete;
    expect(del.deletedGradingSystemId).toBeNull();
    expect(del.userErrors).toEqual([expect.objectContaining({ code: 'IN_USE', field: ['input', 'gradingSystemId'] })]);
    // a used value may still be changed in place
    const relabel = (await c.deputy.ok(UPDATE, { input: { gradingSystemId: systemId, values: [...without2.slice(0, 1), v('2', 2, false, false, 'двойка'), ...without2.slice(1)] } })).gradingSystemUpdate;
    expect(relabel.userErrors).toEqual([]);
    expect(relabel.gradingSystem.values.find((x: any) => x.code === '2')).toMatchObject({ id: valueIds['2'], label: 'двойка' });
    await app.sql(`delete from test_mark_ref`);
  });

  test('R-YEAR-2: an unused grading system is deleted with its values; the deletion is audited', async () => {
    const r = (await c.admin.ok(DELETE, { input: { gradingSystemId: systemId } })).gradingSystemDelete;
    expect(r.userErrors).toEqual([]);
    expect(r.deletedGradingSystemId).toBe(systemId);
    expect(r.school.gradingSystems.map((g: any) => g.id)).not.toContain(systemId);
    expect((await app.sql(`select count(*)::int as n from grading_value where grading_system_id = $1`, [uuidOf(systemId)]))[0].n).toBe(0);
    const audit = await app.sql(`select entity_type, action from audit_entry where operation = 'gradingSystemDelete'`);
    expect(audit.filter((a: any) => a.entity_type === 'GradingSystem')).toEqual([{ entity_type: 'GradingSystem', action: 'DELETE' }]);
    expect(audit.filter((a: any) => a.entity_type === 'GradingValue')).toHaveLength(6);
    expect(errorCode(await unchanged(() => c.admin.gql(DELETE, { input: { gradingSystemId: systemId } })))).toBe('NOT_FOUND');
  });

  test('R-YEAR-2: parallel creates with one name: exactly one succeeds, the others get TAKEN', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() =>
      c.admin.ok(CREATE, { input: { schoolId, name: 'Зачёт (параллельно)', kind: 'PASS_FAIL', values: [v('зач', null, true), v('незач', null, false)] } })));
    expect(results.filter((r) => r.gradingSystemCreate.gradingSystem)).toHaveLength(1);
    for (const r of results.filter((x) => !x.gradingSystemCreate.gradingSystem)) {
      expect(r.gradingSystemCreate.userErrors).toEqual([expect.objectContaining({ code: 'TAKEN', field: ['input', 'name'] })]);
    }
  });

  test('R-ROLE: the director, teachers, students and parents get FORBIDDEN on grading systems; an admin of another school NOT_FOUND', async () => {
    const ops: [string, Record<string, unknown>][] = [
      [CREATE, { schoolId, name: 'x', kind: 'CUSTOM', values: FIVE }],
      [UPDATE, { gradingSystemId: demoSystemId, name: 'x' }],
      [DELETE, { gradingSystemId: demoSystemId }],
    ];
    for (const [doc, input] of ops) {
      for (const login of ['director', 'teacher', 'classteacher', 'student', 'parent']) {
        expect(errorCode(await unchanged(() => c[login].gql(doc, { input })))).toBe('FORBIDDEN');
      }
      expect(errorCode(await unchanged(() => c.outsider.gql(doc, { input })))).toBe('NOT_FOUND');
    }
    expect(errorCode(await unchanged(() => c.admin.gql(UPDATE, { input: { gradingSystemId: schoolId, name: 'x' } })))).toBe('BAD_USER_INPUT');
  });
});
