import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../src/cli/eval-command.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/eval.ts', import.meta.url));

/**
 * Two taste groups of 20 users over 24 items: a user rates items of their own
 * group; the first 6 go to train, the next 2 to test (explicit files, as
 * published train/test tables come). Item popularity is skewed within each
 * group, so popularity is a real (but group-blind) baseline.
 */
function writeFiles(dir: string): { train: string; test: string } {
  const train: string[] = ['userId,itemId,rating,timestamp'];
  const test: string[] = [];
  for (let u = 0; u < 40; u++) {
    const g = u % 2;
    for (let j = 0; j < 8; j++) {
      const item = g * 12 + ((u * 5 + j * 7) % 12);
      const row = `u${u},i${item},${4 + (j % 2)},${1_700_000_000 + u * 100 + j}`;
      (j < 6 ? train : test).push(row);
    }
  }
  const files = { train: join(dir, 'train.csv'), test: join(dir, 'test.csv') };
  writeFileSync(files.train, train.join('\n') + '\n');
  writeFileSync(files.test, test.join('\r\n') + '\r\n');
  return files;
}

describe('npm run eval', () => {
  let dir: string;
  let files: { train: string; test: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recgraph-eval-'));
    files = writeFiles(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on explicit train/test files prints the table and writes the HTML report and the top-k files', async () => {
    const report = join(dir, 'reports', 'eval.html');
    const topk = join(dir, 'topk.tsv');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        '--train',
        files.train,
        '--test',
        files.test,
        '--k',
        '5,10',
        '--als-params',
        'factors=8,regularization=1,iterations=10',
        '--ease-params',
        'regularization=10',
        '--sparse-ease-params',
        'regularization=10,neighbours=8',
        '--rp3beta-params',
        'neighbours=20',
        '--topk-out',
        topk,
        '--report',
        report,
      ],
      { cwd: ROOT, timeout: 60_000 },
    );
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      '| model | k | Precision | Recall | MAP | NDCG | Hit rate | Coverage | Novelty | ILD | hyperparameters | fit (s) |',
    );
    const row = (name: string, k: number) => lines.find((l) => l.startsWith(`| ${name} | ${k} |`))!.split(' | ');
    const all = ['als', 'ease', 'sparse-ease', 'rp3beta', 'popularity'];
    for (const k of [5, 10]) for (const name of all) expect(row(name, k)).toHaveLength(12);
    expect(row('als', 5)[10]).toBe('factors=8, regularization=1, alpha=1, iterations=10, cgSteps=3');
    expect(row('als', 5)[11]).toMatch(/^\d+\.\d \|$/);
    // Group-aware models beat group-blind popularity on NDCG.
    const ndcg = (name: string) => Number(row(name, 10)[5]);
    expect(ndcg('ease')).toBeGreaterThan(ndcg('popularity'));
    expect(ndcg('als')).toBeGreaterThan(ndcg('popularity'));
    expect(ndcg('sparse-ease')).toBeGreaterThan(ndcg('popularity'));
    expect(ndcg('rp3beta')).toBeGreaterThan(ndcg('popularity'));
    expect(stdout).toContain('40 test users');

    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBe(2 * 8); // 8 metrics with values (no category ILD) × 2 cut-offs
    expect(html).toContain('NDCG@10');

    for (const algorithm of all) {
      const rows = readFileSync(join(dir, `topk.${algorithm}.tsv`), 'utf8')
        .trim()
        .split('\n');
      expect(rows[0]).toBe('user\titem\trank\tscore');
      const body = rows.slice(1).map((r) => r.split('\t'));
      expect(body.length).toBeGreaterThan(0);
      for (const [user, item, rank] of body) {
        expect(user).toMatch(/^u\d+$/);
        expect(item).toMatch(/^i\d+$/);
        expect(Number(rank)).toBeGreaterThanOrEqual(1);
        expect(Number(rank)).toBeLessThanOrEqual(10);
      }
      // Seen train items are never recommended.
      const trainPairs = new Set(
        readFileSync(files.train, 'utf8')
          .split('\n')
          .slice(1)
          .map((l) => l.split(',').slice(0, 2).join('\t')),
      );
      for (const [user, item] of body) expect(trainPairs.has(`${user}\t${item}`)).toBe(false);
    }
  });

  it('rejects bad usage with exit code 2 and a clear message', async () => {
    const err: string[] = [];
    const io = {
      out: () => undefined,
      err: (l: string) => err.push(l),
      progress: { update: () => undefined, stop: () => undefined },
    };
    expect(await evalCommand(['--train', files.train], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--train and --test go together/);
    expect(await evalCommand(['--train', files.train, '--test', files.test, '--algorithms', 'als,svd'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/unknown algorithm "svd"/);
    expect(await evalCommand(['--movielens', dir, '--split', 'random'], io)).toBe(2);
    expect(await evalCommand(['--train', files.train, '--test', files.test, '--als-params', 'factors=0'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/invalid als parameters: factors/);
    expect(
      await evalCommand(['--train', files.train, '--test', files.test, '--rp3beta-params', 'neighbours=0'], io),
    ).toBe(2);
    expect(err.join('\n')).toMatch(/invalid rp3beta parameters: neighbours/);
    expect(await evalCommand(['--rerank', 'als'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--rerank needs --movielens DIR/);
    expect(await evalCommand(['--movielens', dir, '--rerank', 'rp3beta'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/re-ranker's generator must be one of sparse-ease, als, popularity, blend/);
    expect(await evalCommand(['--movielens', dir, '--rerank', 'als', '--candidates', '5'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--candidates must be an integer ≥ k/);
    expect(await evalCommand(['--movielens', join(dir, 'missing')], io)).toBe(1);
    expect(existsSync(join(dir, 'reports', 'never.html'))).toBe(false);
  });
});
