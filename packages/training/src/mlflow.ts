import type { FlatMetrics } from './metrics.ts';

/** Logs a run to MLflow; every method swallows failures (warns), so tracking can never fail training. */
export interface RunTracker {
  logParams(params: Record<string, string | number | boolean>): Promise<void>;
  logMetrics(metrics: FlatMetrics): Promise<void>;
  /**
   * Uploads a file into the run's artifacts (e.g. "model/<id>.rgrs") through the tracking
   * server's artifact proxy (`mlflow server` serves artifacts by default).
   */
  logArtifact(path: string, bytes: Uint8Array): Promise<void>;
  finish(status: 'FINISHED' | 'FAILED'): Promise<void>;
  /** The MLflow run id, when the run could be created. */
  readonly runId: string | undefined;
}

export interface MlflowOptions {
  trackingUri: string;
  experimentName: string;
  runName: string;
  tags?: Record<string, string>;
  warn?: (message: string) => void;
  /** Per-request timeout (default 5 s): a hung tracking server must not hold training up. */
  timeoutMs?: number;
}

/** MLflow keys allow [\w.\- /] only: "ndcg@10" becomes "ndcg_at_10". */
export const mlflowKey = (name: string): string => name.replace(/@/g, '_at_').replace(/[^\w.\- /]/g, '_');

class MlflowError extends Error {}

/**
 * Starts an MLflow run through the REST API (get-by-name or create the
 * experiment, then runs/create). Returns a tracker even when MLflow is
 * unreachable: that one only warns.
 */
export async function startMlflowRun(o: MlflowOptions): Promise<RunTracker> {
  const warn = o.warn ?? ((m: string) => console.warn(m));
  const base = o.trackingUri.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 5000;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return send<T>(method, `mlflow/${path}`, body === undefined ? undefined : JSON.stringify(body), 'application/json');
  }

  async function send<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: string | Uint8Array | undefined,
    contentType: string,
  ): Promise<T> {
    const res = await fetch(`${base}/api/2.0/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new MlflowError(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async function experimentId(): Promise<string> {
    try {
      const r = await call<{ experiment: { experiment_id: string } }>(
        'GET',
        `experiments/get-by-name?experiment_name=${encodeURIComponent(o.experimentName)}`,
      );
      return r.experiment.experiment_id;
    } catch (err) {
      // MLflow answers 404 RESOURCE_DOES_NOT_EXIST for an unknown experiment.
      if (!(err instanceof MlflowError) || !/HTTP 404/.test(err.message)) throw err;
      return (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: o.experimentName }))
        .experiment_id;
    }
  }

  let runId: string | undefined;
  let artifactUri: string | undefined;
  try {
    const experiment_id = await experimentId();
    const r = await call<{ run: { info: { run_id: string; artifact_uri?: string } } }>('POST', 'runs/create', {
      experiment_id,
      run_name: o.runName,
      start_time: Date.now(),
      tags: Object.entries({ 'mlflow.runName': o.runName, ...o.tags }).map(([key, value]) => ({ key, value })),
    });
    runId = r.run.info.run_id;
    artifactUri = r.run.info.artifact_uri;
  } catch (err) {
    warn(`MLflow at ${base} unavailable, this run is not tracked: ${(err as Error).message}`);
  }

  const guarded = async (what: string, f: () => Promise<unknown>) => {
    if (!runId) return;
    try {
      await f();
    } catch (err) {
      warn(`MLflow ${what} failed (training continues): ${(err as Error).message}`);
    }
  };
  // log-batch takes at most 100 params / 1000 metrics per request.
  const chunks = <T>(a: T[], n: number) =>
    Array.from({ length: Math.ceil(a.length / n) }, (_, i) => a.slice(i * n, i * n + n));

  return {
    get runId() {
      return runId;
    },
    logParams: (params) =>
      guarded('log params', async () => {
        const list = Object.entries(params).map(([key, value]) => ({
          key: mlflowKey(key),
          value: String(value).slice(0, 6000),
        }));
        for (const c of chunks(list, 100)) await call('POST', 'runs/log-batch', { run_id: runId, params: c });
      }),
    logMetrics: (metrics) =>
      guarded('log metrics', async () => {
        const timestamp = Date.now();
        const list = Object.entries(metrics).map(([key, value]) => ({
          key: mlflowKey(key),
          value,
          timestamp,
          step: 0,
        }));
        for (const c of chunks(list, 1000)) await call('POST', 'runs/log-batch', { run_id: runId, metrics: c });
      }),
    logArtifact: (path, bytes) =>
      guarded('log artifact', async () => {
        // "mlflow-artifacts:/<experiment>/<run>/artifacts": the server proxies the artifact store.
        const proxied = /^mlflow-artifacts:\/+(.+)$/.exec(artifactUri ?? '');
        if (!proxied)
          throw new MlflowError(
            `the run's artifact_uri ${artifactUri} is not served by the tracking server (start it with --serve-artifacts)`,
          );
        const rel = path.split('/').map(encodeURIComponent).join('/');
        await send('PUT', `mlflow-artifacts/artifacts/${proxied[1]}/${rel}`, bytes, 'application/octet-stream');
      }),
    finish: (status) =>
      guarded('finish', () => call('POST', 'runs/update', { run_id: runId, status, end_time: Date.now() })),
  };
}
