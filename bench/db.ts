import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { ensureDatabase, withDatabase } from '../src/db/bootstrap';
import { initOrm, migrate } from '../src/db/orm';
import { seedDemo } from '../src/db/seed/demo';

/** A migrated, seeded throwaway database on DATABASE_URL's server or an embedded one. */
export async function benchDatabase() {
  let adminUrl = process.env.DATABASE_URL;
  const dataDir = adminUrl ? null : path.join(os.tmpdir(), `otmetka-bench-${process.pid}`);
  const embedded = dataDir ? await startEmbeddedPostgres({ dataDir, persistent: false, fast: true }) : null;
  adminUrl ??= embedded!.url;
  const name = `otmetka_bench_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(adminUrl, name);
  const url = withDatabase(adminUrl, name);
  const orm = await initOrm(url);
  await migrate(orm);
  await seedDemo(orm);
  return {
    url,
    orm,
    /** the embedded server's data folder (its postmaster.pid names its processes); null on DATABASE_URL's server */
    dataDir,
    async close() {
      await orm.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
      await embedded?.stop();
    },
  };
}
