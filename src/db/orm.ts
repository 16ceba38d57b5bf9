import { MikroORM, Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from '../entities';
import { migrationsList } from './migrations';
import { AuditSubscriber } from './audit.subscriber';

/**
 * ORM options shared by the server, the seed command and tests. With `statementTimeoutMs`, every
 * pooled connection starts with that `statement_timeout` (a startup parameter: no statement per
 * request); without it (migrations, seeding) statements are never cut.
 */
export function ormOptions(clientUrl: string, poolMax = 10, statementTimeoutMs?: number): Options {
  return {
    clientUrl,
    ...(statementTimeoutMs ? { driverOptions: { connection: { options: `-c statement_timeout=${statementTimeoutMs}` } } } : {}),
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
  return MikroORM.init(ormOptions(clientUrl, poolMax, statementTimeoutMs));
}

/** Applies pending migrations; never drops anything. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
