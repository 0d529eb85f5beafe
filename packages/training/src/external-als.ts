import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlsModel, EmptyInputError, itemFactorStorage, type CsrMatrix, type FitOptions } from '@recgraph/recsys';

/** How an external backend's script is run (its Python, its time limit, what names it in errors). */
export interface ExternalRun {
  python: string;
  /** Seconds before the fit is abandoned. */
  timeoutS: number;
  /** "Spark ALS", "implicit ALS": the subject of every error message. */
  name: string;
  /** The setting that names the Python, for "cannot start" (e.g. "SPARK_PYTHON must have pyspark"). */
  pythonHint: string;
}

/**
 * Implicit ALS fitted outside Node by a Python script (Spark MLlib, `implicit` on CPU or GPU):
 * the subclass writes the matrix where its script reads it and names the script's arguments;
 * this runs the script, follows its JSON progress lines on stdout ({"stage": …} and optionally
 * {"iteration": n}), and imports the factors it writes — `user-factors.f32` and
 * `item-factors.f32`, little-endian float32, one row per index — and `summary.json`. The
 * result is an ordinary ALS model, so its artifact (kind "als"), evaluation, registry and
 * serving are the native model's.
 */
export abstract class ExternalAlsModel extends AlsModel {
  /** What the last fit reported (versions, device, seconds); the registry records it. */
  summary: Record<string, unknown> | undefined;

  protected abstract readonly run: ExternalRun;

  /** Writes `userItems` into `work` and returns the script and its arguments. */
  protected abstract scriptArgs(work: string, userItems: CsrMatrix): string[];

  /** The error class of this backend. */
  protected abstract error(message: string): Error;

  override async fit(userItems: CsrMatrix, fitOptions: FitOptions = {}): Promise<void> {
    const { nRows: nUsers, nCols: nItems, indptr } = userItems;
    const nnz = indptr[nUsers] ?? 0;
    if (nUsers === 0 || nItems === 0 || nnz === 0) throw new EmptyInputError('user-items matrix has no entries');
    const { iterations, factors: f } = this.options;
    const work = mkdtempSync(join(tmpdir(), 'recgraph-als-'));
    const t0 = performance.now();
    try {
      await runPython(
        this.run,
        this.scriptArgs(work, userItems),
        (m) => this.error(m),
        (line) => {
          const iteration =
            line.stage === 'done' ? iterations : typeof line.iteration === 'number' ? line.iteration : 0;
          fitOptions.onProgress?.({ iteration, iterations, seconds: (performance.now() - t0) / 1000 });
        },
      );
      const read = (file: string, rows: number) => {
        const bytes = readFileSync(join(work, file));
        if (bytes.length !== rows * f * 4)
          throw this.error(`${file}: expected ${rows} × ${f} float32, got ${bytes.length} bytes`);
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      };
      const X = read('user-factors.f32', nUsers);
      const Y = read('item-factors.f32', nItems);
      for (const [side, v] of [
        ['user', X],
        ['item', Y],
      ] as const)
        for (let k = 0; k < v.length; k++)
          if (!Number.isFinite(v[k])) throw this.error(`${this.run.name} returned a non-finite ${side} factor`);
      this.summary = JSON.parse(readFileSync(join(work, 'summary.json'), 'utf8')) as Record<string, unknown>;
      this.userFactors = X;
      this.itemFactors = itemFactorStorage(Y);
      this.nUsers = nUsers;
      this.nItems = nItems;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/**
 * Runs `python args…` within `run.timeoutS`, handing each JSON object printed on stdout to
 * `onLine` (other output is the library's own chatter); rejects with the tail of stderr.
 */
export function runPython(
  run: ExternalRun,
  args: string[],
  error: (message: string) => Error,
  onLine: (line: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(error(`${run.name} did not finish within ${run.timeoutS} s`));
    }, run.timeoutS * 1000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue; // not a progress line
        }
        if (parsed && typeof parsed === 'object') onLine(parsed as Record<string, unknown>);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(error(`cannot start ${run.python}: ${err.message} (${run.pythonHint})`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(error(`${run.name} failed (${code ?? signal}): ${stderr.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
}
