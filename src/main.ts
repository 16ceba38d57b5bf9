import 'reflect-metadata';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startEmbeddedPostgres, EmbeddedPostgres, EmbeddedPostgresError } from './db/embedded';
import { ensureDatabase, withDatabase } from './db/bootstrap';
import { initOrm, migrate } from './db/orm';
import { seedDemo, DEMO_LOGINS, DEMO_PASSWORD } from './db/seed/demo';
import { startServer } from './server';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  const t0 = Date.now();

  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const dataDir = path.resolve(config.dataDir);
    log.info({ dataDir }, 'starting embedded PostgreSQL');
    try {
      embedded = await startEmbeddedPostgres({ dataDir, persistent: true, log: (line) => log.debug({ pg: line }) });
    } catch (e) {
      if (e instanceof EmbeddedPostgresError) {
        log.fatal(e.message);
        process.stderr.write(`\n${e.message}\n`);
        process.exit(1);
      }
      throw e;
    }
    await ensureDatabase(embedded.url, 'otmetka');
    databaseUrl = withDatabase(embedded.url, 'otmetka');
  }

  // Migrations and seeding run without a statement timeout; the server's pool has the interactive budget.
  const maintenance = await initOrm(databaseUrl, 2);
  try {
    const applied = await migrate(maintenance);
    if (applied.length) log.info({ migrations: applied }, 'migrations applied');
    if (config.seedDemo) {
      const steps = await seedDemo(maintenance);
      if (steps.length) log.info({ steps }, 'demo school seeded');
    }
  } finally {
    await maintenance.close();
  }
  const orm = await initOrm(databaseUrl, config.dbPoolMax, config.budgets.interactiveMs);
  const server = await startServer({ config, orm, log, databaseUrl });
  log.info({ url: server.url, ws: server.wsUrl, startupMs: Date.now() - t0, embeddedDatabase: !!embedded }, 'ready');
  process.stdout.write(
    `\nOtmetka GraphQL API ready in ${Date.now() - t0} ms\n  HTTP:      ${server.url}\n  WebSocket: ${server.wsUrl}\n` +
      (config.seedDemo ? `  Demo logins (password "${DEMO_PASSWORD}"): ${DEMO_LOGINS.join(', ')}\n` : '') +
      '\n',
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down: draining HTTP and WebSocket');
    const force = setTimeout(() => { log.error('shutdown timed out'); process.exit(1); }, 15000);
    force.unref();
    try {
      await server.stop();
      log.debug('servers drained');
      await orm.close();
      log.debug('database pool closed');
      await embedded?.stop();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
