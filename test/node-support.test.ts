import fs from 'node:fs';
import path from 'node:path';
import { ruleMap } from '../src/permissions';
import { isFieldMap } from '../src/permissions/rule-map';

/** Every rule object reachable from the rule map, logic rules' parts included. */
function allRules(): { at: string; kind: string }[] {
  const out: { at: string; kind: string }[] = [];
  const walk = (rule: unknown, at: string) => {
    const r = rule as { constructor?: { name: string }; rules?: unknown[] };
    out.push({ at, kind: r.constructor?.name ?? typeof rule });
    for (const part of r.rules ?? []) walk(part, at);
  };
  for (const [type, entry] of Object.entries(ruleMap)) {
    if (isFieldMap(entry)) {
      for (const [field, rule] of Object.entries(entry)) walk(rule, `${type}.${field}`);
    } else {
      walk(entry, type);
    }
  }
  return out;
}

describe('issue 9 §5: Node 20, 22 and 24', () => {
  test('issue 9 §5: no shield rule uses chain() or race(): graphql-shield 7.6.5 runs them with util.isUndefined, which Node 23 removed (INTERNAL_SERVER_ERROR on Node 24)', () => {
    const rules = allRules();
    expect(rules.length).toBeGreaterThan(100);
    expect(rules.filter((r) => r.kind === 'RuleChain' || r.kind === 'RuleRace')).toEqual([]);
  });

  test('issue 9 §5: package.json supports the maintained lines 20.19+, 22.12+ and 24+', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('^20.19 || ^22.12 || >=24');
    const [major, minor] = process.versions.node.split('.').map(Number);
    // The suite itself runs on a supported version.
    expect(major === 20 ? minor >= 19 : major === 22 ? minor >= 12 : major >= 24).toBe(true);
  });
});
