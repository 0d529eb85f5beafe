import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { EncoderIntegrityError, loadEncoder, type Encoder } from './encoder.ts';
import type { ExecutionProvider } from './execution-provider.ts';
import { imageFeatures } from './image-features.ts';
import { imagePixels } from './image-input.ts';
import { readEncoderManifest, SHIPPED_MODELS_DIR } from './manifest.ts';
import { loadSentenceEncoder, sentenceEncoderDirProblem, type SentenceEncoder } from './sentence-encoder.ts';

/**
 * Product IMAGE embeddings: a trained image model from a model directory, or the
 * built-in grid descriptor (colour histogram, colour layout, edge orientations through a
 * random projection) when there is none. A model directory holds
 *
 *   image-encoder.json  { name, version, input: { name, side }, output: { name, dims },
 *                         sha256: { "model.onnx": … }, textTower?, provenance? }
 *   model.onnx          input float32 [batch, 3, side, side]: RGB in [0, 1], the photo fitted on
 *                       white (imagePixels); output float32 [batch, dims], L2-normalised
 *   <textTower>/        optional: a CLIP-style text tower into the same space, as a
 *                       sentence-encoder directory (model.onnx + tokenizer.json, see
 *                       sentence-encoder.ts); with it, search adds text → image retrieval
 *
 * `npm run train:image-encoder` writes such a directory from a store's own products and
 * photos; models/image-cnn-fashion/ is the one trained on the fashion catalogue, shipped.
 */
export interface ImageEncoder {
  /** product_embeddings.model of the rows it writes: "<name>@<version>". */
  readonly model: string;
  readonly dims: number;
  /** false for the built-in descriptor. */
  readonly trained: boolean;
  /** The model directory, or "built-in". */
  readonly source: string;
  /** One L2-normalised vector per image (a file path or encoded bytes), in order. */
  encodeImages(images: readonly (Buffer | string)[]): Promise<Float32Array[]>;
  /** The text tower of a CLIP-style model: a search query into the image space. */
  readonly textTower?: Pick<SentenceEncoder, 'encodeQuery' | 'model'>;
  release(): Promise<void>;
}

/** The shipped trained encoder (see its image-encoder.json for provenance and checksum). */
export const SHIPPED_IMAGE_ENCODER_DIR = join(SHIPPED_MODELS_DIR, 'image-cnn-fashion');

const name = z.string().regex(/^[a-zA-Z0-9._+-]+$/, 'expected letters, digits, ".", "_", "+" or "-"');
export const imageEncoderDescriptorSchema = z.object({
  name,
  version: name,
  input: z.object({ name: z.string().min(1), side: z.number().int().min(8).max(1024) }),
  output: z.object({ name: z.string().min(1), dims: z.number().int().min(2).max(4096) }),
  sha256: z.object({ 'model.onnx': z.string().regex(/^[0-9a-f]{64}$/) }).catchall(z.string().regex(/^[0-9a-f]{64}$/)),
  textTower: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/, 'expected a directory name inside the model directory')
    .optional(),
  provenance: z.record(z.string(), z.unknown()).optional(),
});
export type ImageEncoderDescriptor = z.infer<typeof imageEncoderDescriptorSchema>;

/** Why `dir` cannot be an image-encoder directory, or undefined when it can. */
export function imageEncoderDirProblem(dir: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `${dir} is not a directory`;
  for (const f of ['image-encoder.json', 'model.onnx']) if (!existsSync(join(dir, f))) return `${dir} has no ${f}`;
  return undefined;
}

export interface ImageEncoderChoice {
  /** The model directory to load, or undefined for the built-in descriptor. */
  dir: string | undefined;
  /** Why, for the log. */
  reason: string;
}

/**
 * IMAGE_ENCODER_DIR when set ("builtin" asks for the grid descriptor; an unusable
 * directory is an error), else the shipped trained encoder when present, else the
 * built-in descriptor.
 */
export function chooseImageEncoder(configured?: string): ImageEncoderChoice {
  if (configured === 'builtin') return { dir: undefined, reason: 'IMAGE_ENCODER_DIR=builtin: the grid descriptor' };
  if (configured) {
    const problem = imageEncoderDirProblem(configured);
    if (problem) throw new Error(`IMAGE_ENCODER_DIR: ${problem}`);
    return { dir: resolve(configured), reason: `IMAGE_ENCODER_DIR=${configured}` };
  }
  if (!imageEncoderDirProblem(SHIPPED_IMAGE_ENCODER_DIR))
    return { dir: SHIPPED_IMAGE_ENCODER_DIR, reason: `the shipped trained encoder in ${SHIPPED_IMAGE_ENCODER_DIR}` };
  return {
    dir: undefined,
    reason: `no trained image encoder (IMAGE_ENCODER_DIR unset, ${SHIPPED_IMAGE_ENCODER_DIR} missing): the built-in grid descriptor`,
  };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Reads and checks a model directory's descriptor and the checksums of the files it lists. */
export function readImageEncoderDescriptor(dir: string): ImageEncoderDescriptor {
  const problem = imageEncoderDirProblem(dir);
  if (problem) throw new EncoderIntegrityError(`image encoder: ${problem}`);
  const file = join(dir, 'image-encoder.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EncoderIntegrityError(`image encoder: cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = imageEncoderDescriptorSchema.safeParse(raw);
  if (!parsed.success)
    throw new EncoderIntegrityError(
      `image encoder: invalid ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  for (const [f, want] of Object.entries(parsed.data.sha256)) {
    const path = join(dir, f);
    if (!existsSync(path)) throw new EncoderIntegrityError(`image encoder: ${path} is listed in ${file} but missing`);
    const got = sha256(readFileSync(path));
    if (got !== want) throw new EncoderIntegrityError(`image encoder: ${path} has sha256 ${got}, ${file} says ${want}`);
  }
  return parsed.data;
}

/** HWC bytes → CHW floats in [0, 1], the layout and scale the model's input takes. */
function toChw(px: Uint8Array, side: number, out: Float32Array, offset: number): void {
  const plane = side * side;
  for (let p = 0; p < plane; p++) {
    out[offset + p] = px[p * 3]! / 255;
    out[offset + plane + p] = px[p * 3 + 1]! / 255;
    out[offset + 2 * plane + p] = px[p * 3 + 2]! / 255;
  }
}

/** Loads a trained image encoder from its model directory (see ImageEncoder). */
export async function loadImageEncoder(
  dirIn: string,
  o: { provider?: ExecutionProvider; threads?: number } = {},
): Promise<ImageEncoder> {
  const dir = resolve(dirIn);
  const d = readImageEncoderDescriptor(dir);
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
    executionProviders: [o.provider ?? 'cpu'],
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
  });
  if (!session.inputNames.includes(d.input.name) || !session.outputNames.includes(d.output.name)) {
    await session.release();
    throw new EncoderIntegrityError(
      `image encoder: ${dir}/model.onnx has inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}; image-encoder.json names ${d.input.name} → ${d.output.name}`,
    );
  }
  let textTower: SentenceEncoder | undefined;
  if (d.textTower) {
    const towerDir = join(dir, d.textTower);
    const problem = sentenceEncoderDirProblem(towerDir);
    if (problem) {
      await session.release();
      throw new EncoderIntegrityError(`image encoder: text tower ${problem}`);
    }
    textTower = await loadSentenceEncoder(towerDir, o);
    if (textTower.dims !== d.output.dims) {
      await Promise.all([session.release(), textTower.release()]);
      throw new EncoderIntegrityError(
        `image encoder: the text tower embeds into ${textTower.dims} dims, the image tower into ${d.output.dims}`,
      );
    }
  }
  const side = d.input.side;
  const dims = d.output.dims;
  return {
    model: `${d.name}@${d.version}`,
    dims,
    trained: true,
    source: dir,
    ...(textTower ? { textTower } : {}),
    async encodeImages(images) {
      if (images.length === 0) return [];
      const pixels = await Promise.all(images.map((img) => imagePixels(img, side)));
      const plane = 3 * side * side;
      const input = new Float32Array(images.length * plane);
      pixels.forEach((px, i) => toChw(px, side, input, i * plane));
      const out = (
        await session.run({ [d.input.name]: new ort.Tensor('float32', input, [images.length, 3, side, side]) })
      )[d.output.name]!;
      if (out.dims.length !== 2 || out.dims[0] !== images.length || out.dims[1] !== dims)
        throw new EncoderIntegrityError(
          `image encoder ${d.name} returned shape [${out.dims.join(', ')}], expected [${images.length}, ${dims}]`,
        );
      const data = out.data as Float32Array;
      return images.map((_, i) => data.slice(i * dims, (i + 1) * dims));
    },
    release: async () => {
      await session.release();
      await textTower?.release();
    },
  };
}

function fromGrid(e: Encoder): ImageEncoder {
  return {
    model: e.spec.name,
    dims: e.spec.output.dims,
    trained: false,
    source: 'built-in',
    encodeImages: async (images) => e.encode(await Promise.all(images.map((img) => imageFeatures(img)))),
    release: () => e.release(),
  };
}

/** Opens the chosen image encoder (see chooseImageEncoder). */
export async function openImageEncoder(
  choice: ImageEncoderChoice,
  o: { provider?: ExecutionProvider; threads?: number; modelsDir?: string } = {},
): Promise<ImageEncoder> {
  if (choice.dir) return loadImageEncoder(choice.dir, o);
  const spec = (await readEncoderManifest(o.modelsDir)).find((s) => s.kind === 'IMAGE');
  if (!spec) throw new Error('the encoder manifest has no IMAGE encoder');
  return fromGrid(await loadEncoder(spec, { ...(o.provider ? { provider: o.provider } : {}) }));
}
