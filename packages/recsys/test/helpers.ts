import { buildInteractionMatrix, type InteractionMatrix } from '../src/interactions.ts';
import { syntheticInteractions } from '../src/synthetic.ts';

/** Small seeded random problem: `nUsers` × `nItems` with ~density·n entries, CLICK events. */
export function smallProblem(nUsers = 40, nItems = 30, nnz = 300, seed = 7): InteractionMatrix {
  return buildInteractionMatrix(syntheticInteractions({ nUsers, nItems, nnz, seed }), { nUsers, nItems });
}
