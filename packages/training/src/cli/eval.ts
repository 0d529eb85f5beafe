/** npm run eval -- --help */
import { config } from '@recgraph/config';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { evalCommand } from './eval-command.ts';

const code = await evalCommand(process.argv.slice(2), {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  openDatabase: () => {
    const cfg = config('trainer');
    return openDatabase({
      url: cfg.DATABASE_URL,
      dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR),
      poolSize: cfg.DATABASE_POOL_SIZE,
    });
  },
});
process.exit(code);
