/** npm run train -- --help */
import { config } from '@recgraph/config';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { trainCommand } from './train-command.ts';

const cfg = config('trainer');
const code = await trainCommand(process.argv.slice(2), {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  config: cfg,
  openDatabase: () =>
    openDatabase({
      url: cfg.DATABASE_URL,
      dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR),
      poolSize: cfg.DATABASE_POOL_SIZE,
    }),
});
process.exit(code);
