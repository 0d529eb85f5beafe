import { candidateFeatures, generatorScoreFeature, type UserContext } from '@recgraph/training/reranker/features';
import { OnnxRanker } from '@recgraph/training/reranker/lambdamart';
import { rerankOrder } from '@recgraph/training/reranker/rerank';
import type { ServingModel } from './servingModel.ts';
import type { UserHistory } from './userHistory.ts';

/** Re-ranks the model's best candidates for one user (RankInput.rerank). */
export interface Reranker {
  /** How many of the model's candidates it wants to see (the N it was trained on). */
  readonly candidates: number;
  /** The same candidates, best first by the re-ranker, carrying the model's scores in their original descending order. */
  apply(cf: readonly { id: string; score: number }[]): Promise<{ id: string; score: number }[]>;
}

// One onnxruntime session per model version, created when the version is loaded (prepareReranker)
// and dropped with it: the WeakMap holds it no longer than the ServingModel lives.
const sessions = new WeakMap<ServingModel, Promise<OnnxRanker>>();

function session(model: ServingModel): Promise<OnnxRanker> | undefined {
  const r = model.ranker;
  if (!r) return undefined;
  let s = sessions.get(model);
  if (!s) sessions.set(model, (s = OnnxRanker.load(r.onnx, r.featureNames.length)));
  return s;
}

/** Builds the model's re-ranker session ahead of its first request (ModelHolder, on load); a no-op without one. */
export async function prepareReranker(model: ServingModel): Promise<void> {
  await session(model);
}

/**
 * The user's re-ranker when the model carries one: the model's top N candidates get the features
 * the trainer learned from — computed by the one module that defines them
 * (@recgraph/training/reranker/features), from the item facts the artifact carries and the user's
 * history, newest first — and are scored in one batched ONNX run. The re-ranked list keeps the
 * model's own scores, in descending order, so popularity blending, fill, diversity and the reasons
 * ("because you viewed …") work on the scale they always did.
 */
export function rerankerFor(model: ServingModel | null, history: UserHistory): Reranker | undefined {
  const ranker = model?.ranker;
  const onnx = model ? session(model) : undefined;
  if (!model || !ranker || !onnx) return undefined;
  return {
    candidates: ranker.candidates,
    async apply(cf) {
      // The N the trainer learned on are re-ranked; any further candidates follow as the model ordered them.
      const head = cf.slice(0, ranker.candidates);
      const features = servingFeatures(model, history, head);
      if (!features || head.length < 2) return [...cf];
      const order = rerankOrder(await (await onnx).score(features));
      const ids = [...order.map((j) => head[j]!.id), ...cf.slice(head.length).map((c) => c.id)];
      // The model's scores in their order, each nudged below its predecessor: equal scores (popularity
      // ties) would otherwise be re-sorted by id downstream and lose the re-ranked order.
      const out: { id: string; score: number }[] = [];
      for (const [r, id] of ids.entries()) {
        const prev = out[r - 1]?.score ?? Infinity;
        const s = cf[r]!.score;
        out.push({ id, score: s < prev ? s : prev - 1e-9 * Math.max(1, Math.abs(prev)) });
      }
      return out;
    },
  };
}

/**
 * The re-ranker's feature rows for the model's candidates (best first, with its scores), as serving
 * computes them; undefined when the model carries no re-ranker or a candidate is not one of its items.
 */
export function servingFeatures(
  model: ServingModel,
  history: UserHistory,
  candidates: readonly { id: string; score: number }[],
): Float32Array | undefined {
  if (!model.ranker) return undefined;
  const items: number[] = [];
  for (const c of candidates) {
    const i = model.items.index(c.id);
    if (i === undefined) return undefined;
    items.push(i);
  }
  const user: UserContext = { items: userItems(model, history) };
  return candidateFeatures(model.ranker.stats, user, items, [generatorScoreFeature(candidates.map((c) => c.score))]);
}

/** The user's positive products the model knows, most recent first (as the trainer's itemsByRecency orders them). */
function userItems(model: ServingModel, history: UserHistory): number[] {
  const out: number[] = [];
  for (const id of history.recent ?? history.positives.map((p) => p.productId)) {
    const i = model.items.index(id);
    if (i !== undefined) out.push(i);
  }
  return out;
}
