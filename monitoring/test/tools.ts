import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root and the monitoring folder, as paths. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MONITORING_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * A tool `npm run infra:up` installs under .infra (scripts/infra/lib/monitoring.sh): Prometheus,
 * promtool and amtool from Debian's packages, mlflow in its own venv. Under CI it must be there
 * (the suite fails rather than skips); locally a missing tool skips the suite with a reason.
 */
export function infraTool(relative: string): string | undefined {
  const path = `${REPO_ROOT}.infra/${relative}`;
  if (existsSync(path)) return path;
  if (process.env.CI) throw new Error(`${path} is missing under CI: run \`npm run infra:up\` (scripts/test.sh does).`);
  return undefined;
}

export const promtoolBin = () => infraTool('monitoring/usr/bin/promtool');
export const prometheusBin = () => infraTool('monitoring/usr/bin/prometheus');
export const amtoolBin = () => infraTool('monitoring/usr/bin/amtool');
export const mlflowBin = () => infraTool('mlflow-venv/bin/mlflow');
