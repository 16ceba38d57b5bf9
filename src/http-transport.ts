import { GraphQLError, ValidationRule } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from './schema/errors';

/*
 * What GraphQL over HTTP answers beyond Apollo's defaults:
 * - a subscription is refused with 400 BAD_USER_INPUT (reason SUBSCRIPTION_OVER_HTTP) pointing to
 *   the WebSocket, on POST and GET alike (graphql-js would run it like a query and fail inside);
 * - request errors (parse, validation — the depth, alias, cost and token limits included — operation
 *   resolution, variable coercion, NUL characters in variables) get the status the GraphQL-over-HTTP
 *   spec asks for the response's media type: 200 for application/json (also when Accept is absent
 *   or admits any type), 400 for application/graphql-response+json. Apollo answers 400 for both.
 * Malformed JSON and an oversized body are not GraphQL responses: they stay 400 and 413.
 */

export const SUBSCRIPTION_OVER_HTTP = 'SUBSCRIPTION_OVER_HTTP';

/** HTTP only (Apollo's validation rules; the WebSocket serves subscriptions). */
export const noSubscriptionsOverHttp: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'subscription') return;
    context.reportError(new GraphQLError(
      'Subscriptions are not served over HTTP: open a WebSocket to this same URL (/graphql) with the graphql-transport-ws protocol (the graphql-ws client) and subscribe there',
      { nodes: [node], extensions: { code: ErrorCode.BAD_USER_INPUT, reason: SUBSCRIPTION_OVER_HTTP, http: { status: 400 } } },
    ));
  },
});

const JSON_MEDIA = 'application/json';
const GRAPHQL_RESPONSE_MEDIA = 'application/graphql-response+json';

/**
 * The media type Apollo answers a single result with, negotiated the same way (the `negotiator`
 * package's ranking: quality, then specificity, then order in Accept, then application/json first);
 * application/json when Accept is absent; null when Accept admits neither (Apollo answers 406).
 */
export function responseMediaType(accept: string | null | undefined): typeof JSON_MEDIA | typeof GRAPHQL_RESPONSE_MEDIA | null {
  if (!accept?.trim()) return JSON_MEDIA;
  const ranges = accept.split(',').map((part, o) => {
    const [range, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { range, q: q ? Number(q.slice(2)) : 1, o };
  }).filter((r) => r.range && Number.isFinite(r.q));
  const ranked = ([JSON_MEDIA, GRAPHQL_RESPONSE_MEDIA] as const).flatMap((media, i) => {
    const [type] = media.split('/');
    let best: { q: number; s: number; o: number } | null = null;
    for (const r of ranges) {
      const s = r.range === media ? 6 : r.range === `${type}/*` ? 4 : r.range === '*/*' ? 0 : -1;
      if (s < 0) continue;
      if (!best || (best.s - s || best.q - r.q || best.o - r.o) < 0) best = { q: r.q, s, o: r.o };
    }
    return best && best.q > 0 ? [{ ...best, i, media }] : [];
  });
  ranked.sort((a, b) => (b.q - a.q) || (b.s - a.s) || (a.o - b.o) || (a.i - b.i));
  return ranked[0]?.media ?? null;
}

/** Codes of errors raised before execution starts (Apollo's, and ours for NUL in variables). */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', ErrorCode.BAD_USER_INPUT]);

/** Sets the status of request-error responses by the negotiated media type (see above). */
export function httpStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response, errors }) {
          const body = response.body;
          // Only responses without `data`: nothing was executed.
          if (body.kind !== 'single' || body.singleResult.data !== undefined || !errors?.length) return;
          if (errors.some((e) => e.extensions?.reason === SUBSCRIPTION_OVER_HTTP)) {
            response.http.status = 400;
            response.http.headers.delete('allow');
            return;
          }
          if (!errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)))) return;
          const media = responseMediaType(request.http?.headers.get('accept'));
          if (!media) return;
          response.http.status = media === JSON_MEDIA ? 200 : 400;
          // The status follows the media type: fix the one Apollo would choose, so they cannot disagree.
          response.http.headers.set('content-type', `${media}; charset=utf-8`);
        },
      };
    },
  };
}
