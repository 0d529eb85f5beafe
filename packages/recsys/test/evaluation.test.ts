import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromTriplets, type CsrMatrix } from '../src/csr.ts';
import {
  categoryDiversity,
  evaluate,
  intraListDiversity,
  stratifiedSplit,
  temporalSplit,
  userRankingMetrics,
} from '../src/evaluation.ts';
import { interactionsFrom, type Interactions } from '../src/interactions.ts';
import { parseRatings, writeTopKFile } from '../src/io.ts';
import type { Recommender } from '../src/model.ts';
import { syntheticInteractions } from '../src/synthetic.ts';
import type { TopK } from '../src/topk.ts';

describe('metrics', () => {
  it('ranking metrics on a hand-computed list', () => {
    // recs [1,5,3,7], relevant {3,5,9}, k = 4: hits at ranks 2 and 3.
    const m = userRankingMetrics([1, 5, 3, 7], new Set([3, 5, 9]), 4);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.ap).toBeCloseTo((1 / 3) * (1 / 2 + 2 / 3), 12); // 7/18
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(m.hit).toBe(1);
    expect(userRankingMetrics([1, 2], new Set([3]), 2)).toEqual({ precision: 0, recall: 0, ap: 0, ndcg: 0, hit: 0 });
  });

  it('diversity: vectors and categories', () => {
    const V = Float32Array.from([1, 0, 1, 0, 0, 1]);
    expect(intraListDiversity([0, 1], V, 2)).toBeCloseTo(0, 12);
    expect(intraListDiversity([0, 2], V, 2)).toBeCloseTo(1, 12);
    expect(intraListDiversity([0, 1, 2], V, 2)).toBeCloseTo(1 - 1 / 3, 12);
    expect(categoryDiversity([0, 1, 2], Int32Array.from([4, 4, 5]))).toBeCloseTo(2 / 3, 12);
  });

  it('evaluate() aggregates per-user metrics, coverage, novelty and diversity', () => {
    // train: u0 {0}, u1 {0,1}, u2 {0,2}, u3 {3}; test: u0 {1}, u1 {2}
    const train = csrFromTriplets(4, 4, [0, 1, 1, 2, 2, 3], [0, 0, 1, 0, 2, 3], [1, 1, 1, 1, 1, 1]);
    const test = csrFromTriplets(4, 4, [0, 1], [1, 2], [1, 1]);
    const lists: Record<number, number[]> = { 0: [1, 2], 1: [3, 2] };
    const stub: Recommender = {
      kind: 'stub',
      nUsers: 4,
      nItems: 4,
      fit: async () => {},
      recommend: (u: number): TopK => ({ items: Int32Array.from(lists[u]!), scores: new Float32Array(2) }),
      recommendBatch(users: ArrayLike<number>, ui: CsrMatrix, k: number) {
        return Array.from(users, (u) => this.recommend(u, ui, k));
      },
      similarItems: () => ({ items: new Int32Array(0), scores: new Float32Array(0) }),
      save: () => new Uint8Array(0),
    };
    const m = evaluate(stub, train, test, {
      k: 2,
      itemVectors: { vectors: Float32Array.from([0, 0, 1, 0, 1, 0, 0, 1]), dim: 2 },
      categories: Int32Array.from([0, 0, 1, 1]),
    });
    expect(m.users).toBe(2);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(1);
    expect(m.map).toBeCloseTo(0.75, 12);
    expect(m.ndcg).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 12);
    expect(m.hitRate).toBe(1);
    expect(m.coverage).toBe(0.75);
    expect(m.novelty).toBeCloseTo(2, 12); // every recommended item has 1 of 4 train users
    expect(m.diversity).toBeCloseTo(0.5, 12);
    expect(m.categoryDiversity).toBeCloseTo(0.5, 12);
  });
});

function pairsByUser(x: Interactions): Map<number, Set<number>> {
  const m = new Map<number, Set<number>>();
  for (let e = 0; e < x.user.length; e++) {
    if (!m.has(x.user[e]!)) m.set(x.user[e]!, new Set());
    m.get(x.user[e]!)!.add(x.item[e]!);
  }
  return m;
}

describe('splits', () => {
  const x = syntheticInteractions({ nUsers: 200, nItems: 300, nnz: 3000, seed: 5 });

  it('stratified split: deterministic, per-user 75/25 of distinct items, small users in train only', () => {
    const a = stratifiedSplit(x, { seed: 42 });
    const b = stratifiedSplit(x, { seed: 42 });
    const c = stratifiedSplit(x, { seed: 43 });
    expect(a).toEqual(b);
    expect(c.test.item).not.toEqual(a.test.item);
    expect(a.train.user.length + a.test.user.length).toBe(x.user.length);
    const all = pairsByUser(x);
    const tr = pairsByUser(a.train);
    const te = pairsByUser(a.test);
    for (const [u, items] of all) {
      const t = te.get(u) ?? new Set();
      if (items.size < 4) {
        expect(t.size).toBe(0);
        continue;
      }
      expect(t.size).toBe(Math.round(items.size * 0.25));
      for (const i of t) expect(tr.get(u)!.has(i)).toBe(false); // all events of an item on one side
      expect(tr.get(u)!.size + t.size).toBe(items.size);
    }
  });

  it('temporal split holds out each user’s latest items', () => {
    const y = interactionsFrom([
      { user: 0, item: 0, timestamp: 1 },
      { user: 0, item: 1, timestamp: 5 },
      { user: 0, item: 2, timestamp: 3 },
      { user: 0, item: 0, timestamp: 9 },
      { user: 1, item: 4, timestamp: 2 },
    ]);
    const s = temporalSplit(y, { lastN: 1 });
    expect(Array.from(s.test.item)).toEqual([0, 0]); // item 0's latest event (t=9) is the newest
    expect(Array.from(s.train.item)).toEqual([1, 2, 4]);
    const f = temporalSplit(y, { fraction: 0.5 });
    expect(new Set(f.test.item)).toEqual(new Set([0, 1]));
  });
});

describe('files', () => {
  it('parses CSV with header and CRLF, TSV without header; writes top-k', () => {
    const csv = parseRatings('userId,movieId,rating,timestamp\r\n1,10,4.0,100\r\n2,10,3.5,200\r\n1,20,5,300\r\n');
    expect(csv.users.toArray()).toEqual(['1', '2']);
    expect(csv.items.toArray()).toEqual(['10', '20']);
    expect(Array.from(csv.interactions.value)).toEqual([4, 3.5, 5]);
    expect(Array.from(csv.interactions.timestamp)).toEqual([100, 200, 300]);
    const tsv = parseRatings('a\tx\t1\t5\nb\ty\t2\t6\n', { users: csv.users, items: csv.items });
    expect(Array.from(tsv.interactions.user)).toEqual([2, 3]);
    const dir = mkdtempSync(join(tmpdir(), 'recsys-'));
    const path = join(dir, 'top.tsv');
    writeTopKFile(
      path,
      [0],
      [{ items: Int32Array.from([1, 0]), scores: Float32Array.from([0.5, 0.25]) }],
      csv.users,
      csv.items,
    );
    expect(readFileSync(path, 'utf8')).toBe('user\titem\trank\tscore\n1\t20\t1\t0.500000\n1\t10\t2\t0.250000\n');
  });
});
