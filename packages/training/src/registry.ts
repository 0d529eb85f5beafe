import { randomUUID } from 'node:crypto';
import { config } from '@recgraph/config';
import type { Database, Prisma } from '@recgraph/db';
import type { ModelVersion } from '@recgraph/db/generated/prisma/client';
import type { ModelStatus } from '@recgraph/db/generated/prisma/enums';
import type { ModelParams } from './algorithms.ts';
import { decodeServingArtifact, encodeServingArtifact, type ServingModel } from './artifact-store.ts';
import { fileArtifactStore, s3ArtifactStore, s3Options, storeForUri, type ArtifactStore } from './artifact-backends.ts';
import { InvalidTrainingOptionsError, ModelVersionNotFoundError, RegistryStateError } from './errors.ts';
import { metricValue, type FlatMetrics } from './metrics.ts';
import { ExternalAlsModel } from './external-als.ts';
import type { TrainedModel } from './train-model.ts';

export type { ModelVersion };
type Registry = Pick<Database, 'prisma'>;
type Tx = Prisma.TransactionClient;

/** The active model's configuration re-fitted and scored on the candidate's own holdout. */
export interface ChampionComparison {
  id: string;
  algorithm: string;
  metrics: FlatMetrics;
  /** When the champion serves with a re-ranker: its configuration's re-ranker, re-learnt on this holdout (metrics hold the re-ranked figure). */
  reranker?: { generatorNdcg: number; rerankedNdcg: number };
}

/**
 * What ModelVersion.metrics holds: the candidate's holdout metrics at the top
 * level ("ndcg@10": 0.31), so a promotion rule reads them directly, with the
 * popularity baseline, the holdout description and the champion's score beside them.
 */
export interface StoredMetrics extends Record<string, unknown> {
  baseline: FlatMetrics;
  holdout: {
    kind: string;
    testFraction: number;
    seed: number;
    testUsers: number;
    trainInteractions: number;
    testInteractions: number;
  };
  champion?: ChampionComparison;
  /** What an external ALS backend reported (implicit's version, the device — cuda or cpu —, the GPU, seconds). */
  backend?: Record<string, unknown>;
  /**
   * The primary metric of what is served when it is not the model alone: the model with its
   * learned re-ranker (attached only when it won on this holdout). Promotion compares this one.
   */
  served?: FlatMetrics;
}

// Registry changes (promotions, rollbacks) take this transaction-scoped lock so
// two admins or two pipelines never interleave their read-then-write.
const REGISTRY_LOCK = 0x7267_7201;

async function lockRegistry(tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${REGISTRY_LOCK}::bigint)`;
}

export interface RegisterOptions {
  /** Directory for <id>.rgrs artifacts when no `store` is given (one machine only). */
  modelDir: string;
  /** Where the artifact goes (artifactStoreFromConfig: Postgres by default); absent → files in modelDir. */
  store?: ArtifactStore;
  champion?: ChampionComparison;
  notes?: string;
}

/** Saves the artifact and records the trained model as a CANDIDATE. */
export async function registerModel(db: Registry, trained: TrainedModel, o: RegisterOptions): Promise<ModelVersion> {
  if (!o.store && !o.modelDir) throw new InvalidTrainingOptionsError('registerModel needs a store or a modelDir');
  const store = o.store ?? fileArtifactStore(o.modelDir);
  const id = randomUUID();
  // The file first: a row must never point at an artifact that does not exist.
  const { uri, sha256 } = await store.put(
    id,
    encodeServingArtifact(trained.model, trained.data, trained.weighting, trained.contentMapping, trained.ranker),
  );
  const ev = trained.evaluation;
  const metrics: StoredMetrics = {
    ...ev.model,
    baseline: ev.baseline,
    holdout: {
      ...trained.split,
      testUsers: ev.testUsers,
      trainInteractions: ev.trainInteractions,
      testInteractions: ev.testInteractions,
    },
    ...(o.champion ? { champion: o.champion } : {}),
    ...(trained.model instanceof ExternalAlsModel && trained.model.summary ? { backend: trained.model.summary } : {}),
    // The learned re-ranker's holdout figures, attached to this version or not.
    ...(trained.rankerDecision ? { reranker: trained.rankerDecision } : {}),
    ...(trained.ranker ? { served: { [trained.primaryMetric]: trained.ranker.evaluation.rerankedNdcg } } : {}),
    // An `auto` run's search: what it chose, on which validation, and every trial.
    ...(trained.tuning
      ? {
          tuning: {
            metric: trained.tuning.metric,
            score: trained.tuning.score,
            budgetS: trained.tuning.budgetS,
            seconds: trained.tuning.seconds,
            fitInteractions: trained.tuning.fitInteractions,
            validationInteractions: trained.tuning.validationInteractions,
            trials: trained.tuning.trials,
          },
        }
      : {}),
  };
  try {
    return await db.prisma.modelVersion.create({
      data: {
        id,
        algorithm: trained.algorithm,
        // The input weighting beside the model's own parameters (evaluateChampion splits them again).
        parameters: {
          ...trained.params,
          weighting: { ...trained.input },
          ...(trained.blend ? { blend: trained.blend as unknown as Prisma.InputJsonValue } : {}),
        },
        metrics: metrics as Prisma.InputJsonValue,
        primaryMetric: trained.primaryMetric,
        dataFrom: trained.data.from,
        dataTo: trained.data.to,
        interactions: trained.data.interactions.user.length,
        artifactUri: uri,
        artifactSha256: sha256,
        status: 'CANDIDATE',
        notes: o.notes ?? null,
      },
    });
  } catch (err) {
    await store.remove(uri).catch(() => undefined);
    throw err;
  }
}

export interface FailedRun {
  algorithm: string;
  params?: ModelParams | Record<string, unknown>;
  reason: string;
  from?: Date | null;
  to?: Date | null;
  interactions?: number;
}

/** Records a run that did not produce a usable model. Touches no other row: the active model keeps serving. */
export async function recordFailedRun(db: Registry, run: FailedRun): Promise<ModelVersion> {
  return db.prisma.modelVersion.create({
    data: {
      algorithm: run.algorithm,
      parameters: (run.params ?? {}) as Prisma.InputJsonValue,
      status: 'FAILED',
      notes: run.reason.slice(0, 4000),
      dataFrom: run.from ?? null,
      dataTo: run.to ?? null,
      interactions: run.interactions ?? 0,
    },
  });
}

export interface PromotionDecision {
  promoted: boolean;
  reason: string;
  candidateId: string;
  primaryMetric: string;
  candidateScore: number | undefined;
  /** What the candidate had to beat: the champion on the same holdout, or popularity for the first model. */
  against:
    { kind: 'champion'; id: string; score: number | undefined } | { kind: 'popularity'; score: number | undefined };
  /** The model that was ACTIVE before (and is now RETIRED when promoted). */
  previousActiveId: string | null;
}

/** Retires `current` (if any) and activates `target`, in that order: the partial unique index allows one ACTIVE. */
async function activate(
  tx: Tx,
  target: ModelVersion,
  current: ModelVersion | null,
  o: { keepPromotedAt?: boolean; retireNote?: string } = {},
) {
  const now = new Date();
  if (current)
    await tx.modelVersion.update({
      where: { id: current.id },
      data: {
        status: 'RETIRED',
        retiredAt: now,
        ...(o.retireNote ? { notes: appendNote(current.notes, o.retireNote) } : {}),
      },
    });
  return tx.modelVersion.update({
    where: { id: target.id },
    data: { status: 'ACTIVE', retiredAt: null, ...(o.keepPromotedAt && target.promotedAt ? {} : { promotedAt: now }) },
  });
}

const appendNote = (notes: string | null, note: string) => (notes ? `${notes}\n${note}` : note);

async function getVersion(tx: Tx, id: string): Promise<ModelVersion> {
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new ModelVersionNotFoundError(String(id));
  const v = await tx.modelVersion.findUnique({ where: { id } });
  if (!v) throw new ModelVersionNotFoundError(id);
  return v;
}

/**
 * Champion/challenger: the candidate becomes ACTIVE only when its primary
 * metric beats the active model's on the SAME holdout by at least `margin`
 * (relative: 0.01 = 1 % better). The champion's score is the one recorded with
 * the candidate (its configuration re-fitted on the candidate's train split), so
 * when another model has become active since, the comparison is stale and the
 * candidate is not promoted. With no active model yet, the candidate only has to
 * beat the popularity baseline. A candidate that loses stays CANDIDATE with its metrics.
 */
export async function promoteIfBetter(
  db: Registry,
  candidateId: string,
  o: { margin: number },
): Promise<PromotionDecision> {
  if (!(o.margin >= 0 && o.margin <= 1))
    throw new InvalidTrainingOptionsError(`margin must be between 0 and 1, got ${o.margin}`);
  return db.prisma.$transaction(async (tx) => {
    await lockRegistry(tx);
    const candidate = await getVersion(tx, candidateId);
    if (candidate.status !== 'CANDIDATE')
      throw new RegistryStateError(`model ${candidateId} is ${candidate.status}, not a CANDIDATE`);
    const primary = candidate.primaryMetric ?? 'ndcg@10';
    const metrics = candidate.metrics as Partial<StoredMetrics> | null;
    // The model with its re-ranker when one is attached: what serving will rank with.
    const score = metricValue(metrics?.served, primary) ?? metricValue(metrics, primary);
    const active = await tx.modelVersion.findFirst({ where: { status: 'ACTIVE' } });
    const base = { candidateId, primaryMetric: primary, candidateScore: score, previousActiveId: active?.id ?? null };

    let decision: PromotionDecision;
    if (!active) {
      const baseline = metricValue(metrics?.baseline, primary);
      const wins = score !== undefined && baseline !== undefined && score > baseline;
      decision = {
        ...base,
        promoted: wins,
        against: { kind: 'popularity', score: baseline },
        reason: wins
          ? `first model: ${primary} ${fmt(score)} beats popularity ${fmt(baseline)}`
          : `first model does not beat popularity: ${primary} ${fmt(score)} vs ${fmt(baseline)}`,
      };
    } else {
      const champion = metrics?.champion;
      const championScore = champion?.id === active.id ? metricValue(champion.metrics, primary) : undefined;
      if (!champion || champion.id !== active.id) {
        decision = {
          ...base,
          promoted: false,
          against: { kind: 'champion', id: active.id, score: undefined },
          reason: `not compared with the active model ${active.id} on this holdout${champion ? ` (compared with ${champion.id})` : ''}; retrain to compare`,
        };
      } else {
        const required = (championScore ?? Infinity) * (1 + o.margin);
        const wins = score !== undefined && championScore !== undefined && score > championScore && score >= required;
        decision = {
          ...base,
          promoted: wins,
          against: { kind: 'champion', id: active.id, score: championScore },
          reason: `${primary} ${fmt(score)} vs active ${fmt(championScore)} on the same holdout; needs ≥ ${fmt(required)} (margin ${o.margin * 100} %)`,
        };
      }
    }
    if (decision.promoted) await activate(tx, candidate, active);
    else
      await tx.modelVersion.update({
        where: { id: candidate.id },
        data: { notes: appendNote(candidate.notes, `not promoted: ${decision.reason}`) },
      });
    return decision;
  });
}

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(4));

/** Admin: makes a CANDIDATE or RETIRED model ACTIVE and retires the current one, atomically. */
export async function promote(db: Registry, id: string): Promise<ModelVersion> {
  return db.prisma.$transaction(async (tx) => {
    await lockRegistry(tx);
    const target = await getVersion(tx, id);
    if (target.status === 'ACTIVE') return target;
    if (target.status === 'FAILED' || !target.artifactUri || !target.artifactSha256)
      throw new RegistryStateError(
        `model ${id} is ${target.status}${target.artifactUri ? '' : ' without an artifact'}: it cannot serve`,
      );
    const active = await tx.modelVersion.findFirst({ where: { status: 'ACTIVE' } });
    return activate(tx, target, active);
  });
}

/**
 * Admin: re-activates the model that was active before the current one and
 * retires the current one. Walks back the promotion history (promotedAt is kept
 * on re-activation), so rolling back twice goes two promotions back, not in a circle.
 */
export async function rollback(db: Registry): Promise<{ active: ModelVersion; retired: ModelVersion }> {
  return db.prisma.$transaction(async (tx) => {
    await lockRegistry(tx);
    const current = await tx.modelVersion.findFirst({ where: { status: 'ACTIVE' } });
    if (!current) throw new RegistryStateError('no ACTIVE model to roll back');
    const previous = await tx.modelVersion.findFirst({
      where: {
        status: 'RETIRED',
        promotedAt: { not: null, ...(current.promotedAt ? { lt: current.promotedAt } : {}) },
        artifactUri: { not: null },
      },
      orderBy: { promotedAt: 'desc' },
    });
    if (!previous) throw new RegistryStateError(`no model was active before ${current.id}: nothing to roll back to`);
    const active = await activate(tx, previous, current, {
      keepPromotedAt: true,
      retireNote: `rolled back to ${previous.id}`,
    });
    const retired = await tx.modelVersion.findUniqueOrThrow({ where: { id: current.id } });
    return { active, retired };
  });
}

export async function listModelVersions(
  db: Registry,
  o: { status?: ModelStatus; limit?: number } = {},
): Promise<ModelVersion[]> {
  const limit = o.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new InvalidTrainingOptionsError(`limit must be 1..1000, got ${limit}`);
  return db.prisma.modelVersion.findMany({
    where: o.status ? { status: o.status } : {},
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: limit,
  });
}

export async function getActiveModelVersion(db: Registry): Promise<ModelVersion | null> {
  return db.prisma.modelVersion.findFirst({ where: { status: 'ACTIVE' } });
}

export interface LoadedModel extends ServingModel {
  version: ModelVersion;
}

let s3: ArtifactStore | undefined;
/** The S3 store this process's configuration names (ARTIFACT_S3_*), made once. */
const configuredS3 = (): ArtifactStore => (s3 ??= s3ArtifactStore(s3Options(config())));

/** A version's artifact, sha256-checked against the registry, decoded with its id maps. */
export async function loadModelVersion(db: Registry, id: string): Promise<LoadedModel> {
  const version = await getVersion(db.prisma as unknown as Tx, id);
  if (!version.artifactUri || !version.artifactSha256)
    throw new RegistryStateError(`model ${id} (${version.status}) has no artifact`);
  // Wherever the trainer put it: any replica reads it back from the shared store its URI names.
  const bytes = await storeForUri(version.artifactUri, db.prisma, configuredS3).get(
    version.artifactUri,
    version.artifactSha256,
  );
  return { version, ...decodeServingArtifact(bytes) };
}

/** The model serving should use, or null before any model has been promoted. */
export async function loadActiveModel(db: Registry): Promise<LoadedModel | null> {
  const active = await getActiveModelVersion(db);
  return active ? loadModelVersion(db, active.id) : null;
}
