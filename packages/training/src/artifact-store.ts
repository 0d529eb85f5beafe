import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ContentFactorMapping,
  decodeArtifact,
  encodeArtifact,
  IdMap,
  loadModel,
  type Recommender,
} from '@recgraph/recsys';
import { ArtifactIntegrityError } from './errors.ts';
import type { TrainingData } from './training-data.ts';
import {
  legacyModelWeighting,
  modelWeightingFromArtifact,
  modelWeightingToArtifact,
  type ModelWeighting,
} from './input-weighting.ts';
import {
  servedRankerFromArtifactPart,
  servedRankerToArtifactPart,
  type ServedRanker,
} from './reranker/served-ranker.ts';

/** What serving needs besides the model: the dense-index ⇄ uuid maps it was trained with. */
export interface ServingModel {
  model: Recommender;
  users: IdMap;
  items: IdMap;
  itemCategories: Int32Array;
  categories: IdMap;
  /** How serving must weigh a user's events to fold them in: exactly as training weighed them. */
  weighting: ModelWeighting;
  /** Content → item factors fitted with the model (cold items), when the trainer fitted one. */
  contentMapping?: ContentFactorMapping;
  /** The learned re-ranker over the model's top candidates, when the trainer attached one (it won on the holdout). */
  ranker?: ServedRanker;
}

/**
 * One self-contained file per version: the recsys artifact with the id maps
 * added to its header and the category array beside its own arrays. Model
 * loaders read only the fields they know, so the file still loads with
 * loadModel, and model and ids can never be paired with the wrong version.
 */
export function encodeServingArtifact(
  model: Recommender,
  data: Pick<TrainingData, 'users' | 'items' | 'itemCategories' | 'categories'>,
  /** Default: the deployment's event weights, linear (what a model fitted without a configuration saw). */
  weighting: ModelWeighting = legacyModelWeighting(),
  contentMapping?: ContentFactorMapping,
  ranker?: ServedRanker,
): Uint8Array {
  const a = decodeArtifact(model.save());
  const content = contentMapping?.toArtifactPart();
  const rankerPart = ranker ? servedRankerToArtifactPart(ranker) : undefined;
  const w = modelWeightingToArtifact(weighting);
  const wArrays = Object.fromEntries(Object.entries(w.arrays).map(([k, v]) => [`recgraph_${k}`, v]));
  return encodeArtifact({
    kind: a.kind,
    meta: {
      ...a.meta,
      recgraph: {
        users: data.users.toArray(),
        items: data.items.toArray(),
        categories: data.categories.toArray(),
        weighting: w.meta,
        ...(content ? { content: content.meta } : {}),
        ...(rankerPart ? { ranker: rankerPart.meta } : {}),
      },
    },
    arrays: {
      ...a.arrays,
      recgraphItemCategories: data.itemCategories,
      ...wArrays,
      ...(content ? { recgraphContentWeights: content.weights } : {}),
      ...rankerPart?.arrays,
    },
  });
}

function weightingOf(meta: unknown, arrays: Record<string, unknown>): ModelWeighting {
  // Artifacts from before weightings were recorded were trained and served with the deployment's table, linear.
  if (meta === undefined) return legacyModelWeighting();
  const own = Object.fromEntries(
    Object.entries(arrays)
      .filter(([k]) => k.startsWith('recgraph_'))
      .map(([k, v]) => [k.slice('recgraph_'.length), v]),
  );
  try {
    return modelWeightingFromArtifact(meta, own);
  } catch (err) {
    throw new ArtifactIntegrityError(`artifact weighting is unreadable: ${(err as Error).message}`);
  }
}

export function decodeServingArtifact(bytes: Uint8Array): ServingModel {
  const a = decodeArtifact(bytes);
  const ids = a.meta.recgraph as
    | {
        users?: string[];
        items?: string[];
        categories?: string[];
        weighting?: unknown;
        content?: unknown;
        ranker?: unknown;
      }
    | undefined;
  const itemCategories = a.arrays.recgraphItemCategories;
  if (!ids?.users || !ids.items || !ids.categories || !(itemCategories instanceof Int32Array))
    throw new ArtifactIntegrityError('artifact has no id maps: it was not written by the training pipeline');
  const model = loadModel(bytes);
  if (ids.items.length !== model.nItems)
    throw new ArtifactIntegrityError(`artifact maps ${ids.items.length} items but its model has ${model.nItems}`);
  return {
    model,
    users: new IdMap(ids.users),
    items: new IdMap(ids.items),
    itemCategories,
    categories: new IdMap(ids.categories),
    weighting: weightingOf(ids.weighting, a.arrays),
    ...(ids.content !== undefined
      ? { contentMapping: ContentFactorMapping.fromArtifactPart(ids.content, a.arrays.recgraphContentWeights) }
      : {}),
    ...(ids.ranker !== undefined ? { ranker: rankerOf(ids.ranker, a.arrays, model.nItems) } : {}),
  };
}

function rankerOf(meta: unknown, arrays: Record<string, unknown>, nItems: number): ServedRanker {
  let ranker: ServedRanker;
  try {
    ranker = servedRankerFromArtifactPart(meta, arrays);
  } catch (err) {
    throw new ArtifactIntegrityError(`artifact re-ranker is unreadable: ${(err as Error).message}`);
  }
  if (ranker.stats.nItems !== nItems)
    throw new ArtifactIntegrityError(`artifact re-ranker knows ${ranker.stats.nItems} items, its model ${nItems}`);
  return ranker;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `<dir>/<id>.rgrs`, written through a temporary name so a crash never leaves half a file under the real one. */
export async function writeArtifactFile(
  dir: string,
  id: string,
  bytes: Uint8Array,
): Promise<{ uri: string; sha256: string }> {
  if (!/^[0-9a-f-]{36}$/i.test(id))
    throw new ArtifactIntegrityError(`refusing artifact name for id ${JSON.stringify(id)}`);
  await mkdir(dir, { recursive: true });
  const uri = resolve(join(dir, `${id}.rgrs`));
  const tmp = `${uri}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, uri);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { uri, sha256: sha256(bytes) };
}

/** Reads an artifact and refuses it unless its sha256 is the one recorded at registration. */
export async function readVerifiedArtifact(uri: string, expectedSha256: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(uri));
  } catch (err) {
    throw new ArtifactIntegrityError(`cannot read artifact ${uri}: ${(err as Error).message}`);
  }
  const actual = sha256(bytes);
  if (actual !== expectedSha256)
    throw new ArtifactIntegrityError(
      `artifact ${uri} has sha256 ${actual}, the registry recorded ${expectedSha256}: refusing to load a changed file`,
    );
  return bytes;
}
