import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import DataLoader from 'dataloader';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { getOperationAST, GraphQLError, type ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import type { Ctx, Viewer } from './context';
import { createLoaders } from './loaders';
import { createServices, Services } from './services';
import { authFailureError } from './services/auth.service';
import { bearerToken } from './services/tokens';
import { buildAppSchema } from './schema/build-schema';
import { cachedParseAndValidate, checkVariables, limitErrorReason, limitRules, parseOptions } from './schema/limits';
import { assertListBounds, costChecker, costPlugin } from './schema/cost';
import { applyTimeBudgets, budgetError, isCancelledStatement } from './schema/budgets';
import { AUTH_CHANNEL, ConnectionRegistry, SocketClose } from './subscriptions/connections';
import { SocketSession } from './subscriptions/socket-session';
import { PgListener } from './subscriptions/pg-listener';
import { EventHub } from './subscriptions/event-hub';
import { EVENTS_CHANNEL } from './subscriptions/outbox';
import { ErasureJobRunner } from './services/erasure.job';
import { OutboxRetentionJob } from './subscriptions/outbox-retention';
import { ErrorCode } from './schema/errors';
import { nodeVisible } from './services/node.service';
import { SCHOOL_CHANNEL } from './services/school-zones';
import { clientAddress, compileTrust } from './client-address';
import { httpStatusPlugin, noSubscriptionsOverHttp } from './http-transport';
import { DIARY_EXTRACT_PATH } from './services/extract.service';
import { diaryExtractRoute } from './resolvers/extract.route';

export interface AppServer {
  url: string;
  wsUrl: string;
  port: number;
  httpServer: http.Server;
  connections: ConnectionRegistry;
  /** live event delivery of this process */
  events: EventHub;
  services: Services;
  /** Drains HTTP and WebSocket, then stops listening. Does not close the ORM. */
  stop(): Promise<void>;
}

interface ContextInput {
  token: string | null;
  ip: string;
  userAgent: string | null;
  /** already authenticated (a subscription on a socket, which re-checks the session itself): no token lookup */
  viewer?: Viewer;
}
/** A socket's client, fixed at connect; its token lives in its SocketSession. */
type SocketClient = Omit<ContextInput, 'token'>;

/** Builds the per-operation context: a forked EntityManager, fresh loaders, the authenticated viewer. */
export async function buildContext(orm: MikroORM, services: Services, config: AppConfig, log: Logger, input: ContextInput): Promise<Ctx> {
  const em = orm.em.fork();
  const ctx: Ctx = {
    em, viewer: null, authError: null, ip: input.ip, userAgent: input.userAgent,
    loaders: createLoaders(em), services, config, log,
  };
  if (input.viewer) {
    ctx.viewer = input.viewer;
  } else if (input.token) {
    const r = await services.auth.authenticate(em, input.token);
    if ('viewer' in r) ctx.viewer = r.viewer;
    else ctx.authError = authFailureError(r.failure);
  }
  return ctx;
}

/**
 * Every error carries a code from the fixed list. An unexpected error never reaches the client with
 * its message, SQL, bound values or stack, in any mode: it is logged with a request id, and the
 * client gets that id (`extensions.requestId`) to quote.
 */
export function formatError(log: Logger, opts: { hideSuggestions?: boolean; budgetMs?: number } = {}) {
  return (original: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Production does not hint at the schema ("Did you mean …?") to clients that cannot introspect it.
    const formatted = opts.hideSuggestions ? { ...original, message: withoutSuggestions(original.message) } : original;
    const code = formatted.extensions?.code as string | undefined;
    const known = code && code in ErrorCode;
    if (known && code !== ErrorCode.INTERNAL_SERVER_ERROR) return withoutStack(formatted);
    // A statement cancelled below a root field (a loader's query): the budget's error, not an internal one.
    if (opts.budgetMs && isCancelledStatement(error)) return { ...budgetError('interactive', opts.budgetMs).toJSON(), path: formatted.path, locations: formatted.locations };
    if (code && !known) {
      // Apollo's own codes (GRAPHQL_VALIDATION_FAILED, BAD_REQUEST, …) map onto our fixed list.
      const mapped = code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'BAD_REQUEST' || code === 'PERSISTED_QUERY_NOT_SUPPORTED' || code === 'OPERATION_RESOLUTION_FAILURE'
        ? ErrorCode.BAD_USER_INPUT : null;
      if (mapped) return withoutStack({ ...formatted, extensions: { ...formatted.extensions, code: mapped, reason: limitErrorReason(formatted) ?? code } });
    }
    const requestId = randomUUID();
    log.error({ err: error, requestId, path: formatted.path }, 'unexpected error');
    return {
      message: `Internal server error (request ${requestId})`, path: formatted.path, locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
    };
  };
}

/** graphql-js's "Did you mean …?" hints, removed. */
export const withoutSuggestions = (message: string): string => message.replace(/ Did you mean .*\?$/s, '');

/** Stack traces stay in the server's log. */
function withoutStack(f: GraphQLFormattedError): GraphQLFormattedError {
  if (!f.extensions || !('stacktrace' in f.extensions)) return f;
  const { stacktrace: _s, ...extensions } = f.extensions;
  return { ...f, extensions };
}

/** HTTP (POST/GET /graphql, GET /extracts/diary, /healthz, /readyz) and graphql-ws on the same port and path. */
export async function startServer(opts: { config: AppConfig; orm: MikroORM; log: Logger; databaseUrl: string; port?: number; host?: string }): Promise<AppServer> {
  const { config, orm, log } = opts;
  const schema: GraphQLSchema = await buildAppSchema();
  assertListBounds(schema);
  applyTimeBudgets(schema, config.budgets);
  const services = createServices(config);
  const connections = new ConnectionRegistry(log, config.subscriptions);
  // R-DIARY-3: events committed through any server process on this database reach this one's subscribers.
  const fmt = formatError(log, { hideSuggestions: config.nodeEnv === 'production', budgetMs: config.budgets.interactiveMs });
  /** An error as the client may see it, formatted like on HTTP. */
  const toClient = (e: GraphQLError) => {
    const f = fmt(e.toJSON(), e);
    return new GraphQLError(f.message, { path: f.path, extensions: f.extensions });
  };
  const formatResult = (result: ExecutionResult): ExecutionResult =>
    (result.errors?.length ? { ...result, errors: result.errors.map(toClient) } : result);
  const events = new EventHub(orm, log, { schema, visible: nodeVisible, format: formatResult }, config.events);
  services.events.attach(events);
  connections.onStaffAccessEnded((userId) => events.endStaffStreams(userId));
  const listener = new PgListener(opts.databaseUrl, log)
    .on(AUTH_CHANNEL, (payload) => connections.handlePayload(payload))
    .on(EVENTS_CHANNEL, () => events.wake())
    .on(SCHOOL_CHANNEL, (schoolId) => services.schoolZones.changed(schoolId))
    .onReconnect(() => {
      services.schoolZones.forgetAll();
      events.wake();
    });
  await events.start();
  await listener.start();

  const app = express();
  app.disable('x-powered-by');
  // One rule for the client's address on HTTP and WebSocket (src/client-address.ts).
  const trustProxy = compileTrust(config.trustProxy);
  app.set('trust proxy', trustProxy);
  const httpServer = http.createServer(app);

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: config.limits.bodyLimitBytes });
  const documents = cachedParseAndValidate(schema, config);
  const costs = costChecker(schema, config.limits.maxCost);
  // Connects arriving together (a reconnecting crowd) are authenticated in one statement.
  const connects = new DataLoader<string, Awaited<ReturnType<Services['auth']['authenticate']>>>(
    (tokens) => services.auth.authenticateMany(orm.em.fork(), tokens),
    { cache: false, maxBatchSize: 1000, batchScheduleFn: (run) => setImmediate(run) },
  );
  const wsCleanup = useServer<Record<string, unknown>, { client?: SocketClient; session?: SocketSession }>(
    {
      schema,
      onConnect: async (wsCtx) => {
        const token = bearerToken(wsCtx.connectionParams?.authorization ?? wsCtx.connectionParams?.Authorization);
        const socket = wsCtx.extra.socket;
        const req = wsCtx.extra.request;
        const ip = clientAddress(req, trustProxy);
        const refuse = (close: { code: number; reason: string }) => {
          socket.close(close.code, close.reason);
          return false;
        };
        if (!token) return refuse(SocketClose.UNAUTHORIZED);
        const r = await connects.load(token);
        if (!('viewer' in r)) {
          // An expired token is the one failure a client fixes by refreshing: 4419, which graphql-ws retries.
          return refuse(r.failure === 'BLOCKED' ? SocketClose.BLOCKED : r.failure === 'EXPIRED' ? SocketClose.TOKEN_EXPIRED : SocketClose.UNAUTHORIZED);
        }
        wsCtx.extra.client = { ip, userAgent: req.headers['user-agent'] ?? null };
        connections.add(socket, { userId: r.viewer.userId, sessionId: r.viewer.sessionId });
        // The socket lives no longer than its access token (closed with 4419), unless socketAuthRenew gives it a newer one.
        wsCtx.extra.session = new SocketSession(socket, r.viewer, token, r.expiresAt,
          (t) => services.auth.authenticate(orm.em.fork(), t), log);
        return true;
      },
      onSubscribe: async (wsCtx, id, payload) => {
        const nul = checkVariables(payload.variables);
        if (nul) return [nul];
        const parsed = documents(payload.query);
        if ('errors' in parsed) return parsed.errors.map((e) => new GraphQLError(fmt(e.toJSON(), e).message, { nodes: e.nodes, extensions: { ...e.extensions, code: e.extensions?.code ?? ErrorCode.BAD_USER_INPUT } }));
        const tooCostly = costs(parsed.document, payload.variables, payload.operationName);
        if (tooCostly) return [tooCostly];
        const { client, session } = wsCtx.extra as { client?: SocketClient; session?: SocketSession };
        const isSubscription = getOperationAST(parsed.document, payload.operationName)?.operation === 'subscription';
        // The socket's current token: a renewal (socketAuthRenew) applies to the operations started after it.
        // A subscription starts from the socket's authenticated viewer: its one access statement re-checks
        // the session, the account, the roles and the cursor (EventService); a socket whose session ends
        // is closed at once (AUTH_CHANNEL), one whose token expires at its expiry.
        const contextValue = await buildContext(orm, services, config, log, {
          ...client!, token: session!.token, viewer: isSubscription && !session!.viewer.mustChangePassword ? session!.viewer : undefined,
        });
        contextValue.socket = session;
        contextValue.operation = { id, socket: wsCtx.extra.socket, document: parsed.document, variableValues: payload.variables ?? undefined, operationName: payload.operationName };
        // Counted until onComplete (graphql-ws calls it however the operation ends) or the socket closes.
        if (isSubscription) {
          const refused = connections.subscriptionStarted(wsCtx.extra.socket, id);
          if (refused) return [refused];
        }
        return { schema, document: parsed.document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
      },
      onComplete: (wsCtx, id) => connections.subscriptionEnded(wsCtx.extra.socket, id),
      onError: (_ctx, _id, _payload, errors) => errors.map(toClient),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult),
    },
    wsServer,
  );

  const apollo = new ApolloServer<Ctx>({
    schema,
    // limitRules enforces GRAPHQL_INTROSPECTION on both transports; Apollo's own check would add a second, misleading error.
    introspection: true,
    // main.ts owns the signals: drain HTTP and WebSocket first, then the database.
    stopOnTerminationSignals: false,
    validationRules: [...limitRules(config), noSubscriptionsOverHttp],
    parseOptions: parseOptions(config),
    formatError: fmt,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No cache hints are used: Apollo's cache-control plugin would otherwise wrap every field.
      ApolloServerPluginCacheControlDisabled(),
      httpStatusPlugin(),
      costPlugin(schema, config.limits.maxCost),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      {
        // Variables are not seen by validation rules: the same NUL check before execution.
        async requestDidStart() {
          return {
            async didResolveOperation({ request }) {
              const nul = checkVariables(request.variables);
              if (nul) throw nul;
            },
          };
        },
      },
      {
        // One structured log line per HTTP operation.
        async requestDidStart() {
          const started = Date.now();
          return {
            async willSendResponse({ request, errors, contextValue }) {
              log.info({
                op: request.operationName ?? null,
                ms: Date.now() - started,
                user: contextValue?.viewer?.login ?? null,
                errors: errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
              }, 'graphql');
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    try {
      // A database that stops answering must not hang the probe.
      await Promise.race([
        orm.em.fork().getConnection().execute('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2 s')), 2000).unref()),
      ]);
      res.json({ status: 'ready' });
    } catch (err) {
      log.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  /** The context of an HTTP request: the same for /graphql and the routes beside it. */
  const httpContext = (req: express.Request) => buildContext(orm, services, config, log, {
    token: bearerToken(req.headers.authorization),
    ip: clientAddress(req, trustProxy),
    userAgent: req.headers['user-agent'] ?? null,
  });
  app.use(
    '/graphql',
    express.json({ limit: config.limits.bodyLimitBytes }),
    expressMiddleware(apollo, { context: async ({ req }) => httpContext(req) }),
  );
  // R-DIARY-4: the printable weekly diary extract (PDF), authenticated like /graphql.
  app.get(DIARY_EXTRACT_PATH, diaryExtractRoute({ context: httpContext, format: fmt, log }));
  // Body too large, malformed JSON: a JSON error with a code, not an HTML page.
  app.use((err: { status?: number; type?: string; message?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!err) return next();
    const status = err.status ?? 500;
    const code = status === 413 ? 'BAD_USER_INPUT' : status < 500 ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR';
    const message = status === 413 ? `Request body larger than ${config.limits.bodyLimitBytes} bytes` : status < 500 ? (err.message ?? 'Bad request') : 'Internal server error';
    res.status(status).json({ errors: [{ message, extensions: { code, reason: status === 413 ? 'BODY_TOO_LARGE' : err.type } }] });
  });

  // R-SEC-4: durable erasure jobs (personal data erased within 3 working days of a withdrawal).
  const erasure = new ErasureJobRunner(orm, { log, pollSeconds: config.erasurePollSeconds });
  erasure.start();
  // R-DIARY-3: events older than EVENTS_RETENTION_DAYS are pruned; older cursors are refused as expired.
  const retention = new OutboxRetentionJob(orm, { log, retentionDays: config.events.retentionDays });
  retention.start();
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? config.port, opts.host ?? config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const hostForUrl = (opts.host ?? config.host) === '0.0.0.0' ? 'localhost' : (opts.host ?? config.host);
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl}:${port}/graphql`,
    wsUrl: `ws://${hostForUrl}:${port}/graphql`,
    port,
    httpServer,
    connections,
    events,
    services,
    stop() {
      stopping ??= (async () => {
        await erasure.stop();
        await retention.stop();
        await apollo.stop();
        await events.stop();
        await listener.close();
      })();
      return stopping;
    },
  };
}
