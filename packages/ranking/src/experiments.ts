import { createHash } from 'node:crypto';
import type { PrismaClient } from '@recgraph/db';
import { loadModelVersion } from '@recgraph/training';
import type { EngineLog } from './log.ts';
import type { Strategy } from './recommender.ts';
import { ServingModel } from './servingModel.ts';

/** One arm of an experiment: which model (null: whatever is ACTIVE) and, optionally, which strategy. */
export interface ExperimentVariant {
  name: string;
  /** Share of users, relative to the other variants' weights. */
  weight: number;
  modelVersionId: string | null;
  strategy: Strategy | null;
}

export interface RunningExperiment {
  id: string;
  name: string;
  variants: readonly ExperimentVariant[];
}

/**
 * The variant a user is in: a stable hash of (experiment id, user id) mapped to
 * [0, 1) and cut by the variants' weights. The same user always lands in the
 * same variant of an experiment, in every process, and independent
 * experiments split users independently.
 */
export function assignVariant(
  experimentId: string,
  userId: string,
  variants: readonly ExperimentVariant[],
): ExperimentVariant {
  const digest = createHash('sha256').update(`${experimentId}:${userId.toLowerCase()}`).digest();
  const u = digest.readUInt32BE(0) / 2 ** 32;
  const total = variants.reduce((s, v) => s + v.weight, 0);
  let acc = 0;
  for (const v of variants) {
    acc += v.weight / total;
    if (u < acc) return v;
  }
  return variants[variants.length - 1]!;
}

/** How long a process serves its view of the running experiment before reading it again. */
const REFRESH_MS = 5_000;
/** Challenger models kept loaded (an experiment rarely has more than two or three arms). */
const MAX_MODELS = 4;

/**
 * This process's view of the running experiment (at most one runs) and the
 * challenger models its variants name. The experiment is re-read every few
 * seconds and at once after this process starts or stops one, so every
 * replica follows a start or stop within seconds.
 */
export class ExperimentState {
  private current: { at: number; value: RunningExperiment | null } | undefined;
  private reading: Promise<RunningExperiment | null> | undefined;
  private readonly models = new Map<string, Promise<ServingModel>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: EngineLog,
  ) {}

  /** The running experiment, or null. A failed read keeps the last view (serving never fails on it). */
  async running(): Promise<RunningExperiment | null> {
    const now = Date.now();
    if (this.current && now - this.current.at < REFRESH_MS) return this.current.value;
    this.reading ??= (async () => {
      try {
        const row = await this.prisma.experiment.findFirst({ where: { status: 'RUNNING' } });
        const value = row
          ? { id: row.id, name: row.name, variants: row.variants as unknown as ExperimentVariant[] }
          : null;
        this.current = { at: Date.now(), value };
        return value;
      } catch (err) {
        this.logger.warn({ err }, 'reading the running experiment failed; keeping the last view');
        this.current = { at: Date.now(), value: this.current?.value ?? null };
        return this.current.value;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /** Forget the cached view (after this process started or stopped an experiment). */
  invalidate(): void {
    this.current = undefined;
  }

  /** A challenger's serving model, loaded once and kept while experiments use it. */
  model(versionId: string): Promise<ServingModel> {
    let m = this.models.get(versionId);
    if (!m) {
      if (this.models.size >= MAX_MODELS) this.models.delete(this.models.keys().next().value!);
      m = loadModelVersion({ prisma: this.prisma }, versionId).then(ServingModel.fromLoaded);
      m.catch(() => this.models.delete(versionId));
      this.models.set(versionId, m);
    }
    return m;
  }
}
