import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { IncomingHttpHeaders } from 'node:http';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); unset → no export. */
  otlpEndpoint?: string | undefined;
  /** Extra exporter, e.g. an InMemorySpanExporter in tests (exported synchronously). */
  exporter?: SpanExporter;
}

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry SDK once per process: AsyncLocalStorage context,
 * W3C trace-context propagation, OTLP export when configured. In the
 * all-in-one quick start several services share the process, so the first
 * caller wins and each service tags its spans with `recgraph.service`.
 *
 * Instrumentation is explicit (server spans around requests, client spans
 * around subgraph fetches and SQL) rather than monkey-patching, because the
 * services are ES modules loaded before any require hook could run.
 */
export function initTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  if (!sdk) {
    const processors: SpanProcessor[] = [];
    if (options.otlpEndpoint) {
      processors.push(
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` })),
      );
    }
    if (options.exporter) processors.push(new SimpleSpanProcessor(options.exporter));
    sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': options.serviceName }),
      spanProcessors: processors,
      instrumentations: [],
    });
    sdk.start();
  }
  return {
    async shutdown() {
      const s = sdk;
      sdk = undefined;
      await s?.shutdown();
    },
  };
}

export const tracerFor = (service: string): Tracer => trace.getTracer(`recgraph.${service}`);

/** The W3C trace context carried by incoming request headers. */
export function extractContext(headers: IncomingHttpHeaders | Record<string, string | undefined>): Context {
  return propagation.extract(context.active(), headers);
}

/** Adds traceparent/tracestate for the active span to outgoing headers. */
export function injectTraceHeaders(headers: { set(name: string, value: string): void }): void {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  for (const [k, v] of Object.entries(carrier)) headers.set(k, v);
}

/**
 * Runs `fn` inside a new span that is active for everything it awaits, ending
 * it with the outcome. Errors are recorded and re-thrown.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
  opts: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes },
    opts.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** The active trace id, for log correlation; undefined outside a span. */
export function activeTraceId(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

export { SpanKind, SpanStatusCode, context, trace };
