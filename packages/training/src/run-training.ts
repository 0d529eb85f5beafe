import type { Database } from '@recgraph/db';
import { AlsModel } from '@recgraph/recsys';
import type { ProgressCallback } from '@recgraph/data';
import { isAlgorithm, resolveParams, type AlgorithmName, type TrainedAlgorithm } from './algorithms.ts';
import { resolveBlendSpec } from './fit-configuration.ts';
import type { SparkBackend } from './spark/spark-als.ts';
import type { ImplicitBackend } from './implicit/implicit-als.ts';
import { TrainingRunFailedError } from './errors.ts';
import { evaluateOnHoldout } from './evaluate-split.ts';
import { resolveInputWeighting } from './input-weighting.ts';
import { loadTrainingData } from './load-training-data.ts';
import { encodeServingArtifact } from './artifact-store.ts';
import { fitContentMapping, loadProductContent, loadTextEmbeddings } from './content-fit.ts';
import type { ArtifactStore } from './artifact-backends.ts';
import { startMlflowRun, type RunTracker } from './mlflow.ts';
import {
  getActiveModelVersion,
  promoteIfBetter,
  recordFailedRun,
  registerModel,
  type ChampionComparison,
  type ModelVersion,
  type PromotionDecision,
} from './registry.ts';
import {
  trainModel,
  type SplitSpec,
  type TrainedModel,
  type TrainerAlgorithm,
  type TrainModelOptions,
} from './train-model.ts';
import type { TrainingData } from './training-data.ts';
import { withTrainingLock } from './training-lock.ts';
import {
  fitServedRanker,
  loadItemPrices,
  type RankerDecision,
  type TrainerRankerOptions,
} from './reranker/fit-served-ranker.ts';

export interface RunTrainingOptions {
  /** `auto`: search algorithms and hyper-parameters on the train split within `tuning.budgetS`. */
  algorithm: TrainerAlgorithm;
  tuning?: TrainModelOptions['tuning'];
  params?: Record<string, unknown>;
  /** Event-weight profile and confidence weighting (default: the deployment's table, linear; `auto` searches them). */
  weighting?: TrainModelOptions['weighting'];
  split?: Partial<SplitSpec>;
  k?: number | readonly number[];
  primaryMetric?: string;
  /** Train on events in [from, to) only. */
  window?: { from?: Date; to?: Date };
  /** Where artifacts go without an `artifactStore` (config: MODEL_DIR or <RECGRAPH_DATA_DIR>/models). */
  modelDir: string;
  /** The shared artifact store (artifactStoreFromConfig: ARTIFACT_STORE, Postgres by default). */
  artifactStore?: ArtifactStore;
  /** Relative improvement over the active model required for promotion (config: PROMOTION_MARGIN). */
  margin: number;
  /** Set to register only, leaving promotion to an admin. */
  autoPromote?: boolean;
  /** timeoutMs: per request (default 5 s). */
  mlflow?: { trackingUri: string; experimentName: string; timeoutMs?: number };
  threads?: number;
  /**
   * Spark for als-spark, and for als once the data reaches `spark.minInteractions`
   * (the registry records the algorithm that actually trained).
   */
  spark?: SparkBackend | undefined;
  /**
   * `implicit` for als-implicit, and for als unless Spark takes it (the trainer sets it when
   * TRAINER_DEVICE found a CUDA GPU: resolveTrainingDevice).
   */
  implicit?: ImplicitBackend | undefined;
  onProgress?: ProgressCallback;
  warn?: (message: string) => void;
  /**
   * Learn a LambdaMART re-ranker over the model's top candidates (config: RANKER_PYTHON), attached
   * to the version only when it beats the model alone on the holdout; a failure is logged, never fatal.
   */
  ranker?: TrainerRankerOptions | undefined;
  /** Progress lines worth a log line of their own (the re-ranker's decision). */
  info?: (message: string) => void;
}

export interface TrainingRunResult {
  version: ModelVersion;
  trained: TrainedModel;
  champion: ChampionComparison | undefined;
  /** Undefined when autoPromote is false. */
  decision: PromotionDecision | undefined;
  mlflowRunId: string | undefined;
}

/**
 * Re-fits the active model's configuration on the candidate's train split and
 * scores it on the same holdout. Not the stored artifact: that one was refitted
 * on all data, this holdout included, so it would be graded on answers it has
 * seen (and its user/item indices belong to another data snapshot).
 */
async function evaluateChampion(
  active: ModelVersion,
  trained: TrainedModel,
  o: Pick<RunTrainingOptions, 'threads' | 'spark' | 'implicit' | 'onProgress' | 'warn'>,
  /** Re-learns a re-ranker over a configuration fitted on this holdout's train part (when the trainer learns them). */
  rerank?: (t: TrainedModel) => Promise<Omit<RankerDecision, 'ranker'> | undefined>,
): Promise<ChampionComparison | undefined> {
  if (!isAlgorithm(active.algorithm) && active.algorithm !== 'blend') {
    o.warn?.(
      `active model ${active.id} uses algorithm ${active.algorithm}, which cannot be re-fitted here; it will not be compared`,
    );
    return undefined;
  }
  const { weighting, blend, ...stored } = (active.parameters ?? {}) as Record<string, unknown>;
  const isBlend = active.algorithm === 'blend';
  // implicit solves the native objective: without it here (no GPU now), the native solver re-fits its configuration.
  const algorithm = active.algorithm === 'als-implicit' && !o.implicit ? 'als' : active.algorithm;
  const params = isBlend ? {} : resolveParams(active.algorithm as AlgorithmName, stored, trained.split.seed);
  const ev = await evaluateOnHoldout({
    data: trained.data,
    train: trained.holdout.train,
    test: trained.holdout.test,
    algorithm: algorithm as TrainedAlgorithm,
    params,
    ...(isBlend ? { blend: resolveBlendSpec(blend, trained.split.seed) } : {}),
    // A champion registered before weightings were recorded was trained with the defaults.
    weighting: resolveInputWeighting(weighting),
    ks: trained.ks,
    ...(o.threads ? { threads: o.threads } : {}),
    spark: o.spark,
    implicit: o.implicit,
    ...(o.onProgress
      ? {
          onProgress: (stage: string, done: number, total: number | undefined) =>
            o.onProgress!(`champion: ${stage}`, done, total),
        }
      : {}),
  });
  const comparison: ChampionComparison = { id: active.id, algorithm: active.algorithm, metrics: ev.model };
  // A champion that serves with a re-ranker is compared as it serves: its configuration's re-ranker, learnt
  // the same way on this holdout and counted only when it wins there (as the candidate's is).
  if (rerank && (active.metrics as { served?: unknown } | null)?.served !== undefined) {
    const d = await rerank({
      ...trained,
      algorithm: algorithm as TrainedAlgorithm,
      params,
      input: resolveInputWeighting(weighting),
      ...(isBlend ? { blend: resolveBlendSpec(blend, trained.split.seed) } : { blend: undefined }),
      evaluation: ev,
    });
    if (d?.attached)
      return {
        ...comparison,
        metrics: { ...ev.model, [trained.primaryMetric]: d.rerankedNdcg },
        reranker: { generatorNdcg: d.generatorNdcg, rerankedNdcg: d.rerankedNdcg },
      };
  }
  return comparison;
}

/**
 * ALS moves to Spark once the data reaches the configured size (when a Spark backend is
 * configured), else to implicit when one is given (the trainer gives one for a CUDA GPU).
 */
export function backendFor(
  algorithm: TrainerAlgorithm,
  interactions: number,
  spark: SparkBackend | undefined,
  implicit?: ImplicitBackend,
): TrainerAlgorithm {
  if (algorithm !== 'als') return algorithm;
  const min = spark?.minInteractions ?? 0;
  if (min > 0 && interactions >= min) return 'als-spark';
  return implicit ? 'als-implicit' : algorithm;
}

/**
 * The whole pipeline under the training lock: load → train (holdout metrics,
 * refit on all data) → score the active model on the same holdout → register
 * as CANDIDATE → promote if better → log to MLflow. Any failure is recorded as a
 * FAILED version and leaves the active model untouched.
 */
export async function runTraining(db: Database, o: RunTrainingOptions): Promise<TrainingRunResult> {
  return withTrainingLock(db, async () => {
    const tracker: RunTracker | undefined = o.mlflow
      ? await startMlflowRun({
          ...o.mlflow,
          runName: `${o.algorithm}-${new Date().toISOString()}`,
          tags: { 'recgraph.algorithm': o.algorithm },
          ...(o.warn ? { warn: o.warn } : {}),
        })
      : undefined;
    let data: TrainingData | undefined;
    let version: ModelVersion | undefined;
    try {
      data = await loadTrainingData(db, { ...o.window, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
      const trained = await trainModel({
        data,
        algorithm: backendFor(o.algorithm, data.interactions.user.length, o.spark, o.implicit),
        spark: o.spark,
        implicit: o.implicit,
        ...(o.tuning ? { tuning: o.tuning } : {}),
        ...(o.params ? { params: o.params } : {}),
        ...(o.weighting ? { weighting: o.weighting } : {}),
        ...(o.split ? { split: o.split } : {}),
        ...(o.k !== undefined ? { k: o.k } : {}),
        ...(o.primaryMetric ? { primaryMetric: o.primaryMetric } : {}),
        ...(o.threads ? { threads: o.threads } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      // A factor model also learns to place products it has never seen from their content (cold items).
      const contentMapping = fitContentMapping(
        trained.model,
        await loadProductContent(db, data.items),
        // Only a factor model gets a mapping: the vectors are read for nothing otherwise.
        trained.model instanceof AlsModel ? await loadTextEmbeddings(db, data.items) : undefined,
      );
      if (contentMapping) trained.contentMapping = contentMapping;
      if (o.ranker) await attachRanker(db, trained, o.ranker, o);
      const active = await getActiveModelVersion(db);
      const champion = active
        ? await evaluateChampion(active, trained, o, o.ranker ? (t) => rerankChampion(db, t, o.ranker!, o) : undefined)
        : undefined;
      version = await registerModel(db, trained, {
        modelDir: o.modelDir,
        ...(o.artifactStore ? { store: o.artifactStore } : {}),
        ...(champion ? { champion } : {}),
      });
      const decision =
        o.autoPromote === false ? undefined : await promoteIfBetter(db, version.id, { margin: o.margin });

      await tracker?.logParams({
        algorithm: trained.algorithm,
        ...trained.params,
        weighting_profile: trained.input.profile,
        weighting_scheme: trained.input.scheme,
        split: trained.split.kind,
        test_fraction: trained.split.testFraction,
        seed: trained.split.seed,
        primary_metric: trained.primaryMetric,
        interactions: data.interactions.user.length,
        users: data.users.size,
        items: data.items.size,
        model_version_id: version.id,
      });
      await tracker?.logMetrics({
        ...trained.evaluation.model,
        ...prefixed('baseline_', trained.evaluation.baseline),
        ...(champion ? prefixed('champion_', champion.metrics) : {}),
        promoted: decision?.promoted ? 1 : 0,
        train_seconds: trained.seconds,
        ...(trained.tuning
          ? { tuning_trials: trained.tuning.trials.length, tuning_validation_score: trained.tuning.score }
          : {}),
        ...(trained.rankerDecision && 'generatorNdcg' in trained.rankerDecision
          ? {
              reranker_generator_ndcg: trained.rankerDecision.generatorNdcg,
              reranker_reranked_ndcg: trained.rankerDecision.rerankedNdcg,
              reranker_attached: trained.rankerDecision.attached ? 1 : 0,
              reranker_seconds: trained.rankerDecision.seconds,
            }
          : {}),
      });
      // Every trial of an `auto` search (algorithm, parameters, validation score, seconds).
      if (tracker && trained.tuning)
        await tracker.logArtifact(
          'tuning/trials.json',
          new TextEncoder().encode(JSON.stringify(trained.tuning, null, 2)),
        );
      // The re-ranker's decision (both holdout figures, the reason), attached or not.
      if (tracker && trained.rankerDecision)
        await tracker.logArtifact(
          'reranker/decision.json',
          new TextEncoder().encode(JSON.stringify(trained.rankerDecision, null, 2)),
        );
      // The registered artifact's bytes (the encoding is deterministic: same sha256 as the registry's).
      if (tracker)
        await tracker.logArtifact(
          `model/${version.id}.rgrs`,
          encodeServingArtifact(trained.model, trained.data, trained.weighting, trained.contentMapping, trained.ranker),
        );
      await tracker?.finish('FINISHED');
      return {
        version: decision?.promoted ? { ...version, status: 'ACTIVE' as const } : version,
        trained,
        champion,
        decision,
        mlflowRunId: tracker?.runId,
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      let failedId: string | undefined;
      try {
        if (version) {
          // Registered, then failed (e.g. while promoting, whose transaction rolled back): mark that candidate.
          await db.prisma.modelVersion.updateMany({
            where: { id: version.id, status: 'CANDIDATE' },
            data: { status: 'FAILED', notes: reason },
          });
          failedId = version.id;
        } else {
          failedId = (
            await recordFailedRun(db, {
              algorithm: o.algorithm,
              params: o.params ?? {},
              reason,
              from: data?.from ?? o.window?.from ?? null,
              to: data?.to ?? o.window?.to ?? null,
              interactions: data?.interactions.user.length ?? 0,
            })
          ).id;
        }
      } catch (recordErr) {
        o.warn?.(`could not record the failed run: ${(recordErr as Error).message}`);
      }
      await tracker?.finish('FAILED');
      throw new TrainingRunFailedError(reason, failedId, err);
    }
  });
}

/**
 * Fits the learned re-ranker for `trained` and attaches it when it wins on the holdout. Any
 * failure (no Python, LightGBM failing, too little data) leaves the model without one, with
 * the reason logged and recorded: a re-ranker is an improvement, never a reason to fail training.
 */
async function attachRanker(
  db: Database,
  trained: TrainedModel,
  ranker: TrainerRankerOptions,
  o: Pick<RunTrainingOptions, 'onProgress' | 'warn' | 'info'>,
): Promise<void> {
  try {
    const { ranker: served, ...decision } = await fitServedRanker(
      trained,
      await loadItemPrices(db, trained.data),
      ranker,
      o.onProgress,
    );
    trained.rankerDecision = decision;
    if (served) trained.ranker = served;
    o.info?.(`re-ranker ${decision.attached ? 'attached' : 'not attached'}: ${decision.reason}`);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    trained.rankerDecision = { attached: false, reason: `re-ranker training failed: ${reason}` };
    o.warn?.(`the model is registered without a re-ranker: ${reason}`);
  }
}

/** The champion's re-ranker re-learnt on this holdout; undefined (compared without one, the reason logged) when that fails. */
async function rerankChampion(
  db: Database,
  t: TrainedModel,
  ranker: TrainerRankerOptions,
  o: Pick<RunTrainingOptions, 'onProgress' | 'warn'>,
): Promise<Omit<RankerDecision, 'ranker'> | undefined> {
  try {
    const { ranker: _unused, ...decision } = await fitServedRanker(
      t,
      await loadItemPrices(db, t.data),
      ranker,
      o.onProgress ? (stage, done, total) => o.onProgress!(`champion: ${stage}`, done, total) : undefined,
    );
    return decision;
  } catch (err) {
    o.warn?.(`the champion's re-ranker could not be re-learnt, it is compared without one: ${(err as Error).message}`);
    return undefined;
  }
}

const prefixed = (p: string, m: Record<string, number>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [p + k, v]));
