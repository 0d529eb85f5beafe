/**
 * The encoder contract. An encoder is an ONNX model with ONE float32 input
 * [batch, inputDims] and ONE float32 output [batch, outputDims], each row of the
 * output an L2-normalised embedding. The featuriser named in the manifest turns a
 * product into the input row; the model does everything after that.
 *
 * The shipped encoders (models/*.onnx, built by scripts/build-models.ts) are
 * MatMul → L2 normalisation over hashed text features and image colour/edge
 * features. A stronger model can replace one without code changes as long as it
 * keeps this shape: e.g. a sentence-transformer exported with its pooling and a
 * final Dense(→64) + Normalize layer, fed by a featuriser that produces its
 * input (a tokenizer featuriser writing ids as floats, or an exported graph that
 * takes pre-computed features). Register the featuriser in featurisers.ts and
 * list the file, its sha256 and names in models/manifest.json.
 */

/** Output size of every shipped encoder: product_embeddings has HNSW indexes for 64 dims. */
export const EMBEDDING_DIMS = 64;

/** Hashed text feature buckets (word unigrams + character trigrams + attribute tokens). */
export const TEXT_FEATURE_DIMS = 2048;

/** Image features: 64 colour-histogram bins, 8×8×3 colour layout, 4×4×4 edge-orientation energy. */
export const IMAGE_FEATURE_DIMS = 64 + 192 + 64;

export const FEATURISERS = ['hashed-text-v1', 'image-grid-v1'] as const;
export type FeaturiserName = (typeof FEATURISERS)[number];
