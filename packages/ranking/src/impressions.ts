import type { PrismaClient } from '@recgraph/db';
import type { EngineLog } from './log.ts';

/** One list served to a known user. */
export interface Impression {
  id: string;
  userId: string;
  productIds: readonly string[];
  strategy: string;
  modelVersionId: string | null;
  experimentId: string | null;
  variant: string | null;
  servedAt: Date;
}

export interface ImpressionLogOptions {
  /** Longest an impression waits in memory before it is written (default 200 ms). */
  flushMs?: number;
  /** Written at once when this many are waiting (default 500). */
  maxBuffered?: number;
}

/**
 * Writes impressions in batches off the request path: a served list costs the
 * request nothing but an array push, and the database one multi-row INSERT per
 * flush. A flush that fails is retried with the next one (the rows stay
 * buffered, up to 20× maxBuffered, oldest dropped with a warning past that —
 * analytics must never take serving down with the database). stop() flushes.
 */
export class ImpressionLog {
  private buffer: Impression[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly flushMs: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: EngineLog,
    options: ImpressionLogOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 200;
    this.maxBuffered = options.maxBuffered ?? 500;
  }

  record(impression: Impression): void {
    this.buffer.push(impression);
    if (this.buffer.length > this.maxBuffered * 20) {
      const dropped = this.buffer.length - this.maxBuffered * 20;
      this.buffer.splice(0, dropped);
      this.logger.warn({ dropped }, 'impression buffer full: dropped the oldest impressions');
    }
    if (this.buffer.length >= this.maxBuffered) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered now (and waits for a flush already running). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (!this.buffer.length) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.write(batch)
      .catch((err: unknown) => {
        this.logger.warn(
          { err, impressions: batch.length },
          'writing impressions failed; retrying with the next flush',
        );
        this.buffer = batch.concat(this.buffer);
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), Math.max(this.flushMs, 1000));
          this.timer.unref();
        }
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  private async write(batch: Impression[]): Promise<void> {
    const rows = JSON.stringify(
      batch.map((i) => ({
        id: i.id,
        user_id: i.userId,
        product_ids: i.productIds,
        strategy: i.strategy,
        model_version_id: i.modelVersionId,
        experiment_id: i.experimentId,
        variant: i.variant,
        served_at: i.servedAt.toISOString(),
      })),
    );
    // ON CONFLICT: a retried flush after a lost reply must not fail on rows it already wrote.
    await this.prisma.$executeRaw`
      INSERT INTO recommendation_impressions (id, user_id, product_ids, strategy, model_version_id, experiment_id, variant, served_at)
      SELECT x.id, x.user_id, ARRAY(SELECT jsonb_array_elements_text(x.product_ids))::uuid[], x.strategy,
             x.model_version_id, x.experiment_id, x.variant, x.served_at
      FROM jsonb_to_recordset(${rows}::jsonb) AS x(id uuid, user_id uuid, product_ids jsonb, strategy text,
             model_version_id uuid, experiment_id uuid, variant text, served_at timestamptz)
      ON CONFLICT (id) DO NOTHING`;
  }

  async stop(): Promise<void> {
    await this.flush();
  }
}
