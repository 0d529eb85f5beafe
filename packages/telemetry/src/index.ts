export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export {
  initTelemetry,
  tracerFor,
  extractContext,
  injectTraceHeaders,
  inSpan,
  activeTraceId,
  SpanKind,
  SpanStatusCode,
  type TelemetryOptions,
} from './tracing.ts';
export { instrumentPgPool } from './pg.ts';
export { createServiceMetrics, outcomeOf, type ServiceMetrics } from './metrics.ts';
export {
  createConsumerLagGauge,
  type ConsumerLagGauge,
  type ConsumerLagOptions,
  type LagSource,
  type PartitionLagSample,
} from './consumer-lag.ts';
// Tests hand one to initTelemetry and read finished spans back from it.
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
