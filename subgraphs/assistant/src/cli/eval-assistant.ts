/**
 * `npm run eval:assistant` — the assistant's labelled evaluation (assistant-eval.ts) on the
 * demo store: seeds it into an in-memory embedded Postgres (or DATABASE_URL, seeded when it has
 * no products), builds the knowledge base, runs every question through the agent with the
 * built-in responder — and with the configured chat model too when ASSISTANT_MODEL_URL is set —
 * and prints hit rate@5 and citation precision/recall per category; writes the JSON result
 * (default bench/results/assistant-eval.json).
 *
 *   npm run eval:assistant [-- --only policy,search] [--ids a,b] [--out file] [--verbose]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { config } from '@recgraph/config';
import { chatModelFromConfig, limitsFromConfig } from '../agent/index.ts';
import { evaluateAssistant, formatReport, loadQuestions, type EvalReport } from './assistant-eval.ts';
import { startDemoAssistant } from './demo-assistant.ts';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    ids: { type: 'string' },
    out: { type: 'string', default: resolve(import.meta.dirname, '../../../../bench/results/assistant-eval.json') },
    verbose: { type: 'boolean', default: false },
  },
});

const cfg = config('tool');
let questions = loadQuestions();
if (args.only) questions = questions.filter((q) => args.only!.split(',').includes(q.category));
if (args.ids) questions = questions.filter((q) => args.ids!.split(',').includes(q.id));
if (!questions.length) throw new Error('no question matches --only/--ids');

const started = performance.now();
const demo = await startDemoAssistant({
  databaseUrl: cfg.DATABASE_URL,
  textEncoderDir: cfg.TEXT_ENCODER_DIR,
  log: (line) => console.error(line),
});
const runs: { model: string; report: EvalReport }[] = [];
try {
  const configured = chatModelFromConfig(cfg);
  for (const model of configured ? [undefined, configured] : [undefined]) {
    const name = model?.name ?? 'builtin';
    console.error(`\n${questions.length} questions with ${name}`);
    const report = await evaluateAssistant(questions, {
      agent: demo.agent(model, model ? limitsFromConfig(cfg) : undefined),
      retriever: demo.retriever,
      caller: demo.shopper,
      skuOf: demo.skuOf,
      threadPrefix: `eval-${randomUUID()}-`,
      onResult: (r, done, total) => {
        const miss = !r.hit || r.precision < 1 || r.forbiddenCalls.length;
        if (args.verbose || miss)
          console.error(
            `${String(done).padStart(2)}/${total} ${r.id}: hit ${r.hit} p ${r.precision.toFixed(2)} r ${r.recall.toFixed(2)}` +
              ` tools [${r.tools.join(',')}] cited [${r.cited.join(',')}] retrieved [${r.retrieved.join(',')}]` +
              (r.forbiddenCalls.length ? ` FORBIDDEN ${r.forbiddenCalls.join(',')}` : ''),
          );
      },
    });
    runs.push({ model: name, report });
    console.log(`\nassistant evaluation, ${name} (${questions.length} questions, demo store)`);
    console.log(formatReport(report));
  }
  const out = resolve(args.out!);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      { at: new Date().toISOString(), seconds: Math.round((performance.now() - started) / 1000), runs },
      null,
      2,
    ),
  );
  console.error(`\nwrote ${out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
} finally {
  await demo.stop();
}
