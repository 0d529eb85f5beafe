import type { PrismaClient } from '@recgraph/db';
import type { EngineLog } from './log.ts';
import { FACTS_COLUMNS, fetchProductFacts, toFacts, type FactsRow, type ProductFacts } from './productFacts.ts';

/** Where the ranking reads the catalog facts it filters and explains with. */
export type FactsSource = (ids: Iterable<string>) => Promise<Map<string, ProductFacts>>;

/** Straight from the database: one statement per call (the updater, whose latency does not matter). */
export const databaseFacts =
  (prisma: PrismaClient): FactsSource =>
  (ids) =>
    fetchProductFacts(prisma, ids);

export interface ProductFactsTableOptions {
  /** Seconds between incremental refreshes (rows whose updated_at moved), the backstop for missed change events. */
  refreshS?: number;
}

type Row = FactsRow;

const PAGE = 10_000;
// updated_at is its transaction's start time, and a transaction may commit well after it:
// each pass re-reads rows stamped up to this long before the previous pass began, so a
// transaction shorter than this is never missed. Measured from the database's own clock,
// so the cost is the rows changed in the last half minute, not every row ever seen.
const OVERLAP_MS = 30_000;

/**
 * Every product's ranking facts (price, category, brand, stock state, status)
 * in memory, so a recommendation request reads no product rows. Loaded in
 * pages at start; then kept fresh by catalog change events (`refresh(ids)`,
 * fed from the bus) and, as a backstop, by re-reading rows whose updated_at
 * moved (a trigger keeps it true for raw SQL writers too) every few seconds.
 * Ids it has never seen (a product created a moment ago) are read on demand.
 * About 250 bytes per product: 100k products ≈ 25 MB.
 */
export class ProductFactsTable {
  private readonly rows = new Map<string, ProductFacts>();
  /** Ids asked for that have no row (a model can outlive a deleted product); forgotten on each refresh. */
  private readonly absent = new Set<string>();
  /** Database time from which the next pass re-reads changed rows. */
  private since: Date | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private readonly refreshS: number;
  private readonly listeners = new Set<(ids: readonly string[]) => void>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: EngineLog,
    options: ProductFactsTableOptions = {},
  ) {
    this.refreshS = options.refreshS ?? 2;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Full load, then periodic incremental refreshes. */
  async start(): Promise<void> {
    this.loading ??= this.loadAll();
    await this.loading;
    if (this.refreshS > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.refreshChanged().catch((err: unknown) => this.logger.warn({ err }, 'refreshing product facts failed'));
      }, this.refreshS * 1000);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves once the full load is done (starting it if nothing has). */
  async ready(): Promise<void> {
    if (!this.loading) await this.start();
    else await this.loading;
  }

  /**
   * Calls `listener` with the ids whose facts changed (added, edited or gone) after each
   * pass, event or on-demand read; returns the unsubscribe. The new-product candidates
   * (newProducts.ts) re-derive only what changed from it.
   */
  onChange(listener: (ids: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The facts held for `id` now, without reading the database. */
  peek(id: string): ProductFacts | undefined {
    return this.rows.get(id);
  }

  /** Every product's facts held now. */
  values(): IterableIterator<ProductFacts> {
    return this.rows.values();
  }

  private changed(ids: readonly string[]): void {
    if (ids.length) for (const l of this.listeners) l(ids);
  }

  /** Keeps the row, reporting whether any fact differs from the one held (a pass re-reads recent rows). */
  private put(f: ProductFacts): boolean {
    const old = this.rows.get(f.id);
    this.rows.set(f.id, f);
    return !old || (Object.keys(f) as (keyof ProductFacts)[]).some((k) => old[k] !== f[k]);
  }

  private async dbNow(): Promise<Date> {
    const [row] = await this.prisma.$queryRaw<{ t: Date }[]>`SELECT now() AS t`;
    return row!.t;
  }

  /**
   * The refresh pass's statements open with a `recgraph:background` SQL comment, so pg_stat_activity, slow-query
   * logs and the tests' statement counters tell a timer's queries from a request's.
   */
  private async dbNowInBackground(): Promise<Date> {
    const [row] = await this.prisma.$queryRaw<{ t: Date }[]>`/* recgraph:background */ SELECT now() AS t`;
    return row!.t;
  }

  private async loadAll(): Promise<void> {
    const started = performance.now();
    this.since = new Date((await this.dbNow()).getTime() - OVERLAP_MS);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await this.prisma.$queryRaw<Row[]>`
        SELECT ${FACTS_COLUMNS} FROM products WHERE id > ${after}::uuid ORDER BY id LIMIT ${PAGE}`;
      this.absorb(page);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    this.logger.info(
      { products: this.rows.size, ms: Math.round(performance.now() - started) },
      'product facts loaded into memory',
    );
  }

  private absorb(rows: Row[]): void {
    const changed: string[] = [];
    for (const r of rows) if (this.put(toFacts(r))) changed.push(r.id);
    this.changed(changed);
  }

  /** Rows changed since the last pass (with overlap). */
  async refreshChanged(): Promise<void> {
    const passStart = await this.dbNowInBackground();
    const rows = await this.prisma.$queryRaw<Row[]>`/* recgraph:background */
      SELECT ${FACTS_COLUMNS} FROM products WHERE updated_at >= ${this.since ?? passStart}`;
    this.absorb(rows);
    this.since = new Date(passStart.getTime() - OVERLAP_MS);
    this.absent.clear();
  }

  /** Re-reads these products now (a catalog change event named them). */
  async refresh(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const fresh = await fetchProductFacts(this.prisma, ids);
    for (const id of ids) {
      const f = fresh.get(id);
      if (f) this.rows.set(id, f);
      else this.rows.delete(id);
    }
    this.changed(ids);
  }

  /** The facts of these ids; unknown ids are read from the database once and kept. */
  readonly get: FactsSource = async (ids) => {
    await this.ready();
    const out = new Map<string, ProductFacts>();
    const missing: string[] = [];
    for (const id of ids) {
      const f = this.rows.get(id);
      if (f) out.set(id, f);
      else if (!this.absent.has(id)) missing.push(id);
    }
    if (missing.length) {
      const fetched = await fetchProductFacts(this.prisma, missing);
      for (const id of missing) {
        const f = fetched.get(id);
        if (!f) {
          this.absent.add(id);
          continue;
        }
        this.rows.set(id, f);
        out.set(id, f);
      }
      this.changed(missing.filter((id) => out.has(id)));
    }
    return out;
  };
}
