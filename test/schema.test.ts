import fs from 'node:fs';
import { GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { buildBaseSchema } from '../src/schema/build-schema';
import { ruleMap } from '../src/permissions';
import { ruleTable, staleRules } from '../src/permissions/describe';
import { artifacts, PERMISSIONS_PATH, SDL_PATH } from '../scripts/print-artifacts';

let schema: GraphQLSchema;
beforeAll(async () => { schema = await buildBaseSchema(); });

const UPDATE = 'Run `npm run schema:print` and review the diff.';

describe('schema conventions', () => {
  test('CONVENTIONS: schema.graphql is the SDL of the built schema', async () => {
    const { sdl } = await artifacts();
    const committed = fs.existsSync(SDL_PATH) ? fs.readFileSync(SDL_PATH, 'utf8') : '';
    if (committed !== sdl) throw new Error(`schema.graphql differs from the built schema. ${UPDATE}`);
  });

  test('CONVENTIONS: every type, field, argument and input field has a description', () => {
    const missing: string[] = [];
    for (const t of Object.values(schema.getTypeMap())) {
      if (t.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name)) continue;
      if (!t.description) missing.push(t.name);
      if (isObjectType(t) || isInterfaceType(t)) {
        for (const f of Object.values(t.getFields())) {
          if (!f.description) missing.push(`${t.name}.${f.name}`);
          for (const a of f.args) if (!a.description) missing.push(`${t.name}.${f.name}(${a.name})`);
        }
      }
      if (isInputObjectType(t)) {
        for (const f of Object.values(t.getFields())) if (!f.description) missing.push(`${t.name}.${f.name}`);
      }
      if (isEnumType(t) && !t.description) missing.push(t.name);
    }
    expect(missing).toEqual([]);
  });
});

describe('permissions (deny by default)', () => {
  test('R-SEC-2: every field of every object type has an explicit rule', () => {
    const missing = ruleTable(schema, ruleMap).filter((r) => r.rule === null).map((r) => r.field);
    expect(missing).toEqual([]);
  });

  test('R-SEC-2: the rule map names no type or field the schema lacks', () => {
    expect(staleRules(schema, ruleMap)).toEqual([]);
  });

  test('R-SEC-2: the committed Type.field → rule snapshot matches (a diff is a permission change)', async () => {
    const { permissions } = await artifacts();
    const committed = fs.existsSync(PERMISSIONS_PATH) ? fs.readFileSync(PERMISSIONS_PATH, 'utf8') : '';
    if (committed !== permissions) throw new Error(`src/permissions/permissions.snapshot.txt differs. ${UPDATE}`);
  });
});
