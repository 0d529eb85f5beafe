import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase } from '@recgraph/db';
import { mlflowKey, startMlflowRun } from '../src/mlflow.ts';
import { runTraining } from '../src/run-training.ts';
import { DEFAULT_RANKER_PYTHON } from '../src/reranker/lambdamart.ts';
import { mlflowBin, startMlflowServer, type MlflowServer } from './mlflow-server.ts';

interface RunView {
  run: {
    info: { run_id: string; experiment_id: string; status: string; artifact_uri: string; run_name: string };
    data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] };
  };
}
const params = (r: RunView) => Object.fromEntries((r.run.data.params ?? []).map((p) => [p.key, p.value]));
const metrics = (r: RunView) => Object.fromEntries((r.run.data.metrics ?? []).map((m) => [m.key, m.value]));

const bin = mlflowBin();

describe.skipIf(!bin)('MLflow logging against a real tracking server', () => {
  let server: MlflowServer;
  beforeAll(async () => {
    server = await startMlflowServer(bin!);
  }, 180_000);
  afterAll(async () => server?.close());

  it('creates the experiment once, then runs; logs params, metrics and an artifact; finishes them', async () => {
    const warnings: string[] = [];
    const run = await startMlflowRun({
      trackingUri: `${server.url}/`,
      experimentName: 'recgraph test',
      runName: 'als-1',
      tags: { 'recgraph.algorithm': 'als' },
      // Generous: a busy CI machine, not MLflow's speed, is what the default 5 s would measure here.
      timeoutMs: 60_000,
      warn: (m) => warnings.push(m),
    });
    await run.logParams({ algorithm: 'als', factors: 64 });
    await run.logMetrics({ 'ndcg@10': 0.31, 'baseline_ndcg@10': 0.2 });
    const bytes = new Uint8Array(3000).map((_, i) => (i * 7) % 256);
    await run.logArtifact('model/m.rgrs', bytes);
    await run.finish('FINISHED');
    const again = await startMlflowRun({
      trackingUri: server.url,
      experimentName: 'recgraph test',
      runName: 'als-2',
      timeoutMs: 60_000,
      warn: (m) => warnings.push(m),
    });
    await again.finish('FAILED');
    expect(warnings).toEqual([]);

    const first = await server.api<RunView>(`runs/get?run_id=${run.runId}`);
    const second = await server.api<RunView>(`runs/get?run_id=${again.runId}`);
    const { experiment } = await server.api<{ experiment: { experiment_id: string } }>(
      `experiments/get-by-name?experiment_name=${encodeURIComponent('recgraph test')}`,
    );
    expect(first.run.info).toMatchObject({
      status: 'FINISHED',
      run_name: 'als-1',
      experiment_id: experiment.experiment_id,
    });
    expect(second.run.info).toMatchObject({ status: 'FAILED', experiment_id: experiment.experiment_id });
    expect(params(first)).toEqual({ algorithm: 'als', factors: '64' });
    expect(metrics(first)).toEqual({ ndcg_at_10: 0.31, baseline_ndcg_at_10: 0.2 });
    const listed = await server.api<{ files: { path: string; file_size: number; is_dir: boolean }[] }>(
      `artifacts/list?run_id=${run.runId}&path=model`,
    );
    expect(listed.files).toEqual([expect.objectContaining({ path: 'model/m.rgrs', file_size: 3000, is_dir: false })]);
    expect(await server.artifact(first.run.info.artifact_uri, 'model/m.rgrs')).toEqual(bytes);
  });

  it('a training run leaves its parameters, metrics and the registered model artifact in MLflow', async () => {
    const db = await openDatabase({});
    const modelDir = await mkdtemp(join(tmpdir(), 'rg-mlflow-models-'));
    try {
      await seedStore(db, generateStore({ seed: 11, products: 60, users: 80 }));
      const r = await runTraining(db, {
        algorithm: 'als',
        params: { factors: 8, iterations: 3 },
        modelDir,
        margin: 0,
        mlflow: { trackingUri: server.url, experimentName: 'recgraph training', timeoutMs: 60_000 },
        // The learned re-ranker's decision goes to MLflow too (when its venv is installed).
        ...(existsSync(DEFAULT_RANKER_PYTHON) ? { ranker: { python: DEFAULT_RANKER_PYTHON } } : {}),
      });
      expect(r.mlflowRunId).toBeDefined();
      const view = await server.api<RunView>(`runs/get?run_id=${r.mlflowRunId}`);
      expect(view.run.info.status).toBe('FINISHED');
      expect(params(view)).toMatchObject({ algorithm: 'als', factors: '8', model_version_id: r.version.id });
      expect(metrics(view).ndcg_at_10).toBeCloseTo(r.trained.evaluation.model['ndcg@10']!, 12);
      expect(metrics(view).promoted).toBe(1);
      if (existsSync(DEFAULT_RANKER_PYTHON)) {
        const decision = r.trained.rankerDecision as { generatorNdcg: number; rerankedNdcg: number; attached: boolean };
        expect(metrics(view).reranker_generator_ndcg).toBeCloseTo(decision.generatorNdcg, 12);
        expect(metrics(view).reranker_reranked_ndcg).toBeCloseTo(decision.rerankedNdcg, 12);
        expect(metrics(view).reranker_attached).toBe(decision.attached ? 1 : 0);
        const logged = await server.artifact(view.run.info.artifact_uri, 'reranker/decision.json');
        expect(JSON.parse(new TextDecoder().decode(logged))).toEqual(JSON.parse(JSON.stringify(decision)));
      }
      const bytes = await server.artifact(view.run.info.artifact_uri, `model/${r.version.id}.rgrs`);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.version.artifactSha256);
    } finally {
      await db.close();
      await rm(modelDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('MLflow failures never fail training', () => {
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
    await r2.logArtifact('model/m.rgrs', new Uint8Array(4));
    await r2.finish('FINISHED');
    await new Promise((r) => broken.close(r));
    expect(r2.runId).toBe('r1');
    expect(warned).toEqual([
      expect.stringMatching(/log params failed.*HTTP 500/),
      expect.stringMatching(/log artifact failed.*not served by the tracking server/),
      expect.stringMatching(/finish failed/),
    ]);
  });

  it('maps metric names onto the characters MLflow accepts', () => {
    expect(mlflowKey('ndcg@10')).toBe('ndcg_at_10');
    expect(mlflowKey('champion_hit_rate@20')).toBe('champion_hit_rate_at_20');
  });
});
