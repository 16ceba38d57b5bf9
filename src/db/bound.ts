import type { EntityManager } from '@mikro-orm/postgresql';

/** The parts of MikroORM's connection used here (`executeQuery` times and logs a statement like `execute`). */
interface LoggingConnection {
  executeQuery<R>(query: string, run: () => Promise<R>, context?: Record<string, unknown>): Promise<R>;
}

/**
 * Runs SQL with `?` placeholders whose values travel as the driver's bind parameters ($1…$n), in
 * `em`'s transaction when it has one, logged (and counted by the tests) like every other statement.
 * MikroORM's `execute` instead inlines every value into the SQL text as an escaped literal in
 * JavaScript: for the large array parameters of batch checks (a delivery to thousands of
 * subscribers, a batch of viewer-keyed access keys) that costs milliseconds per statement, and
 * PostgreSQL never sees the same text twice. Rows come back as from `execute`.
 */
export async function boundRows<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const connection = em.getConnection();
  const knex = (em.getTransactionContext() ?? connection.getKnex()) as ReturnType<typeof connection.getKnex>;
  return (connection as unknown as LoggingConnection).executeQuery(sql,
    async () => ((await knex.raw(sql, params as never)) as { rows: T[] }).rows,
    { query: sql, params });
}
