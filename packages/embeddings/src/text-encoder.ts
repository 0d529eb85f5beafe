import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEncoder, type Encoder } from './encoder.ts';
import type { ExecutionProvider } from './execution-provider.ts';
import { readEncoderManifest } from './manifest.ts';
import { loadSentenceEncoder, sentenceEncoderDirProblem } from './sentence-encoder.ts';
import { textFeatures, type ProductText } from './text-features.ts';

/** Where scripts/models/fetch-minilm.sh puts all-MiniLM-L6-v2 by default (the repository's .models/). */
export const DEFAULT_TEXT_ENCODER_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../.models/all-minilm-l6-v2-q',
);

/** What product TEXT embeddings and search queries are encoded with: a pretrained model or the built-in one. */
export interface TextEncoder {
  /** product_embeddings.model of the rows it writes ("<name>@<version>" for pretrained encoders). */
  readonly model: string;
  readonly dims: number;
  readonly pretrained: boolean;
  /** Where it was loaded from (a model directory, or the shipped manifest). */
  readonly source: string;
  encodeQuery(text: string): Promise<Float32Array>;
  encodeProducts(products: readonly ProductText[]): Promise<Float32Array[]>;
  /** Free text passages (the assistant's knowledge chunks), encoded as documents (the model's document prefix). */
  encodePassages(texts: readonly string[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

export interface TextEncoderChoice {
  /** The model directory to load, or undefined for the built-in encoder. */
  dir: string | undefined;
  /** Why, for the log. */
  reason: string;
}

/**
 * The configured directory (TEXT_ENCODER_DIR; an unusable one is an error), else the
 * fetched all-MiniLM-L6-v2 in .models/ when it is there, else the built-in encoder.
 */
export function chooseTextEncoder(configured?: string): TextEncoderChoice {
  if (configured) {
    const problem = sentenceEncoderDirProblem(configured);
    if (problem) throw new Error(`TEXT_ENCODER_DIR: ${problem}`);
    return { dir: resolve(configured), reason: `TEXT_ENCODER_DIR=${configured}` };
  }
  if (!sentenceEncoderDirProblem(DEFAULT_TEXT_ENCODER_DIR))
    return { dir: DEFAULT_TEXT_ENCODER_DIR, reason: `fetched model in ${DEFAULT_TEXT_ENCODER_DIR}` };
  return {
    dir: undefined,
    reason:
      'no pretrained text encoder (TEXT_ENCODER_DIR unset and none fetched into .models/): using the built-in hashed encoder; run scripts/models/fetch-minilm.sh for all-MiniLM-L6-v2',
  };
}

function fromShipped(e: Encoder): TextEncoder {
  return {
    model: e.spec.name,
    dims: e.spec.output.dims,
    pretrained: false,
    source: e.spec.path,
    encodeQuery: async (text) => (await e.encode([textFeatures({ title: text })]))[0]!,
    encodeProducts: (products) => e.encode(products.map((p) => textFeatures(p))),
    encodePassages: (texts) => e.encode(texts.map((t) => textFeatures({ title: t }))),
    release: () => e.release(),
  };
}

/** Opens the chosen text encoder (see chooseTextEncoder). */
export async function openTextEncoder(
  choice: TextEncoderChoice,
  o: { provider?: ExecutionProvider; threads?: number; modelsDir?: string } = {},
): Promise<TextEncoder> {
  if (choice.dir) {
    const s = await loadSentenceEncoder(choice.dir, o);
    return {
      model: s.model,
      dims: s.dims,
      pretrained: true,
      source: s.dir,
      encodeQuery: (t) => s.encodeQuery(t),
      encodeProducts: (p) => s.encodeProducts(p),
      encodePassages: (t) => s.encodePassages(t),
      release: () => s.release(),
    };
  }
  const spec = (await readEncoderManifest(o.modelsDir)).find((s) => s.kind === 'TEXT');
  if (!spec) throw new Error('the encoder manifest has no TEXT encoder');
  return fromShipped(await loadEncoder(spec, { ...(o.provider ? { provider: o.provider } : {}) }));
}
