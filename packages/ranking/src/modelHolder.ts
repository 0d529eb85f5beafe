import { randomUUID } from 'node:crypto';
import type { Database } from '@recgraph/db';
import { modelEvents, STREAMING_TOPIC, type EventBus, type Subscription } from '@recgraph/events';
import type { EngineLog as Logger } from './log.ts';
import { getActiveModelVersion, loadModelVersion } from '@recgraph/training';
import { ServingModel } from './servingModel.ts';
import { prepareReranker } from './reranking.ts';

type Registry = Pick<Database, 'prisma'>;

/**
 * Holds the model this process serves and swaps it when the registry's ACTIVE
 * version changes. A new version is loaded and fully prepared before the
 * reference is replaced in one assignment, so requests never see a half-built
 * model and none has to wait: each reads `current` once and keeps that view.
 * A version that fails to load is logged and the old one keeps serving.
 */
export class ModelHolder {
  private model: ServingModel | null = null;
  private syncing: Promise<ServingModel | null> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  /** The version that last failed to load, so polling does not retry a broken artifact every tick. */
  private failedVersionId: string | undefined;

  constructor(
    private readonly db: Registry,
    private readonly logger: Logger,
  ) {}

  get current(): ServingModel | null {
    return this.model;
  }

  /**
   * Brings `current` in line with the registry. Calls that arrive while a sync
   * runs are coalesced into one more sync after it, so the last caller always
   * sees a state read after its call began (promoteModel relies on that).
   */
  sync(): Promise<ServingModel | null> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          await this.syncOnce();
        } while (this.again);
        return this.model;
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const active = await getActiveModelVersion(this.db);
    if (!active) {
      if (this.model)
        this.logger.warn({ was: this.model.version.id }, 'no ACTIVE model in the registry; serving popularity');
      this.model = null;
      return;
    }
    if (active.id === this.model?.version.id) return;
    try {
      const started = performance.now();
      const next = ServingModel.fromLoaded(await loadModelVersion(this.db, active.id));
      // Its re-ranker's ONNX session too, so no request waits for one.
      await prepareReranker(next);
      const previous = this.model?.version.id ?? null;
      this.model = next;
      this.failedVersionId = undefined;
      this.logger.info(
        {
          modelVersionId: active.id,
          previous,
          algorithm: active.algorithm,
          ms: Math.round(performance.now() - started),
        },
        'serving model swapped',
      );
    } catch (err) {
      if (this.failedVersionId !== active.id)
        this.logger.error(
          { err, modelVersionId: active.id },
          'loading the active model failed; the previous one keeps serving',
        );
      this.failedVersionId = active.id;
    }
  }

  /** Polls the registry every `intervalS` seconds (0: never), the fallback when no event arrives. */
  startPolling(intervalS: number): void {
    if (!(intervalS > 0) || this.timer) return;
    this.timer = setInterval(() => {
      this.sync().catch((err: unknown) => this.logger.warn({ err }, 'polling the model registry failed'));
    }, intervalS * 1000);
    // Polling alone must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  /**
   * Reloads on every promotion or rollback published on the bus. Each process
   * gets its own consumer group, so every replica hears every event.
   */
  async subscribe(bus: EventBus): Promise<void> {
    if (this.subscription) return;
    this.subscription = await bus.subscribe({
      groupId: `recommend-serving-${randomUUID()}`,
      topics: [STREAMING_TOPIC.modelEvents],
      fromBeginning: false,
      handleBatch: async (messages) => {
        let relevant = false;
        for (const m of messages) {
          const decoded = modelEvents.decode(m.value);
          if (!decoded.ok) {
            this.logger.warn({ error: decoded.error.message, offset: m.offset }, 'ignoring an unreadable model event');
            continue;
          }
          if (decoded.value.kind !== 'training_failed') relevant = true;
        }
        // A failed reload must not block the topic: polling retries, so the batch is done either way.
        if (relevant)
          await this.sync().catch((err: unknown) => this.logger.warn({ err }, 'reload after a model event failed'));
      },
    });
  }

  /** The model-events subscription (this process's own group), once subscribed. */
  get modelEvents(): Subscription | undefined {
    return this.subscription;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.subscription
      ?.stop()
      .catch((err: unknown) => this.logger.warn({ err }, 'leaving the model-events group failed'));
    this.subscription = undefined;
    await this.syncing?.catch(() => undefined);
  }
}
