import { Cron } from 'croner';
import type { Database } from '@recgraph/db';
import { silentLogger, STREAMING_TOPICS, type EventBus, type EventBusLogger } from '@recgraph/events';
import {
  getActiveModelVersion,
  loadActiveModel,
  runTraining,
  TrainingLockBusyError,
  TrainingRunFailedError,
  resolveTrainingDevice,
  type ImplicitBackend,
  type TrainerAlgorithm,
  type TrainerDeviceSetting,
  type RunTrainingOptions,
} from '@recgraph/training';
import { generateProductEmbeddings, type EmbeddingsReport, type ProviderPreference } from '@recgraph/embeddings';
import { createTrainerMetrics, type TrainerMetrics } from './metrics.ts';
import { flatMetrics, publishModelEvent } from './model-events.ts';
import { interactionsAfter, maxInteractionId, registryWatermark } from './new-interactions.ts';

export type RunTrigger = 'cron' | 'interval' | 'after_events' | 'manual' | 'startup';
export type RunOutcome = 'promoted' | 'not_promoted' | 'failed' | 'skipped' | 'busy';

export interface TrainerRunResult {
  outcome: RunOutcome;
  trigger: RunTrigger;
  /** Why it was skipped, refused or failed. */
  reason?: string;
  /** The registered (or FAILED) version, when the run got that far. */
  modelVersionId?: string;
  seconds: number;
  embeddings?: EmbeddingsReport | { failed: string };
}

export interface PeriodicTrainerOptions {
  db: Database;
  bus: EventBus;
  /** runTraining's options (algorithm, params, modelDir, margin, split, k, ...), minus the progress hooks. */
  training: Omit<RunTrainingOptions, 'onProgress' | 'warn' | 'info'>;
  /** A cron expression (croner syntax, 5 or 6 fields). */
  cron?: string;
  timezone?: string;
  intervalMs?: number;
  /** Retrain once this many interactions were stored since the last completed run. */
  afterEvents?: number;
  /** How often the afterEvents count is checked (default 30 s). */
  checkIntervalMs?: number;
  /** Product embeddings after each completed run; false to turn off. */
  embeddings?:
    { imagesDir?: string; provider?: ProviderPreference; textEncoderDir?: string; imageEncoderDir?: string } | false;
  log?: EventBusLogger;
  metrics?: TrainerMetrics;
  /**
   * Where ALS trains (TRAINER_DEVICE, IMPLICIT_PYTHON), resolved once at start: cuda hands
   * `als` to implicit's GPU solver; start() fails when cuda is asked for and no GPU is usable.
   */
  device?: { setting: TrainerDeviceSetting; python?: string | undefined };
}

export interface RunOverrides {
  algorithm?: TrainerAlgorithm;
  params?: Record<string, unknown>;
  /** Seconds an `auto` search may take this run (the quick start's first model keeps it short). */
  tuningBudgetS?: number;
  /** Run even when no interaction arrived since the last run. */
  force?: boolean;
}

export interface PeriodicTrainer {
  /** Declares the topics, reads the registry's watermark and arms the schedule. */
  start(): Promise<void>;
  /** Disarms the schedule; a training run in hand finishes, embeddings stop after their current batch. */
  stop(): Promise<void>;
  /** True between start and stop. */
  readiness(): boolean;
  /**
   * One run now. While one is in progress (here, or in another process holding
   * the training lock) the call returns outcome "busy" instead of queueing:
   * the running one already trains on the same data.
   */
  runNow(trigger?: RunTrigger, overrides?: RunOverrides): Promise<TrainerRunResult>;
  readonly metrics: TrainerMetrics;
}

/**
 * The periodic trainer: retrains on a cron schedule, an interval and/or after N
 * new interactions; each run trains, evaluates, registers and promotes only if
 * better (runTraining), announces promotions and failures on the model-events
 * topic, and then refreshes product embeddings. A failed run leaves the active
 * model serving and shows in recgraph_trainer_runs_total{outcome="failed"}.
 */
export function createPeriodicTrainer(o: PeriodicTrainerOptions): PeriodicTrainer {
  const log = o.log ?? silentLogger;
  const metrics = o.metrics ?? createTrainerMetrics();
  const { db, bus } = o;
  if (o.intervalMs !== undefined && !(o.intervalMs >= 1000))
    throw new RangeError(`intervalMs must be at least 1000, got ${o.intervalMs}`);
  if (o.afterEvents !== undefined && !(Number.isInteger(o.afterEvents) && o.afterEvents >= 1))
    throw new RangeError(`afterEvents must be a positive integer, got ${o.afterEvents}`);
  const checkIntervalMs = o.checkIntervalMs ?? 30_000;

  let watermark: bigint | undefined;
  // Set by start() when ALS trains on a GPU (TRAINER_DEVICE).
  let implicit: ImplicitBackend | undefined;
  let inFlight: Promise<TrainerRunResult> | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;
  const embeddingsAbort = new AbortController();
  const timers: { stop(): void }[] = [];

  async function refreshModelGauges(): Promise<void> {
    const active = await getActiveModelVersion(db);
    // Reset first: a rolled-back or retired version's series must vanish, not linger beside the new one.
    metrics.modelMetric.reset();
    metrics.activeModel.reset();
    metrics.activeModelTrained.reset();
    if (!active) return;
    const model_version = active.id;
    for (const [metric, value] of Object.entries(flatMetrics(active.metrics)))
      metrics.modelMetric.set({ metric, model_version }, value);
    metrics.activeModel.set({ model_version, algorithm: active.algorithm }, 1);
    metrics.activeModelTrained.set(active.createdAt.getTime() / 1000);
  }

  async function knownWatermark(): Promise<bigint | undefined> {
    // Another instance may have trained since this one's last run: the registry knows.
    const fromRegistry = await registryWatermark(db);
    if (fromRegistry === undefined) return watermark;
    return watermark === undefined || fromRegistry > watermark ? fromRegistry : watermark;
  }

  async function embeddings(): Promise<TrainerRunResult['embeddings']> {
    if (o.embeddings === false || embeddingsAbort.signal.aborted) return undefined;
    const endTimer = metrics.embeddingsDuration.startTimer();
    try {
      const active = await loadActiveModel(db);
      const vectors = active?.model.itemVectors?.();
      const report = await generateProductEmbeddings(db, {
        ...(o.embeddings?.imagesDir ? { imagesDir: o.embeddings.imagesDir } : {}),
        provider: o.embeddings?.provider ?? 'auto',
        ...(o.embeddings?.textEncoderDir ? { textEncoderDir: o.embeddings.textEncoderDir } : {}),
        ...(o.embeddings?.imageEncoderDir ? { imageEncoderDir: o.embeddings.imageEncoderDir } : {}),
        ...(active && vectors
          ? {
              itemFactors: {
                name: `${active.version.algorithm}:${active.version.id}`,
                vectors: vectors.vectors,
                dim: vectors.dim,
                productIds: active.items.toArray(),
              },
            }
          : {}),
        signal: embeddingsAbort.signal,
        log: (fields, msg) => log.info(fields, msg),
        onProgress: (stage, done, total) => {
          if (done === total || done % 1000 < 256) log.info({ stage, done, total }, 'embeddings progress');
        },
      });
      metrics.embeddingsWritten.inc({ kind: 'TEXT' }, report.text.written);
      if ('written' in report.image) metrics.embeddingsWritten.inc({ kind: 'IMAGE' }, report.image.written);
      if ('written' in report.collaborative)
        metrics.embeddingsWritten.inc({ kind: 'COLLABORATIVE' }, report.collaborative.written);
      metrics.embeddingRuns.inc({ outcome: report.aborted ? 'aborted' : 'ok' });
      log.info(
        {
          provider: report.provider.provider,
          text: report.text,
          image: report.image,
          collaborative: report.collaborative,
          seconds: report.seconds,
        },
        report.aborted ? 'embeddings aborted by shutdown' : 'embeddings generated',
      );
      return report;
    } catch (err) {
      // Embeddings are a by-product: their failure must not undo or hide a good training run.
      metrics.embeddingRuns.inc({ outcome: 'failed' });
      log.error({ err }, 'embedding generation failed');
      return { failed: (err as Error).message };
    } finally {
      endTimer();
    }
  }

  async function execute(trigger: RunTrigger, overrides: RunOverrides): Promise<TrainerRunResult> {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    const snapshot = await maxInteractionId(db);
    const known = await knownWatermark();
    if (!overrides.force && known !== undefined && snapshot <= known) {
      log.info({ trigger, watermark: known.toString() }, 'no new interactions since the last run; training skipped');
      return { outcome: 'skipped', trigger, reason: 'no new interactions since the last run', seconds: seconds() };
    }
    const algorithm = overrides.algorithm ?? o.training.algorithm;
    const params = overrides.params ?? (overrides.algorithm ? undefined : o.training.params);
    log.info({ trigger, algorithm, params, interactionsUpTo: snapshot.toString() }, 'training run started');
    let lastStage = '';
    try {
      const r = await runTraining(db, {
        ...o.training,
        ...(implicit ? { implicit } : {}),
        algorithm,
        ...(params ? { params } : {}),
        ...(overrides.tuningBudgetS !== undefined
          ? { tuning: { ...o.training.tuning, budgetS: overrides.tuningBudgetS } }
          : {}),
        onProgress: (stage, done, total) => {
          // Stage changes and completions only: ALS iterations would otherwise flood the log.
          if (stage !== lastStage || done === total) log.info({ stage, done, total }, 'training progress');
          lastStage = stage;
        },
        warn: (message) => log.warn({}, message),
        info: (message) => log.info({}, message),
      });
      watermark = snapshot;
      const promoted = r.decision?.promoted === true;
      const modelMetrics = flatMetrics(r.trained.evaluation.model);
      metrics.lastSuccess.set(Date.now() / 1000);
      if (promoted) await publishModelEvent(bus, 'promoted', r.version.id, modelMetrics);
      await refreshModelGauges();
      log.info(
        { modelVersionId: r.version.id, promoted, reason: r.decision?.reason, metrics: modelMetrics },
        promoted ? 'candidate promoted' : 'candidate registered, not promoted',
      );
      const outcome: RunOutcome = promoted ? 'promoted' : 'not_promoted';
      metrics.runDuration.observe({ outcome }, seconds());
      return { outcome, trigger, modelVersionId: r.version.id, seconds: seconds(), embeddings: await embeddings() };
    } catch (err) {
      if (err instanceof TrainingLockBusyError) {
        log.info({ trigger }, 'another process is training; this trigger is skipped');
        return { outcome: 'busy', trigger, reason: err.message, seconds: seconds() };
      }
      const versionId = err instanceof TrainingRunFailedError ? err.versionId : undefined;
      log.error({ err, trigger, modelVersionId: versionId }, 'training run failed; the active model keeps serving');
      metrics.runDuration.observe({ outcome: 'failed' }, seconds());
      if (versionId)
        await publishModelEvent(bus, 'training_failed', versionId).catch((pubErr: unknown) =>
          log.error({ err: pubErr, modelVersionId: versionId }, 'could not publish training_failed'),
        );
      return {
        outcome: 'failed',
        trigger,
        reason: (err as Error).message,
        ...(versionId ? { modelVersionId: versionId } : {}),
        seconds: seconds(),
      };
    }
  }

  function runNow(trigger: RunTrigger = 'manual', overrides: RunOverrides = {}): Promise<TrainerRunResult> {
    const refuse = (reason: string): Promise<TrainerRunResult> => {
      metrics.runs.inc({ outcome: 'busy', trigger });
      return Promise.resolve({ outcome: 'busy', trigger, reason, seconds: 0 });
    };
    if (stopping) return refuse('the trainer is stopping');
    if (inFlight) return refuse('a run is already in progress in this process');
    metrics.running.set(1);
    const run = execute(trigger, overrides)
      .catch((err: unknown): TrainerRunResult => {
        // Database unreachable before the run began, and the like: still a failed run, never an unhandled rejection.
        log.error({ err, trigger }, 'training run could not start');
        return { outcome: 'failed', trigger, reason: (err as Error).message, seconds: 0 };
      })
      .then((r) => {
        metrics.runs.inc({ outcome: r.outcome, trigger });
        return r;
      })
      .finally(() => {
        inFlight = undefined;
        metrics.running.set(0);
      });
    inFlight = run;
    return run;
  }

  function arm(): void {
    const fire = (trigger: RunTrigger) => () => void runNow(trigger);
    if (o.cron) {
      const job = new Cron(o.cron, { timezone: o.timezone ?? 'UTC', protect: true }, fire('cron'));
      timers.push(job);
      log.info({ cron: o.cron, next: job.nextRun()?.toISOString() }, 'training scheduled (cron)');
    }
    if (o.intervalMs) {
      const t = setInterval(fire('interval'), o.intervalMs);
      timers.push({ stop: () => clearInterval(t) });
      log.info({ everyMinutes: o.intervalMs / 60_000 }, 'training scheduled (interval)');
    }
    if (o.afterEvents) {
      const threshold = o.afterEvents;
      const t = setInterval(() => {
        if (inFlight || stopping) return;
        void (async () => {
          try {
            const since = await knownWatermark();
            const fresh = await interactionsAfter(db, since ?? 0n);
            if (fresh >= threshold) {
              log.info({ fresh, threshold }, 'enough new interactions; training');
              await runNow('after_events');
            }
          } catch (err) {
            log.error({ err }, 'counting new interactions failed');
          }
        })();
      }, checkIntervalMs);
      timers.push({ stop: () => clearInterval(t) });
      log.info(
        { afterEvents: threshold, checkSeconds: checkIntervalMs / 1000 },
        'training triggered by new interactions',
      );
    }
    if (timers.length === 0) log.warn({}, 'no schedule configured: the trainer runs only when asked (runNow)');
  }

  return {
    metrics,
    runNow,
    async start() {
      if (started) return;
      if (o.device) {
        // Before anything else: TRAINER_DEVICE=cuda without a usable GPU is a start-up error.
        const d = await resolveTrainingDevice(o.device);
        implicit = d.implicit ?? o.training.implicit;
        metrics.device.set({ device: d.device, backend: d.backend }, 1);
        log.info(
          { device: d.device, backend: d.backend, reason: d.reason, implicit: d.probe?.implicit ?? undefined },
          `ALS trains on ${d.device === 'cuda' ? 'the GPU (implicit)' : 'the CPU (native kernels)'}`,
        );
      }
      started = true;
      await bus.ensureTopics(STREAMING_TOPICS);
      watermark = await registryWatermark(db);
      await refreshModelGauges();
      arm();
    },
    stop: () =>
      (stopping ??= (async () => {
        for (const t of timers) t.stop();
        embeddingsAbort.abort();
        // A training run is not interrupted: its registry writes are short transactions, but
        // killing it between them would leave an orphaned artifact; runs end in minutes.
        await inFlight;
        log.info({}, 'trainer stopped');
      })()),
    readiness: () => started && stopping === undefined,
  };
}
