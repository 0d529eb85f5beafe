/**
 * `npm run dashboards:render -- [minutes]` (default 6): starts the observed platform (platform.ts:
 * every role over the real Postgres and Kafka from `npm run infra:up`, and a real Prometheus with
 * the shipped config and rules), drives traffic through the gateway for that long (a dead letter
 * and a second training run midway), then runs every dashboard panel's PromQL over the run with
 * query_range and draws each dashboard as docs/operations/<uid>.svg (Grafana itself is not
 * installable from the package registries this project uses).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { DASHBOARDS } from '../src/dashboards.ts';
import { dashboardSvg, legendOf, type PanelData } from '../src/panel-chart.ts';
import { startObservedPlatform } from './platform.ts';
import { prometheusBin, REPO_ROOT } from './tools.ts';

const minutes = Number(process.argv[2] ?? 6);
const brokers = process.env.TEST_KAFKA_BROKERS?.split(',');
const pgUrl = process.env.TEST_DATABASE_URL;
const prometheus = prometheusBin();
if (!brokers || !pgUrl || !prometheus)
  throw new Error('needs `npm run infra:up` and its environment: set -a; . .infra/env; set +a');

const p = await startObservedPlatform({ brokers, pgUrl, prometheusBin: prometheus, scrapeInterval: '5s' });
try {
  const start = Math.floor(Date.now() / 1000);
  const end = start + minutes * 60;
  let rounds = 0;
  let deadLettered = false;
  let retrained = false;
  while (Date.now() / 1000 < end) {
    // A new shopper each round (the fixture store is small, and a product a user clicked or bought
    // leaves their list): a click on the first product shown, a purchase through checkout every 20th.
    const user = await p.stack.db.prisma.user.create({ data: { externalId: `render-${rounds}-${Date.now()}` } });
    await p.traffic({ user: { id: user.id }, action: rounds % 20 === 0 ? 'buy' : 'click', strict: false });
    rounds++;
    const elapsed = Date.now() / 1000 - start;
    if (!deadLettered && elapsed > (minutes * 60) / 3) {
      await p.deadLetter();
      deadLettered = true;
    }
    if (!retrained && elapsed > (minutes * 60) / 2) {
      await p.trainer.runNow('manual');
      retrained = true;
    }
    // About two rounds a second: a light, steady load.
    await new Promise((r) => setTimeout(r, 400));
  }
  await new Promise((r) => setTimeout(r, 10_000));
  const range = { start, end: Math.floor(Date.now() / 1000) };
  const step = 15;
  const outDir = `${REPO_ROOT}docs/operations`;
  mkdirSync(outDir, { recursive: true });
  for (const d of DASHBOARDS) {
    const data: PanelData[] = [];
    for (const panel of d.panels) {
      const series: PanelData = [];
      for (const target of panel.targets) {
        for (const s of await p.queryRange(target.expr, range.start, range.end, step))
          series.push({
            legend: legendOf(target.legend, s.metric),
            metric: s.metric,
            values: s.values.map(([t, v]) => [t, Number(v)] as [number, number]),
          });
      }
      data.push(series);
    }
    const note = `Local run: ${minutes} min, ${rounds} rounds of traffic through the gateway (npm run dashboards:render), ${new Date(range.end * 1000).toISOString().slice(0, 16)} UTC; shared 2-core machine under other jobs' load.`;
    writeFileSync(`${outDir}/${d.uid}.svg`, dashboardSvg(d, data, range, note));
    console.log(`wrote docs/operations/${d.uid}.svg`);
  }
} finally {
  await p.stop();
}
