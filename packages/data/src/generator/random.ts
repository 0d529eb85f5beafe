import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/**
 * Seeded randomness for the generator. Every independent part of the store
 * (catalogue, each user's behaviour, ...) draws from its own stream derived
 * from (seed, domain, index), so generating one part never shifts the numbers
 * another part sees: products stay identical when the user count changes, and
 * users can be simulated lazily in any interleaving.
 */

const TWO_POW_32 = 4294967296;

/** murmur3 finaliser: spreads nearby integers (seed 1, seed 2) far apart. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string, finalised; used to turn domain names into stream ids. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Folds a safe integer seed (possibly above 2^32 or negative) into 32 bits without losing either half. */
function foldSeed(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  return fmix32(lo ^ fmix32(hi + 0x9e3779b9));
}

export class Rng {
  private readonly gen: RandomGenerator;

  private constructor(gen: RandomGenerator) {
    this.gen = gen;
  }

  /** An independent stream for `domain` (and optionally an item index) under `seed`. */
  static stream(seed: number, domain: string, index = 0): Rng {
    const base = foldSeed(seed) ^ hashString(domain);
    const a = fmix32(base + Math.imul(index + 1, 0x9e3779b9));
    const b = fmix32(a ^ 0x27d4eb2f);
    const c = fmix32(b + 0x165667b1);
    const d = fmix32(c ^ index);
    // xoroshiro must not start from the all-zero state.
    const state = a | b | c | d ? [a | 0, b | 0, c | 0, d | 0] : [1, 0, 0, 0];
    return new Rng(xoroshiro128plus.fromState(state));
  }

  /** Uniform in [0, 1). 32 bits of resolution is plenty for a simulation. */
  next(): number {
    return (this.gen.unsafeNext() >>> 0) / TWO_POW_32;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by non-negative weights (linear scan: fine for the short lists it is used on). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** `count` distinct items, order of first draw. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = items.slice();
    const out: T[] = [];
    for (let i = 0; i < count && pool.length > 0; i++) {
      const j = Math.floor(this.next() * pool.length);
      out.push(pool[j] as T);
      pool[j] = pool[pool.length - 1] as T;
      pool.pop();
    }
    return out;
  }

  /** Standard normal (Box-Muller; the second value is dropped to keep the stream simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Log-normal with median `median` and log-space spread `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Number of failures before the first success: mean (1-p)/p. */
  geometric(p: number): number {
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }
}

/** Deterministic per-string jitter in [0, 1) without a stream (used by image rendering). */
export function unitHash(text: string): number {
  return hashString(text) / TWO_POW_32;
}
