/**
 * Min-heap of shoppers keyed by the time of their next event, ties broken by
 * user index so the merged stream has one deterministic order.
 */
export interface Queued {
  key: number;
  user: number;
}

const before = (a: Queued, b: Queued): boolean => a.key < b.key || (a.key === b.key && a.user < b.user);

export class EventQueue<T extends Queued> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      this.siftDown(last);
    }
    return top;
  }

  /** Re-positions the top item after its key grew (cheaper than pop + push). */
  replaceTop(item: T): void {
    if (this.items.length === 0) this.items.push(item);
    else this.siftDown(item);
  }

  private siftDown(item: T): void {
    const items = this.items;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(items[right] as T, items[left] as T)) child = right;
      if (!before(items[child] as T, item)) break;
      items[i] = items[child] as T;
      i = child;
    }
    items[i] = item;
  }
}
