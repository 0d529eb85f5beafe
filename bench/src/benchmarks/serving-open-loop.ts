// Serving latency as production runs it: every role in its own process
// (docker-compose / k8s layout) and, second, the all-in-one `npm start`
// process, both on a real Postgres; load from vegeta in another process at a
// ladder of fixed arrival rates (open loop), with a mix of real customers.
//
// Run:  npm run infra:up && set -a && . .infra/env && set +a
//       npm run bench -- serving-open-loop [--quick] [--size quick|default|target|<products>]
//                        [--rates 50,100,200,300,500] [--seconds 15] [--layouts split,all-in-one] [--fresh]
//                        [--ranker]  (the served model carries the learned re-ranker: scripts/infra/ranker.sh)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_HEADER, signDevToken, signForwardedIdentity } from '@recgraph/auth';
import { GATEWAY_SECRET_HEADER } from '@recgraph/subgraph-kit';
import type { BenchOptions, Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';
import { load1, machineNote, parseList } from '../serving/options.ts';
import { p99Chart } from '../serving/chart.ts';
import { findVegeta, openLoopStep, vegetaVersion, type LoadRequest, type StepResult } from '../serving/load.ts';
import {
  BENCH_IDENTITY_SIGNING_KEY,
  BENCH_JWT_CLAIMS,
  startRoles,
  type Layout,
  type RunningRoles,
} from '../serving/roles.ts';
import { prepareStore, resolveStoreSize, sampleUsers, serverUrlForLoad } from '../serving/store.ts';

const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../results');
const SUBGRAPH_SECRET = 'bench-serving-subgraph-secret-0123456789';
const JWT_SECRET = 'bench-serving-jwt-hs256-secret-0123456789abcdef';

type QueryKey = 'storefront' | 'personalized' | 'personalized-direct' | 'popular';

interface QuerySpec {
  key: QueryKey;
  label: string;
  query: string;
  via: 'gateway' | 'recommend subgraph';
  /** p99 bound used for "held"; the issue's where it sets one. */
  targetP99Ms: number;
  color: string;
}

const PERSONALIZED = '{ recommendations(first: 10, strategy: PERSONALIZED) { product { id } } }';
const QUERIES: QuerySpec[] = [
  {
    key: 'storefront',
    label: '(a) storefront: recommendations(first: 10) + product title/price',
    query: '{ recommendations(first: 10) { score source reason product { id title price { amount } } } }',
    via: 'gateway',
    targetP99Ms: 20,
    color: '#d62728',
  },
  {
    key: 'personalized',
    label: '(b) PERSONALIZED ids via gateway',
    query: PERSONALIZED,
    via: 'gateway',
    targetP99Ms: 10,
    color: '#1f77b4',
  },
  {
    key: 'personalized-direct',
    label: '(c) PERSONALIZED ids, recommend subgraph directly',
    query: PERSONALIZED,
    via: 'recommend subgraph',
    targetP99Ms: 10,
    color: '#2ca02c',
  },
  {
    key: 'popular',
    label: '(d) baseline: popularProducts(first: 10) { id }',
    query: '{ popularProducts(first: 10) { id } }',
    via: 'gateway',
    targetP99Ms: 10,
    color: '#7f7f7f',
  },
];

/** The issue's targets. */
const ISSUE = { storefront: { rate: 300, p99: 20 }, personalized: { rate: 500, p99: 10 }, overheadP50: 1.5 };

interface Step extends StepResult {
  layout: Layout;
  query: QueryKey;
  held: boolean;
  skipped?: string;
}

const isHeld = (r: StepResult, target: number) =>
  r.errors === 0 && r.timeouts === 0 && r.achieved >= 0.98 * r.offered && r.p99 <= target;
/** Past this point higher rates only queue deeper: the ladder stops for that query. */
const isSaturated = (r: StepResult) => r.achieved < 0.9 * r.offered || r.timeouts > 0.01 * r.requests;

export const benchmark: Benchmark = {
  name: 'serving-open-loop',
  description:
    'Serving as deployed: each role in its own process (and the all-in-one npm start) on real Postgres, vegeta open-loop load from another process at fixed rates; p50/p99, achieved rate, errors per rate; gateway overhead vs the recommend subgraph. Options: --size quick|default|target|<products> (target: 100k products, ~1M interactions), --rates, --seconds, --layouts split,all-in-one, --fresh, --ranker (the model carries the learned re-ranker)',
  async run({ quick, log, options }) {
    const serverUrl = serverUrlForLoad();
    const vegeta = await findVegeta();
    const size = resolveStoreSize(options.size ?? process.env.BENCH_SERVING_SIZE, quick);
    const rates = parseList(options.rates, quick ? [50, 100, 200] : [50, 100, 200, 300, 500], 'rates');
    const seconds = parseList(options.seconds, [quick ? 5 : 15], 'seconds')[0]!;
    const warmupS = quick ? 2 : 5;
    const timeoutS = 2;
    const layouts = (options.layouts ?? 'split,all-in-one').split(',').map((l) => l.trim()) as Layout[];
    for (const l of layouts)
      if (l !== 'split' && l !== 'all-in-one') throw new Error(`--layouts: expected split and/or all-in-one, got ${l}`);
    const kafkaBrokers = await reachableBrokers(process.env.KAFKA_BROKERS ?? process.env.TEST_KAFKA_BROKERS, log);

    const store = await prepareStore(serverUrl, size, {
      fresh: options.fresh ?? false,
      log,
      ...(options.ranker ? { ranker: true } : {}),
    });
    const users = await sampleUsers(store.url, quick ? 500 : 2000);
    if (!users.ids.length) throw new Error('the store has no users');
    log(`${users.ids.length} customers sampled (${users.withHistory} with history); vegeta at ${vegeta}`);
    const tokens = await Promise.all(
      users.ids.map((sub) => signDevToken(JWT_SECRET, { sub, role: 'customer', expiresIn: '6h', ...BENCH_JWT_CLAIMS })),
    );

    const work = mkdtempSync(join(tmpdir(), 'recgraph-serving-bench-'));
    const steps: Step[] = [];
    const loadAverages: string[] = [`start ${load1()}`];
    let keepWork = false;
    const crashes: string[] = [];
    try {
      for (const layout of layouts) {
        log(`starting the ${layout} layout (load average ${load1()})`);
        let roles: RunningRoles | undefined;
        try {
          roles = await startRoles(layout, {
            databaseUrl: store.url,
            modelDir: store.modelDir,
            subgraphSecret: SUBGRAPH_SECRET,
            jwtSecret: JWT_SECRET,
            logDir: join(work, `logs-${layout}`),
            kafkaBrokers: layout === 'split' ? kafkaBrokers : undefined,
            log,
            cpuProfDir: options.cpuProf ? join(options.cpuProf, layout) : undefined,
          });
          const running = roles;
          // The direct requests carry what the gateway forwards: its secret and the signed identity (valid 60 s,
          // so they are signed again before every step).
          const requestsFor = async (q: QuerySpec): Promise<LoadRequest[]> => {
            const body = JSON.stringify({ query: q.query });
            if (q.via === 'gateway')
              return tokens.map((t) => ({
                url: running.gatewayUrl,
                headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
                body,
              }));
            return Promise.all(
              users.ids.map(async (sub) => ({
                url: running.subgraphUrls.recommend,
                headers: {
                  'content-type': 'application/json',
                  [GATEWAY_SECRET_HEADER]: SUBGRAPH_SECRET,
                  [IDENTITY_HEADER]: await signForwardedIdentity(
                    { role: 'customer', sub, scopes: ['read', 'subscribe'], allowedUserIds: [] },
                    BENCH_IDENTITY_SIGNING_KEY,
                  ),
                },
                body,
              })),
            );
          };
          // A wrong query must fail the benchmark, not be timed.
          for (const q of QUERIES) {
            const [first] = await requestsFor(q);
            const res = await fetch(first!.url, { method: 'POST', headers: first!.headers, body: first!.body });
            const text = await res.text();
            if (res.status !== 200 || text.includes('"errors"') || !text.includes('"data"'))
              throw new Error(`${layout} ${q.label}: unexpected answer ${res.status} ${text.slice(0, 400)}`);
          }
          for (const q of QUERIES) {
            log(`${layout}: warm-up ${q.key} ${warmupS} s at ${rates[0]} req/s`);
            const w = await openLoopStep({
              vegeta,
              requests: await requestsFor(q),
              rate: rates[0]!,
              seconds: warmupS,
              timeoutS,
              workDir: work,
              name: `${layout}-${q.key}-warmup`,
            });
            if (w.ok === 0)
              throw new Error(`${layout} ${q.key}: every warm-up request failed: ${w.errorSamples.join('; ')}`);
          }
          // Each query's unloaded latency (sequential requests), the yardstick for draining between steps.
          const idleMs = new Map<QueryKey, number>();
          const timeOne = async (r: LoadRequest) => {
            const t = performance.now();
            const res = await fetch(r.url, {
              method: 'POST',
              headers: r.headers,
              body: r.body,
              signal: AbortSignal.timeout(timeoutS * 1000),
            }).catch(() => undefined);
            await res?.arrayBuffer();
            return performance.now() - t;
          };
          for (const q of QUERIES) {
            const reqs = await requestsFor(q);
            const ms: number[] = [];
            for (let i = 0; i < 15; i++) ms.push(await timeOne(reqs[i % reqs.length]!));
            idleMs.set(q.key, ms.sort((a, b) => a - b)[7]!);
          }
          log(`${layout}: unloaded latency ${[...idleMs].map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}`);
          // An overloaded step leaves work queued in the servers after the client gave up on it; the next step
          // starts only once the query answers near its unloaded latency again (three in a row, at most 60 s).
          const drain = async (q: QuerySpec) => {
            const reqs = await requestsFor(q);
            const bound = 2 * idleMs.get(q.key)! + 5;
            const started = performance.now();
            let good = 0;
            for (let i = 0; good < 3 && performance.now() - started < 60_000; i++)
              good = (await timeOne(reqs[i % reqs.length]!)) <= bound ? good + 1 : 0;
            const s = (performance.now() - started) / 1000;
            if (s > 3) log(`${layout}: waited ${s.toFixed(1)} s for ${q.key} to drain`);
          };
          loadAverages.push(`${layout} before ladder ${load1()}`);
          // Rate-major: at each rate every query runs once, so (b) and (c) are measured back to back.
          const saturatedAt = new Map<QueryKey, number>();
          ladder: for (const rate of rates) {
            for (const q of QUERIES) {
              const sat = saturatedAt.get(q.key);
              if (sat !== undefined) {
                steps.push({
                  ...emptyStep(rate, seconds),
                  layout,
                  query: q.key,
                  held: false,
                  skipped: `saturated at ${sat}`,
                });
                continue;
              }
              const r = await openLoopStep({
                vegeta,
                requests: await requestsFor(q),
                rate,
                seconds,
                timeoutS,
                workDir: work,
                name: `${layout}-${q.key}-${rate}`,
              });
              try {
                running.assertAlive();
              } catch (err) {
                // A role that dies under load is a result: recorded, its log kept, the next layout still runs.
                keepWork = true;
                const msg = `${layout}: a role process exited during ${q.key} at ${rate}/s; the rest of this ladder was not run (logs: ${work}). ${(err as Error).message.split('\n').slice(0, 6).join(' ⏎ ')}`;
                crashes.push(msg);
                log(msg);
                break ladder;
              }
              const held = isHeld(r, q.targetP99Ms);
              steps.push({ ...r, layout, query: q.key, held });
              log(
                `${layout} ${q.key} @${rate}/s: achieved ${r.achieved}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
                  `errors ${r.errors}, timeouts ${r.timeouts}${held ? ', held' : ''}${r.errorSamples.length ? ` [${r.errorSamples.join('; ')}]` : ''}`,
              );
              if (isSaturated(r)) saturatedAt.set(q.key, rate);
              await drain(q);
            }
          }
          loadAverages.push(`${layout} after ladder ${load1()}`);
        } finally {
          await roles?.stop();
        }
      }
    } catch (err) {
      keepWork = true;
      log(`role logs kept in ${work}`);
      throw err;
    } finally {
      if (!keepWork) rmSync(work, { recursive: true, force: true });
    }

    return report({
      steps,
      layouts,
      rates,
      seconds,
      warmupS,
      timeoutS,
      store,
      users,
      vegetaVersion: await vegetaVersion(vegeta),
      kafka: Boolean(kafkaBrokers),
      loadAverages,
      quick,
      options,
      crashes,
    });
  },
};

/** The brokers, when the first one accepts a connection; else undefined (the roles then use their in-process bus). */
async function reachableBrokers(brokers: string | undefined, log: (m: string) => void): Promise<string | undefined> {
  if (!brokers) return undefined;
  const [host, port] = brokers.split(',')[0]!.trim().split(':');
  const ok = await new Promise<boolean>((res) => {
    const socket = connect({ host: host!, port: Number(port) });
    socket.setTimeout(3000);
    socket.once('connect', () => (socket.destroy(), res(true)));
    socket.once('error', () => res(false));
    socket.once('timeout', () => (socket.destroy(), res(false)));
  });
  if (!ok)
    log(`Kafka at ${brokers} does not answer: the split roles run without KAFKA_BROKERS (serving does not need it)`);
  return ok ? brokers : undefined;
}

function emptyStep(rate: number, seconds: number): StepResult {
  return {
    offered: rate,
    seconds,
    requests: 0,
    ok: 0,
    errors: 0,
    timeouts: 0,
    sentRate: 0,
    achieved: 0,
    p50: NaN,
    p90: NaN,
    p99: NaN,
    max: NaN,
    errorSamples: [],
  };
}

const fmtMs = (x: number) => (Number.isFinite(x) ? x : '—');

function report(o: {
  steps: Step[];
  layouts: Layout[];
  rates: number[];
  seconds: number;
  warmupS: number;
  timeoutS: number;
  store: Awaited<ReturnType<typeof prepareStore>>;
  users: { ids: string[]; withHistory: number };
  vegetaVersion: string;
  kafka: boolean;
  loadAverages: string[];
  quick: boolean;
  options: BenchOptions;
  crashes: string[];
}): BenchTable[] {
  const { steps, store } = o;
  const spec = (k: QueryKey) => QUERIES.find((q) => q.key === k)!;
  const step = (layout: Layout, q: QueryKey, rate: number) =>
    steps.find((s) => s.layout === layout && s.query === q && s.offered === rate && !s.skipped);
  const skippedAt = (layout: Layout, q: QueryKey, rate: number) =>
    steps.find((s) => s.layout === layout && s.query === q && s.offered === rate && s.skipped)?.skipped;
  const storeNote = `Store: generateStore({ seed: 42, products: ${store.products}, users: ${store.users} }), ${store.interactions.toLocaleString('en-US')} interactions, in database ${store.database} on a real Postgres 16 + pgvector${store.reused ? ' (prepared by an earlier run and reused)' : store.timings ? ` (seeded in ${store.timings.seedS.toFixed(0)} s, features ${store.timings.featuresS.toFixed(0)} s, ALS trained and promoted in ${store.timings.trainS.toFixed(0)} s)` : ''}; popularity and co-visitation rebuilt; active model ${store.modelId} (ALS defaults).`;
  const loadNote = `Load: vegeta ${o.vegetaVersion} in its own process, open loop (fixed arrival rate; workers and connections added as needed, so latency includes queueing), ${o.warmupS} s warm-up per query, then ${o.seconds} s per rate, rates interleaved across queries, each step followed by a drain (until the query answers within 2× its unloaded latency again), ${o.timeoutS} s request timeout; ${o.users.ids.length.toLocaleString('en-US')} customers (deterministic random sample, ${o.users.withHistory} with history) rotated per request with their own HS256 tokens; (c) carries the gateway secret and a signed identity as the gateway forwards them. Latency percentiles include failed requests; achieved = successful answers / (last answer − first send). A query's ladder stops once achieved < 90 % of offered or > 1 % time out.`;
  const layoutNote = `Layouts: split = subgraphs/{catalog,recommend,search,assistant}/src/index.ts and gateway/src/index.ts, five processes (node --import tsx, as \`tsx\` runs them), NODE_ENV=production, LOG_LEVEL=info, RATE_LIMIT_POINTS=0, static supergraph, DATABASE_POOL_SIZE default (10 per process)${o.kafka ? ', KAFKA_BROKERS set (the real broker, topic prefix recgraph-bench-serving.)' : ', no KAFKA_BROKERS'}; all-in-one = scripts/start.ts (\`npm start\`) with the same settings and DATABASE_URL, in-process bus, updater and trainer idle.`;
  const machine = `Machine: ${machineNote()}; load generator, services and Postgres share it. 1-min load average: ${o.loadAverages.join(', ')}.`;
  const flags = [
    o.quick ? '--quick' : '',
    store.size.label !== (o.quick ? 'quick' : 'default') ? `--size ${store.size.label}` : '',
    o.options.rates ? `--rates ${o.options.rates}` : '',
    o.options.seconds ? `--seconds ${o.options.seconds}` : '',
    o.options.layouts ? `--layouts ${o.options.layouts}` : '',
  ].filter(Boolean);
  const cmd = `Reproduce: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- serving-open-loop${flags.map((f) => ` ${f}`).join('')}`;

  const tables: BenchTable[] = [];
  for (const layout of o.layouts) {
    tables.push({
      title: `Open-loop serving ladder — ${layout === 'split' ? 'one process per role' : 'all-in-one npm start'} (${store.products.toLocaleString('en-US')} products)`,
      columns: [
        'query',
        'offered/s',
        'sent/s',
        'achieved/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'errors',
        'timeouts',
        'held',
      ],
      rows: steps
        .filter((s) => s.layout === layout)
        .sort((a, b) => QUERIES.indexOf(spec(a.query)) - QUERIES.indexOf(spec(b.query)) || a.offered - b.offered)
        .map((s) =>
          s.skipped
            ? [spec(s.query).label, s.offered, '—', '—', '—', '—', '—', '—', '—', '—', `no (${s.skipped})`]
            : [
                spec(s.query).label,
                s.offered,
                s.sentRate,
                s.achieved,
                fmtMs(s.p50),
                fmtMs(s.p90),
                fmtMs(s.p99),
                fmtMs(s.max),
                s.errors,
                s.timeouts,
                s.held ? 'yes' : 'no',
              ],
        ),
      notes: [storeNote, loadNote, layoutNote, ...o.crashes.filter((c) => c.startsWith(`${layout}:`)), machine, cmd],
    });
  }

  const verdictRows: (string | number)[][] = [];
  for (const layout of o.layouts) {
    for (const q of QUERIES) {
      const held = steps.filter((s) => s.layout === layout && s.query === q.key && s.held);
      const best = held.sort((a, b) => b.offered - a.offered)[0];
      verdictRows.push([
        layout,
        `${q.label}: highest rate held (p99 ≤ ${q.targetP99Ms} ms, achieved ≥ 98 %, no errors)`,
        best ? `${best.offered}/s (p99 ${best.p99} ms)` : `none of ${o.rates.join(', ')}/s`,
        best ? `${best.offered}/s` : 'none',
      ]);
    }
    const sf = step(layout, 'storefront', ISSUE.storefront.rate);
    verdictRows.push([
      layout,
      `issue: storefront p99 ≤ ${ISSUE.storefront.p99} ms at ${ISSUE.storefront.rate} req/s`,
      sf
        ? `p99 ${sf.p99} ms, achieved ${sf.achieved}/s, ${sf.errors + sf.timeouts} failed`
        : 'not measured at that rate',
      sf
        ? isHeld(sf, ISSUE.storefront.p99)
          ? 'met'
          : 'MISSED'
        : skippedAt(layout, 'storefront', ISSUE.storefront.rate)
          ? `MISSED (${skippedAt(layout, 'storefront', ISSUE.storefront.rate)})`
          : 'not run',
    ]);
    const pz = step(layout, 'personalized', ISSUE.personalized.rate);
    verdictRows.push([
      layout,
      `issue: PERSONALIZED ids p99 ≤ ${ISSUE.personalized.p99} ms at ${ISSUE.personalized.rate} req/s`,
      pz
        ? `p99 ${pz.p99} ms, achieved ${pz.achieved}/s, ${pz.errors + pz.timeouts} failed`
        : 'not measured at that rate',
      pz
        ? isHeld(pz, ISSUE.personalized.p99)
          ? 'met'
          : 'MISSED'
        : skippedAt(layout, 'personalized', ISSUE.personalized.rate)
          ? `MISSED (${skippedAt(layout, 'personalized', ISSUE.personalized.rate)})`
          : 'not run',
    ]);
    const ratios = o.rates
      .map((rate) => ({ rate, g: step(layout, 'personalized', rate), d: step(layout, 'personalized-direct', rate) }))
      // Only rates both kept up with: past saturation the ratio compares two timeouts.
      .filter(
        (x) => x.g && x.d && [x.g, x.d].every((r) => r.errors + r.timeouts === 0 && r.achieved >= 0.98 * r.offered),
      );
    const lowest = ratios[0];
    verdictRows.push([
      layout,
      `issue: gateway overhead p50(b) / p50(c) ≤ ${ISSUE.overheadP50}×`,
      ratios.length
        ? ratios
            .map((x) => `${x.rate}/s: ${(x.g!.p50 / x.d!.p50).toFixed(2)}× (${x.g!.p50} vs ${x.d!.p50} ms)`)
            .join('; ')
        : 'not measured',
      lowest
        ? lowest.g!.p50 / lowest.d!.p50 <= ISSUE.overheadP50
          ? `met at ${lowest.rate}/s`
          : `MISSED at ${lowest.rate}/s`
        : 'n/a',
    ]);
  }
  tables.push({
    title: 'Serving targets (issue) and highest rate held per query',
    columns: ['layout', 'check', 'measured', 'verdict'],
    rows: verdictRows,
    notes: [
      "Held at a rate: achieved ≥ 98 % of offered, p99 under the query's target, no errors or timeouts. (c) and (d) have no target of their own in the issue: 10 ms is used.",
      'Gateway overhead verdict at the lowest rate (unloaded); the other rates show how it grows with queueing.',
      machine,
      cmd,
    ],
  });

  // Raw steps and the chart beside the JSON run.ts writes.
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'serving-open-loop.steps.json'),
    JSON.stringify({ at: new Date().toISOString(), machine: machineNote(), store, rates: o.rates, steps }, null, 2),
  );
  const svg = p99Chart(
    `p99 latency vs offered rate (open loop), ${store.products.toLocaleString('en-US')} products`,
    o.layouts.map((layout) => ({
      title: layout === 'split' ? 'one process per role' : 'all-in-one npm start',
      series: QUERIES.map((q) => ({
        label: q.label,
        color: q.color,
        targetMs: q.key === 'storefront' || q.key === 'personalized' ? q.targetP99Ms : undefined,
        points: steps
          .filter((s) => s.layout === layout && s.query === q.key && !s.skipped)
          .map((s) => ({ rate: s.offered, p99: s.p99 })),
      })),
    })),
    `${machineNote()}; vegeta ${o.vegetaVersion}; ${o.seconds} s per rate`,
  );
  writeFileSync(join(resultsDir, 'serving-open-loop.svg'), svg);
  // A PNG too where librsvg's converter is installed (apt-get install librsvg2-bin); the SVG is the chart.
  try {
    execFileSync(
      'rsvg-convert',
      [join(resultsDir, 'serving-open-loop.svg'), '-o', join(resultsDir, 'serving-open-loop.png')],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    // no converter: SVG only
  }
  tables[tables.length - 1]!.notes!.push(
    'Chart: bench/results/serving-open-loop.svg (and .png where rsvg-convert exists; p99 vs offered rate per query); every step: bench/results/serving-open-loop.steps.json.',
  );
  return tables;
}
