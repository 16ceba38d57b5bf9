import { startTestApp, TestApp } from './helpers/app';

/*
 * Issue 9 §3: GraphQL over HTTP status codes, the checks of graphql-http's server audit written out
 * (the package is not a dependency). A request error (parse, validation — the limits included —,
 * variable coercion) is answered 200 when the response is application/json (Accept absent,
 * application/json or any type) and 400 when it is application/graphql-response+json. What is not a
 * GraphQL request (malformed JSON, an oversized body, a missing query) stays 4xx; so does a
 * subscription sent over HTTP.
 */
let app: TestApp;
let token: string;

const JSON_TYPE = 'application/json; charset=utf-8';
const GQL_TYPE = 'application/graphql-response+json; charset=utf-8';

beforeAll(async () => {
  // Low limits, so documents over them are short.
  app = await startTestApp({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_TOKENS: '200' });
  token = (await app.as('admin')).token!;
});
afterAll(async () => { await app?.stop(); });

interface Answer { status: number; type: string | null; body: any }

async function post(body: unknown, accept?: string, raw = false): Promise<Answer> {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(accept != null ? { accept } : {}) },
    body: raw ? String(body) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text) };
}

async function get(query: string, accept?: string): Promise<Answer> {
  const res = await fetch(`${app.url}?query=${encodeURIComponent(query)}`, {
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true', ...(accept != null ? { accept } : {}) },
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

/** Documents refused before execution, with the `reason` each carries. */
const REQUEST_ERRORS: [string, { query: string; variables?: Record<string, unknown> }, string | undefined][] = [
  ['a parse failure', { query: '{' }, 'GRAPHQL_PARSE_FAILED'],
  ['a validation failure', { query: '{ f8f31403dfe404bccbb0e835f2629c6a7 }' }, 'GRAPHQL_VALIDATION_FAILED'],
  ['a variable coercion failure', { query: 'query($n: Int!) { staff(schoolId: "x", first: $n) { pageInfo { hasNextPage } } }', variables: { n: 'many' } }, undefined],
  ['a variable holding NUL', { query: 'query($s: String) { users(schoolId: "x", search: $s) { pageInfo { hasNextPage } } }', variables: { s: 'a\u0000' } }, 'NUL_CHARACTER'],
  ['an unknown operation name', { query: 'query A { __typename }', operationName: 'B' } as never, 'OPERATION_RESOLUTION_FAILURE'],
  ['a document over the depth limit', { query: '{ me { roles { school { academicYears { id } } } } }' }, 'MAX_DEPTH'],
  ['a document over the alias limit', { query: '{ a: me { id } b: me { id } c: me { id } d: me { id } }' }, 'MAX_ALIASES'],
  ['a document over the token limit', { query: `{ ${'__typename '.repeat(250)}}` }, 'MAX_TOKENS'],
];

describe('issue 9 §3: request errors get the status the GraphQL-over-HTTP spec asks for the media type', () => {
  test.each(REQUEST_ERRORS)('%s: 200 with application/json (Accept application/json, absent, */*)', async (_what, body, reason) => {
    for (const accept of ['application/json', undefined, '*/*']) {
      const r = await post(body, accept);
      expect({ accept, status: r.status, type: r.type }).toEqual({ accept, status: 200, type: JSON_TYPE });
      expect(r.body.data).toBeUndefined();
      expect(r.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', ...(reason ? { reason } : {}) });
    }
  });

  test.each(REQUEST_ERRORS)('%s: 400 with application/graphql-response+json, and no data entry', async (_what, body, reason) => {
    for (const accept of ['application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9']) {
      const r = await post(body, accept);
      expect({ accept, status: r.status, type: r.type }).toEqual({ accept, status: 400, type: GQL_TYPE });
      expect(r.body).not.toHaveProperty('data');
      expect(r.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', ...(reason ? { reason } : {}) });
    }
  });

  test('GET: a validation failure is 200 as application/json, 400 as application/graphql-response+json', async () => {
    expect(await get('{ mee { id } }', 'application/json')).toMatchObject({ status: 200, type: JSON_TYPE });
    expect(await get('{ mee { id } }')).toMatchObject({ status: 200, type: JSON_TYPE });
    expect(await get('{ mee { id } }', 'application/graphql-response+json')).toMatchObject({ status: 400, type: GQL_TYPE });
  });

  test('the media type of a refused document is the one Apollo negotiates for a successful one, for every Accept', async () => {
    for (const accept of [
      undefined, 'application/json', 'application/graphql-response+json', '*/*', 'application/*',
      'application/graphql-response+json, application/json', 'application/json, application/graphql-response+json',
      'application/json;q=0.5, application/graphql-response+json', 'text/html, */*;q=0.1', 'application/graphql-response+json;q=0, */*',
    ]) {
      const ok = await post({ query: '{ __typename }' }, accept);
      const refused = await post({ query: '{ mee }' }, accept);
      expect({ accept, ok: ok.status, type: refused.type }).toEqual({ accept, ok: 200, type: ok.type });
      expect({ accept, status: refused.status }).toEqual({ accept, status: refused.type === JSON_TYPE ? 200 : 400 });
    }
  });

  test('an Accept admitting neither media type is still 406', async () => {
    expect((await post({ query: '{ mee }' }, 'text/html')).status).toBe(406);
  });

  test('errors during execution keep 200 with data for both media types', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const r = await post({ query: '{ node(id: "Zm9vOmJhcg") { id } }' }, accept);
      expect(r.status).toBe(200);
      expect(r.body).toHaveProperty('data');
    }
  });

  test('what is not a GraphQL request stays 4xx for both media types: malformed JSON, oversized body, missing query, GET mutation', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      expect((await post('{ "not a JSON', accept, true)).status).toBe(400);
      expect((await post({ query: `{ __typename } # ${'x'.repeat(app.config.limits.bodyLimitBytes)}` }, accept)).status).toBe(413);
      expect((await post({ qeury: '{ __typename }' }, accept)).status).toBe(400);
      expect((await get('mutation { __typename }', accept)).status).toBe(405);
    }
  });
});
