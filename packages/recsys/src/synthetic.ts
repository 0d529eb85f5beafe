import { EventType, type Interactions } from './interactions.ts';
import { Rng } from './rng.ts';

/**
 * Seeded synthetic implicit-feedback data with low-rank structure and a Zipf-like item
 * popularity: user u picks item i with probability ∝ pop_i · exp(3·cos(θ_u, φ_i)) (sampled by
 * rejection), for tests and benchmarks.
 */
export function syntheticInteractions(o: {
  nUsers: number;
  nItems: number;
  nnz: number;
  seed?: number;
  rank?: number;
}): Interactions {
  const rng = new Rng(o.seed ?? 1);
  const r = o.rank ?? 8;
  const U = Float64Array.from({ length: o.nUsers * r }, () => rng.normal());
  const V = Float64Array.from({ length: o.nItems * r }, () => rng.normal());
  const norm = (M: Float64Array) => {
    for (let o2 = 0; o2 < M.length; o2 += r) {
      let s = 0;
      for (let a = 0; a < r; a++) s += M[o2 + a]! ** 2;
      const inv = 1 / Math.sqrt(s);
      for (let a = 0; a < r; a++) M[o2 + a]! *= inv;
    }
  };
  norm(U);
  norm(V);
  const user = new Int32Array(o.nnz);
  const item = new Int32Array(o.nnz);
  const ts = new Float64Array(o.nnz);
  for (let e = 0; e < o.nnz; e++) {
    const u = rng.int(o.nUsers);
    let i = 0;
    for (let tries = 0; tries < 20; tries++) {
      // Zipf-ish: i = floor(n · v^2) concentrates mass on low indices.
      const v = rng.next();
      i = Math.min(o.nItems - 1, Math.floor(o.nItems * v * v));
      let c = 0;
      for (let a = 0; a < r; a++) c += U[u * r + a]! * V[i * r + a]!;
      if (rng.next() < Math.exp(3 * (c - 1))) break;
    }
    user[e] = u;
    item[e] = i;
    ts[e] = 1_700_000_000 + rng.int(90 * 86400);
  }
  return {
    user,
    item,
    type: new Uint8Array(o.nnz).fill(EventType.CLICK),
    value: new Float32Array(o.nnz).fill(1),
    timestamp: ts,
  };
}
