import type { IRule, or } from 'graphql-shield';

type ShieldRule = IRule | ReturnType<typeof or>;

/** Part of the shield rule map: `Type: rule` or `Type: { field | '*': rule }`. */
export type RuleMap = Record<string, ShieldRule | Record<string, ShieldRule>>;

/** Merges feature maps into one; a field given a rule twice is a programming error. */
export function mergeRuleMaps(...maps: RuleMap[]): RuleMap {
  const out: RuleMap = {};
  for (const map of maps) {
    for (const [type, value] of Object.entries(map)) {
      const existing = out[type];
      if (existing === undefined) {
        out[type] = value;
        continue;
      }
      if (!isFieldMap(existing) || !isFieldMap(value)) throw new Error(`Permission rule for type ${type} given twice`);
      for (const [field, r] of Object.entries(value)) {
        if (field in existing) throw new Error(`Permission rule for ${type}.${field} given twice`);
        existing[field] = r;
      }
    }
  }
  return out;
}

export function isFieldMap(v: unknown): v is Record<string, ShieldRule> {
  return !!v && typeof v === 'object' && v.constructor === Object;
}
