import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { ensureDatabase, withDatabase } from '../src/db/bootstrap';
import { initOrm, migrate } from '../src/db/orm';
import pg from 'pg';

/**
 * Prints the SQL that would bring a database migrated to the latest migration in line with the
 * entities: the starting point of a new migration (review and edit it; never apply it blindly).
 * Usage: DATABASE_URL=postgres://… node dist/scripts/schema-diff.js
 */
async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('Set DATABASE_URL to a server where a scratch database may be created');
  const name = `otmetka_diff_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(adminUrl, name);
  const orm = await initOrm(withDatabase(adminUrl, name), 2);
  try {
    await migrate(orm);
    process.stdout.write(await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: true }));
  } finally {
    await orm.close();
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database "${name}" with (force)`);
    await c.end();
  }
}
main().catch((e) => { process.stderr.write(`${e instanceof Error ? e.stack : e}\n`); process.exit(1); });
