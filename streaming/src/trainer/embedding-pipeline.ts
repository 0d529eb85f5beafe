import { activeEncoder, type Database } from '@recgraph/db';
import { embedProductImages } from '@recgraph/embeddings/image-embeddings';
import { chooseImageEncoder, type ImageEncoder } from '@recgraph/embeddings/image-encoder';
import {
  backfillImageEncoder,
  backfillTextEncoder,
  chooseTextEncoder,
  deleteRetiredVectors,
  embedPending,
  openImageEncoderInWorker,
  openTextEncoderInWorker,
  selectExecutionProvider,
  readEncoderManifest,
  textEncoderChoiceFor,
  activateEncoder,
  type BackfillReport,
  type ProviderPreference,
  type TextEncoder,
} from '@recgraph/embeddings';
import {
  changedProductIds,
  silentLogger,
  STREAMING_TOPIC,
  type ConsumedMessage,
  type EventBus,
  type EventBusLogger,
  type Subscription,
} from '@recgraph/events';
import type { ConsumerLagGauge } from '@recgraph/telemetry';

export interface EmbeddingPipelineOptions {
  db: Database;
  /** catalog-changes come from here; absent → only the periodic sweep notices edits. */
  bus?: EventBus;
  /** The configured TEXT encoder (TEXT_ENCODER_DIR; unset → the fetched model in .models/, else built-in). */
  textEncoderDir?: string;
  /**
   * Where product photos are (<RECGRAPH_DATA_DIR>/images): with it, the configured IMAGE encoder
   * (imageEncoderDir) is made the serving one the same way, and new products' photos embedded.
   */
  imagesDir?: string;
  /** IMAGE_ENCODER_DIR ("builtin": the grid descriptor); unset → the shipped trained CNN. */
  imageEncoderDir?: string;
  /** Execution provider (EMBEDDINGS_PROVIDER): the CUDA provider when configured and present. */
  provider?: ProviderPreference;
  /**
   * Inference threads (default 1): the pipeline shares its process with the trainer, and in
   * `npm start` with the servers, so a backfill must not take every core from them.
   */
  threads?: number;
  /** Products per inference batch (default 64). */
  batchSize?: number;
  /** How often edits that no event announced are looked for (default 30 s). */
  sweepIntervalMs?: number;
  /** How long a retired encoder's vectors stay for readers that still cache it (default 60 s). */
  retiredGraceMs?: number;
  /** Consumer group on catalog-changes: instances sharing it split the work (default "embedding-pipeline"). */
  groupId?: string;
  /** Where the group's lag in messages is exported (the trainer role's recgraph_trainer_consumer_lag_messages). */
  consumerLag?: Pick<ConsumerLagGauge, 'track'>;
  log?: EventBusLogger;
}

export interface EmbeddingPipeline {
  /** Opens the encoder, follows catalog-changes and starts the backfill in the background. */
  start(): Promise<void>;
  /** Stops following changes and the sweep; a backfill stops after its batch (the old encoder keeps serving). */
  stop(): Promise<void>;
  /** True while following changes (or, without a bus, between start and stop). */
  readiness(): boolean;
  /** The start's backfill: resolves once the configured encoder serves (or the backfill was stopped). */
  backfilled(): Promise<BackfillReport | undefined>;
  /** The same for the IMAGE encoder (undefined without imagesDir). */
  imageBackfilled(): Promise<BackfillReport | undefined>;
  /** Re-embeds these products now if their text changed (what a catalog change triggers). */
  embed(productIds: readonly string[]): Promise<void>;
}

/**
 * The embedding pipeline's worker, run by the trainer role (streaming/src/trainer/index.ts
 * and the quick start): it owns the heavy encoder (and the GPU when configured), so the
 * search subgraph only ever encodes queries. At start it makes the configured TEXT encoder
 * the serving one — when another encoder serves, a background backfill writes the new
 * vectors beside the old ones and switches when complete (packages/embeddings
 * pipeline.ts), so search answers throughout. A product created or edited through the
 * catalog is re-embedded within a second of its catalog-changes event; a periodic sweep
 * catches edits no event announced (raw SQL, a lost event) and deletes retired vectors.
 */
export function createEmbeddingPipeline(o: EmbeddingPipelineOptions): EmbeddingPipeline {
  const log = o.log ?? silentLogger;
  const { db } = o;
  const batchSize = o.batchSize ?? 64;
  const sweepIntervalMs = o.sweepIntervalMs ?? 30_000;
  const graceMs = o.retiredGraceMs ?? 60_000;
  const abort = new AbortController();
  let target: TextEncoder | undefined;
  /** The encoder that served when the switch began, kept fresh for edits until the switch completes. */
  let previous: { model: string; encoder: Promise<TextEncoder | undefined> } | undefined;
  let subscription: Subscription | undefined;
  let untrackLag: (() => void) | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let backfill: Promise<BackfillReport | undefined> = Promise.resolve(undefined);
  let imageTarget: ImageEncoder | undefined;
  let imageBackfill: Promise<BackfillReport | undefined> = Promise.resolve(undefined);
  let running = false;
  let switching = false;

  /** The previously serving encoder during a switch, when this process can open it. */
  async function servingOld(): Promise<TextEncoder | undefined> {
    if (!switching || !target) return undefined;
    const active = await activeEncoder(db.prisma, 'TEXT');
    if (!active || active.model === target.model) return undefined;
    if (previous?.model !== active.model) {
      const choice = textEncoderChoiceFor(active.source);
      previous = {
        model: active.model,
        encoder: choice
          ? openTextEncoderInWorker(choice, { threads: 1 })
              .then((e) => (e.model === active.model ? e : (void e.release(), undefined)))
              .catch(() => undefined)
          : Promise.resolve(undefined),
      };
    }
    return previous.encoder;
  }

  async function embed(productIds: readonly string[]): Promise<void> {
    if (imageTarget && o.imagesDir && productIds.length) {
      // A new product's photo; during a switch only the new encoder's (the old one serves until it completes).
      const r = await embedProductImages(db, imageTarget, {
        imagesDir: o.imagesDir,
        ids: productIds,
        onlyMissing: true,
      });
      if (r.written) log.info({ model: imageTarget.model, products: r.written }, 'new product photos embedded');
    }
    if (!target || productIds.length === 0) return;
    const old = await servingOld();
    for (const encoder of old ? [target, old] : [target])
      for (let i = 0; i < productIds.length; i += batchSize) {
        const ids = productIds.slice(i, i + batchSize);
        const r = await embedPending(db, encoder, { ids, limit: ids.length });
        if (r.encoded) log.info({ model: encoder.model, products: r.encoded }, 'changed products re-embedded');
      }
  }

  async function sweep(): Promise<void> {
    if (!target || switching) return;
    let encoded = 0;
    for (let pass = 0; pass < 1000 && !abort.signal.aborted; pass++) {
      const r = await embedPending(db, target, { limit: batchSize });
      encoded += r.encoded;
      if (r.count === 0) break;
    }
    if (encoded) log.info({ model: target.model, products: encoded }, 'sweep re-embedded products no event announced');
    await activateEncoder(db, 'TEXT', target.model);
    const deleted = await deleteRetiredVectors(db, graceMs);
    if (deleted) log.info({ rows: deleted }, 'retired encoder vectors deleted');
  }

  async function runBackfill(encoder: TextEncoder): Promise<BackfillReport | undefined> {
    const active = await activeEncoder(db.prisma, 'TEXT');
    switching = active !== undefined && active.model !== encoder.model;
    log.info(
      { model: encoder.model, serving: active?.model ?? null },
      switching
        ? 'TEXT encoder switch: embedding every product in the background; the serving encoder answers until it completes'
        : 'TEXT embeddings: bringing the configured encoder up to date',
    );
    try {
      const report = await backfillTextEncoder(db, encoder, {
        batchSize,
        signal: abort.signal,
        onProgress: (done, total) => {
          if (done === total || done % 1024 < batchSize)
            log.info({ model: encoder.model, done, total }, 'embedding progress');
        },
      });
      log.info({ ...report }, report.active ? 'TEXT encoder serving' : 'TEXT backfill stopped before completing');
      return report;
    } finally {
      switching = false;
      const old = await previous?.encoder;
      previous = undefined;
      await old?.release().catch(() => undefined);
    }
  }

  /** The IMAGE side of the start: the configured image encoder made the serving one, in the background. */
  async function runImageBackfill(encoder: ImageEncoder, imagesDir: string): Promise<BackfillReport | undefined> {
    const active = await activeEncoder(db.prisma, 'IMAGE');
    const imageSwitch = active !== undefined && active.model !== encoder.model;
    log.info(
      { model: encoder.model, serving: active?.model ?? null },
      imageSwitch
        ? 'IMAGE encoder switch: embedding every product photo in the background; the serving encoder answers until it completes'
        : 'IMAGE embeddings: bringing the configured encoder up to date',
    );
    const report = await backfillImageEncoder(db, encoder, {
      batchSize,
      imagesDir,
      signal: abort.signal,
      onProgress: (done, total) => {
        if (done === total || done % 1024 < batchSize)
          log.info({ model: encoder.model, done, total }, 'image embedding progress');
      },
      log: (fields, msg) => log.warn(fields, msg),
    });
    log.info({ ...report }, report.active ? 'IMAGE encoder serving' : 'IMAGE backfill stopped before completing');
    return report;
  }

  return {
    async start() {
      const choice = chooseTextEncoder(o.textEncoderDir);
      const spec = (await readEncoderManifest()).find((s) => s.kind === 'TEXT');
      const provider = spec
        ? await selectExecutionProvider(o.provider ?? 'auto', { path: spec.path, inputDims: spec.input.dims })
        : { provider: 'cpu' as const, reason: 'no shipped TEXT encoder to probe with' };
      // In a worker thread: inference blocks its thread, and this process may also serve requests.
      target = await openTextEncoderInWorker(choice, { provider: provider.provider, threads: o.threads ?? 1 });
      log.info(
        {
          model: target.model,
          dims: target.dims,
          provider: provider.provider,
          reason: provider.reason,
          why: choice.reason,
        },
        'embedding pipeline: TEXT encoder loaded',
      );
      running = true;
      const groupId = o.groupId ?? 'embedding-pipeline';
      if (o.bus)
        subscription = await o.bus.subscribe({
          groupId,
          topics: [STREAMING_TOPIC.catalogChanges],
          fromBeginning: false,
          handleBatch: async (messages: ConsumedMessage[]) => {
            // A failure is not retried here: the sweep re-embeds what is still stale.
            await embed(changedProductIds(messages, log)).catch((err: unknown) =>
              log.warn({ err }, 're-embedding changed products failed'),
            );
          },
        });
      if (subscription) untrackLag = o.consumerLag?.track(groupId, subscription);
      backfill = runBackfill(target).catch((err: unknown) => {
        log.error({ err }, 'TEXT backfill failed; the serving encoder keeps answering, the sweep retries');
        return undefined;
      });
      if (o.imagesDir) {
        const imagesDir = o.imagesDir;
        const imageChoice = chooseImageEncoder(o.imageEncoderDir);
        imageTarget = await openImageEncoderInWorker(imageChoice, { threads: o.threads ?? 1 });
        log.info({ model: imageTarget.model, why: imageChoice.reason }, 'embedding pipeline: IMAGE encoder loaded');
        const encoder = imageTarget;
        // Beside the text backfill: a 64 px CNN is light, and a slow text switch must not hold image search back.
        imageBackfill = runImageBackfill(encoder, imagesDir).catch((err: unknown) => {
          log.error({ err }, 'IMAGE backfill failed; the serving image encoder keeps answering until the next start');
          return undefined;
        });
      }
      const tick = () => {
        sweepTimer = setTimeout(() => {
          void sweep()
            .catch((err: unknown) => log.warn({ err }, 'embedding sweep failed'))
            .finally(() => running && tick());
        }, sweepIntervalMs);
        sweepTimer.unref();
      };
      tick();
    },
    async stop() {
      running = false;
      if (sweepTimer) clearTimeout(sweepTimer);
      abort.abort();
      untrackLag?.();
      await subscription?.stop();
      await backfill;
      await imageBackfill;
      await target?.release().catch(() => undefined);
      target = undefined;
      await imageTarget?.release().catch(() => undefined);
      imageTarget = undefined;
    },
    readiness: () => running,
    backfilled: () => backfill,
    imageBackfilled: () => imageBackfill,
    embed,
  };
}
