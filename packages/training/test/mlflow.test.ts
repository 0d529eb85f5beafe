import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowKey, startMlflowRun } from '../src/mlflow.ts';
import { startMlflowServer } from './mlflow-server.ts';

describe('MLflow REST logging', () => {
  let server: Awaited<ReturnType<typeof startMlflowServer>>;
  beforeAll(async () => {
    server = await startMlflowServer();
  });
  afterAll(async () => server?.close());

  it('creates the experiment once, then a run; logs params and metrics; finishes it', async () => {
    const warnings: string[] = [];
    const run = await startMlflowRun({
      trackingUri: `${server.url}/`,
      experimentName: 'recgraph test',
      runName: 'als-1',
      warn: (m) => warnings.push(m),
    });
    await run.logParams({ algorithm: 'als', factors: 64 });
    await run.logMetrics({ 'ndcg@10': 0.31, 'baseline_ndcg@10': 0.2 });
    await run.finish('FINISHED');
    const again = await startMlflowRun({ trackingUri: server.url, experimentName: 'recgraph test', runName: 'als-2' });
    await again.finish('FAILED');

    expect(warnings).toEqual([]);
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET experiments/get-by-name',
      'POST experiments/create',
      'POST runs/create',
      'POST runs/log-batch',
      'POST runs/log-batch',
      'POST runs/update',
      'GET experiments/get-by-name',
      'POST runs/create',
      'POST runs/update',
    ]);
    expect(server.calls[0]!.query).toEqual({ experiment_name: 'recgraph test' });
    expect(server.calls[2]!.body).toMatchObject({ experiment_id: '1', run_name: 'als-1' });
    expect(server.runs.get(run.runId!)).toEqual({
      status: 'FINISHED',
      params: { algorithm: 'als', factors: '64' },
      metrics: { ndcg_at_10: 0.31, baseline_ndcg_at_10: 0.2 },
    });
    expect(server.runs.get(again.runId!)!.status).toBe('FAILED');
    expect(server.calls[4]!.body!.metrics).toEqual([
      expect.objectContaining({ key: 'ndcg_at_10', value: 0.31, step: 0, timestamp: expect.any(Number) }),
      expect.objectContaining({ key: 'baseline_ndcg_at_10', value: 0.2 }),
    ]);
  });

  it('only warns when MLflow is unreachable or answers errors', async () => {
    const warnings: string[] = [];
    // A port nothing listens on.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const run = await startMlflowRun({
      trackingUri: `http://127.0.0.1:${port}`,
      experimentName: 'x',
      runName: 'r',
      warn: (m) => warnings.push(m),
    });
    await run.logMetrics({ 'ndcg@10': 1 });
    await run.finish('FINISHED');
    expect(run.runId).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unavailable, this run is not tracked/);

    // Reachable, but a call fails mid-run.
    const broken = createServer((req, res) => {
      const ok = req.url?.includes('get-by-name') || req.url?.includes('runs/create');
      res.writeHead(ok ? 200 : 500, { 'content-type': 'application/json' });
      res.end(
        ok
          ? JSON.stringify({ experiment: { experiment_id: '7' }, run: { info: { run_id: 'r1' } } })
          : '{"error_code":"INTERNAL_ERROR"}',
      );
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    const warned: string[] = [];
    const r2 = await startMlflowRun({
      trackingUri: url,
      experimentName: 'x',
      runName: 'r',
      warn: (m) => warned.push(m),
    });
    await r2.logParams({ a: 1 });
    await r2.finish('FINISHED');
    await new Promise((r) => broken.close(r));
    expect(r2.runId).toBe('r1');
    expect(warned).toEqual([
      expect.stringMatching(/log params failed.*HTTP 500/),
      expect.stringMatching(/finish failed/),
    ]);
  });

  it('maps metric names onto the characters MLflow accepts', () => {
    expect(mlflowKey('ndcg@10')).toBe('ndcg_at_10');
    expect(mlflowKey('champion_hit_rate@20')).toBe('champion_hit_rate_at_20');
  });
});
