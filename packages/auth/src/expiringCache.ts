/**
 * What was verified or signed a moment ago, kept until it expires: a bounded map
 * (least recently used first out) of values with their own expiry. Verifying a
 * JWT and signing the forwarded identity are WebCrypto HMACs that jose runs
 * asynchronously on the thread pool; a profile under load put them among the
 * gateway's largest per-request costs, and a shopper sends the same token with
 * every request.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= now) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
