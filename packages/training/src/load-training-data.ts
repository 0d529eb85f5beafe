import type { Database } from '@recgraph/db';
import type { ProgressCallback } from '@recgraph/data';
import { EventType, IdMap, type EventTypeName, type Interactions } from '@recgraph/recsys';
import { InsufficientDataError, InvalidTrainingOptionsError } from './errors.ts';
import { separateDislikes, type TrainingData } from './training-data.ts';
import { isClaimedSource } from '@recgraph/interactions';

export interface LoadTrainingDataOptions {
  /** Only events at or after this time. */
  from?: Date;
  /** Only events strictly before this time. */
  to?: Date;
  /** Rows per round trip (default 20,000). */
  batchSize?: number;
  onProgress?: ProgressCallback;
}

interface EventRow {
  id: string;
  user_id: string;
  product_id: string;
  type: EventTypeName;
  value: number;
  source: string;
  ts: number;
}

interface ProductRow {
  id: string;
  category_id: string | null;
  status: 'ACTIVE' | 'ARCHIVED';
}

/** Growable columnar buffer, so a large table never exists as an array of row objects. */
class ColumnBuilder {
  private n = 0;
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private type = new Uint8Array(1024);
  private value = new Float32Array(1024);
  private timestamp = new Float64Array(1024);
  push(user: number, item: number, type: number, value: number, timestamp: number): void {
    if (this.n === this.user.length) this.grow();
    this.user[this.n] = user;
    this.item[this.n] = item;
    this.type[this.n] = type;
    this.value[this.n] = value;
    this.timestamp[this.n] = timestamp;
    this.n++;
  }
  private grow(): void {
    const cap = this.user.length * 2;
    const g = <T extends Int32Array | Uint8Array | Float32Array | Float64Array>(a: T, C: new (n: number) => T) => {
      const b = new C(cap);
      b.set(a as never);
      return b;
    };
    this.user = g(this.user, Int32Array);
    this.item = g(this.item, Int32Array);
    this.type = g(this.type, Uint8Array);
    this.value = g(this.value, Float32Array);
    this.timestamp = g(this.timestamp, Float64Array);
  }
  build(): Interactions {
    const n = this.n;
    return {
      user: this.user.slice(0, n),
      item: this.item.slice(0, n),
      type: this.type.slice(0, n),
      value: this.value.slice(0, n),
      timestamp: this.timestamp.slice(0, n),
    };
  }
}

function validate(o: LoadTrainingDataOptions): number {
  const batchSize = o.batchSize ?? 20_000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidTrainingOptionsError(`batchSize must be a positive integer, got ${batchSize}`);
  for (const [name, d] of [
    ['from', o.from],
    ['to', o.to],
  ] as const)
    if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime())))
      throw new InvalidTrainingOptionsError(`${name} must be a valid Date, got ${String(d)}`);
  if (o.from && o.to && o.from >= o.to)
    throw new InvalidTrainingOptionsError(`from (${o.from.toISOString()}) must be before to (${o.to.toISOString()})`);
  return batchSize;
}

/**
 * Reads interactions (optionally within [from, to)) in id order, a batch at a
 * time by keyset pagination on the primary key (no OFFSET, so every page is an
 * index range scan however deep), then the catalog facts of the products seen.
 * Queries run one after another: embedded PGlite has a single connection.
 */
export async function loadTrainingData(
  db: Pick<Database, 'pool'>,
  o: LoadTrainingDataOptions = {},
): Promise<TrainingData> {
  const batchSize = validate(o);
  const from = o.from ?? null;
  const to = o.to ?? null;
  const window = `($1::timestamptz IS NULL OR occurred_at >= $1) AND ($2::timestamptz IS NULL OR occurred_at < $2)`;
  const total = Number(
    (await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM interactions WHERE ${window}`, [from, to])).rows[0]!
      .n,
  );
  if (total === 0)
    throw new InsufficientDataError(`no interactions${from || to ? ' in the requested window' : ''} to train on`);
  o.onProgress?.('load interactions', 0, total);

  const users = new IdMap();
  const items = new IdMap();
  const cols = new ColumnBuilder();
  let cursor = '0';
  let done = 0;
  for (;;) {
    const { rows } = await db.pool.query<EventRow>(
      `SELECT id::text AS id, user_id, product_id, type::text AS type, value, source,
              extract(epoch FROM occurred_at)::float8 AS ts
         FROM interactions
        WHERE id > $3::bigint AND ${window}
        ORDER BY interactions.id -- the column: a bare "id" would sort by the text alias above
        LIMIT $4`,
      [from, to, cursor, batchSize],
    );
    for (const r of rows) {
      // A purchase only a client claimed weighs less than one checkout recorded (packages/interactions).
      const type = r.type === 'PURCHASE' && isClaimedSource(r.source) ? EventType.CLAIMED_PURCHASE : EventType[r.type];
      if (type === undefined) throw new Error(`interaction ${r.id} has an unknown type ${r.type}`);
      cols.push(users.add(r.user_id), items.add(r.product_id), type, r.value, r.ts);
    }
    done += rows.length;
    o.onProgress?.('load interactions', done, Math.max(total, done));
    if (rows.length < batchSize) break;
    cursor = rows[rows.length - 1]!.id;
  }

  const categories = new IdMap();
  const itemCategories = new Int32Array(items.size).fill(-1);
  const unavailableItems = new Set<number>();
  const ids = items.toArray();
  for (let s = 0; s < ids.length; s += batchSize) {
    const { rows } = await db.pool.query<ProductRow>(
      `SELECT id, category_id, status::text AS status FROM products WHERE id = ANY($1::uuid[])`,
      [ids.slice(s, s + batchSize)],
    );
    for (const p of rows) {
      const i = items.index(p.id)!;
      if (p.category_id) itemCategories[i] = categories.add(p.category_id);
      if (p.status === 'ARCHIVED') unavailableItems.add(i);
    }
    o.onProgress?.('load products', Math.min(s + batchSize, ids.length), ids.length);
  }

  const all = cols.build();
  const { positives, dislikes } = separateDislikes(all);
  if (positives.user.length === 0)
    throw new InsufficientDataError('every loaded interaction is a dislike: nothing positive to train on');
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of all.timestamp) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return {
    interactions: positives,
    users,
    items,
    itemCategories,
    categories,
    dislikes,
    unavailableItems,
    from: new Date(lo * 1000),
    to: new Date(hi * 1000),
    source: 'database',
  };
}
