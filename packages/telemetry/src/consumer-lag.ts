import client from 'prom-client';

/** One partition's lag as a subscription reports it (@recgraph/events' PartitionLag). */
export interface PartitionLagSample {
  topic: string;
  partition: number;
  messages: number;
}

/** What the gauge samples: a consumer group's subscription (@recgraph/events' Subscription). */
export interface LagSource {
  lag(): Promise<PartitionLagSample[]>;
}

export interface ConsumerLagGauge {
  /** Samples `source` now and every interval as consumer group `group`; the returned function stops and drops its series. */
  track(group: string, source: LagSource): () => void;
  /** Samples every tracked group now (the timer's work; tests call it to read a value at once). */
  sample(): Promise<void>;
}

export interface ConsumerLagOptions {
  /** Time between samples (default 15 s, Prometheus's usual scrape interval). */
  intervalMs?: number;
  /** Told when a sample fails (the broker away): the last values stay until the next success. */
  onError?: (group: string, err: unknown) => void;
}

/**
 * `recgraph_<service>_consumer_lag_messages{group,topic,partition}`: messages a consumer group
 * has yet to process per partition (committed offset against the partition's end). Sampled on a
 * timer rather than at scrape time, so a scrape never waits on the broker and the cost is one
 * admin round trip per group and interval, however often Prometheus (or several) scrape.
 */
export function createConsumerLagGauge(
  registry: client.Registry,
  service: string,
  options: ConsumerLagOptions = {},
): ConsumerLagGauge {
  const intervalMs = options.intervalMs ?? 15_000;
  const gauge = new client.Gauge({
    name: `recgraph_${service.replace(/[^a-zA-Z0-9_]/g, '_')}_consumer_lag_messages`,
    help: "Messages a consumer group has not processed yet, per partition: the partition's end (high watermark) minus the group's committed offset.",
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
  });
  const sources = new Map<string, LagSource>();
  /** Each group's series, so that untracking removes them (prom-client removes by full label set). */
  const series = new Map<string, Map<string, { topic: string; partition: string }>>();
  let timer: NodeJS.Timeout | undefined;

  async function sampleOne(group: string, source: LagSource): Promise<void> {
    try {
      const lags = await source.lag();
      // Tracking may have stopped while the broker answered.
      if (sources.get(group) !== source) return;
      const mine = series.get(group) ?? new Map<string, { topic: string; partition: string }>();
      series.set(group, mine);
      for (const l of lags) {
        const labels = { topic: l.topic, partition: String(l.partition) };
        mine.set(`${labels.topic}\0${labels.partition}`, labels);
        gauge.set({ group, ...labels }, l.messages);
      }
    } catch (err) {
      options.onError?.(group, err);
    }
  }

  const sample = async (): Promise<void> => {
    await Promise.all([...sources].map(([group, source]) => sampleOne(group, source)));
  };

  return {
    track(group, source) {
      sources.set(group, source);
      void sampleOne(group, source);
      if (!timer) {
        timer = setInterval(() => void sample(), intervalMs);
        timer.unref();
      }
      return () => {
        if (sources.get(group) !== source) return;
        sources.delete(group);
        for (const labels of series.get(group)?.values() ?? []) gauge.remove({ group, ...labels });
        series.delete(group);
        if (sources.size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    sample,
  };
}
