import { AlsModel } from './als.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { checkIndex, topKScores, type TopK } from './topk.ts';
import type { CsrMatrix } from './csr.ts';
import { EaseModel } from './ease.ts';
import { ArtifactFormatError, DimensionMismatchError } from './errors.ts';
import { SparseItemItemModel } from './item-item.ts';
import { recommendFromRow, type FitOptions, type RecommendOptions, type Recommender } from './model.ts';
import { PopularityModel } from './popularity.ts';
import { weightingFromArtifact, weightingToArtifact, weightRow, type FittedWeighting } from './weighting.ts';

/** One fitted model in a blend, the confidence weighting it was fitted with, and its weight. */
export interface BlendPart {
  model: Recommender;
  weighting: FittedWeighting;
  weight: number;
}

/** Models a blend can score with from a user's items alone (a fold-in for ALS). */
export function isBlendable(m: Recommender): boolean {
  return (
    m instanceof AlsModel || m instanceof EaseModel || m instanceof SparseItemItemModel || m instanceof PopularityModel
  );
}

/**
 * Every item's score for a user given by their items and (weighted) confidences:
 * ALS folds the user in (x_u = (YᵀC_uY + λI)⁻¹ YᵀC_u p_u) and scores x_u·y_i; the
 * item-item models sum their rows; popularity is the same for everyone.
 */
export function userScores(m: Recommender, items: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
  if (m instanceof AlsModel) {
    const q = m.foldIn().user(items, weights);
    const f = m.factors;
    const Y = m.itemFactors;
    const out = new Float64Array(m.nItems);
    for (let i = 0; i < m.nItems; i++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += q[a]! * Y[i * f + a]!;
      out[i] = s;
    }
    return out;
  }
  if (m instanceof EaseModel || m instanceof SparseItemItemModel) return m.scores(items, weights);
  if (m instanceof PopularityModel) return Float64Array.from(m.scores);
  throw new DimensionMismatchError(`a ${m.kind} model cannot be blended`);
}

/**
 * A weighted sum of models' scores (Burges-style linear blending of candidate
 * generators). Scores of different models live on different scales, so each
 * part's scores for a user are divided by their largest magnitude over the items
 * the user has not seen before weighing:
 *   s_ui = Σ_k w_k · s_k(u,i) / max_{j∉N(u)} |s_k(u,j)|
 * Each part re-weights the user's summed confidences with its own fitted
 * weighting (weightRow), exactly as its training matrix was weighted.
 */
export class BlendModel implements Recommender {
  readonly kind = 'blend';
  readonly nUsers: number;
  readonly nItems: number;

  constructor(readonly parts: readonly BlendPart[]) {
    if (parts.length === 0) throw new DimensionMismatchError('a blend needs at least one part');
    this.nItems = parts[0]!.model.nItems;
    this.nUsers = Math.max(...parts.map((p) => p.model.nUsers));
    for (const p of parts) {
      if (p.model.nItems !== this.nItems) throw new DimensionMismatchError('blend parts differ in item count');
      if (!isBlendable(p.model)) throw new DimensionMismatchError(`a ${p.model.kind} model cannot be blended`);
      if (!(Number.isFinite(p.weight) && p.weight >= 0)) throw new RangeError('blend weights must be finite and ≥ 0');
    }
  }

  /** Parts are fitted one by one (each on its own weighting) before they are blended. */
  async fit(_userItems: CsrMatrix, _options?: FitOptions): Promise<void> {
    throw new DimensionMismatchError('a blend is assembled from fitted parts; fit each part instead');
  }

  /** Each part's scores for a user, scaled to a largest magnitude of 1 over the unseen items. */
  partScores(items: ArrayLike<number>, confidences: ArrayLike<number>): Float64Array[] {
    const seen = new Set<number>(Array.from(items));
    return this.parts.map((p) => {
      const s = userScores(p.model, items, weightRow(confidences, items, p.weighting));
      let max = 0;
      for (let i = 0; i < s.length; i++)
        if (!seen.has(i) && Number.isFinite(s[i]!)) max = Math.max(max, Math.abs(s[i]!));
      if (max > 0) for (let i = 0; i < s.length; i++) s[i] = s[i]! / max;
      return s;
    });
  }

  /** Blended scores given the user's items and their summed confidences (before any part's weighting). */
  scores(items: ArrayLike<number>, confidences: ArrayLike<number>): Float64Array {
    return combine(
      this.partScores(items, confidences),
      this.parts.map((p) => p.weight),
    );
  }

  recommend(user: number, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK {
    return recommendFromRow(user, userItems, this.nItems, k, options, (items, w) => this.scores(items, w));
  }

  recommendBatch(users: ArrayLike<number>, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK[] {
    return Array.from(users, (u) => this.recommend(u, userItems, k, options));
  }

  similarItems(item: number, k: number): TopK {
    checkIndex('item', item, this.nItems);
    return topKScores(this.scores([item], [1]), k, [item]);
  }

  /** Parts' own artifacts side by side, with their weightings and weights in the header. */
  save(): Uint8Array {
    const arrays: Record<string, Uint8Array | Float64Array> = {};
    const parts = this.parts.map((p, k) => {
      arrays[`part${k}`] = p.model.save();
      const w = weightingToArtifact(p.weighting);
      for (const [name, a] of Object.entries(w.arrays)) arrays[`part${k}_${name}`] = a;
      return { kind: p.model.kind, weight: p.weight, weighting: w.meta };
    });
    return encodeArtifact({ kind: this.kind, meta: { nUsers: this.nUsers, nItems: this.nItems, parts }, arrays });
  }

  /** `loadPart` loads one part's artifact (persist.ts loadModel). */
  static load(bytes: Uint8Array, loadPart: (bytes: Uint8Array) => Recommender): BlendModel {
    const a = decodeArtifact(bytes);
    if (a.kind !== 'blend') throw new ArtifactFormatError(`expected kind blend, got ${a.kind}`);
    const meta = a.meta as { parts?: { weight: number; weighting: unknown }[] };
    if (!Array.isArray(meta.parts) || meta.parts.length === 0) throw new ArtifactFormatError('blend has no parts');
    return new BlendModel(
      meta.parts.map((p, k) => {
        const partBytes = a.arrays[`part${k}`];
        if (!(partBytes instanceof Uint8Array)) throw new ArtifactFormatError(`blend part ${k} is missing`);
        const own = Object.fromEntries(
          Object.entries(a.arrays)
            .filter(([name]) => name.startsWith(`part${k}_`))
            .map(([name, v]) => [name.slice(`part${k}_`.length), v]),
        );
        return { model: loadPart(partBytes), weighting: weightingFromArtifact(p.weighting, own), weight: p.weight };
      }),
    );
  }
}

/** Σ_k w_k · s_k (−Infinity, an item a part cannot score, stays −Infinity only when every weighted part says so). */
export function combine(scores: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const n = scores[0]!.length;
  const out = new Float64Array(n);
  for (let k = 0; k < scores.length; k++) {
    const w = weights[k]!;
    if (w === 0) continue;
    const s = scores[k]!;
    for (let i = 0; i < n; i++) if (Number.isFinite(s[i]!)) out[i]! += w * s[i]!;
  }
  return out;
}
