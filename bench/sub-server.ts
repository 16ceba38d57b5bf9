import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { initOrm } from '../src/db/orm';
import { startServer } from '../src/server';

/**
 * The server of the subscriptions benchmark, alone in its own process (forked by
 * subscriptions.bench.ts with --expose-gc) so that its memory and CPU are measured without the
 * clients'. Configured by the environment like the real server; answers over IPC:
 *   { type: 'count' }                  → open sockets and subscriptions, CPU time (cheap: no GC; the CPU
 *                                        time reported leaves out the forced collections of 'stats')
 *   { type: 'stats' }                  → the same and the memory after a full GC
 *   { type: 'profile-start' | 'profile-stop', name } → CPU profile of a phase (SUB_PROFILE = folder)
 *   { type: 'stop' }                   → drains and exits
 */
type Request = { id: number; type: 'count' | 'stats' | 'profile-start' | 'profile-stop' | 'stop'; name?: string };

async function main() {
  const send = (m: unknown) => process.send!(m);
  const databaseUrl = process.env.DATABASE_URL!;
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const orm = await initOrm(databaseUrl, config.dbPoolMax);
  const server = await startServer({ config, orm, log, databaseUrl, port: 0, host: '127.0.0.1' });
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const profileDir = process.env.SUB_PROFILE || null;
  let session: Session | null = null;
  // CPU time spent in the forced collections of 'stats', left out of the CPU time reported.
  let forced = { user: 0, system: 0 };
  const cpu = () => {
    const c = process.cpuUsage();
    return { user: c.user - forced.user, system: c.system - forced.system };
  };

  const post = <T>(method: string, params?: object) => new Promise<T>((resolve, reject) => {
    session!.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });

  process.on('message', async (req: Request) => {
    try {
      switch (req.type) {
        case 'count': {
          send({ id: req.id, cpu: cpu(), subscriptions: server.events.size, sockets: server.connections.size });
          break;
        }
        case 'stats': {
          // Twice: the first pass may only queue finalizers of what the second frees.
          const before = process.cpuUsage();
          gc();
          gc();
          const spent = process.cpuUsage(before);
          forced = { user: forced.user + spent.user, system: forced.system + spent.system };
          send({ id: req.id, memory: process.memoryUsage(), cpu: cpu(), subscriptions: server.events.size, sockets: server.connections.size });
          break;
        }
        case 'profile-start': {
          if (!profileDir) return send({ id: req.id });
          session ??= new Session();
          session.connect();
          await post('Profiler.enable');
          await post('Profiler.setSamplingInterval', { interval: 200 });
          await post('Profiler.start');
          send({ id: req.id });
          break;
        }
        case 'profile-stop': {
          if (!profileDir || !session) return send({ id: req.id });
          const { profile } = await post<{ profile: unknown }>('Profiler.stop');
          session.disconnect();
          fs.mkdirSync(profileDir, { recursive: true });
          const file = path.join(profileDir, `${req.name ?? 'phase'}.cpuprofile`);
          fs.writeFileSync(file, JSON.stringify(profile));
          send({ id: req.id, file });
          break;
        }
        case 'stop': {
          await server.stop();
          await orm.close();
          send({ id: req.id });
          process.exit(0);
        }
      }
    } catch (err) {
      send({ id: req.id, error: err instanceof Error ? err.stack : String(err) });
    }
  });
  send({ type: 'ready', port: server.port, url: server.url, wsUrl: server.wsUrl });
}

main().catch((err) => {
  process.stderr.write(`sub-server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
