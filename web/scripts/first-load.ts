// What a browser downloads before the storefront can render: the scripts index.html loads
// (its entry and every modulepreload), gzipped. GraphiQL is a separate page and not counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The budget for the first load's JavaScript, gzipped. */
export const FIRST_LOAD_JS_BUDGET = 200 * 1024;

export interface FirstLoad {
  files: { file: string; gzipBytes: number }[];
  gzipBytes: number;
}

export function firstLoadJs(distDir: string): FirstLoad {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const srcs = new Set<string>();
  for (const m of html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/g)) srcs.add(m[1]!);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) srcs.add(m[1]!);
  const files = [...srcs].map((src) => ({
    file: src,
    gzipBytes: gzipSync(readFileSync(join(distDir, src.replace(/^\//, ''))), { level: 9 }).length,
  }));
  return { files, gzipBytes: files.reduce((a, f) => a + f.gzipBytes, 0) };
}
