import 'reflect-metadata';
import { answerBench, countStatements } from './reads-child';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { initOrm } from '../src/db/orm';
import { startServer } from '../src/server';
import { clock } from '../src/clock';

/**
 * This project's server for the reads benchmark, alone in its own process (forked by
 * reads.bench.ts), configured by the environment like the real server, its school-calendar clock
 * pinned to TEST_NOW. Reports its CPU time and the SQL statements it sent over IPC (reads-child.ts).
 */
async function main() {
  countStatements();
  if (process.env.TEST_NOW) clock.pin(process.env.TEST_NOW);
  const databaseUrl = process.env.DATABASE_URL!;
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const orm = await initOrm(databaseUrl, config.dbPoolMax, config.budgets.interactiveMs);
  const server = await startServer({ config, orm, log, databaseUrl, port: 0, host: '127.0.0.1' });
  answerBench(server.url, async () => {
    await server.stop();
    await orm.close();
  });
}

main().catch((err) => {
  process.stderr.write(`reads-server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
