import { createServer, type Server } from 'node:http';
import type { ServiceMetrics } from '@recgraph/telemetry';

/** What the HTTP surface needs from a streaming worker (updater, trainer). */
export interface ObservableWorker {
  readiness(): boolean;
  readonly metrics: { readonly service: ServiceMetrics };
}

/**
 * /health/live (process up), /health/ready (the worker's own readiness:
 * consuming, or schedule armed), /metrics (Prometheus).
 */
export function createWorkerHttpServer(worker: ObservableWorker): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/health/ready') {
      const ready = worker.readiness();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'not_ready' }));
    } else if (path === '/metrics') {
      worker.metrics.service.handle(req, res).catch(() => res.writeHead(500).end());
    } else {
      res.writeHead(404).end();
    }
  });
}
