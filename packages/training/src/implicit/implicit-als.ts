import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AlsOptions, CsrMatrix } from '@recgraph/recsys';
import { ExternalAlsModel, runPython, type ExternalRun } from '../external-als.ts';
import { TrainingError } from '../errors.ts';

/** Where ALS trains: this process's WebAssembly kernels, or `implicit` on a CUDA GPU. */
export type TrainerDevice = 'cpu' | 'cuda';

/** A Python with `implicit` (scripts/infra/implicit.sh installs one) and the device it fits on. */
export interface ImplicitBackend {
  python: string;
  /** cuda: implicit.gpu.als; cpu: implicit.cpu.als (tests, comparisons; the trainer's CPU path is native). */
  device: TrainerDevice;
  /** Seconds a fit may take before it is abandoned (default one hour). */
  timeoutS?: number;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'als_implicit.py');

/** implicit's script failed, or the device asked for is not usable; `code` is stable. */
export class ImplicitError extends TrainingError {
  constructor(message: string, code = 'IMPLICIT_FAILED') {
    super(code, message);
  }
}

/** TRAINER_DEVICE=cuda where no CUDA GPU is usable through IMPLICIT_PYTHON. */
export class DeviceUnavailableError extends TrainingError {
  constructor(message: string) {
    super('TRAINER_DEVICE_UNAVAILABLE', message);
  }
}

/**
 * Implicit ALS fitted by `implicit` (benfred/implicit) in a Python subprocess: on the GPU
 * (`implicit.gpu.als`, CUDA) or its CPU solver. The hyper-parameters mean what they mean for
 * the native solver — factors, λ, α (c = 1 + α·w), iterations, CG steps — and the factors come
 * back into an ordinary ALS model (ExternalAlsModel), so evaluation, registry and serving are the
 * native model's. implicit initialises factors with its own generator (and the GPU with another
 * range), so the factors differ from a native fit with the same seed; the quality does not.
 */
export class ImplicitAlsModel extends ExternalAlsModel {
  protected readonly run: ExternalRun;

  constructor(
    options: Partial<AlsOptions>,
    private readonly implicit: ImplicitBackend,
  ) {
    super(options);
    this.run = {
      python: implicit.python,
      timeoutS: implicit.timeoutS ?? 3600,
      name: `implicit ALS (${implicit.device})`,
      pythonHint: 'IMPLICIT_PYTHON must have implicit: scripts/infra/implicit.sh [--gpu]',
    };
  }

  protected scriptArgs(work: string, m: CsrMatrix): string[] {
    const prefix = join(work, 'matrix');
    writeFileSync(`${prefix}.json`, JSON.stringify({ nRows: m.nRows, nCols: m.nCols }));
    writeFileSync(`${prefix}.indptr`, Int32Array.from(m.indptr));
    writeFileSync(`${prefix}.indices`, Int32Array.from(m.indices));
    writeFileSync(`${prefix}.data`, Float32Array.from(m.data));
    const o = this.options;
    return [
      SCRIPT,
      'fit',
      ...['--input', prefix, '--output', work, '--device', this.implicit.device],
      ...['--factors', String(o.factors), '--reg', String(o.regularization), '--alpha', String(o.alpha)],
      ...['--iterations', String(o.iterations), '--cg-steps', String(o.cgSteps), '--seed', String(o.seed)],
      ...['--threads', String(o.threads)],
    ];
  }

  protected error(message: string): Error {
    // Exit 2: the script found no usable GPU for device cuda (it says why on stderr).
    return / failed \(2\): /.test(message) && this.implicit.device === 'cuda'
      ? new DeviceUnavailableError(message)
      : new ImplicitError(message);
  }
}

/** What `als_implicit.py probe` reports about a Python. */
export interface ImplicitProbe {
  implicit: string | null;
  cuda: boolean;
  devices: number;
  gpu: string | null;
  /** Why there is no CUDA path, when there is none. */
  reason: string | null;
}

/** Asks `python` whether implicit imports and its CUDA extension sees a GPU. */
export async function probeImplicit(python: string, timeoutS = 120): Promise<ImplicitProbe> {
  let probe: ImplicitProbe | undefined;
  await runPython(
    { python, timeoutS, name: 'implicit probe', pythonHint: 'IMPLICIT_PYTHON must have implicit' },
    [SCRIPT, 'probe'],
    (m) => new ImplicitError(m),
    (line) => {
      if ('cuda' in line) probe = line as unknown as ImplicitProbe;
    },
  );
  if (!probe) throw new ImplicitError(`${python} printed no probe result`);
  return probe;
}

/** TRAINER_DEVICE: auto uses a CUDA GPU when IMPLICIT_PYTHON reports one, else the native CPU kernels. */
export type TrainerDeviceSetting = 'auto' | TrainerDevice;

export interface ResolvedDevice {
  device: TrainerDevice;
  /** native: packages/recsys's kernels in this process; implicit: the subprocess. */
  backend: 'native' | 'implicit';
  /** Set when ALS trains on the GPU: runTraining's `implicit` option. */
  implicit?: ImplicitBackend;
  /** Why this device (for the log line). */
  reason: string;
  probe?: ImplicitProbe;
}

/**
 * Chooses where ALS trains. `cpu`: native. `auto`: the GPU when `python` (IMPLICIT_PYTHON) has
 * implicit with a working CUDA extension and a visible device, else native — a Python that
 * cannot even be probed is reported as the reason, not an error. `cuda`: the GPU or a
 * DeviceUnavailableError saying why not.
 */
export async function resolveTrainingDevice(o: {
  setting: TrainerDeviceSetting;
  python?: string | undefined;
  timeoutS?: number;
}): Promise<ResolvedDevice> {
  if (o.setting === 'cpu') return { device: 'cpu', backend: 'native', reason: 'TRAINER_DEVICE=cpu' };
  if (!o.python) {
    if (o.setting === 'cuda')
      throw new DeviceUnavailableError('TRAINER_DEVICE=cuda needs IMPLICIT_PYTHON: a Python with implicit and CUDA');
    return { device: 'cpu', backend: 'native', reason: 'IMPLICIT_PYTHON is not set' };
  }
  let probe: ImplicitProbe;
  try {
    probe = await probeImplicit(o.python, o.timeoutS);
  } catch (err) {
    const why = `IMPLICIT_PYTHON (${o.python}) could not be probed: ${(err as Error).message}`;
    if (o.setting === 'cuda') throw new DeviceUnavailableError(`TRAINER_DEVICE=cuda, but ${why}`);
    return { device: 'cpu', backend: 'native', reason: why };
  }
  if (probe.cuda)
    return {
      device: 'cuda',
      backend: 'implicit',
      implicit: { python: o.python, device: 'cuda' },
      reason: `implicit ${probe.implicit} sees ${probe.devices} CUDA device(s)${probe.gpu ? ` (${probe.gpu})` : ''}`,
      probe,
    };
  const why = `no CUDA GPU usable through ${o.python}: ${probe.reason ?? 'unknown'}`;
  if (o.setting === 'cuda') throw new DeviceUnavailableError(`TRAINER_DEVICE=cuda, but ${why}`);
  return { device: 'cpu', backend: 'native', reason: why, probe };
}
