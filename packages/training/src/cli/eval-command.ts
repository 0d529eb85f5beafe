import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRatingsFile, readTrainTestFiles, type Split, type TopK } from '@recgraph/recsys';
import { writeTopKFile } from '@recgraph/recsys';
import { createProgress, type ProgressCallback } from '@recgraph/data';
import { ALGORITHMS, isAlgorithm, resolveParams, type AlgorithmName } from '../algorithms.ts';
import { evaluateOnHoldout, type HoldoutEvaluation } from '../evaluate-split.ts';
import { loadTrainingData } from '../load-training-data.ts';
import { htmlReport, ndcgChartSvg } from '../report/html-report.ts';
import { markdownTable } from '../report/markdown-table.ts';
import type { Comparison } from '../report/comparison.ts';
import { tuneOnTrain, type TuningResult } from '../tuning.ts';
import { resolveKs, resolveSplit, splitData } from '../train-model.ts';
import { trainingDataFromInteractions, type TrainingData } from '../training-data.ts';
import { DEFAULT_INPUT_WEIGHTING } from '../input-weighting.ts';
import { isUsageProblem, parseIntList, parseNumber, parseParamList, parseSplitKind, UsageError } from './flags.ts';
import type { Database } from '@recgraph/db';
import { evaluateColdItemsOnMovieLens } from '../cold-items-eval.ts';
import { evaluateRerankerOnMovieLens } from '../reranker/movielens-eval.ts';
import type { Configuration } from '../fit-configuration.ts';
import { coldItemRows, holdoutRow, rerankRow, tunedRows, type ExtraRowsContext } from './eval-all.ts';

export const EVAL_USAGE = `usage: npm run eval -- [source] [options]
source (one; default: the database, DATABASE_URL or the embedded one under RECGRAPH_DATA_DIR):
  --movielens DIR              DIR/ratings.csv (userId,movieId,rating,timestamp), split here
  --train FILE --test FILE     explicit user,item,rating[,timestamp] files (CSV, TSV or ::), no split
options:
  --all                        every model in one table and chart, on one holdout: each algorithm at its
                               defaults (EASE on the 1,000 most popular items unless --ease-params says),
                               auto (the search's choice, its blend and the blend's tuned parts), the
                               re-ranker over auto's choice (when .infra/ranker-venv exists) and, with
                               --movielens, the cold-item split's rows
  --algorithms als,ease,sparse-ease,rp3beta,popularity   (default: these; als-spark and auto when named)
  --tuning-budget 120          seconds auto may search (on the train split; the holdout scores what it chose)
  --split stratified|temporal  --test-fraction 0.25  --seed 42
  --k 10,20                    cut-offs
  --als-params factors=64,regularization=10,alpha=1,iterations=15
  --ease-params regularization=250,top-items=1000
  --sparse-ease-params regularization=250,neighbours=100,gram-neighbours=200
  --rp3beta-params alpha=0.5,beta=0.5,neighbours=100
  --topk-out FILE              each evaluated user's top-k (max k) per algorithm: user, item, rank, score
  --report FILE                HTML report with charts (default reports/eval.html)
  --chart FILE                 also the NDCG chart (first k, every row) as an SVG file
  --cold-items                 with --movielens DIR: the cold-item split (10 % of movies held out with all
                               their ratings): "popular in the same category" vs the content → ALS mapping
  --rerank GENERATOR           with --movielens DIR: the learned re-ranker (LambdaMART, ONNX) over the top
                               --candidates 100 of GENERATOR (als, sparse-ease or blend: the tuned auto
                               configurations), against the generator alone on the holdout
                               (LightGBM from .infra/ranker-venv: scripts/infra/ranker.sh)`;

/** The in-process algorithms --all runs at their defaults (other backends are the same models), then auto. */
const ALL_ROWS = ['popularity', 'als', 'ease', 'sparse-ease', 'rp3beta', 'auto'];

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Progress display; default: bars on a terminal, lines elsewhere. */
  progress?: { update: ProgressCallback; stop(): void };
  /** Opens the database for the default source. */
  openDatabase?: () => Promise<Database>;
}

interface Source {
  data: TrainingData;
  holdout: Split;
  details: string[];
  close?: () => Promise<void>;
}

async function loadSource(
  v: Record<string, string | boolean | undefined>,
  io: CliIo,
  onProgress: ProgressCallback,
): Promise<Source> {
  const str = (k: string) => v[k] as string | undefined;
  const explicit = str('train') !== undefined || str('test') !== undefined;
  if (explicit && str('movielens')) throw new UsageError('use either --movielens or --train/--test, not both');
  if (explicit) {
    if (!str('train') || !str('test')) throw new UsageError('--train and --test go together');
    if (str('split') || str('test-fraction') || str('seed'))
      throw new UsageError('--split, --test-fraction and --seed do not apply to explicit --train/--test files');
    const f = readTrainTestFiles(str('train')!, str('test')!);
    const data = trainingDataFromInteractions(f.train, f.users, f.items, `files ${str('train')} / ${str('test')}`);
    return {
      data,
      holdout: { train: f.train, test: f.test },
      details: [
        `train file ${str('train')} (${f.train.user.length} rows), test file ${str('test')} (${f.test.user.length} rows)`,
        `${f.users.size} users, ${f.items.size} items`,
      ],
    };
  }
  const split = resolveSplit({
    ...(parseSplitKind(str('split')) ? { kind: parseSplitKind(str('split'))! } : {}),
    ...(str('test-fraction') !== undefined
      ? { testFraction: parseNumber('test-fraction', str('test-fraction'))! }
      : {}),
    ...(str('seed') !== undefined ? { seed: parseNumber('seed', str('seed'))! } : {}),
  });
  let data: TrainingData;
  let close: (() => Promise<void>) | undefined;
  if (str('movielens')) {
    const file = join(str('movielens')!, 'ratings.csv');
    const r = readRatingsFile(file);
    data = trainingDataFromInteractions(r.interactions, r.users, r.items, `MovieLens ${file}`);
  } else {
    if (!io.openDatabase) throw new UsageError('no database available: pass --movielens or --train/--test');
    const db = await io.openDatabase();
    close = () => db.close();
    try {
      data = await loadTrainingData(db, { onProgress });
    } catch (err) {
      await close();
      throw err;
    }
  }
  const holdout = splitData(data, split);
  return {
    data,
    holdout,
    details: [
      `${data.source}: ${data.interactions.user.length} interactions, ${data.users.size} users, ${data.items.size} items`,
      `${split.kind} split, test fraction ${split.testFraction}, seed ${split.seed}: ${holdout.train.user.length} train / ${holdout.test.user.length} test rows`,
    ],
    ...(close ? { close } : {}),
  };
}

function topKPath(base: string, algorithm: string, many: boolean): string {
  if (!many) return base;
  const ext = extname(base);
  return `${base.slice(0, base.length - ext.length)}.${algorithm}${ext || '.tsv'}`;
}

function writeTopK(path: string, ev: HoldoutEvaluation, data: TrainingData, k: number): void {
  const recs: TopK[] = ev.evaluatedUsers.map((u) =>
    ev.fitted.recommend(u, ev.trainMatrix, k, { filterSeen: true, ...(ev.exclude ? { exclude: ev.exclude(u) } : {}) }),
  );
  mkdirSync(dirname(path), { recursive: true });
  writeTopKFile(path, ev.evaluatedUsers, recs, data.users, data.items);
}

/** `npm run eval`: returns the exit code (0 ok, 1 failure, 2 usage). */
export async function evalCommand(argv: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        movielens: { type: 'string' },
        train: { type: 'string' },
        test: { type: 'string' },
        algorithms: { type: 'string' },
        split: { type: 'string' },
        'test-fraction': { type: 'string' },
        seed: { type: 'string' },
        k: { type: 'string' },
        'als-params': { type: 'string' },
        'ease-params': { type: 'string' },
        'sparse-ease-params': { type: 'string' },
        'rp3beta-params': { type: 'string' },
        'topk-out': { type: 'string' },
        'tuning-budget': { type: 'string' },
        report: { type: 'string' },
        'cold-items': { type: 'boolean' },
        rerank: { type: 'string' },
        candidates: { type: 'string' },
        all: { type: 'boolean' },
        chart: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.err(`${(err as Error).message}\n${EVAL_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(EVAL_USAGE);
    return 0;
  }
  if (values.all)
    for (const flag of ['algorithms', 'cold-items', 'rerank'])
      if (values[flag] !== undefined) {
        io.err(`--all runs every model: drop --${flag}\n${EVAL_USAGE}`);
        return 2;
      }
  if (values['cold-items']) return coldItemsCommand(values, io);
  if (values.rerank !== undefined) return rerankCommand(values, io);
  const progress = io.progress ?? createProgress();
  let source: Source | undefined;
  try {
    const all = values.all === true;
    // Default: every in-process algorithm; als-spark and als-implicit need a backend (Spark, implicit).
    const inProcess = ALGORITHMS.filter((a) => a !== 'als-spark' && a !== 'als-implicit');
    const algorithms = ((values.algorithms as string | undefined) ?? (all ? ALL_ROWS : inProcess).join(','))
      .split(',')
      .map((s) => s.trim());
    for (const a of algorithms)
      if (!isAlgorithm(a) && a !== 'auto')
        throw new UsageError(`unknown algorithm ${JSON.stringify(a)}; expected auto, ${ALGORITHMS.join(', ')}`);
    const tuningBudgetS = parseNumber('tuning-budget', values['tuning-budget'] as string | undefined) ?? 120;
    const candidates = parseNumber('candidates', values.candidates as string | undefined) ?? 100;
    const ks = resolveKs(parseIntList('k', values.k as string | undefined) ?? [10, 20]);
    const paramsFor = (a: AlgorithmName, seed: number) =>
      resolveParams(
        a,
        a === 'popularity'
          ? {}
          : {
              // --all compares on MovieLens-size catalogs, past dense EASE's item limit: the README's EASE row.
              ...(all && a === 'ease' ? { topItems: 1000 } : {}),
              ...parseParamList(`${a}-params`, values[`${a}-params`] as string | undefined),
            },
        seed,
      );
    const seed = parseNumber('seed', values.seed as string | undefined) ?? 42;
    for (const a of algorithms) if (a !== 'auto') paramsFor(a as AlgorithmName, seed); // fail on bad parameters before any work
    if (all && (!Number.isInteger(candidates) || candidates < ks[0]!))
      throw new UsageError(`--candidates must be an integer ≥ k (${ks[0]})`);

    source = await loadSource(values, io, progress.update);
    const results: {
      /** The row's label (auto names what it chose). */
      algorithm: string;
      /** As named on the command line (file names). */
      name: string;
      configuration: Configuration;
      tuned: TuningResult | undefined;
      ev: HoldoutEvaluation;
    }[] = [];
    for (const name of algorithms) {
      // auto: what the trainer's search picks on the train split alone, then scored on the holdout like the rest.
      const tuned =
        name === 'auto'
          ? await tuneOnTrain(source.data, source.holdout.train, {
              budgetS: tuningBudgetS,
              seed,
              metric: `ndcg@${ks[0]}`,
              onProgress: progress.update,
            })
          : undefined;
      const a = tuned ? tuned.algorithm : (name as AlgorithmName);
      const params = tuned ? tuned.params : paramsFor(a as AlgorithmName, seed);
      const configuration: Configuration = {
        algorithm: a,
        params,
        weighting: tuned?.weighting ?? DEFAULT_INPUT_WEIGHTING,
        blend: tuned?.blend,
      };
      const ev = await evaluateOnHoldout({
        data: source.data,
        train: source.holdout.train,
        test: source.holdout.test,
        ...configuration,
        ks,
        onProgress: progress.update,
      });
      results.push({ algorithm: tuned ? `auto → ${a}` : a, name, configuration, tuned, ev });
    }

    const rows: Comparison['rows'] = results.map((r) =>
      holdoutRow(
        r.algorithm,
        r.configuration,
        r.ev,
        r.tuned ? `${r.tuned.seconds.toFixed(0)} search + ${r.ev.fitSeconds.toFixed(1)}` : undefined,
      ),
    );
    if (!algorithms.includes('popularity'))
      rows.push({ name: 'popularity (baseline)', metrics: results[0]!.ev.baseline });
    const details = [
      ...source.details,
      `${results[0]!.ev.testUsers} test users; seen train items excluded from every list`,
      "fit (s): fitting on the train part of the holdout (auto: the search's seconds + the fit of its choice)",
      ...results.flatMap((r) =>
        r.tuned
          ? [
              `auto: ${r.tuned.trials.length} trials in ${r.tuned.seconds.toFixed(0)} s (budget ${r.tuned.budgetS} s) on a validation split carved from the train part; chose ${r.tuned.algorithm} at validation ${r.tuned.metric} ${r.tuned.score.toFixed(4)}`,
            ]
          : [],
      ),
    ];
    const tuned = results.find((r) => r.tuned)?.tuned;
    if (all && tuned) {
      const ctx: ExtraRowsContext = {
        data: source.data,
        train: source.holdout.train,
        test: source.holdout.test,
        ks,
        seed,
        movielens: values.movielens as string | undefined,
        defaults: results.filter((r) => !r.tuned).map((r) => r.configuration),
        onProgress: progress.update,
      };
      for (const extra of [
        await tunedRows(ctx, tuned),
        await rerankRow(ctx, tuned, { candidates }),
        await coldItemRows(ctx),
      ]) {
        rows.push(...extra.rows);
        details.push(...extra.details);
      }
    }
    progress.stop();
    const comparison: Comparison = { title: 'Recgraph offline evaluation', details, ks, rows };
    io.out(markdownTable(comparison));
    for (const d of comparison.details) io.out(`- ${d}`);

    const topk = values['topk-out'] as string | undefined;
    if (topk)
      for (const r of results) {
        const path = topKPath(topk, r.name, results.length > 1);
        writeTopK(path, r.ev, source.data, Math.max(...ks));
        io.out(`top-${Math.max(...ks)} lists of ${r.algorithm}: ${path}`);
      }
    const report = (values.report as string | undefined) ?? join('reports', 'eval.html');
    mkdirSync(dirname(report), { recursive: true });
    writeFileSync(report, htmlReport(comparison));
    io.out(`report: ${report}`);
    const chart = values.chart as string | undefined;
    if (chart) {
      mkdirSync(dirname(chart), { recursive: true });
      writeFileSync(chart, ndcgChartSvg(comparison));
      io.out(`chart: ${chart}`);
    }
    return 0;
  } catch (err) {
    progress.stop();
    if (isUsageProblem(err)) {
      io.err(`${(err as Error).message}\n${EVAL_USAGE}`);
      return 2;
    }
    io.err(`eval failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await source?.close?.();
  }
}

/** `npm run eval -- --movielens DIR --cold-items`: nDCG on held-out items, as a markdown table. */
async function coldItemsCommand(v: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  try {
    const dir = v.movielens as string | undefined;
    if (!dir) throw new UsageError('--cold-items needs --movielens DIR (movies.csv carries the content)');
    const seed = parseNumber('seed', v.seed as string | undefined) ?? 42;
    const k = resolveKs(parseIntList('k', v.k as string | undefined) ?? [10])[0]!;
    const r = await evaluateColdItemsOnMovieLens(dir, { seed, k });
    const base = r.rows[0]!.metrics.ndcg;
    io.out(
      `cold-item split, seed ${seed}: ${r.coldItems} movies held out (${r.testRows} ratings), ${r.trainRows} train ratings, ${r.rows[0]!.metrics.users} users; ${r.seconds.toFixed(1)} s`,
    );
    io.out(`| model | nDCG@${k} | recall@${k} | HR@${k} | × baseline |\n| --- | ---: | ---: | ---: | ---: |`);
    for (const { model, metrics: m } of r.rows)
      io.out(
        `| ${model} | ${m.ndcg.toFixed(4)} | ${m.recall.toFixed(4)} | ${m.hitRate.toFixed(4)} | ${base > 0 ? (m.ndcg / base).toFixed(2) : 'n/a'} |`,
      );
    return 0;
  } catch (err) {
    io.err((err as Error).message);
    return isUsageProblem(err) ? 2 : 1;
  }
}

/** `npm run eval -- --movielens DIR --rerank GENERATOR`: the re-ranker against its generator, as a markdown table. */
async function rerankCommand(v: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  try {
    const dir = v.movielens as string | undefined;
    if (!dir) throw new UsageError('--rerank needs --movielens DIR');
    const seed = parseNumber('seed', v.seed as string | undefined) ?? 42;
    const k = resolveKs(parseIntList('k', v.k as string | undefined) ?? [10])[0]!;
    const candidates = parseNumber('candidates', v.candidates as string | undefined) ?? 100;
    if (!Number.isInteger(candidates) || candidates < k)
      throw new UsageError(`--candidates must be an integer ≥ k (${k})`);
    const r = await evaluateRerankerOnMovieLens(dir, {
      generator: v.rerank as AlgorithmName | 'blend',
      seed,
      k,
      candidates,
    });
    io.out(
      `stratified 75/25 holdout, seed ${seed}; LambdaMART trained on ${r.trainingUsers} validation users (${r.trainingRows} rows, carved from the train part), scored on ${r.users} holdout users; top ${candidates} candidates; ${r.seconds.toFixed(1)} s`,
    );
    io.out(`features: ${r.featureNames.join(', ')}`);
    io.out(`| ranking | nDCG@${k} | vs generator |\n| --- | ---: | ---: |`);
    io.out(`| ${r.generator} alone | ${r.generatorNdcg.toFixed(4)} | |`);
    const lift = r.generatorNdcg > 0 ? ((r.rerankedNdcg / r.generatorNdcg - 1) * 100).toFixed(1) : 'n/a';
    io.out(`| ${r.generator} + LambdaMART (ONNX) | ${r.rerankedNdcg.toFixed(4)} | ${lift} % |`);
    return 0;
  } catch (err) {
    io.err((err as Error).message);
    return isUsageProblem(err) ? 2 : 1;
  }
}
