import type pg from 'pg';

/**
 * Remembers users.external_id → id and products.sku → id across batches, so a
 * long import looks each key up once. Only existing rows are cached; misses
 * are asked again next time (the row may have been written since).
 */
export class IdCache {
  readonly users = new Map<string, string>();
  readonly products = new Map<string, string>();
  /** Upper bound per map; past it the cache is cleared rather than grown without limit. */
  constructor(readonly maxEntries = 2_000_000) {}

  async resolve(client: pg.PoolClient, userExternalIds: Iterable<string>, skus: Iterable<string>): Promise<void> {
    await this.fill(
      client,
      this.users,
      userExternalIds,
      'SELECT external_id AS key, id FROM users WHERE external_id = ANY($1::text[])',
    );
    await this.fill(client, this.products, skus, 'SELECT sku AS key, id FROM products WHERE sku = ANY($1::text[])');
  }

  private async fill(
    client: pg.PoolClient,
    map: Map<string, string>,
    keys: Iterable<string>,
    sql: string,
  ): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !map.has(k));
    if (missing.length === 0) return;
    if (map.size + missing.length > this.maxEntries) map.clear();
    const res = await client.query<{ key: string; id: string }>(sql, [missing]);
    for (const row of res.rows) map.set(row.key, row.id);
  }
}
