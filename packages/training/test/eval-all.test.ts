// `npm run eval -- --all`: every model in one table and one chart, on a small MovieLens folder
// with a one-second tuning budget (the re-ranker through the real LightGBM venv).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../src/cli/eval-command.ts';
import { DEFAULT_RANKER_PYTHON } from '../src/reranker/lambdamart.ts';
import { writeMovieLens } from './fixtures.ts';

if (!existsSync(DEFAULT_RANKER_PYTHON) && process.env.CI)
  throw new Error(`${DEFAULT_RANKER_PYTHON} is missing under CI: run \`npm run infra:up\` (scripts/infra/ranker.sh)`);

describe('npm run eval -- --all', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recgraph-eval-all-'));
    writeMovieLens(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts every algorithm, auto and its blend, the re-ranker and the cold-item split in one table and chart', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const report = join(dir, 'eval.html');
    const chart = join(dir, 'ndcg.svg');
    const code = await evalCommand(
      ['--movielens', dir, '--all', '--tuning-budget', '1', '--k', '10', '--report', report, '--chart', chart],
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        progress: { update: () => undefined, stop: () => undefined },
      },
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const lines = out.join('\n').split('\n');
    const header = lines[0]!.split(' | ');
    expect(header.slice(-2)).toEqual(['hyperparameters', 'fit (s) |']);
    const cells = (name: string) => {
      const line = lines.find((l) => l.startsWith(`| ${name}`));
      expect(line, `a row for ${name}`).toBeDefined();
      const c = line!.slice(2, -2).split(' | ');
      return {
        name: c[0]!,
        ndcg: Number(c[header.indexOf('NDCG')]),
        params: c[c.length - 2]!,
        fit: c[c.length - 1]!,
      };
    };
    // Each algorithm at its defaults, with its hyper-parameters and fit time.
    for (const a of ['popularity', 'als', 'ease', 'sparse-ease', 'rp3beta']) {
      const r = cells(`${a} |`);
      expect(r.ndcg).toBeGreaterThan(0);
      expect(r.fit).toMatch(/^\d+\.\d$/);
    }
    expect(cells('als |').params).toBe('factors=64, regularization=10, alpha=1, iterations=15, cgSteps=3');
    expect(cells('ease |').params).toContain('topItems=1000');
    // The search's choice: its tuned configuration, the search's time and the fit's.
    const auto = cells('auto → ');
    expect(auto.fit).toMatch(/^\d+ search \+ \d+\.\d$/);
    expect(auto.ndcg).toBeGreaterThan(cells('popularity |').ndcg);
    // The blend is the choice or a row of its own.
    const blend = auto.name === 'auto → blend' ? auto : cells('blend (auto search, not chosen)');
    expect(blend.params).toMatch(/^0\.\d+ × .+ \+ 0\.\d+ × /);
    // The re-ranker over the choice, scored on the same holdout (or why it could not run).
    const rerank = cells('re-ranker: LambdaMART over auto → ');
    if (existsSync(DEFAULT_RANKER_PYTHON)) {
      expect(rerank.ndcg).toBeGreaterThan(0);
      expect(rerank.params).toMatch(/the generator alone on them: NDCG@10 0\.\d{4}$/);
    } else expect(rerank.params).toMatch(/^not run: no .*ranker-venv/);
    // The cold-item split: content beats genre popularity on held-out movies.
    const cold = cells('cold items: content → ALS factors (ridge');
    expect(cold.ndcg).toBeGreaterThan(1.5 * cells('cold items: popular in the same category').ndcg);
    expect(out.join('\n')).toMatch(/cold items: a split of its own \(seed 42\): 8 movies held out/);

    // One chart, NDCG@10 of every row, first in the report and in the SVG file.
    const rows = lines.filter((l) => /^\| .+ \| 10 \|/.test(l)).map((l) => l.slice(2).split(' | ')[0]!);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const html = readFileSync(report, 'utf8');
    const first = /<figure>(<svg[\s\S]*?<\/svg>)<\/figure>/.exec(html)![1]!;
    expect(first).toContain('aria-label="NDCG@10"');
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (const name of rows) expect(first).toContain(`<title>${esc(name)}: `);
    expect(readFileSync(chart, 'utf8')).toBe(first);
  });

  it('refuses --all with a narrower selection (usage, exit 2)', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l) };
    expect(await evalCommand(['--movielens', dir, '--all', '--algorithms', 'als'], io)).toBe(2);
    expect(await evalCommand(['--movielens', dir, '--all', '--cold-items'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--all runs every model: drop --cold-items/);
  });
});
