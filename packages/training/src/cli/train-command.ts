import { rankerPython } from '../reranker/lambdamart.ts';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '@recgraph/config';
import type { Database } from '@recgraph/db';
import { createProgress } from '@recgraph/data';
import { ALGORITHMS, isAlgorithm } from '../algorithms.ts';
import { artifactStoreFromConfig } from '../artifact-backends.ts';
import { TrainingLockBusyError, TrainingRunFailedError } from '../errors.ts';
import type { Comparison } from '../report/comparison.ts';
import { markdownTable } from '../report/markdown-table.ts';
import { resolveInputWeighting } from '../input-weighting.ts';
import { runTraining } from '../run-training.ts';
import { resolveTrainingDevice, type ImplicitBackend } from '../implicit/implicit-als.ts';
import { isUsageProblem, parseDate, parseIntList, parseNumber, parseSplitKind, UsageError } from './flags.ts';
import type { CliIo } from './eval-command.ts';

export const TRAIN_USAGE = `usage: npm run train -- [options]
Trains on the interactions in the database (DATABASE_URL or the embedded one under RECGRAPH_DATA_DIR),
registers the model and promotes it when it beats the active one by PROMOTION_MARGIN on the same holdout.
ALS trains on a CUDA GPU through implicit when TRAINER_DEVICE (auto|cpu|cuda) and IMPLICIT_PYTHON allow.
  --algorithm als|als-implicit|ease|sparse-ease|rp3beta|popularity    (default als)
  ALS:  --factors 64 --regularization 10 --alpha 1 --iterations 15 --cg-steps 3
  EASE: --regularization 250 --top-items 1000 --max-items 5000
  sparse-ease: --regularization 250 --neighbours 100 --gram-neighbours 200
  rp3beta: --alpha 0.5 --beta 0.5 --neighbours 100
  popularity: --half-life-s 0 (0: all-time counts)
  --event-weights deployment|uniform|intent|conversion   --confidence linear|log|bm25|tfidf   (how events are weighted)
  --split stratified|temporal  --test-fraction 0.25  --seed 42  --k 10,20  --primary-metric ndcg@10
  --from DATE --to DATE        train on events in [from, to)
  --no-promote                 register only (an admin promotes later)`;

const PARAM_FLAGS = {
  factors: 'factors',
  regularization: 'regularization',
  alpha: 'alpha',
  iterations: 'iterations',
  'cg-steps': 'cgSteps',
  'top-items': 'topItems',
  'max-items': 'maxItems',
  neighbours: 'neighbours',
  'gram-neighbours': 'gramNeighbours',
  beta: 'beta',
  'half-life-s': 'halfLifeS',
} as const;

export interface TrainIo extends CliIo {
  openDatabase: () => Promise<Database>;
  config: Pick<
    Config,
    'RECGRAPH_DATA_DIR' | 'MODEL_DIR' | 'PROMOTION_MARGIN' | 'MLFLOW_TRACKING_URI' | 'MLFLOW_EXPERIMENT_NAME'
  > &
    // Where ALS trains (absent: auto without IMPLICIT_PYTHON, i.e. the native CPU kernels).
    Partial<Pick<Config, 'TRAINER_DEVICE' | 'IMPLICIT_PYTHON'>> &
    // The learned re-ranker's Python (absent: .infra/ranker-venv when installed; off: none).
    Partial<Pick<Config, 'RANKER_PYTHON'>> &
    // The shared artifact store (ARTIFACT_STORE, ARTIFACT_S3_*); absent → files in MODEL_DIR.
    Partial<Parameters<typeof artifactStoreFromConfig>[0]>;
}

/** `npm run train`: returns the exit code (0 trained, whether promoted or not; 1 failed; 2 usage; 75 another run holds the lock). */
export async function trainCommand(argv: string[], io: TrainIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        algorithm: { type: 'string' },
        ...Object.fromEntries(Object.keys(PARAM_FLAGS).map((f) => [f, { type: 'string' as const }])),
        split: { type: 'string' },
        'test-fraction': { type: 'string' },
        seed: { type: 'string' },
        k: { type: 'string' },
        'primary-metric': { type: 'string' },
        'event-weights': { type: 'string' },
        confidence: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'no-promote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.err(`${(err as Error).message}\n${TRAIN_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(TRAIN_USAGE);
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  let db: Database | undefined;
  const progress = io.progress ?? createProgress();
  try {
    const algorithm = str('algorithm') ?? 'als';
    if (!isAlgorithm(algorithm))
      throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`);
    const params: Record<string, number> = {};
    for (const [flag, key] of Object.entries(PARAM_FLAGS)) {
      const v = parseNumber(flag, str(flag));
      if (v !== undefined) params[key] = v;
    }
    const weighting = resolveInputWeighting({ profile: str('event-weights'), scheme: str('confidence') });
    const kind = parseSplitKind(str('split'));
    const from = parseDate('from', str('from'));
    const to = parseDate('to', str('to'));
    const ks = parseIntList('k', str('k'));
    const implicit = await alsDevice(algorithm, io);
    const ranker = rankerPython(io.config.RANKER_PYTHON);
    db = await io.openDatabase();
    const result = await runTraining(db, {
      algorithm,
      params,
      weighting,
      split: {
        ...(kind ? { kind } : {}),
        ...(str('test-fraction') ? { testFraction: parseNumber('test-fraction', str('test-fraction'))! } : {}),
        ...(str('seed') ? { seed: parseNumber('seed', str('seed'))! } : {}),
      },
      ...(ks ? { k: ks } : {}),
      ...(str('primary-metric') ? { primaryMetric: str('primary-metric')! } : {}),
      window: { ...(from ? { from } : {}), ...(to ? { to } : {}) },
      modelDir: io.config.MODEL_DIR ?? join(io.config.RECGRAPH_DATA_DIR, 'models'),
      ...(io.config.ARTIFACT_STORE
        ? {
            artifactStore: artifactStoreFromConfig(
              { ...io.config, ARTIFACT_STORE: io.config.ARTIFACT_STORE },
              db.prisma,
            ),
          }
        : {}),
      margin: io.config.PROMOTION_MARGIN,
      autoPromote: !values['no-promote'],
      ...(implicit ? { implicit } : {}),
      ...(ranker ? { ranker: { python: ranker } } : {}),
      ...(io.config.MLFLOW_TRACKING_URI
        ? { mlflow: { trackingUri: io.config.MLFLOW_TRACKING_URI, experimentName: io.config.MLFLOW_EXPERIMENT_NAME } }
        : {}),
      onProgress: progress.update,
      warn: (m) => io.err(`warning: ${m}`),
    });
    progress.stop();
    const { trained, champion, decision, version } = result;
    const rows = [
      { name: `${trained.algorithm} (candidate)`, metrics: trained.evaluation.model },
      ...(champion
        ? [{ name: `${champion.algorithm} (active ${champion.id.slice(0, 8)})`, metrics: champion.metrics }]
        : []),
      { name: 'popularity (baseline)', metrics: trained.evaluation.baseline },
    ];
    const comparison: Comparison = { title: 'training run', details: [], ks: trained.ks, rows };
    io.out(markdownTable(comparison));
    io.out(
      `\n${trained.data.interactions.user.length} interactions, ${trained.data.users.size} users, ${trained.data.items.size} items; ` +
        `${trained.split.kind} holdout (${trained.split.testFraction}, seed ${trained.split.seed}), ${trained.evaluation.testUsers} test users; ` +
        `${trained.seconds.toFixed(1)} s`,
    );
    io.out(`model version ${version.id}: ${trained.algorithm} ${JSON.stringify(trained.params)}`);
    if (trained.rankerDecision)
      io.out(
        `re-ranker ${trained.rankerDecision.attached ? 'attached' : 'not attached'}: ${trained.rankerDecision.reason}`,
      );
    if (decision)
      io.out(`${decision.promoted ? 'PROMOTED to ACTIVE' : 'not promoted (stays CANDIDATE)'}: ${decision.reason}`);
    else io.out('registered as CANDIDATE (--no-promote)');
    if (result.mlflowRunId) io.out(`MLflow run ${result.mlflowRunId}`);
    return 0;
  } catch (err) {
    progress.stop();
    if (isUsageProblem(err)) {
      io.err(`${(err as Error).message}\n${TRAIN_USAGE}`);
      return 2;
    }
    if (err instanceof TrainingLockBusyError) {
      io.err(err.message);
      return 75; // EX_TEMPFAIL: try again later
    }
    if (err instanceof TrainingRunFailedError && isUsageProblem(err.cause)) {
      io.err(`${err.message}\n${TRAIN_USAGE}`);
      return 2;
    }
    io.err(`train failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await db?.close();
  }
}

/**
 * implicit's backend for an ALS run: the GPU when TRAINER_DEVICE and IMPLICIT_PYTHON find one
 * (cuda without one: DeviceUnavailableError, exit 1), implicit's CPU solver for an explicit
 * --algorithm als-implicit, else none (the native kernels). Says which on stderr.
 */
async function alsDevice(algorithm: string, io: TrainIo): Promise<ImplicitBackend | undefined> {
  if (algorithm !== 'als' && algorithm !== 'als-implicit') return undefined;
  const python = io.config.IMPLICIT_PYTHON;
  const d = await resolveTrainingDevice({ setting: io.config.TRAINER_DEVICE ?? 'auto', python });
  const implicit = d.implicit ?? (algorithm === 'als-implicit' && python ? { python, device: 'cpu' } : undefined);
  io.err(`ALS trains on ${implicit?.device ?? d.device} (${implicit ? 'implicit' : 'native'}): ${d.reason}`);
  return implicit;
}
