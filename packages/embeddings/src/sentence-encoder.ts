import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import type { ExecutionProvider } from './execution-provider.ts';
import type { ProductText } from './text-features.ts';
import { EncoderIntegrityError } from './encoder.ts';

/**
 * A pretrained sentence encoder from a local model directory, the way
 * sentence-transformers runs one: a real tokenizer (tokenizer.json through
 * @huggingface/tokenizers, pure JS, nothing fetched), the transformer in ONNX
 * through onnxruntime-node, mean pooling over the attention mask and L2
 * normalisation. Any BERT-style model exported to ONNX (all-MiniLM-L6-v2, BGE,
 * E5, GTE) works by dropping its files into a directory:
 *
 *   model.onnx       inputs input_ids, attention_mask (and token_type_ids if it has one), int64;
 *                    first output [batch, tokens, dims] (token embeddings) or [batch, dims] (pooled)
 *   tokenizer.json   the Hugging Face tokenizer
 *   encoder.json     optional: { name, version, maxTokens, queryPrefix, documentPrefix, sha256 }
 *
 * scripts/models/fetch-minilm.sh writes such a directory for all-MiniLM-L6-v2.
 */
export interface SentenceEncoder {
  /** Recorded in product_embeddings.model as "<name>@<version>", so rows say which encoder wrote them. */
  readonly model: string;
  readonly name: string;
  readonly version: string;
  readonly dims: number;
  readonly dir: string;
  /** One L2-normalised vector per text, in order. */
  encode(texts: readonly string[]): Promise<Float32Array[]>;
  /** A search query, with the model's query prefix (E5's "query: ", BGE's instruction) when it has one. */
  encodeQuery(text: string): Promise<Float32Array>;
  /** Products' text, with the model's document prefix when it has one. */
  encodeProducts(products: readonly ProductText[]): Promise<Float32Array[]>;
  /** Free text passages (the assistant's knowledge chunks), with the model's document prefix. */
  encodePassages(texts: readonly string[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

const descriptorSchema = z.object({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .optional(),
  version: z
    .string()
    .regex(/^[a-zA-Z0-9._+-]+$/)
    .optional(),
  maxTokens: z.number().int().min(8).max(8192).default(128),
  queryPrefix: z.string().default(''),
  documentPrefix: z.string().default(''),
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
});

/** Why `dir` cannot be a sentence-encoder directory, or undefined when it can. */
export function sentenceEncoderDirProblem(dir: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `${dir} is not a directory`;
  for (const f of ['model.onnx', 'tokenizer.json'])
    if (!existsSync(join(dir, f))) return `${dir} has no ${f} (run scripts/models/fetch-minilm.sh ${dir})`;
  return undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const wordsOf = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
/** Attributes the passage's opening phrase states. */
const LEAD_KEYS = new Set(['gender', 'colour', 'color', 'articleType', 'type', 'usage']);

/**
 * The passage format's version, part of every pretrained encoder's model name
 * ("<name>@<version>+<format>"): changing the format is changing the encoder, so the
 * embedding pipeline re-embeds in the background and switches when complete.
 */
export const PASSAGE_FORMAT = 'passage2';

/**
 * A product as one passage, the way a shopper would describe it first: "Women's Black
 * Casual Shoes for casual wear: <title>", then brand, category path, the other specs, and
 * the description when it adds words not said yet. Sentence encoders weigh what a passage
 * opens with; the title alone buries gender, colour and kind among model names (measured
 * with npm run eval:search: semantic nDCG@10 0.70 → 0.80 on the fashion catalogue).
 */
export function productPassage(p: ProductText): string {
  const a = p.attributes ?? {};
  const gender = text(a.gender);
  const colour = text(a.colour) ?? text(a.color);
  const leaf = p.category?.split('/').at(-1)?.replace(/[-_]/g, ' ');
  const kind = text(a.articleType) ?? text(a.type) ?? (leaf ? leaf.replace(/^./, (c) => c.toUpperCase()) : undefined);
  const usage = text(a.usage);
  const owner = gender && /^(men|women|boys|girls)$/i.test(gender) ? `${gender}'s` : gender;
  const lead = [owner, colour, kind].filter(Boolean).join(' ') + (usage ? ` for ${usage.toLowerCase()} wear` : '');
  const specs = Object.entries(a)
    .filter(([k, v]) => !LEAD_KEYS.has(k) && !/hex$/i.test(k) && (typeof v === 'string' || typeof v === 'number'))
    .map(([, v]) => String(v))
    .join(', ');
  const category = p.category ? p.category.split('/').join(' > ').replace(/[-_]/g, ' ') : '';
  const parts = [lead ? `${lead}: ${p.title}` : p.title, p.brand, category, specs].filter(
    (s): s is string => typeof s === 'string' && s.trim() !== '',
  );
  const said = wordsOf(parts.join(' '));
  const description = text(p.description);
  if (description && [...wordsOf(description)].some((w) => !said.has(w))) parts.push(description);
  return parts.join('. ');
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function loadSentenceEncoder(
  dirIn: string,
  o: { provider?: ExecutionProvider; threads?: number } = {},
): Promise<SentenceEncoder> {
  const dir = resolve(dirIn);
  const problem = sentenceEncoderDirProblem(dir);
  if (problem) throw new EncoderIntegrityError(`text encoder: ${problem}`);
  const descriptorFile = join(dir, 'encoder.json');
  const parsed = descriptorSchema.safeParse(
    existsSync(descriptorFile) ? JSON.parse(readFileSync(descriptorFile, 'utf8')) : {},
  );
  if (!parsed.success)
    throw new EncoderIntegrityError(
      `text encoder: invalid ${descriptorFile}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const d = parsed.data;
  const modelBytes = readFileSync(join(dir, 'model.onnx'));
  const tokenizerBytes = readFileSync(join(dir, 'tokenizer.json'));
  const modelSha = sha256(modelBytes);
  for (const [file, bytes] of [
    ['model.onnx', modelBytes],
    ['tokenizer.json', tokenizerBytes],
  ] as const) {
    const want = d.sha256?.[file];
    const got = file === 'model.onnx' ? modelSha : sha256(bytes);
    if (want && want !== got)
      throw new EncoderIntegrityError(`text encoder: ${join(dir, file)} has sha256 ${got}, encoder.json says ${want}`);
  }
  const tokenizerJson = JSON.parse(tokenizerBytes.toString('utf8')) as Record<string, unknown>;
  const tokenizer = new Tokenizer(tokenizerJson, {});
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: [o.provider ?? 'cpu'],
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
  });
  for (const needed of ['input_ids', 'attention_mask'])
    if (!session.inputNames.includes(needed))
      throw new EncoderIntegrityError(
        `text encoder: ${dir}/model.onnx has no input ${needed} (inputs: ${session.inputNames.join(', ')})`,
      );
  const wantsTypeIds = session.inputNames.includes('token_type_ids');
  const outputName = session.outputNames[0]!;
  const name = d.name ?? basename(dir);
  const version = d.version ?? `sha256-${modelSha.slice(0, 12)}`;
  const maxTokens = d.maxTokens;

  const tokenize = (text: string): number[] => {
    const ids = tokenizer.encode(text).ids;
    // Truncate keeping the final special token ([SEP] / </s>), as the tokenizer's own truncation does.
    return ids.length <= maxTokens ? ids : [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]!];
  };

  let dims = 0;
  const run = async (texts: readonly string[]): Promise<Float32Array[]> => {
    if (texts.length === 0) return [];
    const encoded = texts.map(tokenize);
    const len = Math.max(1, ...encoded.map((e) => e.length));
    const n = texts.length;
    const ids = new BigInt64Array(n * len);
    const mask = new BigInt64Array(n * len);
    encoded.forEach((e, i) =>
      e.forEach((id, j) => {
        ids[i * len + j] = BigInt(id);
        mask[i * len + j] = 1n;
      }),
    );
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [n, len]),
      attention_mask: new ort.Tensor('int64', mask, [n, len]),
    };
    if (wantsTypeIds) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * len), [n, len]);
    const out = (await session.run(feeds))[outputName]!;
    const data = out.data as Float32Array;
    const pooled = out.dims.length === 2;
    const h = Number(out.dims[out.dims.length - 1]);
    const vectors: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const v = new Float32Array(h);
      if (pooled) v.set(data.subarray(i * h, (i + 1) * h));
      else {
        // Mean pooling over real tokens (sentence-transformers' Pooling(mode_mean_tokens)).
        const tokens = encoded[i]!.length;
        for (let t = 0; t < tokens; t++) {
          const base = (i * len + t) * h;
          for (let k = 0; k < h; k++) v[k]! += data[base + k]!;
        }
        for (let k = 0; k < h; k++) v[k]! /= Math.max(1, tokens);
      }
      let norm = 0;
      for (let k = 0; k < h; k++) norm += v[k]! * v[k]!;
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = 0; k < h; k++) v[k]! *= inv;
      vectors.push(v);
    }
    return vectors;
  };
  dims = (await run(['probe']))[0]!.length;

  return {
    model: `${name}@${version}+${PASSAGE_FORMAT}`,
    name,
    version,
    dims,
    dir,
    encode: run,
    encodeQuery: async (text) => (await run([d.queryPrefix + text]))[0]!,
    encodeProducts: (products) => run(products.map((p) => d.documentPrefix + productPassage(p))),
    encodePassages: (texts) => run(texts.map((t) => d.documentPrefix + t)),
    release: () => session.release(),
  };
}
