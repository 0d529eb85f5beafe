import type { EventTypeName } from '@recgraph/recsys';
import type { CategoryTree } from './categoryTree.ts';
import type { ProductFacts } from './productFacts.ts';

/** Why an item is in a list, resolved to text once the titles are known. */
export type ReasonSpec =
  | { kind: 'history'; anchorId: string; action: EventTypeName }
  | { kind: 'forYou' }
  | { kind: 'popular' }
  | { kind: 'preferredCategory' }
  | { kind: 'liked'; anchorId: string }
  | { kind: 'similarTo'; anchorId: string }
  | { kind: 'coVisit'; anchorId: string }
  | { kind: 'content'; anchorId: string }
  /** A product the model never saw, ranked by its content (newProducts.ts). */
  | { kind: 'newIn'; anchorId?: string }
  | { kind: 'featured' };

export function reasonText(
  spec: ReasonSpec,
  product: ProductFacts,
  facts: ReadonlyMap<string, ProductFacts>,
  tree: CategoryTree,
): string {
  const title = (id: string) => facts.get(id)?.title ?? 'something you looked at';
  const category = product.categoryId ? tree.get(product.categoryId)?.name : undefined;
  switch (spec.kind) {
    case 'history':
      switch (spec.action) {
        case 'PURCHASE':
          return `Because you bought ${title(spec.anchorId)}`;
        case 'ADD_TO_CART':
          return `Because you added ${title(spec.anchorId)} to your cart`;
        case 'LIKE':
          return `Similar to ${title(spec.anchorId)} you liked`;
        case 'RATE':
          return `Because you rated ${title(spec.anchorId)}`;
        default:
          return `Because you viewed ${title(spec.anchorId)}`;
      }
    case 'forYou':
      return 'Picked for you from your activity';
    case 'popular':
      return category ? `Popular in ${category}` : 'Popular right now';
    case 'preferredCategory':
      return category ? `Popular in ${category}, one of your interests` : 'Popular right now';
    case 'liked':
      return `Similar to ${title(spec.anchorId)} you liked`;
    case 'similarTo':
      return `Similar to ${title(spec.anchorId)}`;
    case 'coVisit':
      return `Often bought or viewed with ${title(spec.anchorId)}`;
    case 'content':
      return `Described like ${title(spec.anchorId)}`;
    case 'newIn': {
      const where = category ? `New in ${category}` : 'New arrival';
      return spec.anchorId ? `${where}, like ${title(spec.anchorId)}` : where;
    }
    case 'featured':
      return 'Featured pick';
  }
}
