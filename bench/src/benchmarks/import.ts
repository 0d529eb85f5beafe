import { join } from 'node:path';
import { openDatabase } from '@recgraph/db';
import { importMovieLens } from '@recgraph/data';
import type { Benchmark } from '../benchmark.ts';

/** Rows/s importing MovieLens small, embedded PGlite vs the real server when available. */
export const importBenchmark: Benchmark = {
  name: 'import',
  description:
    'MovieLens-small import throughput (rows/s) on embedded PGlite and, if TEST_DATABASE_URL is set, real Postgres',
  async run(ctx) {
    if (!ctx.sharedDataDir) throw new Error('needs ../shared/data/movielens-small');
    const dir = join(ctx.sharedDataDir, 'movielens-small');
    const targets: [string, string | undefined][] = [['embedded PGlite (in memory)', undefined]];
    if (process.env.TEST_DATABASE_URL) {
      const { createTestDatabase } = await import('../../../packages/db/test/real-postgres.ts');
      targets.push(['real Postgres (pgserver)', await createTestDatabase(process.env.TEST_DATABASE_URL)]);
    }
    const rows: (string | number)[][] = [];
    for (const [label, url] of targets) {
      const db = await openDatabase({ url });
      try {
        for (const run of ['first run', 're-run (idempotent)']) {
          const report = await importMovieLens(db, { dir });
          const read = Object.values(report.rowsRead).reduce((a, b) => a + b, 0);
          ctx.log(`${label} ${run}: ${read} rows in ${report.seconds.toFixed(1)} s`);
          rows.push([
            label,
            run,
            read,
            Number(report.seconds.toFixed(2)),
            Math.round(read / report.seconds),
            report.malformed.count,
          ]);
        }
      } finally {
        await db.close();
      }
    }
    return [
      {
        title: 'MovieLens ml-latest-small import (movies + ratings + tags)',
        columns: ['database', 'run', 'rows', 'seconds', 'rows/s', 'malformed'],
        rows,
        notes: ['Reproduce: npm run infra:up && set -a && . .infra/env && npm run bench -- import'],
      },
    ];
  },
};
