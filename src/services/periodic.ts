import type { Logger } from '../logger';

/**
 * Runs `work` every `pollMs` (the first run at once) until `stop()`, never two runs at a time and
 * without keeping the process alive; a failed run is logged with `failure` and retried at the next
 * poll. The server's background jobs (erasure, event-log pruning) poll through it.
 */
export class PeriodicRun {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly work: () => Promise<unknown>, private readonly pollMs: number, private readonly failure: string, private readonly log?: Logger) {}

  start(): void {
    if (this.timer || this.pollMs <= 0) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.work().catch((err) => this.log?.error({ err }, this.failure)).finally(() => { this.running = null; });
    };
    this.timer = setInterval(tick, this.pollMs);
    this.timer.unref();
    tick();
  }

  /** Stops polling and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
