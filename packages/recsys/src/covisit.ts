import { csrFromTriplets, type CsrMatrix } from './csr.ts';
import { DimensionMismatchError } from './errors.ts';
import { DEFAULT_CONFIDENCE, eventWeight, type Interactions } from './interactions.ts';
import { checkIndex, topKScores, type TopK } from './topk.ts';

export interface CoVisitOptions {
  nItems: number;
  /** Session id per event: items co-occurring in a session count once per session. */
  sessions?: ArrayLike<number>;
  /** Otherwise: events of the same user within this many seconds of each other (each event pair counts once). */
  windowSeconds?: number;
  /** Cap on events considered per group (guards against bots / huge sessions; default 500, latest kept). */
  maxEventsPerGroup?: number;
}

/**
 * Item-item co-visitation counts: C_ij = number of sessions (or of within-window event pairs of
 * one user) in which i and j both occur, i ≠ j. Symmetric, returned as CSR (row i = neighbours of i).
 * DISLIKE events are ignored. O(Σ_groups m²) with m ≤ maxEventsPerGroup.
 */
export function coVisitation(x: Interactions, o: CoVisitOptions): CsrMatrix {
  const n = x.user.length;
  if (o.sessions && o.sessions.length !== n)
    throw new DimensionMismatchError('sessions length differs from interactions');
  const cap = o.maxEventsPerGroup ?? 500;
  const window = o.windowSeconds ?? 30 * 60;
  const groups = new Map<number, number[]>();
  for (let e = 0; e < n; e++) {
    if (eventWeight(DEFAULT_CONFIDENCE, x.type[e]!, x.value[e]!) === null) continue;
    checkIndex('item', x.item[e]!, o.nItems);
    const g = o.sessions ? o.sessions[e]! : x.user[e]!;
    let l = groups.get(g);
    if (!l) groups.set(g, (l = []));
    l.push(e);
  }
  const counts = new Map<number, number>();
  const bump = (a: number, b: number) => {
    const key = a * o.nItems + b;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (const events of groups.values()) {
    events.sort((a, b) => x.timestamp[a]! - x.timestamp[b]! || a - b);
    const ev = events.length > cap ? events.slice(events.length - cap) : events;
    if (o.sessions) {
      const items = Array.from(new Set(ev.map((e) => x.item[e]!))).sort((a, b) => a - b);
      for (let p = 0; p < items.length; p++)
        for (let q = p + 1; q < items.length; q++) {
          bump(items[p]!, items[q]!);
          bump(items[q]!, items[p]!);
        }
    } else {
      for (let p = 0; p < ev.length; p++) {
        const tp = x.timestamp[ev[p]!]!;
        for (let q = p + 1; q < ev.length && x.timestamp[ev[q]!]! - tp <= window; q++) {
          const a = x.item[ev[p]!]!;
          const b = x.item[ev[q]!]!;
          if (a === b) continue;
          bump(a, b);
          bump(b, a);
        }
      }
    }
  }
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (const [key, c] of counts) {
    rows.push(Math.floor(key / o.nItems));
    cols.push(key % o.nItems);
    vals.push(c);
  }
  return csrFromTriplets(o.nItems, o.nItems, rows, cols, vals);
}

/** The k items most co-visited with `item`. */
export function topCoVisited(m: CsrMatrix, item: number, k: number): TopK {
  checkIndex('item', item, m.nRows);
  const s = m.indptr[item]!;
  const e = m.indptr[item + 1]!;
  const top = topKScores(m.data.subarray(s, e), k);
  return { items: Int32Array.from(top.items, (j) => m.indices[s + j]!), scores: top.scores };
}
