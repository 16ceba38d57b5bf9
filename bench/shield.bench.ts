import { execute, parse } from 'graphql';
import { buildAppSchema, buildBaseSchema } from '../src/schema/build-schema';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { buildContext } from '../src/server';
import { toGlobalId } from '../src/schema/node';
import { benchDatabase } from './db';

/**
 * Cost of the permission layer (graphql-shield wraps every field in a promise) on the largest list
 * so far: a page of 100 users with their roles and schools. Same query, same data, with and
 * without the shield middleware.
 */
export async function shieldBench() {
  const db = await benchDatabase();
  try {
    const conn = db.orm.em.getConnection();
    const [school] = await conn.execute<{ id: string }[]>('select id from school limit 1');
    const [hash] = await conn.execute<{ password_hash: string }[]>(`select password_hash from app_user where login = 'admin'`);
    await conn.execute(
      `with u as (
         insert into app_user (id, created_at, updated_at, login, password_hash, last_name, first_name, must_change_password)
         select gen_random_uuid(), now(), now(), 'bench' || g, ?, 'Иванов' || g, 'Иван', false from generate_series(1, 150) g
         returning id)
       insert into role_assignment (id, created_at, updated_at, user_id, school_id, role)
       select gen_random_uuid(), now(), now(), u.id, ?, 'STUDENT' from u`,
      [hash.password_hash, school.id],
    );
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    const log = createLogger('silent');
    const services = createServices(config);
    const base = await buildBaseSchema();
    const shielded = await buildAppSchema();
    const token = (await services.auth.login(
      await buildContext(db.orm, services, config, log, { token: null, ip: '127.0.0.1', userAgent: null }), 'admin', 'demo1234',
    )).tokens!.accessToken;
    const document = parse(`query($s: ID!) { users(schoolId: $s, first: 100) { nodes { id login fullName roles { role school { id name timeZone } } } } }`);
    const variableValues = { s: toGlobalId('School', school.id) };
    const run = async (schema: typeof base) => {
      const contextValue = await buildContext(db.orm, services, config, log, { token, ip: '127.0.0.1', userAgent: null });
      const r = await execute({ schema, document, variableValues, contextValue });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    const measure = async (schema: typeof base, n: number) => {
      for (let i = 0; i < 20; i++) await run(schema); // warm-up
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await run(schema);
      return Number(process.hrtime.bigint() - t) / 1e6 / n;
    };
    const n = 100;
    // Alternate the two so JIT warm-up and cache effects do not favour either.
    let plain = 0;
    let withShield = 0;
    for (let round = 0; round < 3; round++) {
      plain += await measure(base, n);
      withShield += await measure(shielded, n);
    }
    plain /= 3;
    withShield /= 3;
    process.stdout.write(
      `users(first: 100) with roles and schools, ${3 * n} runs each (incl. authentication and 3 SQL queries per run)\n` +
        `  without shield: ${plain.toFixed(2)} ms/op\n  with shield:    ${withShield.toFixed(2)} ms/op\n` +
        `  ratio:          ${(withShield / plain).toFixed(2)}x\n`,
    );
  } finally {
    await db.close();
  }
}
