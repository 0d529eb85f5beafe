import { SpanKind, SpanStatusCode, trace, context } from '@opentelemetry/api';
import type pg from 'pg';

const tracer = trace.getTracer('recgraph.db');

type QueryFn = (...args: unknown[]) => unknown;

function wrapQuery(target: { query: QueryFn }, system: string): void {
  const original = target.query;
  if ((original as { __traced?: boolean }).__traced) return;
  const traced = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text ?? '';
    // No active span means a background job outside any request; don't create orphan traces.
    if (!trace.getActiveSpan() || typeof args[args.length - 1] === 'function') return original.apply(this, args);
    const span = tracer.startSpan(
      `db ${text.trimStart().split(/\s+/, 1)[0]?.toUpperCase() ?? 'QUERY'}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system': system, 'db.statement': text.slice(0, 2000) } },
      context.active(),
    );
    const result = original.apply(this, args) as Promise<unknown>;
    return result.then(
      (r) => {
        span.end();
        return r;
      },
      (err: Error) => {
        span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        span.end();
        throw err;
      },
    );
  };
  (traced as { __traced?: boolean }).__traced = true;
  target.query = traced;
}

/**
 * Traces every SQL statement run through a pg pool (and so through Prisma's
 * pg adapter) as a child of the active span: gateway → subgraph → database.
 */
export function instrumentPgPool(pool: pg.Pool): void {
  // pool.query delegates to a client's query, so wrapping clients covers both
  // without double spans. Call this right after creating the pool.
  pool.on('connect', (client) => wrapQuery(client as unknown as { query: QueryFn }, 'postgresql'));
}
