/**
 * The Grafana dashboards, defined once here and written as the JSON files Grafana
 * provisions (monitoring/grafana/dashboards/*.json) by `npm run dashboards`.
 * monitoring/test/prometheus-scrape.test.ts runs every panel's PromQL against a real
 * Prometheus scraping a running platform, and checks the JSON files are current.
 */

export interface PanelTarget {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  /** What the panel answers, shown as its description. */
  description: string;
  kind: 'timeseries' | 'stat' | 'table';
  unit: string;
  targets: PanelTarget[];
  /** Latency panels link each series to its traces in Jaeger (`service` label → recgraph-<service>). */
  traceLink?: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
}

const t = (expr: string, legend: string): PanelTarget => ({ expr, legend });

/** The 4 golden signals of the API, per service, operation and subgraph. */
const api: DashboardSpec = {
  uid: 'recgraph-api',
  title: 'Recgraph · API golden signals',
  description: 'Traffic, errors, latency and saturation of the gateway and every subgraph.',
  panels: [
    {
      title: 'Operations per second by service',
      description: 'GraphQL operations handled, gateway and subgraphs (recgraph:graphql_requests:rate5m).',
      kind: 'timeseries',
      unit: 'reqps',
      targets: [t('sum by (service) (recgraph:graphql_requests:rate5m)', '{{service}}')],
    },
    {
      title: 'Server-fault ratio by service',
      description: 'Share of operations that ended with a server fault (client errors excluded).',
      kind: 'timeseries',
      unit: 'percentunit',
      targets: [
        t(
          'sum by (service) (recgraph:graphql_requests:rate5m{outcome="error"}) / sum by (service) (recgraph:graphql_requests:rate5m)',
          '{{service}}',
        ),
      ],
    },
    {
      title: 'p99 latency by service',
      description: '99th percentile of operation latency. Click a series for its slow traces in Jaeger.',
      kind: 'timeseries',
      unit: 's',
      traceLink: true,
      targets: [
        t(
          'histogram_quantile(0.99, sum by (service, le) (recgraph:graphql_request_duration_seconds_bucket:rate5m))',
          '{{service}}',
        ),
      ],
    },
    {
      title: 'p50 / p99 latency per operation',
      description: 'The ten slowest operations at p99, and their medians. Click a series for its traces.',
      kind: 'timeseries',
      unit: 's',
      traceLink: true,
      targets: [
        t('topk(10, recgraph:graphql_request_duration_seconds:p99_5m)', 'p99 {{service}} {{operation}}'),
        t('topk(10, recgraph:graphql_request_duration_seconds:p50_5m)', 'p50 {{service}} {{operation}}'),
      ],
    },
    {
      title: 'Busiest operations',
      description: 'Operations per second, top ten, by outcome.',
      kind: 'timeseries',
      unit: 'reqps',
      targets: [t('topk(10, recgraph:graphql_requests:rate5m)', '{{service}} {{operation}} {{outcome}}')],
    },
    {
      title: 'Errors by code',
      description: 'GraphQL errors per second by service and extensions.code.',
      kind: 'timeseries',
      unit: 'reqps',
      targets: [t('sum by (service, code) (recgraph:graphql_errors:rate5m)', '{{service}} {{code}}')],
    },
    {
      title: 'Subgraph fetches per second',
      description: "The gateway's fetches to each subgraph, by outcome.",
      kind: 'timeseries',
      unit: 'reqps',
      targets: [t('recgraph:subgraph_fetches:rate5m', '{{subgraph}} {{outcome}}')],
    },
    {
      title: 'Subgraph fetch p99 latency',
      description: 'As the gateway measures it (network and queueing included). Click a series for traces.',
      kind: 'timeseries',
      unit: 's',
      traceLink: true,
      targets: [t('recgraph:subgraph_fetch_duration_seconds:p99_5m', '{{subgraph}}')],
    },
    {
      title: 'Subgraph fetch error ratio',
      description: 'Share of the gateway’s fetches to each subgraph that failed.',
      kind: 'timeseries',
      unit: 'percentunit',
      targets: [t('recgraph:subgraph_fetch_errors:ratio_rate5m', '{{subgraph}}')],
    },
    {
      title: 'SLO: availability error ratio (1 h)',
      description: 'Server-fault share over the last hour; the budget is 0.1%.',
      kind: 'stat',
      unit: 'percentunit',
      targets: [t('recgraph:slo_availability_errors:ratio_rate1h', 'errors')],
    },
    {
      title: 'SLO: operations slower than 500 ms (1 h)',
      description: 'Share of operations over 500 ms in the last hour; the budget is 1%.',
      kind: 'stat',
      unit: 'percentunit',
      targets: [t('recgraph:slo_latency_errors:ratio_rate1h', 'slow')],
    },
    {
      title: 'Event-loop lag p99',
      description: 'Saturation of each Node.js process.',
      kind: 'timeseries',
      unit: 's',
      targets: [t('max by (service) ({__name__=~"recgraph_[a-z]+_nodejs_eventloop_lag_p99_seconds"})', '{{service}}')],
    },
    {
      title: 'Resident memory',
      description: 'RSS of each process.',
      kind: 'timeseries',
      unit: 'bytes',
      targets: [t('sum by (service) ({__name__=~"recgraph_[a-z]+_process_resident_memory_bytes"})', '{{service}}')],
    },
    {
      title: 'Targets up',
      description: 'Whether Prometheus reaches each role’s /metrics.',
      kind: 'stat',
      unit: 'none',
      targets: [t('sum by (service) (up{service!=""})', '{{service}}')],
    },
  ],
};

/** Kafka → updater → recommendation updates. */
const streaming: DashboardSpec = {
  uid: 'recgraph-streaming',
  title: 'Recgraph · Streaming pipeline',
  description: 'The online updater: events in, dead letters, consumer lag, online update latency, pushes out.',
  panels: [
    {
      title: 'Events handled per second',
      description: 'Interaction events by outcome: inserted, duplicate (redelivered), dead_lettered.',
      kind: 'timeseries',
      unit: 'ops',
      targets: [t('recgraph:updater_events:rate5m', '{{outcome}}')],
    },
    {
      title: 'Dead letters (15 min)',
      description: 'Messages sent to the dead-letter topic, by rejection code.',
      kind: 'timeseries',
      unit: 'short',
      targets: [t('sum by (code) (increase(recgraph_updater_dead_letters_total[15m]))', '{{code}}')],
    },
    {
      title: 'Consumer lag (messages)',
      description:
        'Messages each consumer group (updater, embedding pipeline) has yet to process, per partition: the partition’s end minus the group’s committed offset. What RecgraphConsumerLagGrowing watches.',
      kind: 'timeseries',
      unit: 'short',
      targets: [
        t(
          'max by (group, topic, partition) ({__name__=~"recgraph_[a-z]+_consumer_lag_messages"})',
          '{{group}} {{topic}}/{{partition}}',
        ),
      ],
    },
    {
      title: 'Consumer lag (age)',
      description:
        'Seconds between publishing and handling the newest message of the updater’s last batch, per partition.',
      kind: 'timeseries',
      unit: 's',
      targets: [t('max by (partition) (recgraph_updater_consumer_lag_seconds)', 'partition {{partition}}')],
    },
    {
      title: 'Online update latency',
      description: 'From an event’s publication to its user’s recommendations re-ranked: p50 and p95.',
      kind: 'timeseries',
      unit: 's',
      targets: [
        t('recgraph:updater_update_latency_seconds:p95_5m', 'p95'),
        t('histogram_quantile(0.5, sum by (le) (rate(recgraph_updater_update_latency_seconds_bucket[5m])))', 'p50'),
      ],
    },
    {
      title: 'Batch duration p95',
      description: 'Validate, store, fold into features; by outcome.',
      kind: 'timeseries',
      unit: 's',
      targets: [
        t(
          'histogram_quantile(0.95, sum by (outcome, le) (rate(recgraph_updater_batch_duration_seconds_bucket[5m])))',
          '{{outcome}}',
        ),
      ],
    },
    {
      title: 'Users waiting to be re-ranked',
      description: 'The dirty set: users whose lists wait for the refresher.',
      kind: 'timeseries',
      unit: 'short',
      targets: [t('sum(recgraph_updater_dirty_users)', 'dirty users')],
    },
    {
      title: 'Recommendation updates published',
      description: 'Lists that changed and were pushed, by source.',
      kind: 'timeseries',
      unit: 'ops',
      targets: [t('sum by (source) (rate(recgraph_updater_recommendation_updates_total[5m]))', '{{source}}')],
    },
  ],
};

/** The trainer and the ACTIVE model. */
const model: DashboardSpec = {
  uid: 'recgraph-model',
  title: 'Recgraph · Model quality',
  description: 'Training runs and the ACTIVE model’s offline metrics, labelled with its version.',
  panels: [
    {
      title: 'ACTIVE model offline metrics',
      description: 'Holdout metrics of the serving model; a promotion starts new series (new model_version).',
      kind: 'timeseries',
      unit: 'none',
      targets: [t('recgraph:active_model_metric', '{{metric}} ({{model_version}})')],
    },
    {
      title: 'ACTIVE model',
      description: 'Version and algorithm now serving.',
      kind: 'table',
      unit: 'none',
      targets: [t('max by (model_version, algorithm) (recgraph_trainer_active_model_info)', '{{model_version}}')],
    },
    {
      title: 'ACTIVE model age',
      description: 'Since the serving model was trained; alert at two days.',
      kind: 'stat',
      unit: 's',
      targets: [t('recgraph:active_model_age_seconds', 'age')],
    },
    {
      title: 'Training runs (24 h)',
      description: 'Runs by outcome: promoted, not_promoted, failed, skipped, busy.',
      kind: 'timeseries',
      unit: 'short',
      targets: [t('sum by (outcome) (increase(recgraph_trainer_runs_total[24h]))', '{{outcome}}')],
    },
    {
      title: 'Training run duration',
      description: 'Mean wall time of runs by outcome over the last day.',
      kind: 'timeseries',
      unit: 's',
      targets: [
        t(
          'sum by (outcome) (increase(recgraph_trainer_run_duration_seconds_sum[24h])) / sum by (outcome) (increase(recgraph_trainer_run_duration_seconds_count[24h]))',
          '{{outcome}}',
        ),
      ],
    },
    {
      title: 'Since the last completed run',
      description: 'Seconds since a training run last completed (promoted or not).',
      kind: 'stat',
      unit: 's',
      targets: [t('time() - max(recgraph_trainer_last_success_timestamp_seconds)', 'since')],
    },
  ],
};

const SEGMENT = '{{strategy}} · {{model_version}} · {{experiment}}/{{variant}}';

/** What recommendations earn, per strategy, model version and experiment variant. */
const business: DashboardSpec = {
  uid: 'recgraph-business',
  title: 'Recgraph · Business KPIs and experiments',
  description:
    'Impressions served in the last hour and what they led to (last-touch attribution within the window), per strategy, model version and experiment variant.',
  panels: [
    {
      title: 'Impressions (last hour)',
      description: 'Lists served to known users.',
      kind: 'timeseries',
      unit: 'short',
      targets: [t('recgraph:kpi_impressions:sum', SEGMENT)],
    },
    {
      title: 'Click-through rate',
      description: 'Impressions followed by a click or view of a shown product.',
      kind: 'timeseries',
      unit: 'percentunit',
      targets: [t('recgraph:kpi_ctr:ratio', SEGMENT)],
    },
    {
      title: 'Add-to-cart rate',
      description: 'Impressions followed by an add-to-cart of a shown product.',
      kind: 'timeseries',
      unit: 'percentunit',
      targets: [t('recgraph:kpi_add_to_cart:ratio', SEGMENT)],
    },
    {
      title: 'Conversion rate',
      description: 'Impressions followed by a purchase of a shown product.',
      kind: 'timeseries',
      unit: 'percentunit',
      targets: [t('recgraph:kpi_conversion:ratio', SEGMENT)],
    },
    {
      title: 'Attributed revenue (last hour)',
      description: 'Quantity × price of purchases attributed to recommendations, per currency.',
      kind: 'timeseries',
      unit: 'none',
      targets: [t('recgraph:kpi_attributed_revenue:sum', `${SEGMENT} {{currency}}`)],
    },
    {
      title: 'CTR, whole platform',
      description: 'The series the CTR-drop alert compares with yesterday.',
      kind: 'stat',
      unit: 'percentunit',
      targets: [t('recgraph:kpi_ctr_overall:ratio', 'CTR')],
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [api, streaming, model, business];

/** Grafana Explore on the Jaeger datasource, searching the series' service over the panel's time range. */
const traceLink = () => {
  const left = {
    datasource: 'jaeger',
    queries: [{ refId: 'A', queryType: 'search', service: 'recgraph-${__field.labels.service}' }],
    range: { from: '${__from}', to: '${__to}' },
  };
  return { title: 'Traces in Jaeger', url: `/explore?left=${encodeURIComponent(JSON.stringify(left))}` };
};

/** Grafana's dashboard JSON model (schemaVersion 39) for one spec, panels laid out two per row. */
export function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  const panels = d.panels.map((p, i) => {
    return {
      id: i + 1,
      type: p.kind,
      title: p.title,
      description: p.description,
      datasource: { type: 'prometheus', uid: 'prometheus' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: {
        defaults: { unit: p.unit, ...(p.traceLink ? { links: [traceLink()] } : {}) },
        overrides: [],
      },
      options: p.kind === 'table' ? { showHeader: true } : {},
      targets: p.targets.map((x, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: { type: 'prometheus', uid: 'prometheus' },
        expr: x.expr,
        legendFormat: x.legend,
        // Exemplars carry trace ids where a histogram has them (the collector's span metrics).
        exemplar: Boolean(p.traceLink),
        ...(p.kind === 'table' ? { format: 'table', instant: true } : {}),
      })),
    };
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['recgraph'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

/** Where Grafana's provisioning reads them (monitoring/grafana/provisioning/dashboards/dashboards.yml). */
export const DASHBOARDS_DIR = new URL('../grafana/dashboards/', import.meta.url);
