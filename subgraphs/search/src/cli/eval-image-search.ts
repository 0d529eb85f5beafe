/**
 * `npm run eval:search -- --image` — image-search relevance on the fashion catalogue in
 * ../shared/data/products-with-images (or --data <dir>), the built-in grid descriptor beside
 * the trained image encoder (IMAGE_ENCODER_DIR, else the shipped CNN; or --model <dir>).
 *
 * Queries are the photos of held-out products (isHeldOut with the model's own held-out
 * share, so no query photo was trained on). A product is relevant when it has the query
 * product's article type AND colour (products.csv attributes); the query product itself
 * is excluded, and queries with no relevant product are skipped. Two indexes: the whole
 * catalogue (a store searching its own products), and the held-out products alone (every
 * product in the ranking unseen by training). Reported: hit-rate@10 (share of queries with
 * a relevant product in the top 10; the target ≥ 0.9), nDCG@10 and Recall@10
 * (hits / min(10, relevant)). Neighbours are exact (cosine over all vectors), so the figures
 * measure the encoders, not the HNSW index. --chart <file.svg> writes the bar chart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { config } from '@recgraph/config';
import { importCatalog } from '@recgraph/data';
import { openDatabase } from '@recgraph/db';
import { isHeldOut, labelledPhotos, type LabelledPhoto } from '@recgraph/embeddings/image-dataset';
import {
  chooseImageEncoder,
  openImageEncoder,
  readImageEncoderDescriptor,
  type ImageEncoder,
} from '@recgraph/embeddings/image-encoder';

const { values: args } = parseArgs({
  options: {
    image: { type: 'boolean' },
    data: { type: 'string', default: resolve(import.meta.dirname, '../../../../../shared/data/products-with-images') },
    model: { type: 'string' },
    chart: { type: 'string' },
  },
});

interface Metrics {
  queries: number;
  hit: number;
  ndcg: number;
  recall: number;
}

async function embedAll(encoder: ImageEncoder, photos: readonly LabelledPhoto[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const started = performance.now();
  for (let i = 0; i < photos.length; i += 64) {
    out.push(...(await encoder.encodeImages(photos.slice(i, i + 64).map((p) => p.path))));
    if (i % 2048 === 0) process.stdout.write(`\r${encoder.model}: ${i}/${photos.length}`);
  }
  const s = (performance.now() - started) / 1000;
  console.log(`\r${encoder.model}: ${photos.length} photos in ${s.toFixed(0)}s (${(photos.length / s).toFixed(0)}/s)`);
  return out;
}

/** Exact top-10 by cosine (vectors are L2-normalised) over `index`, the query excluded; ties by SKU. */
function evaluate(
  photos: readonly LabelledPhoto[],
  vectors: readonly Float32Array[],
  queries: readonly number[],
  index: readonly number[],
): Metrics {
  const key = (i: number) => `${photos[i]!.article}|${photos[i]!.colour ?? ''}`;
  const perKey = new Map<string, number>();
  for (const i of index) perKey.set(key(i), (perKey.get(key(i)) ?? 0) + 1);
  const indexSet = new Set(index);
  const m: Metrics = { queries: 0, hit: 0, ndcg: 0, recall: 0 };
  for (const q of queries) {
    if (!photos[q]!.colour) continue;
    const relevantCount = (perKey.get(key(q)) ?? 0) - (indexSet.has(q) ? 1 : 0);
    if (relevantCount < 1) continue;
    const qv = vectors[q]!;
    const top: { i: number; s: number }[] = [];
    for (const i of index) {
      if (i === q) continue;
      const v = vectors[i]!;
      let s = 0;
      for (let k = 0; k < v.length; k++) s += v[k]! * qv[k]!;
      if (top.length < 10 || s > top[top.length - 1]!.s) {
        top.push({ i, s });
        top.sort((a, b) => b.s - a.s || (photos[a.i]!.sku < photos[b.i]!.sku ? -1 : 1));
        if (top.length > 10) top.pop();
      }
    }
    const rel = top.map((t) => key(t.i) === key(q));
    let dcg = 0;
    rel.forEach((r, i) => (dcg += r ? 1 / Math.log2(i + 2) : 0));
    let idcg = 0;
    for (let i = 0; i < Math.min(10, relevantCount); i++) idcg += 1 / Math.log2(i + 2);
    const hits = rel.filter(Boolean).length;
    m.queries++;
    m.hit += hits > 0 ? 1 : 0;
    m.ndcg += dcg / idcg;
    m.recall += hits / Math.min(10, relevantCount);
  }
  return { queries: m.queries, hit: m.hit / m.queries, ndcg: m.ndcg / m.queries, recall: m.recall / m.queries };
}

/** Grouped bars: hit-rate@10, nDCG@10 and Recall@10 per encoder, for each index. */
function chartSvg(rows: { encoder: string; index: string; m: Metrics }[]): string {
  const metrics = ['hit', 'ndcg', 'recall'] as const;
  const labels = { hit: 'hit-rate@10', ndcg: 'nDCG@10', recall: 'Recall@10' };
  const encoders = [...new Set(rows.map((r) => r.encoder))];
  const indexes = [...new Set(rows.map((r) => r.index))];
  const colours = ['#9aa5b1', '#2f6fdf', '#e07b39', '#3a9d5d'];
  const W = 760;
  const H = 330;
  const left = 50;
  const top = 40;
  const plotH = 220;
  const groupW = (W - left - 20) / (indexes.length * metrics.length);
  const barW = Math.min(36, (groupW - 16) / encoders.length);
  const y = (v: number) => top + plotH - v * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="13" font-weight="bold">Image search on held-out product photos (relevant: same article type and colour)</text>`,
  ];
  for (const t of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    parts.push(
      `<line x1="${left}" x2="${W - 20}" y1="${y(t)}" y2="${y(t)}" stroke="${t === 0.9 ? '#c00' : '#ddd'}" ${t === 0.9 ? 'stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  parts.push(`<text x="${W - 22}" y="${y(0.9) - 4}" text-anchor="end" fill="#c00">target hit-rate 0.9</text>`);
  indexes.forEach((index, ii) =>
    metrics.forEach((metric, mi) => {
      const g = ii * metrics.length + mi;
      const x0 = left + g * groupW + (groupW - barW * encoders.length) / 2;
      encoders.forEach((enc, ei) => {
        const r = rows.find((x) => x.encoder === enc && x.index === index)!;
        const v = r.m[metric];
        parts.push(
          `<rect x="${x0 + ei * barW}" y="${y(v)}" width="${barW - 2}" height="${top + plotH - y(v)}" fill="${colours[ei % colours.length]}"/>`,
          `<text x="${x0 + ei * barW + barW / 2 - 1}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${v.toFixed(2)}</text>`,
        );
      });
      parts.push(
        `<text x="${left + g * groupW + groupW / 2}" y="${top + plotH + 14}" text-anchor="middle">${labels[metric]}</text>`,
      );
    }),
  );
  indexes.forEach((index, ii) =>
    parts.push(
      `<text x="${left + (ii + 0.5) * metrics.length * groupW}" y="${top + plotH + 30}" text-anchor="middle" font-weight="bold">index: ${index}</text>`,
    ),
  );
  encoders.forEach((enc, ei) =>
    parts.push(
      `<rect x="${left + ei * 250}" y="${H - 22}" width="12" height="12" fill="${colours[ei % colours.length]}"/>`,
      `<text x="${left + ei * 250 + 16}" y="${H - 12}">${enc}</text>`,
    ),
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

async function main() {
  const data = resolve(args.data!);
  const cfg = config();
  const choice = args.model
    ? { dir: resolve(args.model), reason: '--model' }
    : chooseImageEncoder(cfg.IMAGE_ENCODER_DIR);
  if (!choice.dir) throw new Error(`no trained image encoder to evaluate (${choice.reason}); pass --model <dir>`);
  const provenance = readImageEncoderDescriptor(choice.dir).provenance ?? {};
  const holdout = typeof provenance.heldOutShare === 'number' ? provenance.heldOutShare : 0.2;
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'recgraph-eval-image-'));
  const db = await openDatabase({});
  try {
    await importCatalog(db, { file: join(data, 'products.csv'), imagesOutDir: join(work, 'images') });
    const photos = await labelledPhotos(db, join(work, 'images'));
    const held = photos.flatMap((p, i) => (isHeldOut(p.sku, holdout) ? [i] : []));
    const all = photos.map((_, i) => i);
    console.log(
      `${photos.length} photos; ${held.length} held out (share ${holdout}, never trained on) are the queries; trained encoder from ${choice.dir}`,
    );
    const rows: { encoder: string; index: string; m: Metrics }[] = [];
    for (const c of [{ dir: undefined, reason: 'built-in' }, choice]) {
      const encoder = await openImageEncoder(c, { provider: 'cpu' });
      try {
        const vectors = await embedAll(encoder, photos);
        const name = encoder.trained ? `${encoder.model} (trained CNN)` : `${encoder.model} (built-in)`;
        rows.push({ encoder: name, index: `catalogue (${photos.length})`, m: evaluate(photos, vectors, held, all) });
        rows.push({ encoder: name, index: `held-out only (${held.length})`, m: evaluate(photos, vectors, held, held) });
      } finally {
        await encoder.release();
      }
    }
    console.log(
      '\n| index | encoder | queries | hit-rate@10 | nDCG@10 | Recall@10 |\n| --- | --- | --- | --- | --- | --- |',
    );
    for (const r of rows)
      console.log(
        `| ${r.index} | ${r.encoder} | ${r.m.queries} | ${r.m.hit.toFixed(3)} | ${r.m.ndcg.toFixed(3)} | ${r.m.recall.toFixed(3)} |`,
      );
    if (args.chart) {
      writeFileSync(args.chart, chartSvg(rows));
      console.log(`\nwrote ${args.chart}`);
    }
    console.log(`\n${((performance.now() - started) / 1000).toFixed(0)}s in all`);
  } finally {
    await db.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
