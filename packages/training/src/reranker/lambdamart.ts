import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';

/** Rows for LambdaMART: features row-major, one label per row, rows grouped by user (candidates per group). */
export interface RankingRows {
  featureNames: readonly string[];
  features: Float32Array;
  labels: Float32Array;
  groups: Int32Array;
}

export interface LambdaMartParams {
  rounds?: number;
  learningRate?: number;
  numLeaves?: number;
  minDataInLeaf?: number;
  featureFraction?: number;
  /** lambdarank_truncation_level: pairs below this rank are not swapped. */
  truncation?: number;
  seed?: number;
  threads?: number;
}

export interface TrainedLambdaMart {
  /** The ONNX model (input "features" [n, nFeatures] float32, output [n, 1] raw scores). */
  onnx: Uint8Array;
  /** LightGBM's own text dump of the same trees. */
  lightgbm: string;
  featureNames: string[];
  rounds: number;
  /** LightGBM's own raw predictions for `checkRows`, when asked. */
  check?: Float32Array;
}

/** The Python the trainer runs LightGBM with is not usable, or LightGBM failed. */
export class RerankerTrainingError extends Error {
  override readonly name = 'RerankerTrainingError';
}

const SCRIPT = join(import.meta.dirname, 'lambdamart.py');

/** The venv scripts/infra/ranker.sh installs. */
export const DEFAULT_RANKER_PYTHON = resolve(import.meta.dirname, '../../../../.infra/ranker-venv/bin/python');

/**
 * The Python the trainer learns its re-ranker with (config RANKER_PYTHON): the one configured,
 * none for `off`, else the venv scripts/infra/ranker.sh installs when it is there.
 */
export function rankerPython(configured: string | undefined): string | undefined {
  if (configured === 'off') return undefined;
  return configured ?? (existsSync(DEFAULT_RANKER_PYTHON) ? DEFAULT_RANKER_PYTHON : undefined);
}

/**
 * Trains LambdaMART (LightGBM, lambdarank objective) on `rows` with `python` (a Python with
 * lightgbm and onnxmltools: scripts/infra/ranker.sh installs one in .infra/ranker-venv) and
 * returns the booster as ONNX. `checkRows` (row-major features) are also scored by LightGBM
 * itself, so callers can prove the ONNX export scores the same.
 */
export async function trainLambdaMart(
  python: string,
  rows: RankingRows,
  params: LambdaMartParams = {},
  checkRows?: Float32Array,
): Promise<TrainedLambdaMart> {
  const f = rows.featureNames.length;
  const n = rows.labels.length;
  if (!existsSync(python)) throw new RerankerTrainingError(`no Python at ${python}: run scripts/infra/ranker.sh`);
  if (f === 0 || rows.features.length !== n * f)
    throw new RerankerTrainingError(`features hold ${rows.features.length} values, expected ${n} rows × ${f}`);
  if (rows.groups.reduce((a, b) => a + b, 0) !== n)
    throw new RerankerTrainingError('groups must add up to the number of rows');
  if (!rows.labels.some((l) => l > 0)) throw new RerankerTrainingError('no positive label: nothing to learn');
  const work = mkdtempSync(join(tmpdir(), 'lambdamart-'));
  try {
    const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(work, 'X.f32'), bytes(rows.features));
    writeFileSync(join(work, 'y.f32'), bytes(rows.labels));
    writeFileSync(join(work, 'group.i32'), bytes(rows.groups));
    if (checkRows) writeFileSync(join(work, 'Xcheck.f32'), bytes(checkRows));
    writeFileSync(join(work, 'meta.json'), JSON.stringify({ nFeatures: f, featureNames: rows.featureNames, params }));
    await new Promise<void>((resolve, reject) => {
      const child = spawn(python, [SCRIPT, work], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      child.on('error', (e) => reject(new RerankerTrainingError(`could not run ${python}: ${e.message}`)));
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new RerankerTrainingError(`LightGBM exited with ${code}: ${err.trim()}`)),
      );
    });
    const result = JSON.parse(readFileSync(join(work, 'result.json'), 'utf8')) as { rounds: number };
    const check = checkRows ? readFileSync(join(work, 'check.f32')) : undefined;
    return {
      onnx: new Uint8Array(readFileSync(join(work, 'model.onnx'))),
      lightgbm: readFileSync(join(work, 'model.txt'), 'utf8'),
      featureNames: [...rows.featureNames],
      rounds: result.rounds,
      ...(check
        ? { check: new Float32Array(check.buffer.slice(check.byteOffset, check.byteOffset + check.byteLength)) }
        : {}),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A LambdaMART model scored with onnxruntime-node (serving and evaluation alike). */
export class OnnxRanker {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly nFeatures: number,
  ) {}

  static async load(onnx: Uint8Array, nFeatures: number): Promise<OnnxRanker> {
    const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new OnnxRanker(session, nFeatures);
  }

  /** One score per row of `features` (row-major, rows × nFeatures); higher ranks first. */
  async score(features: Float32Array): Promise<Float32Array> {
    const n = features.length / this.nFeatures;
    if (!Number.isInteger(n)) throw new RangeError(`features are not rows of ${this.nFeatures}`);
    if (n === 0) return new Float32Array(0);
    const input = new ort.Tensor('float32', features, [n, this.nFeatures]);
    const out = await this.session.run({ [this.session.inputNames[0]!]: input });
    const t = out[this.session.outputNames[0]!]!;
    return Float32Array.from(t.data as Float32Array);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
