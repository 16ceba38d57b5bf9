import pg from 'pg';
import type { EmbeddedPostgres } from '../../src/db/embedded';

export default async function globalTeardown() {
  const g = globalThis as Record<string, unknown>;
  const embedded = g.__otmetkaEmbedded as EmbeddedPostgres | undefined;
  if (embedded) {
    await embedded.stop();
    return;
  }
  const client = new pg.Client({ connectionString: g.__otmetkaAdminUrl as string });
  await client.connect();
  const dbs = await client.query(`select datname from pg_database where datname like $1`, [`otmetka_t%_${process.pid}_%`]);
  for (const row of dbs.rows) await client.query(`drop database if exists "${row.datname}" with (force)`);
  await client.end();
}
