// The quick start's "build the storefront if it is missing or stale": a build is stale when
// any source it is made from (src/, the pages, the Vite config, package.json) is newer than it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const WEB_ROOT = join(import.meta.dirname, '..');
export const WEB_DIST = join(WEB_ROOT, 'dist');
const INPUTS = ['src', 'index.html', 'graphiql.html', 'vite.config.ts', 'package.json'];

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), info.mtimeMs);
}

/** Why the build must be (re)made, or null when web/dist is current. */
export function staleReason(): string | null {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return 'no build yet';
  const built = statSync(index).mtimeMs;
  const changed = INPUTS.map((p) => join(WEB_ROOT, p)).find((p) => existsSync(p) && newestMtime(p) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** Builds web/dist when missing or stale (vite build, then the first-load size report). */
export function ensureWebBuild(log: (msg: string) => void = console.log): void {
  const reason = staleReason();
  if (!reason) return;
  log(`building the storefront (${reason})`);
  const r = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: WEB_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`storefront build failed:\n${r.stdout}\n${r.stderr}`);
  const size = /first load JavaScript: .*/.exec(r.stdout)?.[0];
  if (size) log(size);
}
