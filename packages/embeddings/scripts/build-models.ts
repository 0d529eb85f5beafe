// Builds the shipped encoders: `npm run build-models -w packages/embeddings`.
// Deterministic: the same script writes byte-identical files, so the committed
// .onnx files and models/manifest.json (with their sha256) can be re-checked.
//
// Each encoder is featurised input → MatMul(seeded Gaussian projection) → L2
// normalisation. A random Gaussian projection keeps cosine similarities of the
// sparse feature space approximately (Johnson–Lindenstrauss) in 64 dimensions,
// needs no training data, and so ships without depending on any one catalog.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDING_DIMS, IMAGE_FEATURE_DIMS, TEXT_FEATURE_DIMS, type FeaturiserName } from '../src/contract.ts';
import type { EncoderManifestEntry } from '../src/manifest.ts';
import { encodeOnnxModel, type OnnxGraph } from './onnx-proto.ts';

// An output directory argument lets a test rebuild elsewhere and compare checksums.
const MODELS_DIR = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'models');

/** SplitMix32-style generator: a fixed seed gives the same matrix on every machine. */
function seededNormal(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  return () => {
    // Box–Muller; 1 - u keeps the logarithm finite.
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

function projection(rows: number, cols: number, seed: number): Float32Array {
  const normal = seededNormal(seed);
  const w = new Float32Array(rows * cols);
  const scale = 1 / Math.sqrt(cols);
  for (let i = 0; i < w.length; i++) w[i] = normal() * scale;
  return w;
}

function projectAndNormalise(name: string, inputDims: number, seed: number): OnnxGraph {
  return {
    name,
    docString: `features[batch, ${inputDims}] -> MatMul(seeded projection, seed ${seed}) -> L2 normalise -> embedding[batch, ${EMBEDDING_DIMS}]`,
    inputs: [{ name: 'features', shape: ['batch', inputDims] }],
    outputs: [{ name: 'embedding', shape: ['batch', EMBEDDING_DIMS] }],
    initializers: [
      { name: 'projection', dims: [inputDims, EMBEDDING_DIMS], data: projection(inputDims, EMBEDDING_DIMS, seed) },
      // Keeps an all-zero row (a product with no text) at zero instead of NaN.
      { name: 'epsilon', dims: [1], data: Float32Array.of(1e-12) },
    ],
    nodes: [
      { name: 'project', opType: 'MatMul', inputs: ['features', 'projection'], outputs: ['projected'] },
      {
        name: 'square_norm',
        opType: 'ReduceSumSquare',
        inputs: ['projected'],
        outputs: ['square_norm'],
        attributes: [
          { name: 'axes', ints: [1] },
          { name: 'keepdims', i: 1 },
        ],
      },
      { name: 'stabilise', opType: 'Add', inputs: ['square_norm', 'epsilon'], outputs: ['square_norm_eps'] },
      { name: 'norm', opType: 'Sqrt', inputs: ['square_norm_eps'], outputs: ['norm'] },
      { name: 'normalise', opType: 'Div', inputs: ['projected', 'norm'], outputs: ['embedding'] },
    ],
  };
}

const ENCODERS: {
  name: string;
  kind: 'TEXT' | 'IMAGE';
  file: string;
  featuriser: FeaturiserName;
  dims: number;
  seed: number;
}[] = [
  {
    name: 'recgraph-text-hash-v1',
    kind: 'TEXT',
    file: 'text-encoder.onnx',
    featuriser: 'hashed-text-v1',
    dims: TEXT_FEATURE_DIMS,
    seed: 20_261_101,
  },
  {
    name: 'recgraph-image-grid-v1',
    kind: 'IMAGE',
    file: 'image-encoder.onnx',
    featuriser: 'image-grid-v1',
    dims: IMAGE_FEATURE_DIMS,
    seed: 20_261_102,
  },
];

await mkdir(MODELS_DIR, { recursive: true });
const manifest: EncoderManifestEntry[] = [];
for (const e of ENCODERS) {
  const bytes = encodeOnnxModel(projectAndNormalise(e.name, e.dims, e.seed), {
    opset: 13,
    producer: 'recgraph-embeddings',
    metadata: { featuriser: e.featuriser, kind: e.kind },
  });
  await writeFile(join(MODELS_DIR, e.file), bytes);
  manifest.push({
    name: e.name,
    kind: e.kind,
    file: e.file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    featuriser: e.featuriser,
    input: { name: 'features', dims: e.dims },
    output: { name: 'embedding', dims: EMBEDDING_DIMS },
  });
  console.error(`wrote ${e.file} (${(bytes.length / 1024).toFixed(0)} KiB)`);
}
await writeFile(join(MODELS_DIR, 'manifest.json'), JSON.stringify({ encoders: manifest }, null, 2) + '\n');
