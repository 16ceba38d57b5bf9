import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected under `path` (response field names, e.g. `['lessons']`) below
 * the field being resolved: through fragments and inline fragments, whatever their type
 * condition. A field under `@include(if: false)` counts as selected: a read model that prepares
 * for it does a little work for nothing, never too little.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let level: SelectionSetNode[] = info.fieldNodes.map((n) => n.selectionSet).filter((s): s is SelectionSetNode => !!s);
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    for (const f of fieldsOf(info, level)) if (f.name.value === name && f.selectionSet) next.push(f.selectionSet);
    level = next;
  }
  return new Set(fieldsOf(info, level).map((f) => f.name.value));
}

function fieldsOf(info: GraphQLResolveInfo, sets: SelectionSetNode[]): FieldNode[] {
  const out: FieldNode[] = [];
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = info.fragments[s.name.value];
        if (fragment) visit(fragment.selectionSet, seen);
      }
    }
  };
  for (const set of sets) visit(set, new Set());
  return out;
}
