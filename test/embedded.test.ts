import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, EmbeddedPostgresError } from '../src/db/embedded';

const asRoot = process.getuid?.() === 0;
const folders: string[] = [];
const tempFolder = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otmetka-embedded-test-')); // mode 0700
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

// As root PostgreSQL runs as the OS user "postgres", which cannot pass through a 0700 folder of root's.
(asRoot ? test : test.skip)('EMBEDDED: as root, a data dir below a private folder is refused with a clear message (root only)', async () => {
  const dataDir = path.join(tempFolder(), 'data');
  const start = startEmbeddedPostgres({ dataDir, persistent: false, fast: true });
  await expect(start).rejects.toBeInstanceOf(EmbeddedPostgresError);
  await expect(start).rejects.toThrow(/cannot reach .*a folder above it is private/);
  await expect(start).rejects.toThrow(/DATABASE_URL/);
});

test('EMBEDDED: in a world-readable folder it starts, accepts connections, and stop() removes a non-persistent data dir', async () => {
  const parent = tempFolder();
  fs.chmodSync(parent, 0o755);
  const dataDir = path.join(parent, 'data');
  const db = await startEmbeddedPostgres({ dataDir, persistent: false, fast: true });
  let stopped = false;
  try {
    expect(db.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    await db.stop();
    stopped = true;
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(fs.existsSync(parent)).toBe(true);
    await db.stop(); // idempotent
  } finally {
    if (!stopped) await db.stop();
  }
});

test('EMBEDDED: a persistent data dir keeps its data across restarts; the password file is private; it listens on 127.0.0.1 only', async () => {
  const parent = tempFolder();
  fs.chmodSync(parent, 0o755);
  const dataDir = path.join(parent, 'data');
  const db = await startEmbeddedPostgres({ dataDir, persistent: true, fast: true });
  try {
    expect(fs.statSync(path.join(dataDir, 'pg-password')).mode & 0o077).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query(`select current_setting('listen_addresses') as listen`);
      expect(r.rows[0].listen).toBe('127.0.0.1');
      await client.query('create table kept (v int); insert into kept values (42)');
    } finally {
      await client.end();
    }
  } finally {
    await db.stop();
  }
  expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  const again = await startEmbeddedPostgres({ dataDir, persistent: true, fast: true });
  try {
    const client = new pg.Client({ connectionString: again.url });
    await client.connect();
    try {
      expect((await client.query('select v from kept')).rows).toEqual([{ v: 42 }]);
    } finally {
      await client.end();
    }
  } finally {
    await again.stop();
  }
});
