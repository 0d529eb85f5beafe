// Soak: the main storefront queries and event ingestion together, at half the capacity measured
// for that mix, for 10 minutes (--seconds; --quick: 1 minute), every role in its own process on
// real Postgres and Kafka (the split layout plus the online feature updater), load from vegeta
// (open loop). It reports each role's RSS at start and end (a leak shows as growth) and the p99
// of each stream per minute (it should stay flat), and checks every recorded event was stored and folded.
//
// Run:  npm run infra:up && set -a && . .infra/env && set +a
//       npm run bench -- soak [--quick] [--seconds 600] [--rates <storefront>,<ingest>] [--size quick|default|…] [--fresh]
import { randomUUID } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@recgraph/auth';
import { openDatabase } from '@recgraph/db';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';
import { attack, findVegeta, openLoopStep, summarise, type AttackRecord, type LoadRequest } from '../serving/load.ts';
import { BENCH_JWT_CLAIMS, startRoles, type RunningRoles } from '../serving/roles.ts';
import { prepareStore, resolveStoreSize, sampleUsers, serverUrlForLoad } from '../serving/store.ts';

const SUBGRAPH_SECRET = 'bench-soak-subgraph-secret-0123456789';
const JWT_SECRET = 'bench-soak-jwt-hs256-secret-0123456789abcdef';
/** What a storefront page asks: recommendations with product cards, the popular list, a catalogue page. */
const STOREFRONT = [
  '{ recommendations(first: 10) { score source reason product { id title price { amount } } } }',
  '{ popularProducts(first: 10) { id title } }',
  '{ products(first: 20) { totalCount edges { node { id title price { amount } } } } }',
];
const TRACK = 'mutation ($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded duplicates } }';
const EVENTS_PER_CALL = 5;
const EVENT_TYPES = ['VIEW', 'VIEW', 'VIEW', 'CLICK', 'ADD_TO_CART'];

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
/** Resident set size of a process (Linux), or NaN once it has exited. */
function rssBytes(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function brokerAnswers(brokers: string | undefined): Promise<boolean> {
  if (!brokers) return false;
  const [host, port] = brokers.split(',')[0]!.trim().split(':');
  return new Promise<boolean>((res) => {
    const socket = connect({ host: host!, port: Number(port) });
    socket.setTimeout(3000);
    socket.once('connect', () => (socket.destroy(), res(true)));
    socket.once('error', () => res(false));
    socket.once('timeout', () => (socket.destroy(), res(false)));
  });
}

export const benchmark: Benchmark = {
  name: 'soak',
  description:
    'Soak: storefront queries + event ingestion together at half their measured capacity for 10 min (--seconds, --quick 1 min), every role in its own process on real Postgres and Kafka; RSS per role at start/end and p99 per minute. Options: --seconds, --rates <storefront>,<ingest> (skip the capacity probe), --size, --fresh',
  async run({ quick, log, options }) {
    const serverUrl = serverUrlForLoad();
    const vegeta = await findVegeta();
    const brokers = process.env.KAFKA_BROKERS ?? process.env.TEST_KAFKA_BROKERS;
    if (!(await brokerAnswers(brokers)))
      throw new Error('soak runs the updater on Kafka: set KAFKA_BROKERS or TEST_KAFKA_BROKERS (npm run infra:up)');
    const seconds = Number(options.seconds ?? (quick ? 60 : 600));
    if (!Number.isFinite(seconds) || seconds < 60) throw new Error('--seconds: at least 60 (one minute per row)');
    const size = resolveStoreSize(options.size, quick);
    const store = await prepareStore(serverUrl, size, { fresh: options.fresh ?? false, log, purpose: 'soak' });
    const users = await sampleUsers(store.url, quick ? 300 : 1000);
    const productIds = await (async () => {
      const db = await openDatabase({ url: store.url, migrate: false, poolSize: 1 });
      try {
        const { rows } = await db.pool.query<{ id: string }>(
          "SELECT id::text AS id FROM products WHERE status = 'ACTIVE' ORDER BY md5(id::text) LIMIT 500",
        );
        return rows.map((r) => r.id);
      } finally {
        await db.close();
      }
    })();
    const tokens = await Promise.all(
      users.ids.map((sub) => signDevToken(JWT_SECRET, { sub, role: 'customer', expiresIn: '6h', ...BENCH_JWT_CLAIMS })),
    );
    const work = mkdtempSync(join(tmpdir(), 'recgraph-soak-'));
    const run = randomUUID().slice(0, 8);
    let roles: RunningRoles | undefined;
    let keepWork = false;
    try {
      roles = await startRoles('split', {
        databaseUrl: store.url,
        modelDir: store.modelDir,
        subgraphSecret: SUBGRAPH_SECRET,
        jwtSecret: JWT_SECRET,
        logDir: join(work, 'logs'),
        kafkaBrokers: brokers,
        withUpdater: true,
        topicPrefix: `recgraph-bench-soak.${run}.`,
        log,
      });
      const gateway = roles.gatewayUrl;
      const headers = (i: number) => ({
        'content-type': 'application/json',
        authorization: `Bearer ${tokens[i % tokens.length]}`,
      });
      const storefront: LoadRequest[] = tokens.flatMap((_, i) =>
        STOREFRONT.map((query) => ({ url: gateway, headers: headers(i), body: JSON.stringify({ query }) })),
      );
      // Every ingestion request carries new event ids (vegeta cycles through its targets).
      let eventSeq = 0;
      const ingestion = (phase: string, n: number): LoadRequest[] =>
        Array.from({ length: n }, (_, i) => ({
          url: gateway,
          headers: headers(i),
          body: JSON.stringify({
            query: TRACK,
            variables: {
              i: Array.from({ length: EVENTS_PER_CALL }, () => {
                const k = eventSeq++;
                return {
                  eventId: `soak-${run}-${phase}-${k}`,
                  type: EVENT_TYPES[k % EVENT_TYPES.length],
                  productId: productIds[(k * 7919) % productIds.length],
                  ...(EVENT_TYPES[k % EVENT_TYPES.length] === 'ADD_TO_CART' ? { value: 1 } : {}),
                };
              }),
            },
          }),
        }));

      // Capacity of the mix: both streams closed-loop at once (8 requests in flight each).
      let rates: [number, number];
      if (options.rates) {
        const r = options.rates.split(',').map(Number);
        if (r.length !== 2 || r.some((x) => !(x > 0)))
          throw new Error('--rates: expected <storefront>,<ingest> e.g. 40,10');
        rates = [r[0]!, r[1]!];
      } else {
        const probeS = quick ? 8 : 15;
        log(`measuring the mix's capacity: both streams closed-loop for ${probeS} s`);
        const [s, e] = await Promise.all([
          openLoopStep({
            vegeta,
            requests: storefront,
            rate: 0,
            seconds: probeS,
            timeoutS: 5,
            workDir: work,
            name: 'probe-storefront',
            closedLoopWorkers: 8,
          }),
          openLoopStep({
            vegeta,
            requests: ingestion('probe', 5_000),
            rate: 0,
            seconds: probeS,
            timeoutS: 5,
            workDir: work,
            name: 'probe-ingest',
            closedLoopWorkers: 8,
          }),
        ]);
        log(
          `capacity together: storefront ${s.achieved}/s (p99 ${s.p99} ms), ingestion ${e.achieved}/s (p99 ${e.p99} ms)`,
        );
        rates = [Math.max(1, Math.floor(s.achieved / 2)), Math.max(1, Math.floor(e.achieved / 2))];
      }
      const [storefrontRate, ingestRate] = rates;
      log(
        `soak: storefront ${storefrontRate}/s + ingestion ${ingestRate}/s (${ingestRate * EVENTS_PER_CALL} events/s) for ${seconds} s`,
      );

      // RSS of every role: at start, each minute, at the end.
      const rss = new Map(roles.processes.map((p) => [p.role, [] as number[]]));
      const sample = () => {
        for (const p of roles!.processes) rss.get(p.role)!.push(rssBytes(p.child.pid));
      };
      sample();
      const sampler = setInterval(sample, 60_000);
      const loadStart = loadavg()[0]!;
      const eventsFrom = eventSeq;
      const started = Date.now();
      let records: [AttackRecord[], AttackRecord[]];
      try {
        records = await Promise.all([
          attack({
            vegeta,
            requests: storefront,
            rate: storefrontRate,
            seconds,
            timeoutS: 5,
            workDir: work,
            name: 'soak-storefront',
          }),
          attack({
            vegeta,
            requests: ingestion('soak', Math.ceil(ingestRate * seconds * 1.02) + 10),
            rate: ingestRate,
            seconds,
            timeoutS: 5,
            workDir: work,
            name: 'soak-ingest',
          }),
        ]);
      } finally {
        clearInterval(sampler);
      }
      sample();
      roles.assertAlive();

      // Every event of the soak the gateway answered "recorded" is stored once and folded by the updater.
      const recorded = records[1].filter((r) => !r.problem).length * EVENTS_PER_CALL;
      const db = await openDatabase({ url: store.url, migrate: false, poolSize: 1 });
      let stored = 0;
      let folded = 0;
      const foldDeadline = Date.now() + 120_000;
      try {
        do {
          const { rows } = await db.pool.query<{ n: string; f: string }>(
            `SELECT count(*) AS n, count(folded_at) AS f FROM interactions WHERE event_id LIKE $1`,
            [`soak-${run}-soak-%`],
          );
          stored = Number(rows[0]!.n);
          folded = Number(rows[0]!.f);
          if (folded >= stored && stored >= recorded) break;
          await new Promise((r) => setTimeout(r, 1000));
        } while (Date.now() < foldDeadline);
      } finally {
        await db.close();
      }

      const minutes = Math.floor(seconds / 60);
      const perMinute: (string | number)[][] = [];
      for (let m = 0; m < minutes; m++) {
        const from = started + m * 60_000;
        const inMinute = (rs: AttackRecord[]) => rs.filter((r) => r.sentMs >= from && r.sentMs < from + 60_000);
        const s = summarise(inMinute(records[0]), storefrontRate, 60);
        const e = summarise(inMinute(records[1]), ingestRate, 60);
        perMinute.push([
          m + 1,
          s.requests,
          s.p50,
          s.p99,
          s.errors + s.timeouts,
          e.requests,
          e.p50,
          e.p99,
          e.errors + e.timeouts,
        ]);
      }
      const all = [summarise(records[0], storefrontRate, seconds), summarise(records[1], ingestRate, seconds)];
      const memory = [...rss].map(([role, xs]) => {
        const [first, last] = [xs[0]!, xs.at(-1)!];
        return [
          role,
          mb(first),
          mb(last),
          mb(Math.max(...xs.filter(Number.isFinite))),
          `${(((last - first) / first) * 100).toFixed(1)} %`,
        ];
      });
      const command = `npm run bench -- soak${quick ? ' --quick' : ''} --seconds ${seconds}${options.rates ? ` --rates ${options.rates}` : ''}`;
      const context = [
        `Command: \`${command}\`; store ${store.database} (${store.products} products, ${store.users} users); roles: ${roles.processes.map((p) => p.role).join(', ')}, each its own process; Kafka for the updater.`,
        `Load (vegeta, open loop): storefront ${storefrontRate}/s cycling ${STOREFRONT.length} queries over ${tokens.length} customers, ingestion ${ingestRate}/s trackEvents × ${EVENTS_PER_CALL} new events — half the capacity the mix reached closed-loop${options.rates ? ' (rates given, no probe)' : ''}.`,
        `Load average ${loadStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end: the machine was shared with other jobs, so latencies carry their noise.`,
      ];
      keepWork = all.some((a) => a.errors + a.timeouts > 0);
      return [
        {
          title: `soak: p99 per minute (storefront ${storefrontRate}/s + ingestion ${ingestRate}/s, ${seconds} s)`,
          columns: [
            'minute',
            'storefront req',
            'p50 ms',
            'p99 ms',
            'errors',
            'ingest req',
            'p50 ms',
            'p99 ms',
            'errors',
          ],
          rows: perMinute,
          notes: [
            ...context,
            `Whole run: storefront p50 ${all[0]!.p50} ms, p99 ${all[0]!.p99} ms, ${all[0]!.errors} errors, ${all[0]!.timeouts} timeouts${all[0]!.errorSamples.length ? ` [${all[0]!.errorSamples.join('; ')}]` : ''}; ingestion p50 ${all[1]!.p50} ms, p99 ${all[1]!.p99} ms, ${all[1]!.errors} errors, ${all[1]!.timeouts} timeouts${all[1]!.errorSamples.length ? ` [${all[1]!.errorSamples.join('; ')}]` : ''}.`,
            `Events: ${recorded} answered as recorded, ${stored} stored, ${folded} folded by the updater (${eventSeq - eventsFrom} generated).${keepWork ? ` Role logs kept in ${work}.` : ''}`,
          ],
        },
        {
          title: 'soak: resident memory (RSS) of every role, MB',
          columns: ['role', 'start', 'end', 'max', 'change'],
          rows: memory,
          notes: [
            'Sampled from /proc at start, every minute and at the end of the soak (after the roles had warmed up in the capacity probe).',
          ],
        },
      ] satisfies BenchTable[];
    } catch (err) {
      keepWork = true;
      log(`role logs kept in ${work}`);
      throw err;
    } finally {
      await roles?.stop();
      if (!keepWork) rmSync(work, { recursive: true, force: true });
    }
  },
};
