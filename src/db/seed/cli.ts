import 'reflect-metadata';
import path from 'node:path';
import { loadConfig } from '../../config';
import { initOrm, migrate } from '../orm';
import { seedDemo } from './demo';
import { startEmbeddedPostgres } from '../embedded';
import { ensureDatabase, withDatabase } from '../bootstrap';

/** `npm run seed`: migrate and apply the demo seed to DATABASE_URL (or the embedded database). */
async function main() {
  const config = loadConfig();
  let url = config.databaseUrl;
  const embedded = url ? null : await startEmbeddedPostgres({ dataDir: path.resolve(config.dataDir), persistent: true });
  if (embedded) {
    await ensureDatabase(embedded.url, 'otmetka');
    url = withDatabase(embedded.url, 'otmetka');
  }
  const orm = await initOrm(url!);
  try {
    await migrate(orm);
    const steps = await seedDemo(orm);
    process.stdout.write(steps.length ? `Seeded: ${steps.join(', ')}\n` : 'Demo seed already applied.\n');
  } finally {
    await orm.close();
    await embedded?.stop();
  }
}
main().catch((e) => { process.stderr.write(`${e instanceof Error ? e.message : e}\n`); process.exit(1); });
