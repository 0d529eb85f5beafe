import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from './execution-provider.ts';
import type { EncoderSpec } from './manifest.ts';

export class EncoderIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncoderIntegrityError';
  }
}

export interface Encoder {
  readonly spec: EncoderSpec;
  readonly provider: ExecutionProvider;
  /** One embedding per feature row, in order; rows must have spec.input.dims values. */
  encode(rows: readonly Float32Array[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

const staticDim = (d: unknown): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

/**
 * Loads an encoder: the file's sha256 must match the manifest (a truncated or
 * swapped model would otherwise produce plausible-looking garbage vectors), and
 * the session's input/output names and static sizes must match the contract.
 */
export async function loadEncoder(
  spec: EncoderSpec,
  o: { provider?: ExecutionProvider; threads?: number } = {},
): Promise<Encoder> {
  const bytes = await readFile(spec.path).catch((err: Error) => {
    throw new EncoderIntegrityError(`encoder ${spec.name}: cannot read ${spec.path}: ${err.message}`);
  });
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== spec.sha256)
    throw new EncoderIntegrityError(
      `encoder ${spec.name}: ${spec.path} has sha256 ${actual}, the manifest says ${spec.sha256}`,
    );
  const provider = o.provider ?? 'cpu';
  const session = await ort.InferenceSession.create(spec.path, {
    executionProviders: [provider],
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
  });
  const input = session.inputMetadata.find((m) => m.name === spec.input.name);
  const output = session.outputMetadata.find((m) => m.name === spec.output.name);
  const problem = !input
    ? `has no input "${spec.input.name}" (inputs: ${session.inputNames.join(', ')})`
    : !output
      ? `has no output "${spec.output.name}" (outputs: ${session.outputNames.join(', ')})`
      : input.isTensor && staticDim(input.shape[1]) !== undefined && input.shape[1] !== spec.input.dims
        ? `input ${spec.input.name} has ${String(input.shape[1])} features, the manifest says ${spec.input.dims}`
        : output.isTensor && staticDim(output.shape[1]) !== undefined && output.shape[1] !== spec.output.dims
          ? `output ${spec.output.name} has ${String(output.shape[1])} dims, the manifest says ${spec.output.dims}`
          : undefined;
  if (problem) {
    await session.release();
    throw new EncoderIntegrityError(`encoder ${spec.name} ${problem}`);
  }
  const inDims = spec.input.dims;
  const outDims = spec.output.dims;
  return {
    spec,
    provider,
    async encode(rows) {
      if (rows.length === 0) return [];
      const flat = new Float32Array(rows.length * inDims);
      rows.forEach((r, i) => {
        if (r.length !== inDims)
          throw new RangeError(`feature row ${i} has ${r.length} values, ${spec.name} needs ${inDims}`);
        flat.set(r, i * inDims);
      });
      const result = await session.run({ [spec.input.name]: new ort.Tensor('float32', flat, [rows.length, inDims]) });
      const out = result[spec.output.name]!;
      if (out.dims.length !== 2 || out.dims[0] !== rows.length || out.dims[1] !== outDims)
        throw new EncoderIntegrityError(
          `encoder ${spec.name} returned shape [${out.dims.join(', ')}], expected [${rows.length}, ${outDims}]`,
        );
      const data = out.data as Float32Array;
      return rows.map((_, i) => data.slice(i * outDims, (i + 1) * outDims));
    },
    release: () => session.release(),
  };
}
