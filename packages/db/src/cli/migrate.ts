// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL, or to the embedded database.
import { config } from '@recgraph/config';
import { embeddedDataDir, openDatabase } from '../index.ts';

const cfg = config('migrate');
const db = await openDatabase({
  url: cfg.DATABASE_URL,
  dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR),
  log: (m) => console.log(m),
});
console.log(`database is up to date (${db.mode})`);
await db.close();
