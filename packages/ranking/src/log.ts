/**
 * What the engine logs through: pino's Logger and the event bus's logger both
 * fit, so the recommend subgraph and the streaming updater hand it theirs.
 */
export interface EngineLog {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}
