import { GraphQLObjectType, GraphQLSchema, isObjectType } from 'graphql';
import { isFieldMap, RuleMap } from './rule-map';
import { describeCapabilities } from './capabilities';

/** A readable name of a shield rule (logic rules spelled out), for the committed snapshot. */
export function ruleName(rule: unknown): string {
  const r = rule as { constructor: { name: string }; name?: string; rules?: unknown[] };
  switch (r.constructor.name) {
    case 'RuleTrue': return 'allow';
    case 'RuleFalse': return 'deny';
    case 'RuleOr': return `or(${r.rules!.map(ruleName).join(', ')})`;
    case 'RuleAnd': return `and(${r.rules!.map(ruleName).join(', ')})`;
    case 'RuleChain': return `chain(${r.rules!.map(ruleName).join(', ')})`;
    case 'RuleRace': return `race(${r.rules!.map(ruleName).join(', ')})`;
    case 'RuleNot': return `not(${r.rules!.map(ruleName).join(', ')})`;
    default: return r.name ?? 'unnamed';
  }
}

/** The object types of the API (not introspection's). */
export function apiObjectTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap())
    .filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The explicit rule of `Type.field` in the map (the field's, else the type's `*`, else the type's), or null. */
export function ruleOf(map: RuleMap, type: string, field: string): unknown {
  const entry = map[type];
  if (entry === undefined) return null;
  return isFieldMap(entry) ? entry[field] ?? entry['*'] ?? null : entry;
}

/** `Type.field → rule` for every field of the schema; `null` where no explicit rule exists. */
export function ruleTable(schema: GraphQLSchema, map: RuleMap): { field: string; rule: string | null }[] {
  const out: { field: string; rule: string | null }[] = [];
  for (const type of apiObjectTypes(schema)) {
    for (const field of Object.keys(type.getFields()).sort()) {
      const rule = ruleOf(map, type.name, field);
      out.push({ field: `${type.name}.${field}`, rule: rule ? ruleName(rule) : null });
    }
  }
  return out;
}

/** Rule map entries naming types or fields the schema does not have (stale rules). */
export function staleRules(schema: GraphQLSchema, map: RuleMap): string[] {
  const stale: string[] = [];
  for (const [type, entry] of Object.entries(map)) {
    const t = schema.getType(type);
    if (!t || !isObjectType(t)) { stale.push(type); continue; }
    if (isFieldMap(entry)) {
      for (const f of Object.keys(entry)) if (f !== '*' && !(f in t.getFields())) stale.push(`${type}.${f}`);
    }
  }
  return stale;
}

/** The committed permission snapshot: the capability table (roles and relations), then `Type.field → rule`. */
export function formatRuleTable(rows: { field: string; rule: string | null }[]): string {
  return `${describeCapabilities()}${rows.map((r) => `${r.field} → ${r.rule ?? 'MISSING'}`).join('\n')}\n`;
}
