/**
 * npm run import -- <catalog|movielens|retailrocket> <path> [--images DIR] [--preset NAME] [--images-out DIR]
 *
 * Exit codes: 0 the import completed (malformed rows are reported, not fatal);
 * 2 wrong usage; 1 unusable input (missing file, wrong header) or a failure.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { config } from '@recgraph/config';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { importCatalog } from '../importers/catalog.ts';
import { importMovieLens } from '../importers/movielens.ts';
import { UnusableInputError, type ImportReport } from '../importers/report.ts';
import { importRetailRocket } from '../importers/retailrocket.ts';
import { formatImportReport } from '../importers/summary.ts';
import { createProgress } from '../progress.ts';
import { InvalidRecordError } from '../write/index.ts';

const USAGE = `usage: npm run import -- <catalog|movielens|retailrocket> <path> [--images DIR] [--preset NAME] [--images-out DIR]
  catalog <file.csv|file.jsonl>   products; --images: folder image names are relative to (default: the file's folder)
                                  --preset: a named layout (products-with-images); --images-out: default <RECGRAPH_DATA_DIR>/images
  movielens <folder>              movies.csv, ratings.csv, tags.csv (ml-latest-small layout)
  retailrocket <folder>           events.csv, item_properties_part*.csv, category_tree.csv`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        images: { type: 'string' },
        preset: { type: 'string' },
        'images-out': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [kind, path, ...extra] = parsed.positionals;
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!kind || !path || extra.length || !['catalog', 'movielens', 'retailrocket'].includes(kind)) {
    console.error(USAGE);
    return 2;
  }
  if (kind !== 'catalog' && (parsed.values.images || parsed.values.preset || parsed.values['images-out'])) {
    console.error(`--images, --preset and --images-out apply to catalog imports only\n${USAGE}`);
    return 2;
  }

  const cfg = config('tool');
  const db = await openDatabase({ url: cfg.DATABASE_URL, dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR) });
  const progress = createProgress();
  try {
    let report: ImportReport;
    if (kind === 'catalog') {
      report = await importCatalog(db, {
        file: path,
        ...(parsed.values.images ? { imagesDir: parsed.values.images } : {}),
        ...(parsed.values.preset ? { preset: parsed.values.preset } : {}),
        imagesOutDir: parsed.values['images-out'] ?? join(cfg.RECGRAPH_DATA_DIR, 'images'),
        onProgress: progress.update,
      });
    } else if (kind === 'movielens') {
      report = await importMovieLens(db, { dir: path, onProgress: progress.update });
    } else {
      report = await importRetailRocket(db, { dir: path, onProgress: progress.update });
    }
    progress.stop();
    console.log(formatImportReport(report));
    return 0;
  } catch (err) {
    progress.stop();
    if (err instanceof UnusableInputError || err instanceof InvalidRecordError) {
      console.error(`import failed: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`import failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
