// Writes a tiny CLIP-style two-tower model directory, deterministic and a few KB, that the
// tests use to exercise the text → image path exactly as a real CLIP export would run:
// `tsx packages/embeddings/scripts/tiny-clip.ts <dir>`.
//
// Both towers embed into 3 dims, "colour away from grey":
//   image tower  image[batch, 3, 8, 8] → GlobalAveragePool → − 0.5 → L2 normalise
//                (the photo's mean colour, centred on mid grey)
//   text tower   input_ids[batch, tokens] → Gather(table) → token vectors (the sentence encoder
//                mean-pools and normalises them); colour words map to their colour's direction,
//                every other token to zero
// so "red" lands on red photos. It knows nothing else: a test model, not a search model.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeOnnxModel, INT64, type OnnxGraph } from './onnx-proto.ts';

const SIDE = 8;
/** Colour words and their RGB, centred on grey (the image tower's space). */
const COLOURS: Record<string, [number, number, number]> = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  yellow: [1, 1, 0],
  black: [0, 0, 0],
  white: [1, 1, 1],
};
const VOCAB = ['[UNK]', '[CLS]', '[SEP]', ...Object.keys(COLOURS)];

function imageTower(): OnnxGraph {
  return {
    name: 'tiny-clip-image',
    inputs: [{ name: 'image', shape: ['batch', 3, SIDE, SIDE] }],
    outputs: [{ name: 'embedding', shape: ['batch', 3] }],
    initializers: [{ name: 'grey', dims: [1], data: Float32Array.of(0.5) }],
    nodes: [
      { name: 'mean_colour', opType: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
      {
        name: 'flatten',
        opType: 'Flatten',
        inputs: ['pooled'],
        outputs: ['rgb'],
        attributes: [{ name: 'axis', i: 1 }],
      },
      { name: 'centre', opType: 'Sub', inputs: ['rgb', 'grey'], outputs: ['centred'] },
      {
        name: 'normalise',
        opType: 'LpNormalization',
        inputs: ['centred'],
        outputs: ['embedding'],
        attributes: [
          { name: 'axis', i: 1 },
          { name: 'p', i: 2 },
        ],
      },
    ],
  };
}

function textTower(): OnnxGraph {
  const table = new Float32Array(VOCAB.length * 3);
  VOCAB.forEach((word, i) => {
    const rgb = COLOURS[word];
    if (rgb) rgb.forEach((c, k) => (table[i * 3 + k] = c - 0.5));
  });
  return {
    name: 'tiny-clip-text',
    inputs: [
      { name: 'input_ids', shape: ['batch', 'tokens'], elemType: INT64 },
      { name: 'attention_mask', shape: ['batch', 'tokens'], elemType: INT64 },
    ],
    outputs: [{ name: 'token_embeddings', shape: ['batch', 'tokens', 3] }],
    initializers: [{ name: 'table', dims: [VOCAB.length, 3], data: table }],
    nodes: [{ name: 'lookup', opType: 'Gather', inputs: ['table', 'input_ids'], outputs: ['token_embeddings'] }],
  };
}

/** A WordPiece tokenizer.json over the colour vocabulary (lower-cased, BERT pre-tokenisation). */
function tokenizerJson(): string {
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((w, i) => [w, i])),
    },
  });
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Writes the model directory (image-encoder.json, model.onnx, text/) into `dir`. */
export function writeTinyClipModel(dir: string): void {
  const image = encodeOnnxModel(imageTower(), { opset: 13, producer: 'recgraph-tiny-clip' });
  const text = encodeOnnxModel(textTower(), { opset: 13, producer: 'recgraph-tiny-clip' });
  mkdirSync(join(dir, 'text'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), image);
  writeFileSync(join(dir, 'text', 'model.onnx'), text);
  writeFileSync(join(dir, 'text', 'tokenizer.json'), tokenizerJson());
  writeFileSync(join(dir, 'text', 'encoder.json'), JSON.stringify({ name: 'tiny-clip-text', version: '1' }));
  writeFileSync(
    join(dir, 'image-encoder.json'),
    JSON.stringify(
      {
        name: 'tiny-clip',
        version: '1',
        input: { name: 'image', side: SIDE },
        output: { name: 'embedding', dims: 3 },
        sha256: { 'model.onnx': sha256(image), 'text/model.onnx': sha256(text) },
        textTower: 'text',
        provenance: { builtBy: 'packages/embeddings/scripts/tiny-clip.ts', purpose: 'tests of the text → image path' },
      },
      null,
      2,
    ),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx packages/embeddings/scripts/tiny-clip.ts <dir>');
  writeTinyClipModel(resolve(dir));
  console.error(`wrote a tiny two-tower model to ${dir}`);
}
