export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { initTelemetry, tracerFor, extractContext, injectTraceHeaders, inSpan, activeTraceId, type TelemetryOptions } from './tracing.ts';
export { instrumentPgPool } from './pg.ts';
export { createServiceMetrics, type ServiceMetrics } from './metrics.ts';
