// `npm run knowledge`: builds the assistant's knowledge base once, with progress — the store
// documents (ASSISTANT_KNOWLEDGE_DIR, default the shipped subgraphs/assistant/knowledge) and
// every product's description, specs and reviews, embedded with the search issue's text
// encoder (TEXT_ENCODER_DIR). Idempotent: unchanged documents are skipped. The trainer role
// (and `npm start`) keeps it current afterwards through the bus; this is for a first build
// or after a bulk import with the trainer stopped.
import { resolve } from 'node:path';
import { config } from '@recgraph/config';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { createKnowledgeIndexer } from './indexer.ts';
import { KnowledgeDocumentError } from './documents.ts';

const cfg = config('tool');
const db = await openDatabase({ url: cfg.DATABASE_URL, dataDir: embeddedDataDir(resolve(cfg.RECGRAPH_DATA_DIR)) });
const started = Date.now();
const indexer = createKnowledgeIndexer({
  db,
  ...(cfg.ASSISTANT_KNOWLEDGE_DIR ? { documentsDir: resolve(cfg.ASSISTANT_KNOWLEDGE_DIR) } : {}),
  ...(cfg.TEXT_ENCODER_DIR ? { textEncoderDir: cfg.TEXT_ENCODER_DIR } : {}),
});
let code = 0;
try {
  const docs = await indexer.syncStoreDocuments();
  console.error(`knowledge: store documents ${JSON.stringify(docs)}`);
  let last = 0;
  const products = await indexer.indexAllProducts((done, total) => {
    if (done === total || Date.now() - last > 2000) {
      last = Date.now();
      console.error(`knowledge: products ${done}/${total} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  });
  const [chunks] = await db.prisma.$queryRaw<{ n: number; model: string | null }[]>`
    SELECT count(*)::int AS n, min(model) AS model FROM knowledge_chunks`;
  console.log(
    JSON.stringify({
      documents: docs,
      products,
      chunks: chunks?.n ?? 0,
      model: chunks?.model ?? null,
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    }),
  );
} catch (err) {
  if (!(err instanceof KnowledgeDocumentError)) throw err;
  console.error(`knowledge: ${err.message}`);
  code = 2;
} finally {
  await indexer.stop();
  await db.close();
}
process.exit(code);
