import type { CategoryRecord } from '../records.ts';
import { blend, randomDirection } from './latent.ts';
import { Rng } from './random.ts';
import { isLeaf, SHOP_TREE, type BranchSpec, type LeafSpec } from './taxonomy.ts';

export interface LeafCategory {
  index: number;
  slug: string;
  rootSegment: string;
  spec: LeafSpec;
  /** Prefix of the SKUs of its products, e.g. "OUT-TEN". */
  skuPrefix: string;
  /** Style direction: near its siblings, nearer still to its parent's. */
  vector: Float32Array;
}

export interface Taxonomy {
  /** Parents before children. */
  categories: CategoryRecord[];
  leaves: LeafCategory[];
  leafBySlug: ReadonlyMap<string, LeafCategory>;
  rootVectors: ReadonlyMap<string, Float32Array>;
}

const code = (segment: string): string =>
  segment
    .replace(/[^a-z]/g, '')
    .slice(0, 3)
    .toUpperCase();

/** Flattens SHOP_TREE into records and gives every node a latent direction derived from its parent's. */
export function buildTaxonomy(seed: number): Taxonomy {
  const rng = Rng.stream(seed, 'taxonomy');
  const categories: CategoryRecord[] = [];
  const leaves: LeafCategory[] = [];
  const rootVectors = new Map<string, Float32Array>();

  const visit = (
    node: BranchSpec | LeafSpec,
    parent: { slug: string; vector: Float32Array; root: string } | undefined,
  ): void => {
    const slug = parent ? `${parent.slug}/${node.segment}` : node.segment;
    const root = parent?.root ?? node.segment;
    const vector = parent
      ? blend([
          [parent.vector, 1],
          [randomDirection(rng), 0.65],
        ])
      : randomDirection(rng);
    categories.push({ slug, name: node.name, parentSlug: parent?.slug });
    if (!parent) rootVectors.set(node.segment, vector);
    if (isLeaf(node)) {
      leaves.push({
        index: leaves.length,
        slug,
        rootSegment: root,
        spec: node,
        skuPrefix: `${code(root)}-${code(node.segment)}`,
        vector,
      });
      return;
    }
    for (const child of node.children) visit(child, { slug, vector, root });
  };
  for (const root of SHOP_TREE) visit(root, undefined);

  return { categories, leaves, leafBySlug: new Map(leaves.map((l) => [l.slug, l])), rootVectors };
}
