// `npm run bench -- [name ...] [--quick] [--size …] [--rates …] [--seconds …] [--layouts …] [--fresh]`:
// runs benchmarks, prints tables and
// writes bench/results/<name>.json plus bench/results/summary.md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarks } from './registry.ts';
import { renderTable } from './table.ts';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = resolve(here, '../results');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    // Read by serving-open-loop (see its description); other benchmarks ignore them.
    size: { type: 'string' },
    rates: { type: 'string' },
    seconds: { type: 'string' },
    layouts: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    // serving-open-loop: serve a model that carries the learned re-ranker (its own store database).
    ranker: { type: 'boolean', default: false },
    // Role processes write V8 CPU profiles here (open them in Chrome DevTools or speedscope).
    'cpu-prof': { type: 'string' },
    // Read by search-open-loop: the TEXT encoder to serve (minilm | builtin | <dir>) and query photos for searchByImage.
    encoder: { type: 'string' },
    images: { type: 'string' },
    kinds: { type: 'string' },
  },
});

if (values.list) {
  for (const b of benchmarks) console.log(`${b.name.padEnd(24)} ${b.description}`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !benchmarks.some((b) => b.name === p));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = positionals.length ? benchmarks.filter((b) => positionals.includes(b.name)) : benchmarks;
const shared = resolve(here, '../../../shared/data');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
mkdirSync(resultsDir, { recursive: true });
const summary: string[] = [`# Benchmark results`, '', `Machine: ${machine}`, ''];
let failed = 0;
for (const b of selected) {
  console.error(`\n▶ ${b.name}: ${b.description}`);
  const started = Date.now();
  try {
    const tables = await b.run({
      quick: values.quick!,
      sharedDataDir: existsSync(shared) ? shared : undefined,
      log: (m) => console.error(`  ${m}`),
      options: {
        size: values.size,
        rates: values.rates,
        seconds: values.seconds,
        layouts: values.layouts,
        fresh: values.fresh,
        ranker: values.ranker,
        cpuProf: values['cpu-prof'],
        encoder: values.encoder,
        images: values.images,
        kinds: values.kinds,
      },
    });
    const text = tables.map(renderTable).join('\n\n');
    console.log('\n' + text);
    summary.push(text, '');
    writeFileSync(
      join(resultsDir, `${b.name}.json`),
      JSON.stringify(
        {
          name: b.name,
          machine,
          quick: values.quick,
          at: new Date().toISOString(),
          seconds: (Date.now() - started) / 1000,
          tables,
        },
        null,
        2,
      ),
    );
  } catch (err) {
    failed++;
    console.error(`✗ ${b.name} failed: ${(err as Error).stack ?? err}`);
  }
}
writeFileSync(join(resultsDir, 'summary.md'), summary.join('\n'));
console.error(`\nResults written to ${resultsDir}`);
process.exit(failed ? 1 : 0);
