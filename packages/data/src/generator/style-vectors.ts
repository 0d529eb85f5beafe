import { randomDirection } from './latent.ts';
import { Rng } from './random.ts';
import { COLOURS, PATTERNS, type Pattern } from './vocabulary.ts';

/** Latent directions of colours and patterns, shared by products (what they are) and users (what they like). */
export interface StyleVectors {
  colours: ReadonlyMap<string, Float32Array>;
  patterns: ReadonlyMap<Pattern, Float32Array>;
}

export function buildStyleVectors(seed: number): StyleVectors {
  const rng = Rng.stream(seed, 'colours');
  const colours = new Map(COLOURS.map((c) => [c.name, randomDirection(rng)]));
  const patterns = new Map(PATTERNS.map((p) => [p, randomDirection(rng)]));
  return { colours, patterns };
}
