import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';
import type { AlsOptions, CsrMatrix } from '@recgraph/recsys';
import { ExternalAlsModel, type ExternalRun } from '../external-als.ts';

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
 * ordinary ALS model (ExternalAlsModel). Spark's ALS regularises each row by its count
 * (ALS-WR) where the native solver does not, so good `regularization` values
 * differ between the two (Spark's default is 0.1).
 */
export class SparkAlsModel extends ExternalAlsModel {
  protected readonly run: ExternalRun;

  constructor(
    options: Partial<AlsOptions>,
    private readonly spark: SparkBackend,
  ) {
    super(options);
    this.run = {
      python: spark.python,
      timeoutS: spark.timeoutS ?? 3600,
      name: 'Spark ALS',
      pythonHint: 'SPARK_PYTHON must have pyspark',
    };
  }

  protected scriptArgs(work: string, userItems: CsrMatrix): string[] {
    const { nRows: nUsers, nCols: nItems, indptr, indices, data } = userItems;
    const nnz = indptr[nUsers]!;
    const o = this.options;
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
    return [
      SCRIPT,
      ...['--input', input, '--output', work, '--users', String(nUsers), '--items', String(nItems)],
      ...['--rank', String(o.factors), '--reg', String(o.regularization), '--alpha', String(o.alpha)],
      ...['--iterations', String(o.iterations), '--seed', String(o.seed), '--master', this.spark.master],
      ...['--driver-memory', this.spark.driverMemory ?? '1g', '--local-dir', join(work, 'spark')],
    ];
  }

  protected error(message: string): Error {
    return new SparkError(message);
  }
}
