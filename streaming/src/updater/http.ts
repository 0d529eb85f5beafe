import { createServer, type Server } from 'node:http';
import type { OnlineFeatureUpdater } from './updater.ts';

/** /health/live (process up), /health/ready (consuming), /metrics (Prometheus). */
export function createUpdaterHttpServer(updater: OnlineFeatureUpdater): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/health/ready') {
      const ready = updater.readiness();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'not_ready' }));
    } else if (path === '/metrics') {
      updater.metrics.service.handle(req, res).catch(() => res.writeHead(500).end());
    } else {
      res.writeHead(404).end();
    }
  });
}
