import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeUserState, encodeUserState, type UserState } from '../src/index.ts';

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe('stored user state (userStateCodec)', () => {
  it('round-trips history, preferences and an exact float64 pool; the query is left out', () => {
    const [a, b, c, d, e] = ids(5) as [string, string, string, string, string];
    const poolIds = ids(200);
    const state: UserState = {
      modelVersionId: randomUUID(),
      history: {
        positives: [
          { productId: a, weight: 12.5, strongest: 'PURCHASE' },
          { productId: b, weight: 1 / 3, strongest: 'VIEW' },
        ],
        seen: new Set([a, b, c, d]),
        disliked: new Set([d]),
        latestAt: new Date('2026-12-02T10:00:00.123Z'),
      },
      query: undefined,
      prefs: {
        categoryIds: [e],
        brands: ['Acme', 'Ünïcode'],
        likedProductIds: [a],
        priceMinCents: 100,
        priceMaxCents: null,
      },
      pool: { ids: poolIds, scores: Float64Array.from(poolIds, (_, i) => Math.PI / (i + 1)) },
    };
    const bytes = encodeUserState(state);
    const back = decodeUserState(bytes);
    expect(back.modelVersionId).toBe(state.modelVersionId);
    expect(back.history).toEqual(state.history);
    expect(back.prefs).toEqual(state.prefs);
    expect(back.pool!.ids).toEqual(poolIds);
    expect([...back.pool!.scores]).toEqual([...state.pool!.scores]);
    expect('query' in back).toBe(false);
    // Compact: 16-byte ids and 8-byte scores, not JSON text.
    expect(bytes.length).toBeLessThan(200 * 24 + 500);
  });

  it('keeps the order the positives were last touched in (the re-ranker’s last items); reads version 1 without it', () => {
    const [a, b, c] = ids(3) as [string, string, string];
    const state: UserState = {
      modelVersionId: null,
      history: {
        positives: [
          { productId: a, weight: 5, strongest: 'PURCHASE' },
          { productId: b, weight: 2, strongest: 'CLICK' },
          { productId: c, weight: 1, strongest: 'VIEW' },
        ],
        seen: new Set([a, b, c]),
        disliked: new Set(),
        latestAt: new Date('2026-12-02T10:00:00.000Z'),
        recent: [c, a, b],
      },
      query: undefined,
      prefs: null,
    };
    const bytes = encodeUserState(state);
    expect(decodeUserState(bytes).history.recent).toEqual([c, a, b]);
    // A state stored by version 1: the same bytes without the recency block.
    const v1 = Buffer.from(bytes.subarray(0, bytes.length - 4 - 3 * 4));
    v1[0] = 1;
    const old = decodeUserState(v1);
    expect(old.history.recent).toBeUndefined();
    expect(old.history.positives).toEqual(state.history.positives);
  });

  it('a user with no model, no history and no pool', () => {
    const state: UserState = {
      modelVersionId: null,
      history: { positives: [], seen: new Set(), disliked: new Set(), latestAt: null },
      query: undefined,
      prefs: null,
    };
    const back = decodeUserState(encodeUserState(state));
    expect(back).toEqual({ modelVersionId: null, history: state.history, prefs: null });
    expect(back.pool).toBeUndefined();
  });

  it('refuses bytes it did not write: another version, truncation, trailing bytes', () => {
    const bytes = encodeUserState({
      modelVersionId: null,
      history: {
        positives: [{ productId: randomUUID(), weight: 1, strongest: 'VIEW' }],
        seen: new Set(),
        disliked: new Set(),
        latestAt: null,
      },
      query: undefined,
      prefs: null,
    });
    const other = Buffer.from(bytes);
    other[0] = 99;
    expect(() => decodeUserState(other)).toThrow(/version 99/);
    expect(() => decodeUserState(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeUserState(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing/);
  });
});
