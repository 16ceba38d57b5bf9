import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

/**
 * What both server processes of the reads benchmark (reads-server.ts, reads-peer.ts) share: a count
 * of the SQL statements they send, and the IPC answers the benchmark reads them by.
 */

const WRAPPED = Symbol.for('otmetka.bench.statements');
let statements = 0;
/** HTTP requests received, those answered (the response ended), and those answered with 200 */
let requests = 0;
let answered = 0;
let ok = 0;

/**
 * Counts the HTTP requests the process's servers receive and those answered: the benchmark divides
 * CPU time and statements by the requests the server answered with 200 (autocannon leaves some in
 * flight at the end of a run: the server still answers those it has read; one whose body it had not
 * read when the connection closed may end otherwise). A request is answered when the
 * handler ends its response, whether or not the client still listens.
 */
function countRequests(): void {
  const proto = http.Server.prototype as unknown as { emit: (event: string, ...args: unknown[]) => boolean; [WRAPPED]?: true };
  if (proto[WRAPPED]) return;
  const emit = proto.emit;
  proto.emit = function counted(this: unknown, event: string, ...args: unknown[]) {
    if (event === 'request') {
      requests++;
      // Answered when the handler ends the response: its work is done, whether or not the client still listens.
      const res = args[1] as { statusCode: number; end: (...a: unknown[]) => unknown };
      const end = res.end;
      let ended = false;
      res.end = function counted(this: { statusCode: number }, ...a: unknown[]) {
        if (!ended) {
          ended = true;
          answered++;
          if (this.statusCode === 200) ok++;
        }
        return end.apply(this, a);
      };
    }
    return emit.call(this, event, ...args);
  };
  proto[WRAPPED] = true;
}

/**
 * Counts every statement sent through `pg`: Client.prototype.query is wrapped in each copy of `pg`
 * the process can load (this project's, knex's — which MikroORM runs its SQL through — and
 * MikroORM's own). A pool's query goes through its client's, so it is counted once. With
 * BENCH_SQL_LOG=<file> each statement's text is also appended to that file (one line each, for
 * reading what a request sends; it slows the server down).
 */
export function countStatements(): () => number {
  countRequests();
  const logFile = process.env.BENCH_SQL_LOG;
  const log = logFile
    ? (args: unknown[]) => {
      const q = args[0] as string | { text?: string } | undefined;
      const text = typeof q === 'string' ? q : q?.text ?? String(q);
      fs.appendFileSync(logFile, `${process.pid} ${text.replace(/\s+/g, ' ').trim()}\n`);
    }
    : null;
  const copies = new Set<{ Client: { prototype: { query: (...args: unknown[]) => unknown } } }>();
  const here = createRequire(__filename);
  copies.add(here('pg'));
  for (const from of ['knex', '@mikro-orm/postgresql']) {
    try {
      copies.add(createRequire(here.resolve(from))('pg'));
    } catch {
      // not installed: nothing of it to count
    }
  }
  for (const pg of copies) {
    const proto = pg.Client.prototype as { query: (...args: unknown[]) => unknown; [WRAPPED]?: true };
    if (proto[WRAPPED]) continue;
    const query = proto.query;
    proto.query = function counted(this: unknown, ...args: unknown[]) {
      statements++;
      log?.(args);
      return query.apply(this, args);
    };
    proto[WRAPPED] = true;
  }
  return () => statements;
}

type Request = { id: number; type: 'stats' | 'stop' };

/**
 * Answers the benchmark over IPC: `stats` → CPU time of this process (µs), statements sent, HTTP
 * requests received, answered, and answered with 200 so far; `stop` → runs `stop` and exits. Sends `ready` with the GraphQL URL first.
 */
export function answerBench(url: string, stop: () => Promise<void>): void {
  const send = (m: unknown) => process.send!(m);
  process.on('message', async (req: Request) => {
    try {
      if (req.type === 'stats') {
        send({ id: req.id, cpu: process.cpuUsage(), statements, requests, answered, ok });
      } else if (req.type === 'stop') {
        await stop();
        send({ id: req.id });
        process.exit(0);
      } else {
        send({ id: (req as { id: number }).id, error: `unknown request ${(req as { type: string }).type}` });
      }
    } catch (err) {
      send({ id: req.id, error: err instanceof Error ? err.stack : String(err) });
    }
  });
  send({ type: 'ready', url });
}
