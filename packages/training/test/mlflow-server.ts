import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

/**
 * A small HTTP server speaking the part of MLflow's REST API the trainer uses
 * (no MLflow can be installed here). It keeps experiments and runs in memory,
 * answers like MLflow (404 RESOURCE_DOES_NOT_EXIST for an unknown experiment)
 * and records every call so tests can check them.
 */
export async function startMlflowServer(): Promise<{
  url: string;
  calls: RecordedCall[];
  runs: Map<string, { status: string; params: Record<string, string>; metrics: Record<string, number> }>;
  close(): Promise<void>;
}> {
  const calls: RecordedCall[] = [];
  const experiments = new Map<string, string>();
  const runs = new Map<string, { status: string; params: Record<string, string>; metrics: Record<string, number> }>();
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      const path = u.pathname.replace('/api/2.0/mlflow/', '');
      calls.push({ method: req.method ?? '', path, query: Object.fromEntries(u.searchParams), body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (path === 'experiments/get-by-name' && req.method === 'GET') {
        const id = experiments.get(u.searchParams.get('experiment_name') ?? '');
        return id
          ? send(200, { experiment: { experiment_id: id } })
          : send(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no experiment' });
      }
      if (path === 'experiments/create' && req.method === 'POST') {
        const id = String(experiments.size + 1);
        experiments.set(String(body?.name), id);
        return send(200, { experiment_id: id });
      }
      if (path === 'runs/create' && req.method === 'POST') {
        const id = `run${runs.size + 1}`;
        runs.set(id, { status: 'RUNNING', params: {}, metrics: {} });
        return send(200, { run: { info: { run_id: id, experiment_id: body?.experiment_id } } });
      }
      const run = runs.get(String(body?.run_id));
      if (!run) return send(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'unknown run' });
      if (path === 'runs/log-batch') {
        for (const p of (body?.params as { key: string; value: string }[] | undefined) ?? [])
          run.params[p.key] = p.value;
        for (const m of (body?.metrics as { key: string; value: number }[] | undefined) ?? [])
          run.metrics[m.key] = m.value;
        return send(200, {});
      }
      if (path === 'runs/update') {
        run.status = String(body?.status);
        return send(200, { run_info: { run_id: body?.run_id, status: run.status } });
      }
      send(404, { error_code: 'ENDPOINT_NOT_FOUND' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, runs, close: () => new Promise((r) => server.close(() => r())) };
}
