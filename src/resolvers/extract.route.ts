import type { Request, RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Ctx } from '../context';
import type { Logger } from '../logger';
import { ErrorCode } from '../schema/errors';
import { renderDiaryExtractPdf } from '../services/extract.pdf';

/** HTTP status of each error code of the fixed list (the body carries the code itself). */
const STATUS: Record<string, number> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
};

/** A query parameter given once; '' when missing or repeated (refused as bad input by the service). */
const param = (req: Request, name: string): string => (typeof req.query[name] === 'string' ? req.query[name] : '');

/**
 * `GET /extracts/diary?student=<Student ID>&week=<YYYY-MM-DD>` (R-DIARY-4): the weekly diary
 * extract as a PDF download. Authenticated like /graphql (`Authorization: Bearer <accessToken>`,
 * the same per-request context); granted exactly as `studentDiary`. Errors are JSON
 * `{ errors: [{ message, extensions: { code, … } }] }` formatted like GraphQL's, with the status
 * of the code: 401 no or invalid token, 403 a one-time password, 404 a student the viewer may not
 * see (or none), 400 a malformed ID or date. Nothing is cached on the way (`no-store`).
 */
export function diaryExtractRoute(deps: {
  context: (req: Request) => Promise<Ctx>;
  format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  log: Logger;
}): RequestHandler {
  return async (req, res) => {
    const started = Date.now();
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    let ctx: Ctx | null = null;
    try {
      ctx = await deps.context(req);
      const extract = await ctx.services.extract.diaryWeek(ctx, param(req, 'student'), param(req, 'week'));
      const pdf = await renderDiaryExtractPdf(extract);
      res.status(200).set({
        'Content-Type': 'application/pdf',
        // The week only: no personal data in a header that proxies and download lists keep.
        'Content-Disposition': `attachment; filename="diary-${extract.from}.pdf"`,
      }).end(pdf);
    } catch (err) {
      const e = err instanceof GraphQLError ? err : new GraphQLError('Internal server error', { originalError: err as Error });
      const formatted = deps.format(e.toJSON(), err);
      const code = String(formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
      const status = STATUS[code] ?? 500;
      if (status === 401) res.set('WWW-Authenticate', 'Bearer');
      res.status(status).json({ errors: [{ message: formatted.message, extensions: formatted.extensions }] });
    } finally {
      deps.log.info({ op: 'diaryExtract', ms: Date.now() - started, user: ctx?.viewer?.login ?? null, status: res.statusCode }, 'extract');
    }
  };
}
