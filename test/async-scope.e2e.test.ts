import { startTestApp, TestApp, HttpClient } from './helpers/app';
import { demo, gid } from './helpers/factories';
import { asyncScopesActive, scopeState } from '../src/db/async-scope';

/**
 * AsyncLocalStorage scopes (src/db/async-scope.ts): between writes no instance is left enabled, so
 * the process runs without promise hooks; overlapping writes of different actors each keep their
 * own actor in the audit trail (R-SEC-5), whichever ends first, and a refused or failed write ends
 * its scope too.
 */

let app: TestApp;
let schoolId: string;
const CREATE = `mutation($i: WorkTypeCreateInput!) { workTypeCreate(input: $i) { workType { id name } userErrors { code } } }`;
const CLASSES = `query($s: ID!) { workTypes(schoolId: $s) { id name } }`;

beforeAll(async () => {
  app = await startTestApp();
  schoolId = (await demo(app)).schoolId;
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-5: the audit actor lives in scopes that end', () => {
  test('R-SEC-5: after a write, no AsyncLocalStorage instance stays enabled (the audit actor\'s, the transaction\'s, the flush\'s are recorded and disabled)', async () => {
    const admin = await app.as('admin');
    const r = await admin.ok(CREATE, { i: { schoolId: gid('School', schoolId), name: 'Проверка области', kind: 'CURRENT', weight: 1 } });
    expect(r.workTypeCreate.userErrors).toEqual([]);
    const state = scopeState();
    expect(state.open).toBe(0);
    // On Node 24 AsyncLocalStorage needs no promise hooks: nothing is scoped, nothing recorded.
    expect(state.recorded >= 3).toBe(asyncScopesActive());
    expect(state.enabled).toBe(0);
    // A read between writes opens no scope.
    await admin.ok(CLASSES, { s: gid('School', schoolId) });
    expect(scopeState()).toMatchObject({ open: 0, enabled: 0 });
  });

  test('R-SEC-5: 24 overlapping writes of two actors, with reads between them: each audit entry names its own actor and operation; refused ones end their scope too', async () => {
    const admin = await app.as('admin');
    const deputy = await app.as('deputy');
    const since = (await app.sql(`select coalesce(max(id), 0)::text as id from audit_entry`))[0].id;
    const work: Promise<unknown>[] = [];
    const names: Record<string, string> = {};
    for (let i = 0; i < 12; i++) {
      for (const [who, client] of [['admin', admin], ['deputy', deputy]] as [string, HttpClient][]) {
        const name = `Параллельно ${who} ${i}`;
        names[name] = who;
        work.push(client.ok(CREATE, { i: { schoolId: gid('School', schoolId), name, kind: 'CURRENT', weight: 1 + (i % 3) } }));
        work.push(client.ok(CLASSES, { s: gid('School', schoolId) }));
      }
    }
    // Refused: a duplicate name (userError) and a weight out of range.
    work.push(admin.ok(CREATE, { i: { schoolId: gid('School', schoolId), name: 'Параллельно admin 0', kind: 'CURRENT', weight: 1 } }).catch(() => null));
    work.push(deputy.gql(CREATE, { i: { schoolId: gid('School', schoolId), name: 'Вес', kind: 'CURRENT', weight: 99 } }));
    await Promise.all(work);
    const rows = await app.sql(
      `select e.operation, u.login, e.changes->'name'->>'after' as name from audit_entry e join app_user u on u.id = e.actor_id
        where e.id > $1 and e.entity_type = 'WorkType'`, [since]);
    expect(rows).toHaveLength(24);
    for (const row of rows) {
      expect(row.operation).toBe('workTypeCreate');
      expect(row.login).toBe(names[row.name]);
    }
    expect(scopeState()).toMatchObject({ open: 0, enabled: 0 });
  });
});
