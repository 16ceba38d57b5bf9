import pg from 'pg';
import type { Logger } from '../logger';

type Handler = (payload: string) => void;

/**
 * One LISTEN connection per server process for every channel. After losing the connection it
 * reconnects (500 ms, then every 2 s) and calls the `onReconnect` hooks, since notifications sent
 * meanwhile are lost: whoever relies on them catches up from the database.
 */
export class PgListener {
  private readonly handlers = new Map<string, Handler[]>();
  private readonly reconnectHooks: (() => void)[] = [];
  private client: pg.Client | null = null;
  private closing = false;

  constructor(private readonly databaseUrl: string, private readonly log: Logger) {}

  /** Registers a handler of a channel; call before `start`. */
  on(channel: string, handler: Handler): this {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Bad channel name ${channel}`);
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
    return this;
  }

  /** Runs after every reconnection (not after the first connection). */
  onReconnect(hook: () => void): this {
    this.reconnectHooks.push(hook);
    return this;
  }

  async start(): Promise<void> {
    await this.connect(false);
  }

  private async connect(reconnect: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('error', (err) => this.log.error({ err }, 'database listener failed'));
    client.on('end', () => {
      if (this.client !== client || this.closing) return;
      this.client = null;
      this.log.warn('database listener disconnected; reconnecting');
      const retry = () => {
        if (this.closing) return;
        this.connect(true).catch((err) => {
          this.log.error({ err }, 'database listener reconnect failed');
          setTimeout(retry, 2000).unref();
        });
      };
      setTimeout(retry, 500).unref();
    });
    await client.connect();
    client.on('notification', (msg) => {
      for (const h of this.handlers.get(msg.channel) ?? []) {
        try {
          h(msg.payload ?? '');
        } catch (err) {
          this.log.warn({ err, channel: msg.channel }, 'notification handler failed');
        }
      }
    });
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    if (this.closing) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (reconnect) for (const hook of this.reconnectHooks) hook();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
