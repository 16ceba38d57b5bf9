import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedPostgres } from '../../src/db/embedded';

/**
 * One PostgreSQL server for the run (DATABASE_URL's, or an embedded throwaway one). The first test
 * file to start builds a migrated + seeded template database (not here: MikroORM must not be
 * initialised in jest's global setup realm); every test file clones it into its own database.
 */
export default async function globalSetup() {
  const g = globalThis as Record<string, unknown>;
  // The tests' dates are in the demo calendar of 2025/2026, whatever today is.
  process.env.DEMO_YEAR = '2025';
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `otmetka-test-${process.pid}-${randomBytes(3).toString('hex')}`);
    const pg = await startEmbeddedPostgres({ dataDir, persistent: false, fast: true });
    g.__otmetkaEmbedded = pg;
    adminUrl = pg.url;
  }
  const template = `otmetka_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  process.env.OTMETKA_TEST_ADMIN_URL = adminUrl;
  process.env.OTMETKA_TEST_TEMPLATE = template;
  g.__otmetkaTemplate = template;
  g.__otmetkaAdminUrl = adminUrl;
}
