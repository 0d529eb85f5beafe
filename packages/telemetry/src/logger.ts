import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { activeTraceId } from './tracing.ts';

export type { Logger };

export interface LoggerOptions {
  /** Defaults to "info"; tests pass "silent". Callers read it from config (LOG_LEVEL). */
  level?: LevelWithSilent;
  /** Where lines go (default stdout); tests capture them with a stream of their own. */
  destination?: DestinationStream;
}

/**
 * One JSON log line per event, tagged with the emitting service so the
 * all-in-one process (four subgraphs + gateway) stays readable when grepped.
 * Lines written while a span is active carry its `traceId`, so a log search
 * and a trace view meet on the same request.
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const traceId = activeTraceId();
        return traceId ? { traceId } : {};
      },
    },
    options.destination,
  );
}
