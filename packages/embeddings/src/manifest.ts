import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FEATURISERS } from './contract.ts';

/** Where the shipped encoders and their manifest live. */
export const SHIPPED_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'models');

const tensorSpec = z.object({
  name: z.string().min(1),
  dims: z.number().int().min(1).max(1_000_000),
});

const entrySchema = z.object({
  /** Recorded as product_embeddings.model, so a model change is visible per row. */
  name: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"'),
  kind: z.enum(['TEXT', 'IMAGE']),
  /** Relative to the manifest's directory. */
  file: z.string().regex(/^[^/\\]+\.onnx$/, 'expected a file name ending in .onnx, in the manifest directory'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256'),
  featuriser: z.enum(FEATURISERS),
  input: tensorSpec,
  output: tensorSpec,
});

const manifestSchema = z.object({ encoders: z.array(entrySchema).min(1) });

export type EncoderManifestEntry = z.infer<typeof entrySchema>;

export interface EncoderSpec extends EncoderManifestEntry {
  /** Absolute path of the .onnx file. */
  path: string;
}

/** Reads and validates a manifest (default: the shipped one). */
export async function readEncoderManifest(dir = SHIPPED_MODELS_DIR): Promise<EncoderSpec[]> {
  const file = join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read encoder manifest ${file}: ${(err as Error).message}`);
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `invalid encoder manifest ${file}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return r.data.encoders.map((e) => ({ ...e, path: join(dir, e.file) }));
}
