import type { GraphQLSchema } from 'graphql';
import { buildBaseSchema } from '../src/schema/build-schema';
import { cachedParseAndValidate } from '../src/schema/limits';
import { loadConfig } from '../src/config';

/** Issue 10 §3: subscribing parses and validates a document once, whoever sends it next. */
let schema: GraphQLSchema;
beforeAll(async () => { schema = await buildBaseSchema(); });
const config = loadConfig({ NODE_ENV: 'test' } as NodeJS.ProcessEnv);
const doc = (n: number) => `subscription($s: ID!) { diaryEvents(studentId: $s) { cursor k${n}: kind } }`;

describe('issue 10 §3: the WebSocket document cache', () => {
  test('issue 10 §3: a valid document is parsed and validated once; the next sender gets the same document', () => {
    const parse = cachedParseAndValidate(schema, config);
    const a = parse(doc(1));
    const b = parse(doc(1));
    expect('document' in a && 'document' in b && a.document === b.document).toBe(true);
  });

  test('issue 10 §3, R-SEC-2: a refused document is refused every time, with its code, and never kept', () => {
    const parse = cachedParseAndValidate(schema, config);
    const bad = 'subscription { diaryEvents(studentId: "x") { nope } }';
    for (let i = 0; i < 2; i++) {
      const r = parse(bad);
      expect('errors' in r && r.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
    }
    const deep = `query { ${'me { roles { school { '.repeat(4)}id${' } } }'.repeat(4)} }`;
    for (let i = 0; i < 2; i++) {
      const r = parse(deep);
      expect('errors' in r && r.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH' });
    }
  });

  test('issue 10 §3: the least recently used document leaves first past the cap', () => {
    const parse = cachedParseAndValidate(schema, config, 2);
    const first = parse(doc(1));
    const two = parse(doc(2));
    parse(doc(1)); // used again: doc 2 is now the oldest
    parse(doc(3));
    const again = parse(doc(1));
    expect('document' in first && 'document' in again && first.document === again.document).toBe(true);
    const twoAgain = parse(doc(2)); // evicted: parsed anew
    expect('document' in two && 'document' in twoAgain && two.document !== twoAgain.document).toBe(true);
  });
});
