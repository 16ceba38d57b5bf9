import pino from 'pino';

/** Structured JSON logs on stdout (one object per line). */
export function createLogger(level: string) {
  return pino({ level, base: { service: 'otmetka' }, timestamp: pino.stdTimeFunctions.isoTime });
}
export type Logger = ReturnType<typeof createLogger>;
