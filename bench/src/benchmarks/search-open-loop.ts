// Search as deployed: every role in its own process on a real Postgres, the store's
// products TEXT-embedded by the embedding pipeline's writer (which also gives the
// embedding throughput per encoder), then vegeta open-loop load through the gateway at
// fixed arrival rates with a long tail of shopper-like queries (text search p50/p99; the
// issue's target is p99 ≤ 30 ms at 100 req/s). searchByImage joins the ladder when the
// supergraph has it and --images names a folder of query photos (target p99 ≤ 80 ms).
//
// Run:  npm run infra:up && set -a && . .infra/env && set +a
//       npm run bench -- search-open-loop [--quick] [--size 10000,100000] [--rates 50,100,200]
//                        [--seconds 15] [--encoder minilm|builtin|<model dir>] [--images <dir>]
//                        [--kinds text,image]
//
// A generated store has no photos: with --images, its products get IMAGE vectors of real
// photos from that folder (imageIndex.ts), and the folder's last 50 photos are the queries.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '@recgraph/db';
import {
  backfillTextEncoder,
  DEFAULT_TEXT_ENCODER_DIR,
  openTextEncoder,
  type TextEncoder,
  type TextEncoderChoice,
} from '@recgraph/embeddings';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';
import { load1, machineNote, parseList } from '../serving/options.ts';
import { findVegeta, openLoopStep, vegetaVersion, type LoadRequest, type StepResult } from '../serving/load.ts';
import { startRoles, type RunningRoles } from '../serving/roles.ts';
import { ensureImageIndex, photoFiles } from '../serving/imageIndex.ts';
import { prepareStore, resolveStoreSize, serverUrlForLoad } from '../serving/store.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SUBGRAPH_SECRET = 'bench-search-subgraph-secret-0123456789';
const JWT_SECRET = 'bench-search-jwt-hs256-secret-0123456789abcdef';

/** What a storefront's search page asks: a page of hits with title and price, the count and facets. */
const TEXT_QUERY = `query ($q: String!) { search(query: $q, first: 10) {
  totalCount hits { score product { id title price { amount } } }
  facets { categories { label count } brands { label count } } } }`;
const IMAGE_QUERY = `query ($img: String!) { searchByImage(imageBase64: $img, first: 10) { hits { score product { id } } } }`;
const TARGET = { text: 30, image: 80 };

function encoderChoice(spec: string | undefined): TextEncoderChoice {
  if (spec === 'builtin' || spec === 'built-in') return { dir: undefined, reason: '--encoder builtin' };
  const dir = !spec || spec === 'minilm' ? DEFAULT_TEXT_ENCODER_DIR : resolve(spec);
  if (!existsSync(join(dir, 'model.onnx')))
    throw new Error(`--encoder: ${dir} has no model.onnx (scripts/models/fetch-minilm.sh fetches all-MiniLM-L6-v2)`);
  return { dir, reason: `--encoder ${spec ?? 'minilm'}` };
}

/** A deterministic PRNG (mulberry32), so the query pool is the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shopper-like queries with a long tail: 1–3 consecutive words of sampled product titles,
 * brands and category names, a few thousand distinct (more than the subgraph's 1,000-entry
 * query-embedding cache), so most requests encode their query.
 */
async function queryPool(db: Database, n: number): Promise<string[]> {
  const { rows } = await db.pool.query<{ title: string; brand: string | null; category: string | null }>(
    `SELECT p.title, p.brand, c.name AS category FROM products p LEFT JOIN categories c ON c.id = p.category_id
     ORDER BY md5(p.id::text) LIMIT $1`,
    [n],
  );
  const random = rng(7);
  const out = new Set<string>();
  for (const r of rows) {
    const words = r.title.split(/\s+/).filter((w) => /^[\p{L}\p{N}-]+$/u.test(w));
    const len = 1 + Math.floor(random() * 3);
    const start = Math.floor(random() * Math.max(1, words.length - len + 1));
    const q = words
      .slice(start, start + len)
      .join(' ')
      .toLowerCase();
    if (q) out.add(random() < 0.2 && r.category ? `${q} ${r.category.toLowerCase()}` : q);
    if (random() < 0.1 && r.brand) out.add(r.brand.toLowerCase());
  }
  return [...out];
}

/** Inference throughput of an encoder on the store's product text (batches of 64, nothing written). */
async function throughput(db: Database, choice: TextEncoderChoice, n: number) {
  const { rows } = await db.pool.query(
    `SELECT p.title, p.description, p.brand, c.path AS category, p.attributes FROM products p
     LEFT JOIN categories c ON c.id = p.category_id ORDER BY md5(p.id::text) LIMIT $1`,
    [n],
  );
  const encoder = await openTextEncoder(choice);
  try {
    await encoder.encodeProducts(rows.slice(0, 8)); // first-run allocation out of the timing
    const t = performance.now();
    for (let i = 0; i < rows.length; i += 64) await encoder.encodeProducts(rows.slice(i, i + 64));
    const s = (performance.now() - t) / 1000;
    return { model: encoder.model, dims: encoder.dims, products: rows.length, seconds: s, perSecond: rows.length / s };
  } finally {
    await encoder.release();
  }
}

interface Step extends StepResult {
  size: number;
  kind: 'text' | 'image';
  held: boolean;
}

export const benchmark: Benchmark = {
  name: 'search-open-loop',
  description:
    'Search as deployed (one process per role, real Postgres): the store TEXT-embedded (embedding throughput per encoder), then vegeta open-loop text search (and searchByImage with --images) through the gateway at fixed rates; p50/p99 per rate and store size. Options: --size 10000,100000, --rates, --seconds, --encoder minilm|builtin|<dir>, --images <dir>, --kinds text,image',
  async run({ quick, log, options }) {
    const serverUrl = serverUrlForLoad();
    const vegeta = await findVegeta();
    const sizes = parseList(options.size, [quick ? 2000 : 10_000], 'size');
    const rates = parseList(options.rates, quick ? [50, 100] : [50, 100, 200], 'rates');
    const seconds = parseList(options.seconds, [quick ? 5 : 15], 'seconds')[0]!;
    const choice = encoderChoice(options.encoder);
    const photos = options.images ? photoFiles(existingDir(resolve(options.images))) : [];
    // The queries: the folder's last 50 photos; the index is built from its first ones.
    const images = photos.slice(-50).map((f) => readFileSync(f).toString('base64'));
    const kinds = (options.kinds ?? 'text,image').split(',');
    if (kinds.some((k) => k !== 'text' && k !== 'image'))
      throw new Error(`--kinds ${options.kinds}: expected text,image`);
    const withText = kinds.includes('text');
    const supergraph = readFileSync(join(repoRoot, 'gateway/supergraph.graphql'), 'utf8');
    const withImages = kinds.includes('image') && images.length > 0 && /\bsearchByImage\(/.test(supergraph);
    if (images.length && !withImages) log('searchByImage is not in the supergraph yet: image search is not measured');

    const steps: Step[] = [];
    const embeddingRows: (string | number)[][] = [];
    const loads: string[] = [`start ${load1()}`];
    const work = mkdtempSync(join(tmpdir(), 'recgraph-search-bench-'));
    let model = '';
    let pool = 0;
    try {
      for (const products of sizes) {
        const store = await prepareStore(serverUrl, resolveStoreSize(String(products), false), { fresh: false, log });
        const db = await openDatabase({ url: store.url, poolSize: 4 });
        let queries: string[] = [];
        try {
          if (withImages) {
            const r = await ensureImageIndex(db, photos.slice(0, -50), { poolSize: quick ? 500 : 2000, log });
            embeddingRows.push([
              r.model,
              64,
              products,
              r.written,
              r.seconds.toFixed(1),
              r.written ? Math.round(r.written / r.seconds) : '—',
              r.written
                ? `IMAGE index: ${r.photos} catalogue photos encoded, one per product with noise σ 0.02 (imageIndex.ts)`
                : 'IMAGE index already written (store reused)',
            ]);
          }
          if (withText) {
            // Inference throughput per encoder (what a backfill costs), then the served encoder's backfill itself.
            const pretrained =
              choice.dir ??
              (existsSync(join(DEFAULT_TEXT_ENCODER_DIR, 'model.onnx')) ? DEFAULT_TEXT_ENCODER_DIR : undefined);
            for (const c of [
              { dir: undefined, reason: 'built-in' },
              ...(pretrained ? [{ dir: pretrained, reason: 'pretrained' }] : []),
            ]) {
              const r = await throughput(db, c, quick ? 256 : 2048);
              embeddingRows.push([
                r.model,
                r.dims,
                products,
                r.products,
                r.seconds.toFixed(1),
                Math.round(r.perSecond),
                'inference only, batches of 64',
              ]);
              log(`${r.model}: ${Math.round(r.perSecond)} products/s (${r.products} in ${r.seconds.toFixed(1)} s)`);
            }
            const encoder: TextEncoder = await openTextEncoder(choice);
            try {
              const t = performance.now();
              let last = 0;
              const b = await backfillTextEncoder(db, encoder, {
                batchSize: 64,
                onProgress: (done, total) => {
                  if (performance.now() - last < 10_000 && done !== total) return;
                  last = performance.now();
                  log(`  embedding ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
                },
              });
              const s = (performance.now() - t) / 1000;
              model = b.model;
              if (!b.active) throw new Error(`${b.model} did not become the serving encoder`);
              embeddingRows.push([
                b.model,
                encoder.dims,
                products,
                b.written,
                s.toFixed(1),
                b.written ? Math.round(b.written / s) : '—',
                b.written ? 'backfill: read, encode, upsert' : 'already embedded (store reused)',
              ]);
            } finally {
              await encoder.release();
            }
            queries = await queryPool(db, quick ? 1000 : 4000);
            pool = queries.length;
          }
        } finally {
          await db.close();
        }

        let roles: RunningRoles | undefined;
        try {
          roles = await startRoles('split', {
            databaseUrl: store.url,
            modelDir: store.modelDir,
            subgraphSecret: SUBGRAPH_SECRET,
            jwtSecret: JWT_SECRET,
            logDir: join(work, `logs-${products}`),
            log,
          });
          const gateway = roles.gatewayUrl;
          const headers = { 'content-type': 'application/json' };
          const ladders: { kind: 'text' | 'image'; requests: LoadRequest[] }[] = [];
          if (withText)
            ladders.push({
              kind: 'text',
              requests: queries.map((q) => ({
                url: gateway,
                headers,
                body: JSON.stringify({ query: TEXT_QUERY, variables: { q } }),
              })),
            });
          if (withImages)
            ladders.push({
              kind: 'image',
              requests: images.map((img) => ({
                url: gateway,
                headers,
                body: JSON.stringify({ query: IMAGE_QUERY, variables: { img } }),
              })),
            });
          for (const k of ladders) {
            const first = k.requests[0]!;
            const res = await fetch(first.url, { method: 'POST', headers: first.headers, body: first.body });
            const text = await res.text();
            if (res.status !== 200 || text.includes('"errors"'))
              throw new Error(`${k.kind} search: ${res.status} ${text.slice(0, 300)}`);
            // Warm-up: the query encoder loads and the first connections open.
            await openLoopStep({
              vegeta,
              requests: k.requests,
              rate: rates[0]!,
              seconds: quick ? 2 : 5,
              timeoutS: 2,
              workDir: work,
              name: `${products}-${k.kind}-warmup`,
            });
            loads.push(`${products} ${k.kind} before ladder ${load1()}`);
            for (const rate of rates) {
              const r = await openLoopStep({
                vegeta,
                requests: k.requests,
                rate,
                seconds,
                timeoutS: 2,
                workDir: work,
                name: `${products}-${k.kind}-${rate}`,
              });
              roles.assertAlive();
              const held =
                r.errors === 0 && r.timeouts === 0 && r.achieved >= 0.98 * r.offered && r.p99 <= TARGET[k.kind];
              steps.push({ ...r, size: products, kind: k.kind, held });
              log(
                `${products} products ${k.kind} @${rate}/s: achieved ${r.achieved}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, timeouts ${r.timeouts}`,
              );
              if (r.achieved < 0.9 * r.offered || r.timeouts > 0.01 * r.requests) break;
              await new Promise((res) => setTimeout(res, 3000));
            }
          }
        } finally {
          await roles?.stop();
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    const machine = `Machine: ${machineNote()}; vegeta, the five role processes and Postgres share it (and, on this shared machine, other engineers' jobs). 1-min load average: ${loads.join(', ')}.`;
    const flags = [
      quick ? '--quick' : '',
      options.size ? `--size ${options.size}` : '',
      options.rates ? `--rates ${options.rates}` : '',
      options.seconds ? `--seconds ${options.seconds}` : '',
      options.encoder ? `--encoder ${options.encoder}` : '',
      options.images ? `--images ${options.images}` : '',
      options.kinds ? `--kinds ${options.kinds}` : '',
    ].filter(Boolean);
    const cmd = `Reproduce: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- search-open-loop${flags.map((f) => ` ${f}`).join('')}`;
    const tables: BenchTable[] = [
      {
        title: 'Search through the gateway, open loop (one process per role, real Postgres)',
        columns: [
          'products',
          'search',
          'offered/s',
          'achieved/s',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'errors',
          'timeouts',
          'held',
        ],
        rows: steps.map((s) => [
          s.size,
          s.kind === 'text' ? `text (${model})` : 'searchByImage',
          s.offered,
          s.achieved,
          s.p50,
          s.p90,
          s.p99,
          s.max,
          s.errors,
          s.timeouts,
          s.held ? 'yes' : 'no',
        ]),
        notes: [
          `Stores: the serving benchmarks' generated stores (generateStore seed 42, users = 0.4 × products), reused when present. Text queries: ${pool.toLocaleString('en-US')} distinct shopper-like queries (1–3 words of sampled titles, some with a category or a brand) rotated per request, anonymous, HYBRID (lexical + semantic + RRF) with facets, first: 10.`,
          `Held: achieved ≥ 98 % of offered, no errors or timeouts, p99 ≤ ${TARGET.text} ms (text) / ${TARGET.image} ms (image), the issue's targets at 100 req/s. ${withImages ? `Image queries: the last ${images.length} photos of ${options.images} (not in the index), searchByImage(first: 10) with hit ids; the index: every product an IMAGE vector of one of the folder's first photos (encoded by the served CNN) plus noise.` : 'searchByImage: not measured (pass --images <dir>).'}`,
          `Load: vegeta ${await vegetaVersion(vegeta)}, open loop, ${seconds} s per rate after a warm-up, 2 s timeout; a ladder stops once achieved < 90 % of offered.`,
          machine,
          cmd,
        ],
      },
      {
        title: 'Embedding throughput per encoder (products/s)',
        columns: ['encoder', 'dims', 'store products', 'products', 'seconds', 'products/s', 'what'],
        rows: embeddingRows,
        notes: [
          "Inference only: encodeProducts on the store's product text, one process, onnxruntime-node CPU provider with its default threads. Backfill: backfillTextEncoder (the embedding pipeline's writer), pending products read, encoded and upserted in batches of 64, then activated.",
          machine,
          cmd,
        ],
      },
    ];
    return tables;
  },
};

function existingDir(dir: string): string {
  if (!existsSync(dir)) throw new Error(`--images ${dir}: no such folder`);
  return dir;
}
