import type { Rng } from './random.ts';

/**
 * The latent space shared by users and products. The first STYLE_DIMS
 * dimensions are "style" (which departments, categories, colours and brands
 * go together); the last is price: for a product how cheap it is relative to
 * its category, for a user how much that matters to them. A user's utility
 * for a product is simply the dot product, which is what the simulation acts
 * on and what tests and offline evaluation can read back as ground truth.
 */
export const LATENT_DIMS = 16;
export const STYLE_DIMS = LATENT_DIMS - 1;
export const PRICE_DIM = LATENT_DIMS - 1;

export function randomDirection(rng: Rng): Float32Array {
  const v = new Float32Array(STYLE_DIMS);
  for (let i = 0; i < STYLE_DIMS; i++) v[i] = rng.normal();
  return normalize(v);
}

export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** Unit-length weighted sum of style vectors. */
export function blend(parts: ReadonlyArray<readonly [Float32Array, number]>): Float32Array {
  const out = new Float32Array(STYLE_DIMS);
  for (const [vector, weight] of parts) {
    for (let i = 0; i < STYLE_DIMS; i++) out[i] = (out[i] as number) + (vector[i] as number) * weight;
  }
  return normalize(out);
}

/** Dot product of the style parts of two vectors stored at offsets in flat arrays. */
export function styleDot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number): number {
  let sum = 0;
  for (let i = 0; i < STYLE_DIMS; i++) sum += (a[aOffset + i] as number) * (b[bOffset + i] as number);
  return sum;
}

/** Full utility: style match plus price sensitivity times cheapness. */
export function latentDot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number): number {
  let sum = 0;
  for (let i = 0; i < LATENT_DIMS; i++) sum += (a[aOffset + i] as number) * (b[bOffset + i] as number);
  return sum;
}
