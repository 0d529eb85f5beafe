import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Defaults to "info"; tests pass "silent". Callers read it from config (LOG_LEVEL). */
  level?: LevelWithSilent;
}

/**
 * One JSON log line per event, tagged with the emitting service so the
 * all-in-one process (four subgraphs + gateway) stays readable when grepped.
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
