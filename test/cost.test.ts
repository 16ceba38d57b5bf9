import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema, DocumentNode, extendSchema, GraphQLInputType, GraphQLSchema, isEnumType, isInputObjectType, isListType, isNonNullType,
  OperationDefinitionNode, parse, specifiedRules, typeFromAST, validate,
} from 'graphql';
import { buildBaseSchema } from '../src/schema/build-schema';
import { checkCost, costChecker, LIST_BOUNDS, listBoundProblems, operationCost } from '../src/schema/cost';
import { loadConfig } from '../src/config';
import { ATTACK } from './helpers/attack';

/*
 * Issue 9 §1: the cost rule multiplies every list by its real bound. These tests run the rule
 * without a server (the e2e refusals are in limits.e2e.test.ts): every list field has a bound, the
 * attack is refused, and every legitimate document of the tests and the README passes.
 */

let schema: GraphQLSchema;
beforeAll(async () => { schema = await buildBaseSchema(); });
const MAX_COST = loadConfig({ NODE_ENV: 'test' }).limits.maxCost;

describe('ISSUE-9 §1: list bounds', () => {
  test('ISSUE-9 §1: every list field and connection of the schema has a bound, and every bound names a list field', () => {
    expect(listBoundProblems(schema)).toEqual([]);
  });

  test('ISSUE-9 §1: a list field added without a bound is reported (the server refuses to start)', () => {
    const extended = extendSchema(schema, parse('extend type SchoolClass { lessons: [Lesson!]! } extend type User { friends(first: Int): [User!] }'));
    expect(listBoundProblems(extended).sort()).toEqual([
      'SchoolClass.lessons is a list without a bound in LIST_BOUNDS (src/schema/cost.ts)',
      'User.friends is a list without a bound in LIST_BOUNDS (src/schema/cost.ts)',
    ]);
  });

  test('ISSUE-9 §1: a stale bound (no such list field) is reported', () => {
    const tiny = buildSchema('type Query { me: Int }');
    expect(listBoundProblems(tiny)).toHaveLength(Object.keys(LIST_BOUNDS).length);
  });
});

describe('ISSUE-9 §1: cost of the attack', () => {
  test('ISSUE-9 §1: the 15-alias class → students × 3 query is refused, in milliseconds, with cost and limit in the message', () => {
    const doc = parse(ATTACK);
    const vars = { id: 'U2Nob29sQ2xhc3M6eA==' };
    const t0 = process.hrtime.bigint();
    const e = checkCost(schema, doc, vars, null, MAX_COST);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // 40 students × (class × 40 students × (class × 40 students × 2 fields)), 15 times
    const one = 1 + 1 + 40 * (1 + 1 + 40 * (1 + 1 + 40 * 2));
    expect(operationCost(schema, doc, vars)).toBe(15 * one);
    expect(e?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT', cost: 15 * one, limit: MAX_COST });
    expect(e?.message).toBe(`Cost limit of ${MAX_COST} exceeded, found ${15 * one}`);
    // eslint-disable-next-line no-console
    console.log(`attack cost ${15 * one} (limit ${MAX_COST}); checked in ${ms.toFixed(2)} ms`);
    expect(ms).toBeLessThan(100);
  });

  test('ISSUE-9 §1: even one alias of the attack, or a page of 100 users asked with a variable, is counted by its real size', () => {
    const one = parse('query($id: ID!) { schoolClass(id: $id) { students { currentClass { students { currentClass { students { id fullName } } } } } } }');
    expect(checkCost(schema, one, { id: 'x' }, null, MAX_COST)?.extensions?.reason).toBe('COST_LIMIT');
    const page = parse('query($s: ID!, $n: Int!) { users(schoolId: $s, first: $n) { nodes { id roles { role } } } }');
    expect(operationCost(schema, page, { s: 'x', n: 100 })).toBe(1 + 100 * (1 + 1 + 1 + 10 * 1));
    expect(operationCost(schema, page, { s: 'x', n: 5 })).toBe(1 + 5 * (1 + 1 + 1 + 10 * 1));
  });
});

// ---- the legitimate documents of the tests and the README -------------------------------------

/** String literals (backtick, single or double quoted) of a source file that are GraphQL documents of this schema. */
function documentsIn(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const literal = file.endsWith('.md') ? /```graphql\n([\s\S]*?)```/g : /`((?:[^`\\]|\\.)*)`|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g;
  for (const m of text.matchAll(literal)) {
    const s = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    if (!/^(query|mutation|subscription|\{)/.test(s) || s.includes('${')) continue;
    out.push(s);
  }
  return out;
}

/** A value of `type` for a variable: `first`/`last` the page cap, otherwise the smallest valid value. */
function sample(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name);
  if (isListType(type)) return [sample(type.ofType, name)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const o: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (isNonNullType(f.type)) o[f.name] = sample(f.type, f.name);
    return o;
  }
  switch (type.name) {
    case 'Int': return name === 'first' || name === 'n' ? 100 : 1;
    case 'Float': return 1;
    case 'Boolean': return false;
    case 'LocalDate': return '2025-11-25';
    case 'LocalTime': return '08:30';
    case 'DateTimeISO': return '2025-11-25T09:00:00.000Z';
    case 'JSONObject': return {};
    default: return 'x';
  }
}

function variablesFor(doc: DocumentNode): Record<string, unknown> {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const vars: Record<string, unknown> = {};
  for (const v of op.variableDefinitions ?? []) {
    const t = typeFromAST(schema, v.type as never) as GraphQLInputType | undefined;
    if (t && !v.defaultValue) vars[v.variable.name.value] = sample(t, v.variable.name.value);
  }
  return vars;
}

describe('ISSUE-9 §1: every legitimate document passes', () => {
  test('ISSUE-9 §1: each document of test/*.ts and README.md costs at most the limit (first: 100 where a variable sets it)', () => {
    const root = path.join(__dirname, '..');
    const files = [
      path.join(root, 'README.md'),
      ...fs.readdirSync(path.join(root, 'test')).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, 'test', f)),
      ...fs.readdirSync(path.join(root, 'test', 'helpers')).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, 'test', 'helpers', f)),
    ];
    const costs: { cost: number; where: string; doc: string }[] = [];
    for (const file of files) {
      for (const source of documentsIn(file)) {
        let doc: DocumentNode;
        try { doc = parse(source); } catch { continue; }
        if (validate(schema, doc, specifiedRules).length) continue; // deliberately invalid documents of the tests
        const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
        if (ops.length !== 1) continue;
        if (source === ATTACK || /currentClass \{ students \{ currentClass/.test(source)) continue; // the attack itself
        costs.push({ cost: operationCost(schema, doc, variablesFor(doc)), where: path.relative(root, file), doc: source.replace(/\s+/g, ' ').slice(0, 160) });
      }
    }
    costs.sort((a, b) => b.cost - a.cost);
    // eslint-disable-next-line no-console
    console.log(`${costs.length} documents; largest:\n${costs.slice(0, 8).map((c) => `  ${c.cost}  ${c.where}: ${c.doc}`).join('\n')}`);
    expect(costs.length).toBeGreaterThan(200);
    expect(costs.filter((c) => c.cost > MAX_COST)).toEqual([]);
  });
});

describe('issue 10 §3: cost answers remembered per document and cost-relevant variables', () => {
  const HEAVY = `query($ids: [ID!]!, $s: Int, $big: Boolean!) {
    nodes(ids: $ids) { ... on SchoolClass { students { currentClass { students { id } } } } }
    more: schoolClass(id: "x") @include(if: $big) { students { currentClass { students { currentClass { students { id } } } } } }
  }`;
  const ids = (k: number) => Array.from({ length: k }, (_, i) => `id${i}`);

  test('issue 10 §3: the remembered answer follows every variable the cost reads (list lengths, @include), whatever else varies', () => {
    const check = costChecker(schema, MAX_COST);
    const doc = parse(HEAVY);
    const cases: [Record<string, unknown>, boolean][] = [
      [{ ids: ids(10), s: 1, big: false }, false],
      [{ ids: ids(100), s: 1, big: false }, true],
      [{ ids: ids(10), s: 2, big: false }, false],
      [{ ids: ids(20), s: 1, big: false }, false],
      [{ ids: ids(20), s: 1, big: true }, true],
      [{ ids: ids(100), s: 3, big: false }, true],
      [{ ids: ids(10), s: 4, big: false }, false],
    ];
    for (const [vars, refused] of cases) {
      const plain = checkCost(schema, doc, vars, null, MAX_COST);
      expect(plain?.extensions?.reason ?? null).toBe(refused ? 'COST_LIMIT' : null);
      for (let i = 0; i < 2; i++) expect(check(doc, vars, null)?.message ?? null).toBe(plain?.message ?? null);
    }
  });

  test('issue 10 §3, R-SEC-2: an answer given while the variables did not coerce is never reused for valid ones', () => {
    const check = costChecker(schema, MAX_COST);
    const doc = parse(HEAVY);
    // `$s` does not coerce: the check leaves it to execution and remembers nothing.
    expect(check(doc, { ids: ids(100), s: 'not a number', big: false }, null)).toBeNull();
    expect(check(doc, { ids: ids(100), s: 1, big: false }, null)?.extensions?.reason).toBe('COST_LIMIT');
  });
});
