import {
  DocumentNode, GraphQLError, GraphQLFormattedError, GraphQLSchema, NoSchemaIntrospectionCustomRule, parse, specifiedRules,
  validate, ValidationContext, ValidationRule,
} from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import type { AppConfig } from '../config';
import { ErrorCode } from './errors';

/*
 * Sizing of the defaults (GRAPHQL_MAX_*), measured on this schema with the rules below (fragments
 * flattened, so a query counts the same written inline or with fragments); each is the largest
 * legitimate query plus a small margin. Raise them with the schema, not ahead of it.
 * - depth 8: the deepest legitimate query is 7 (`auditLog { edges { node { actor { roles {
 *   school { name } } } } } }`); margin 1.
 * - aliases 15: graphql-armor's default; a client screen aliasing one query per weekday (6) or per
 *   period (≤ 5) fits; `__typename` aliases are not counted.
 * - tokens 1000: the full standard introspection query is 184 tokens, client screens ≈ 70–150.
 * - cost 100000 (src/schema/cost.ts: 1 per field, every list × its declared bound, connections ×
 *   `first` from the literal or the variable; checked where variables are known, before execution).
 *   The largest legitimate documents of the tests and README (test/cost.test.ts scans them all):
 *   91 311 (every school's years with periods, holidays and grading scales) and 76 501 (a year's
 *   study groups with members). The class teacher's 15-alias class → students ×3 query costs
 *   1 969 230 and is refused (one alias alone, 131 282, too). At the ≈ 20–28 000 field values per
 *   second that query ran at, 100 000 is about the 5 s interactive time budget.
 * Introspection's own depth is bounded by graphql-js's MaxIntrospectionDepthRule (in specifiedRules).
 */

/** `extensions.reason` of a refused document (its `code` is always BAD_USER_INPUT). */
export type LimitReason = 'MAX_DEPTH' | 'MAX_ALIASES' | 'COST_LIMIT' | 'MAX_TOKENS' | 'INTROSPECTION_DISABLED' | 'NUL_CHARACTER';

const limitError = (reason: LimitReason, message: string, nodes?: GraphQLError['nodes']) =>
  new GraphQLError(message, { nodes, extensions: { code: ErrorCode.BAD_USER_INPUT, reason } });

/** graphql-armor throws a "Syntax Error: …"; report a coded validation error instead. */
const reportAs = (reason: LimitReason) => ({
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(limitError(reason, err.message.replace(/^Syntax Error: /, '')))],
});

/** Runs `rule` with a context that keeps its first error only (one per document), with `reason`. */
function firstErrorWithReason(rule: ValidationRule, reason: LimitReason): ValidationRule {
  return (context) => {
    let reported = false;
    const report = (e: GraphQLError) => {
      if (!reported) context.reportError(limitError(reason, e.message, e.nodes));
      reported = true;
    };
    return rule(Object.create(context, { reportError: { value: report } }) as ValidationContext);
  };
}

const NUL = '\u0000';
const nulError = (where: string, nodes?: GraphQLError['nodes']) =>
  limitError('NUL_CHARACTER', `${where} contains a NUL character (U+0000), which no text may hold`, nodes);

/** A string literal of the document may not hold NUL: PostgreSQL text cannot store it. */
const noNulInStrings: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.includes(NUL)) context.reportError(nulError('A string argument', [node]));
  },
});

/** The path of the first string holding NUL inside a variables object, or null. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPath(value[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = nulPath(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

/** BAD_USER_INPUT (reason NUL_CHARACTER) when a variable holds NUL; checked before execution on both transports. */
export function checkVariables(variables: Record<string, unknown> | null | undefined): GraphQLError | null {
  if (!variables) return null;
  for (const [name, v] of Object.entries(variables)) {
    const p = nulPath(v, `$${name}`);
    if (p) return nulError(`The variable ${p}`);
  }
  return null;
}

/**
 * Validation rules applied identically on HTTP (Apollo `validationRules`) and on the WebSocket
 * (`parseAndValidate`): depth, aliases and the introspection policy. Cost needs the variables: it
 * is checked after validation (src/schema/cost.ts, `checkCost`).
 */
export function limitRules(config: AppConfig): ValidationRule[] {
  const { maxDepth, maxAliases } = config.limits;
  // With introspection on, `__schema` is exempt from depth and cost (GraphiQL's query is deep).
  const ignoreIntrospection = config.introspection;
  const rules: ValidationRule[] = [
    noNulInStrings,
    maxDepthRule({ n: maxDepth, ignoreIntrospection, flattenFragments: true, ...reportAs('MAX_DEPTH') }),
    maxAliasesRule({ n: maxAliases, ...reportAs('MAX_ALIASES') }),
  ];
  // graphql-js reports every introspection field; the first one says it all.
  if (!config.introspection) rules.push(firstErrorWithReason(NoSchemaIntrospectionCustomRule, 'INTROSPECTION_DISABLED'));
  return rules;
}

// graphql-js 16 spells it "more that".
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more th(?:an|at) \d+ tokens\./;

/**
 * The `reason` a formatted error should carry: its own, or MAX_TOKENS for graphql-js's token-limit
 * parse error (Apollo parses before any of our code runs).
 */
export function limitErrorReason(error: GraphQLFormattedError): string | undefined {
  const own = error.extensions?.reason;
  if (typeof own === 'string') return own;
  return TOKEN_LIMIT_MESSAGE.test(error.message) ? 'MAX_TOKENS' : undefined;
}

/**
 * Parses with the token limit and validates with the standard rules plus `limitRules`. Errors carry
 * the same code and reason as Apollo's on HTTP.
 */
export function parseAndValidate(schema: GraphQLSchema, source: string, config: AppConfig): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(source, parseOptions(config));
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    const reason = TOKEN_LIMIT_MESSAGE.test(e.message) ? 'MAX_TOKENS' : 'GRAPHQL_PARSE_FAILED';
    return { errors: [new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: ErrorCode.BAD_USER_INPUT, reason } })] };
  }
  const errors = validate(schema, document, [...specifiedRules, ...limitRules(config)]);
  if (!errors.length) return { document };
  return {
    errors: errors.map((e) => new GraphQLError(e.message, {
      nodes: e.nodes,
      extensions: { ...e.extensions, code: ErrorCode.BAD_USER_INPUT, reason: e.extensions?.reason ?? 'GRAPHQL_VALIDATION_FAILED' },
    })),
  };
}

/** Parser options shared by both transports (the token limit is a parser option in graphql-js). */
export function parseOptions(config: AppConfig) {
  return { maxTokens: config.limits.maxTokens };
}

/**
 * `parseAndValidate` with the valid documents kept (least recently used out past `max`), keyed by
 * their text: a thousand parents' apps subscribe with the same few documents, and parsing and
 * validating one (limits included) costs more than the rest of subscribing. Refused documents are not
 * kept. The cost check depends on variables and runs on every operation.
 */
export function cachedParseAndValidate(schema: GraphQLSchema, config: AppConfig, max = 500) {
  const valid = new Map<string, DocumentNode>();
  return (source: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } => {
    const hit = valid.get(source);
    if (hit) {
      valid.delete(source);
      valid.set(source, hit);
      return { document: hit };
    }
    const parsed = parseAndValidate(schema, source, config);
    if ('document' in parsed) {
      valid.set(source, parsed.document);
      if (valid.size > max) valid.delete(valid.keys().next().value!);
    }
    return parsed;
  };
}
