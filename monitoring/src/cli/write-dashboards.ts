// `npm run dashboards`: writes monitoring/grafana/dashboards/<uid>.json from monitoring/src/dashboards.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { DASHBOARDS, DASHBOARDS_DIR, dashboardJson } from '../dashboards.ts';

mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const d of DASHBOARDS) {
  const file = new URL(`${d.uid}.json`, DASHBOARDS_DIR);
  writeFileSync(file, `${JSON.stringify(dashboardJson(d), null, 2)}\n`);
  console.log(`wrote ${file.pathname} (${d.panels.length} panels)`);
}
