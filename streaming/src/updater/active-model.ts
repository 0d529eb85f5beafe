import type { Database } from '@recgraph/db';
import { loadActiveModel } from '@recgraph/training';
import type { ActiveModel } from './recommendation-refresher.ts';

/** The model registry's ACTIVE version (packages/training), as the refresher needs it; null before any promotion. */
export function registryModelLoader(db: Pick<Database, 'prisma'>): () => Promise<ActiveModel | null> {
  return async () => {
    const loaded = await loadActiveModel(db);
    return loaded && { modelVersionId: loaded.version.id, model: loaded.model, items: loaded.items };
  };
}
