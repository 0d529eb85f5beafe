// The store the serving benchmark loads: generated, seeded into its own database
// on a real Postgres server, popularity and co-visitation rebuilt, an ALS model
// trained and promoted, exactly as `npm start` prepares a first run.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { rebuildOnlineFeatures } from '@recgraph/streaming';
import { getActiveModelVersion, loadActiveModel, promote, runTraining } from '@recgraph/training';
import { rankerPython } from '@recgraph/training/reranker/lambdamart';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface StoreSize {
  label: string;
  products: number;
  users: number;
}

/** --quick, the default, and the issue's target (100k products, ~1M interactions). */
export const STORE_SIZES = {
  quick: { label: 'quick', products: 2_000, users: 800 },
  default: { label: 'default', products: 20_000, users: 8_000 },
  target: { label: 'target', products: 100_000, users: 40_000 },
} as const satisfies Record<string, StoreSize>;

/** `quick`, `default`, `target`, or a product count (users = 0.4 × products, as the generator bench uses). */
export function resolveStoreSize(spec: string | undefined, quick: boolean): StoreSize {
  if (!spec) return quick ? STORE_SIZES.quick : STORE_SIZES.default;
  if (spec in STORE_SIZES) return STORE_SIZES[spec as keyof typeof STORE_SIZES];
  const n = Number(spec.replace(/[_,]/g, '').replace(/k$/i, '000'));
  if (!Number.isInteger(n) || n < 100)
    throw new Error(`--size ${spec}: expected quick, default, target or a product count such as 50000`);
  return { label: `${n}`, products: n, users: Math.round(n * 0.4) };
}

/**
 * The Postgres server to load. PGlite is one connection inside one process:
 * it cannot serve five processes, and a figure measured on it says nothing
 * about production, so it is refused.
 */
export function serverUrlForLoad(): string {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'serving-open-loop measures serving under load and needs a real Postgres server (with pgvector); it refuses ' +
        'the embedded PGlite, which is one connection inside one process. Start one with `npm run infra:up`, then ' +
        '`set -a; . .infra/env; set +a` (TEST_DATABASE_URL), or set DATABASE_URL / BENCH_DATABASE_URL to a server URL.',
    );
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`expected a postgres:// URL for the load database, got ${url}`);
  return url;
}

export interface PreparedStore {
  /** The database the services are pointed at (DATABASE_URL). */
  url: string;
  database: string;
  size: StoreSize;
  products: number;
  users: number;
  interactions: number;
  modelId: string;
  /** Model artifacts live here; they must outlive the services. */
  modelDir: string;
  reused: boolean;
  /** Seeding, feature rebuild and training, when done now. */
  timings: { seedS: number; featuresS: number; trainS: number } | undefined;
}

/** `purpose` keeps a benchmark that writes (soak) off the store the read-only serving benchmarks reuse. */
const databaseName = (size: StoreSize, purpose = 'serving') =>
  `recgraph_bench_${purpose}_${size.products}p_${size.users}u`;
const urlFor = (serverUrl: string, name: string) => {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** True when a previous run left this store complete: every product, users, an active model whose artifact loads. */
async function isComplete(db: Database, size: StoreSize, withRanker: boolean): Promise<boolean> {
  const [products, users] = await Promise.all([db.prisma.product.count(), db.prisma.user.count()]);
  if (products !== size.products || users !== size.users) return false;
  if (!(await getActiveModelVersion(db))) return false;
  try {
    const active = await loadActiveModel(db);
    return active !== null && (!withRanker || active.ranker !== undefined);
  } catch {
    return false; // the artifact is gone or changed: rebuild
  }
}

/**
 * Reuses `recgraph_bench_serving_<size>` on the server when a previous run
 * completed it (seeding 100k products and training take minutes), else
 * (re)creates it. `fresh` always rebuilds.
 */
export async function prepareStore(
  serverUrl: string,
  size: StoreSize,
  /** ranker: the served model carries the learned re-ranker (a store database of its own). */
  o: { fresh: boolean; log: (msg: string) => void; purpose?: string; ranker?: boolean },
): Promise<PreparedStore> {
  const python = o.ranker ? rankerPython(undefined) : undefined;
  if (o.ranker && !python) throw new Error('--ranker needs .infra/ranker-venv: run bash scripts/infra/ranker.sh');
  const name = databaseName(size, o.ranker ? `${o.purpose ?? 'serving'}_ranker` : o.purpose);
  const url = urlFor(serverUrl, name);
  const modelDir = join(repoRoot, '.data', 'bench', name, 'models');
  const exists = await admin(
    serverUrl,
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
  if (exists && !o.fresh) {
    const db = await openDatabase({ url });
    try {
      if (await isComplete(db, size, o.ranker === true)) {
        const active = (await getActiveModelVersion(db))!;
        const interactions = await db.prisma.interaction.count();
        o.log(`reusing ${name}: ${size.products} products, ${interactions} interactions, model ${active.id}`);
        return {
          url,
          database: name,
          size,
          products: size.products,
          users: size.users,
          interactions,
          modelId: active.id,
          modelDir,
          reused: true,
          timings: undefined,
        };
      }
      o.log(`${name} exists but is incomplete: rebuilding it`);
    } finally {
      await db.close();
    }
  }
  await admin(serverUrl, async (c) => {
    if (exists) await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true });

  const db = await openDatabase({ url, poolSize: 4 });
  try {
    o.log(`seeding ${size.products} products, ${size.users} users into ${name} (real Postgres)`);
    let t = performance.now();
    let lastLog = 0;
    const seeded = await seedStore(db, generateStore({ seed: 42, products: size.products, users: size.users }), {
      onProgress: (stage, done, total) => {
        const now = performance.now();
        if (now - lastLog < 5000 && done !== total) return;
        lastLog = now;
        o.log(`  seed ${stage}: ${done.toLocaleString('en-US')}${total ? ` / ${total.toLocaleString('en-US')}` : ''}`);
      },
    });
    const seedS = (performance.now() - t) / 1000;
    o.log(`seeded ${seeded.interactions.inserted.toLocaleString('en-US')} interactions in ${seedS.toFixed(1)} s`);

    t = performance.now();
    lastLog = 0;
    // As `npm start` does after seeding: popularity and co-visitation from the history.
    await rebuildOnlineFeatures(db, {
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - lastLog < 5000 && done !== total) return;
        lastLog = now;
        o.log(`  features: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} interactions`);
      },
    });
    const featuresS = (performance.now() - t) / 1000;

    t = performance.now();
    lastLog = 0;
    o.log(`training ALS (defaults)${python ? ' with the learned re-ranker' : ''} and promoting it`);
    const trained = await runTraining(db, {
      algorithm: 'als',
      modelDir,
      margin: 0,
      // Attached whatever it scores here (minGain −1): this store measures its serving cost; the log says how it did.
      ...(python ? { ranker: { python, minGain: -1 }, info: o.log } : {}),
      onProgress: (stage, done, total) => {
        const now = performance.now();
        if (now - lastLog < 5000 && done !== total) return;
        lastLog = now;
        o.log(`  train ${stage}: ${done}${total ? ` / ${total}` : ''}`);
      },
    });
    if (!trained.decision?.promoted) await promote(db, trained.version.id);
    const trainS = (performance.now() - t) / 1000;
    o.log(`model ${trained.version.id} trained and active in ${trainS.toFixed(1)} s`);
    if (!existsSync(modelDir)) throw new Error(`model directory ${modelDir} vanished`);
    return {
      url,
      database: name,
      size,
      products: size.products,
      users: size.users,
      interactions: seeded.interactions.inserted,
      modelId: trained.version.id,
      modelDir,
      reused: false,
      timings: { seedS, featuresS, trainS },
    };
  } finally {
    await db.close();
  }
}

/**
 * The users the load rotates over: a deterministic pseudo-random sample of the
 * store's users (md5 order), so heavy, light and history-less shoppers all
 * appear in their real proportions rather than one user or the top spenders.
 */
export async function sampleUsers(url: string, n: number): Promise<{ ids: string[]; withHistory: number }> {
  const db = await openDatabase({ url, migrate: false, poolSize: 1 });
  try {
    const rows = await db.pool.query<{ id: string; has: boolean }>(
      `SELECT u.id::text AS id, EXISTS (SELECT 1 FROM interactions i WHERE i.user_id = u.id) AS has
       FROM users u ORDER BY md5(u.id::text) LIMIT $1`,
      [n],
    );
    return { ids: rows.rows.map((r) => r.id), withHistory: rows.rows.filter((r) => r.has).length };
  } finally {
    await db.close();
  }
}
