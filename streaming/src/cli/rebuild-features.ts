// `npm run features:rebuild`: recompute popularity and co-visitation from every
// stored interaction — after an import or a bulk load that bypassed the bus.
import { config } from '@recgraph/config';
import { createProgress } from '@recgraph/data';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { rebuildOnlineFeatures } from '../features/rebuild.ts';

const cfg = config('tool');
const db = await openDatabase({ url: cfg.DATABASE_URL, dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR) });
const progress = createProgress();
try {
  const r = await rebuildOnlineFeatures(db, {
    onProgress: (done, total) => progress.update('replaying interactions', done, total),
  });
  progress.stop();
  console.log(
    `replayed ${r.interactions} interactions in ${r.seconds.toFixed(1)} s: ${r.products} products ranked, ${r.pairs} co-visitation pairs`,
  );
} finally {
  await db.close();
}
