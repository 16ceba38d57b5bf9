import { startTestApp, TestApp, wsExecute, onClosed } from './helpers/app';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app?.stop(); });

const BLOCK = `mutation($i: UserBlockInput!) { userBlock(input: $i) { userErrors { code message } } }`;

test('R-SEC-6: after the account-event listener loses its database connection it reconnects, and a block still closes open sockets', async () => {
  const teacher = await app.as('teacher');
  const socket = app.ws(teacher.token);
  expect((await wsExecute(socket, '{ me { login } }')).data.me.login).toBe('teacher');
  const closed = onClosed(socket);

  const listeners = () => app.sql(`select pid from pg_stat_activity where datname = current_database() and query ilike 'LISTEN %'`);
  const [old] = await listeners();
  expect(old).toBeDefined();
  await app.sql(`select pg_terminate_backend($1)`, [old.pid]);
  // wait until a new listener (another backend) is connected
  let reconnected = false;
  for (let i = 0; i < 100 && !reconnected; i++) {
    reconnected = (await listeners()).some((r) => r.pid !== old.pid);
    if (!reconnected) await new Promise((r) => setTimeout(r, 100));
  }
  expect(reconnected).toBe(true);
  const admin = await app.as('admin');
  const r = await admin.ok(BLOCK, { i: { userId: teacher.userId, reason: 'учётные данные утекли' } });
  expect(r.userBlock.userErrors).toEqual([]);
  const timeout = new Promise<{ code: number }>((resolve) => setTimeout(() => resolve({ code: -1 }), 5000).unref());
  expect((await Promise.race([closed, timeout])).code).toBe(4403);
});
