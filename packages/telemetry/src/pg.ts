import { SpanKind, SpanStatusCode, trace, context } from '@opentelemetry/api';
import type pg from 'pg';

const tracer = trace.getTracer('recgraph.db');
const TRACED = Symbol.for('recgraph.telemetry.pgTraced');

type QueryFn = ((...args: unknown[]) => unknown) & { [TRACED]?: true };

function statementText(first: unknown): string {
  return typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
}

/**
 * Replaces `target.query` with one that runs each promise-style call in a
 * CLIENT span. Callback-style calls pass through untouched: pg-pool's own
 * pool.query → client.query hop uses a callback, and that statement already
 * has its span from the pool.query wrapper.
 */
function traceQueries(target: { query: QueryFn }): void {
  const original = target.query;
  if (original[TRACED]) return;
  const traced: QueryFn = function (this: unknown, ...args: unknown[]) {
    // No active span means a background job outside any request; don't create orphan traces.
    if (!trace.getActiveSpan() || typeof args[args.length - 1] === 'function') return original.apply(this, args);
    const text = statementText(args[0]);
    const span = tracer.startSpan(
      `db ${text.trimStart().split(/\s+/, 1)[0]?.toUpperCase() || 'QUERY'}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': text.slice(0, 2000) } },
      context.active(),
    );
    let result: Promise<unknown>;
    try {
      result = original.apply(this, args) as Promise<unknown>;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      span.end();
      throw err;
    }
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
  traced[TRACED] = true;
  target.query = traced;
}

/**
 * Traces every SQL statement run through a pg pool (and so through Prisma's
 * pg adapter) as a child of the active span: gateway → subgraph → database.
 *
 * pool.query is wrapped itself because a call that waits for a free
 * connection resumes inside whichever request released it: only at call time
 * is the caller's context still the active one. Checked-out clients
 * (transactions) are wrapped as they connect.
 */
export function instrumentPgPool(pool: pg.Pool): void {
  traceQueries(pool as unknown as { query: QueryFn });
  pool.on('connect', (client) => traceQueries(client as unknown as { query: QueryFn }));
}
