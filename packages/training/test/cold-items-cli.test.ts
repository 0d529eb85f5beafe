import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../src/cli/eval-command.ts';
import { writeMovieLens } from './fixtures.ts';

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
    // The serving text encoder's embeddings as content too, with and without tags.
    expect(ratio('content \\+ text embedding \\([^)]+\\) → ALS factors')).toBeGreaterThan(0);
    expect(text).toMatch(/\| content \+ text embedding \([^)]+\) → ALS factors, without tags \|/);
  });

  it('refuses --cold-items without a MovieLens folder (usage, exit 2)', async () => {
    const err: string[] = [];
    const code = await evalCommand(['--cold-items'], { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--cold-items needs --movielens DIR/);
  });
});
