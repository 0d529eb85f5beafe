import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';
import { AlsModel, itemFactorStorage, type AlsOptions, type CsrMatrix, type FitOptions } from '@recgraph/recsys';
import { EmptyInputError } from '@recgraph/recsys';

/** Where and how Spark runs (trainer settings SPARK_PYTHON, SPARK_MASTER, SPARK_DRIVER_MEMORY). */
export interface SparkBackend {
  /** A Python with pyspark installed (scripts/infra installs one under .infra/spark-venv). */
  python: string;
  /** `local[2]`, `spark://host:7077`, `k8s://…`, `yarn`. */
  master: string;
  driverMemory?: string;
  /**
   * With TRAINER_ALGORITHM=als, train with Spark once the data has at least this many
   * interactions (0: only when als-spark is asked for).
   */
  minInteractions?: number;
  /** Seconds a fit may take before it is abandoned (default one hour). */
  timeoutS?: number;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'als_spark.py');

export class SparkError extends Error {
  override readonly name = 'SparkError';
}

/**
 * Implicit ALS fitted by Spark MLlib, for data beyond one machine: the matrix is
 * exported as Parquet (u, i, w), `als_spark.py` runs `pyspark.ml.recommendation.ALS`
 * with implicitPrefs on the configured master, and the factors come back into an
 * ordinary ALS model, so its artifact (kind "als"), evaluation, registry and
 * serving are the native model's. Spark's ALS regularises each row by its count
 * (ALS-WR) where the native solver does not, so good `regularization` values
 * differ between the two (Spark's default is 0.1).
 */
export class SparkAlsModel extends AlsModel {
  /** What the last fit reported (Spark version, rows with factors, seconds). */
  summary: Record<string, unknown> | undefined;

  constructor(
    options: Partial<AlsOptions>,
    private readonly spark: SparkBackend,
  ) {
    super(options);
  }

  override async fit(userItems: CsrMatrix, fitOptions: FitOptions = {}): Promise<void> {
    const { nRows: nUsers, nCols: nItems, indptr, indices, data } = userItems;
    const nnz = indptr[nUsers] ?? 0;
    if (nUsers === 0 || nItems === 0 || nnz === 0) throw new EmptyInputError('user-items matrix has no entries');
    const o = this.options;
    const f = o.factors;
    const work = mkdtempSync(join(tmpdir(), 'recgraph-spark-'));
    const t0 = performance.now();
    try {
      const u = new Array<number>(nnz);
      for (let r = 0; r < nUsers; r++) for (let k = indptr[r]!; k < indptr[r + 1]!; k++) u[k] = r;
      const input = join(work, 'interactions.parquet');
      parquetWriteFile({
        filename: input,
        columnData: [
          { name: 'u', data: u, type: 'INT32' },
          { name: 'i', data: Array.from(indices), type: 'INT32' },
          { name: 'w', data: Array.from(data), type: 'FLOAT' },
        ],
      });
      await this.run(
        [
          SCRIPT,
          ...['--input', input, '--output', work, '--users', String(nUsers), '--items', String(nItems)],
          ...['--rank', String(f), '--reg', String(o.regularization), '--alpha', String(o.alpha)],
          ...['--iterations', String(o.iterations), '--seed', String(o.seed), '--master', this.spark.master],
          ...['--driver-memory', this.spark.driverMemory ?? '1g', '--local-dir', join(work, 'spark')],
        ],
        (stage) =>
          fitOptions.onProgress?.({
            iteration: stage === 'done' ? o.iterations : 0,
            iterations: o.iterations,
            seconds: (performance.now() - t0) / 1000,
          }),
      );
      const read = (file: string, rows: number) => {
        const bytes = readFileSync(join(work, file));
        if (bytes.length !== rows * f * 4)
          throw new SparkError(`${file}: expected ${rows} × ${f} float32, got ${bytes.length} bytes`);
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      };
      const X = read('user-factors.f32', nUsers);
      const Y = read('item-factors.f32', nItems);
      for (const [name, v] of [
        ['user', X],
        ['item', Y],
      ] as const)
        for (let k = 0; k < v.length; k++)
          if (!Number.isFinite(v[k])) throw new SparkError(`Spark returned a non-finite ${name} factor`);
      this.summary = JSON.parse(readFileSync(join(work, 'summary.json'), 'utf8')) as Record<string, unknown>;
      this.userFactors = X;
      this.itemFactors = itemFactorStorage(Y);
      this.nUsers = nUsers;
      this.nItems = nItems;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Runs the script; its JSON progress lines name stages, stderr's tail explains a failure. */
  private run(args: string[], onStage: (stage: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.spark.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let out = '';
      const timer = setTimeout(
        () => {
          child.kill('SIGKILL');
          reject(new SparkError(`Spark ALS did not finish within ${this.spark.timeoutS ?? 3600} s`));
        },
        (this.spark.timeoutS ?? 3600) * 1000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        let nl: number;
        while ((nl = out.indexOf('\n')) >= 0) {
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          try {
            const stage = (JSON.parse(line) as { stage?: unknown }).stage;
            if (typeof stage === 'string') onStage(stage);
          } catch {
            // Spark's own chatter on stdout: not a progress line.
          }
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new SparkError(`cannot start ${this.spark.python}: ${err.message} (SPARK_PYTHON must have pyspark)`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else
          reject(
            new SparkError(`Spark ALS failed (${code ?? signal}): ${stderr.trim().split('\n').slice(-8).join('\n')}`),
          );
      });
    });
  }
}
