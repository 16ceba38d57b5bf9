import { MikroORM, Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from '../entities';
import { migrationsList } from './migrations';
import { AuditSubscriber } from './audit.subscriber';
import { useLeanMetadata } from './lean';
import { installAsyncScopes } from './async-scope';

/**
 * ORM options shared by the server, the seed command and tests. Every pooled connection starts with
 * its settings as startup parameters (no statement per request):
 * - `jit=off`: the batch checks of live delivery (thousands of keys in one `unnest`) are estimated so
 *   high that PostgreSQL compiled them with LLVM — 1.4 s of a 1.47 s statement for 10,000
 *   subscribers, measured — while every statement here is short enough to gain nothing from JIT;
 * - with `statementTimeoutMs`, that `statement_timeout`; without it (migrations, seeding)
 *   statements are never cut.
 */
export function ormOptions(clientUrl: string, poolMax = 10, statementTimeoutMs?: number): Options {
  const settings = ['-c jit=off', ...(statementTimeoutMs ? [`-c statement_timeout=${statementTimeoutMs}`] : [])];
  return {
    clientUrl,
    driverOptions: { connection: { options: settings.join(' ') } },
    entities,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    subscribers: [new AuditSubscriber()],
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: poolMax },
    debug: false,
    migrations: {
      // Migrations are TypeScript classes compiled with the app; listed explicitly so they run the
      // same from dist/ and under jest.
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}

export async function initOrm(clientUrl: string, poolMax?: number, statementTimeoutMs?: number): Promise<MikroORM> {
  installAsyncScopes();
  const orm = await MikroORM.init(ormOptions(clientUrl, poolMax, statementTimeoutMs));
  useLeanMetadata(orm);
  return orm;
}

/** Applies pending migrations; never drops anything. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
