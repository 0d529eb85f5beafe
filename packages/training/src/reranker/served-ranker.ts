import { itemStatsFromArrays, itemStatsToArrays, type ItemStats } from './features.ts';

/**
 * A learned re-ranker as a model version carries it: the LambdaMART booster as ONNX, its
 * feature names (featureNames(SERVED_GENERATOR_PARTS)), how many of the model's candidates it
 * re-ranks, the item facts its features read (itemStats of the data the served model was
 * fitted on) and the holdout figures it was attached on.
 */
export interface ServedRanker {
  onnx: Uint8Array;
  featureNames: string[];
  /** The generator's top-N candidates re-ranked per user. */
  candidates: number;
  stats: ItemStats;
  evaluation: { k: number; generatorNdcg: number; rerankedNdcg: number };
}

const PREFIX = 'recgraphRanker_';

/** The ranker's header fields and arrays inside the serving artifact (names prefixed, so they never collide). */
export function servedRankerToArtifactPart(r: ServedRanker): {
  meta: Record<string, unknown>;
  arrays: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array>;
} {
  const arrays = Object.fromEntries(Object.entries(itemStatsToArrays(r.stats)).map(([k, v]) => [PREFIX + k, v]));
  return {
    meta: { featureNames: r.featureNames, candidates: r.candidates, evaluation: r.evaluation },
    arrays: { ...arrays, [`${PREFIX}onnx`]: r.onnx },
  };
}

/** The inverse of servedRankerToArtifactPart; a RangeError names what is missing. */
export function servedRankerFromArtifactPart(meta: unknown, arrays: Record<string, unknown>): ServedRanker {
  const m = meta as Partial<Pick<ServedRanker, 'featureNames' | 'candidates' | 'evaluation'>> | null;
  const onnx = arrays[`${PREFIX}onnx`];
  if (!m || !Array.isArray(m.featureNames) || !Number.isInteger(m.candidates) || !m.evaluation)
    throw new RangeError('the re-ranker header is incomplete');
  if (!(onnx instanceof Uint8Array)) throw new RangeError('the re-ranker has no ONNX model');
  const own = Object.fromEntries(
    Object.entries(arrays)
      .filter(([k]) => k.startsWith(PREFIX))
      .map(([k, v]) => [k.slice(PREFIX.length), v]),
  );
  return {
    onnx,
    featureNames: m.featureNames as string[],
    candidates: m.candidates!,
    stats: itemStatsFromArrays(own),
    evaluation: m.evaluation,
  };
}
