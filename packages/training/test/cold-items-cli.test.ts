import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../src/cli/eval-command.ts';

/**
 * A MovieLens folder with four taste groups in two genres: "space" and "western"
 * comedies, "court" and "war" dramas (the group is in the title and the tags). A
 * user rates movies of their group, so only content tells a held-out movie's
 * audience; the genre's popularity cannot.
 */
function writeMovieLens(dir: string): void {
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

describe('npm run eval -- --cold-items', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recgraph-cold-'));
    writeMovieLens(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints nDCG on the held-out movies: the content model beats popular in the same category by ≥ 1.5×', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await evalCommand(['--movielens', dir, '--cold-items'], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/8 movies held out/);
    const ratio = (label: string) =>
      Number(new RegExp(`\\| ${label}[^|]* \\|[^|]*\\|[^|]*\\|[^|]*\\| ([\\d.]+) \\|`).exec(text)?.[1]);
    expect(ratio('popular in the same category')).toBe(1);
    expect(ratio('content → ALS factors \\(ridge')).toBeGreaterThanOrEqual(1.5);
  });

  it('refuses --cold-items without a MovieLens folder (usage, exit 2)', async () => {
    const err: string[] = [];
    const code = await evalCommand(['--cold-items'], { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--cold-items needs --movielens DIR/);
  });
});
