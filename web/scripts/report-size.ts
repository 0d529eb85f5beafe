// Run after `vite build` (npm run build -w @recgraph/web): prints the first load's
// JavaScript, gzipped, and fails the build above the budget.
import { join } from 'node:path';
import { FIRST_LOAD_JS_BUDGET, firstLoadJs } from './first-load.ts';

const report = firstLoadJs(join(import.meta.dirname, '..', 'dist'));
const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
for (const f of report.files) console.log(`  ${f.file.padEnd(48)} ${kb(f.gzipBytes)} gzipped`);
console.log(`first load JavaScript: ${kb(report.gzipBytes)} gzipped (budget ${kb(FIRST_LOAD_JS_BUDGET)})`);
if (report.gzipBytes > FIRST_LOAD_JS_BUDGET) {
  console.error('over the first-load budget: split a route out (dynamic import) or drop a dependency');
  process.exit(1);
}
