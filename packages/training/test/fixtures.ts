import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { IdMap, syntheticInteractions } from '@recgraph/recsys';
import { createTestDatabase, realPostgresUrl } from '../../db/test/real-postgres.ts';
import { trainingDataFromInteractions, type TrainingData } from '../src/training-data.ts';
import type { TrainedModel } from '../src/train-model.ts';

/** Small synthetic data with uuid-like ids, as the database would give them. */
export function syntheticTrainingData(seed = 5): TrainingData {
  const x = syntheticInteractions({ nUsers: 60, nItems: 40, nnz: 1200, seed });
  const uuid = (kind: number, i: number) => `00000000-0000-4000-8${kind}00-${String(i).padStart(12, '0')}`;
  const users = new IdMap(Array.from({ length: 60 }, (_, i) => uuid(1, i)));
  const items = new IdMap(Array.from({ length: 40 }, (_, i) => uuid(2, i)));
  return trainingDataFromInteractions(x, users, items, 'synthetic');
}

/** The same trained model with chosen holdout scores, to exercise exact promotion thresholds. */
export function withScores(
  t: TrainedModel,
  model: Record<string, number>,
  baseline: Record<string, number> = t.evaluation.baseline,
): TrainedModel {
  return { ...t, evaluation: { ...t.evaluation, model, baseline } };
}

/**
 * Declares `body` for embedded PGlite and for the real Postgres server
 * (TEST_DATABASE_URL; under CI its absence fails in realPostgresUrl).
 */
export async function forEachBackend(
  title: string,
  body: (open: () => Promise<Database>, kind: 'embedded' | 'postgres') => void,
): Promise<void> {
  describe(`${title} (embedded PGlite)`, () => body(() => openDatabase({}), 'embedded'));
  const serverUrl = await realPostgresUrl();
  if (serverUrl)
    describe(`${title} (real Postgres)`, () =>
      body(async () => openDatabase({ url: await createTestDatabase(serverUrl) }), 'postgres'));
  else
    describe.skip(`${title} (real Postgres: TEST_DATABASE_URL not set)`, () =>
      it('needs TEST_DATABASE_URL', () => undefined));
}

/**
 * A MovieLens folder with four taste groups in two genres: "space" and "western"
 * comedies, "court" and "war" dramas (the group is in the title and the tags). A
 * user rates movies of their group, so only content tells a held-out movie's
 * audience; the genre's popularity cannot.
 */
export function writeMovieLens(dir: string): void {
  const groups = [
    ['Comedy', 'space'],
    ['Comedy', 'western'],
    ['Drama', 'court'],
    ['Drama', 'war'],
  ] as const;
  const movies = ['movieId,title,genres'];
  const tags = ['userId,movieId,tag,timestamp'];
  for (let m = 1; m <= 80; m++) {
    const [genre, word] = groups[m % 4]!;
    movies.push(`${m},"The ${word} story ${m} (19${70 + (m % 30)})",${genre}`);
    tags.push(`1,${m},${word},1700000000`);
  }
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let u = 1; u <= 120; u++)
    for (let j = 0; j < 12; j++) {
      const m = 1 + ((u % 4) + 4 * ((u * 7 + j * 3) % 20));
      ratings.push(`${u},${m},${3 + (j % 3)},${1_700_000_000 + u * 100 + j}`);
    }
  writeFileSync(join(dir, 'movies.csv'), movies.join('\n') + '\n');
  writeFileSync(join(dir, 'tags.csv'), tags.join('\n') + '\n');
  writeFileSync(join(dir, 'ratings.csv'), ratings.join('\n') + '\n');
}
