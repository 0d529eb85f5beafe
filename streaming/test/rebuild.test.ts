import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '@recgraph/db';
import { POPULARITY_HALF_LIFE_S } from '@recgraph/interactions';
import { publishInteractions, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { createOnlineFeatureUpdater, rebuildOnlineFeatures, type OnlineFeatureUpdater } from '../src/index.ts';
import { inProcess } from './backends.ts';
import { count, interaction, seedCatalog } from './fixtures.ts';

const REFERENCE = Date.now();

type Snapshot = { popularity: Map<string, [number, number]>; pairs: Map<string, number> };

async function snapshot(db: Database): Promise<Snapshot> {
  const pop = await db.pool.query<{ product_id: string; score: number; event_count: string; updated_at: Date }>(
    'SELECT product_id, score, event_count, updated_at FROM product_popularity',
  );
  const cv = await db.pool.query<{ a: string; b: string; weight: number }>(
    'SELECT product_a AS a, product_b AS b, weight FROM co_visitation',
  );
  return {
    // Scores are referenced to updated_at; compare them decayed to one instant.
    popularity: new Map(
      pop.rows.map((r) => [
        r.product_id,
        [
          r.score * 2 ** (-(REFERENCE - r.updated_at.getTime()) / 1000 / POPULARITY_HALF_LIFE_S.WEEK),
          Number(r.event_count),
        ],
      ]),
    ),
    pairs: new Map(cv.rows.map((r) => [`${r.a}>${r.b}`, r.weight])),
  };
}

describe('rebuildOnlineFeatures', () => {
  let db: Database;
  let bus: EventBus;
  let updater: OnlineFeatureUpdater;
  let users: string[];
  let products: string[];

  beforeAll(async () => {
    db = await inProcess.openDb();
    bus = inProcess.createBus();
    await bus.ensureTopics(STREAMING_TOPICS);
    ({ users, products } = await seedCatalog(db, 5, 8));
    updater = createOnlineFeatureUpdater({ bus, db, groupId: 'rebuild-test', batchSize: 7 });
    await updater.start();
  });
  afterAll(async () => {
    await updater?.stop();
    await bus?.close();
    await db?.close();
  });

  it('reproduces exactly what the online updater built from the same events', async () => {
    // In time order (as clients send them): the online updater pairs an event
    // only with those that arrived before it, so out-of-order arrivals would
    // legitimately differ from a replay.
    let at = Date.now() - 25 * 3600_000;
    const types = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'DISLIKE', 'VIEW', 'RATE'] as const;
    // Sessions: some events minutes apart (co-visited), some hours apart (not).
    const events = Array.from({ length: 60 }, (_, i) => {
      const type = types[i % types.length]!;
      return interaction(users[i % users.length]!, products[(i * 3) % products.length]!, {
        type,
        value: type === 'RATE' ? 4 : 1,
        occurredAt: new Date((at += i % 10 === 0 ? 2 * 3600_000 : 240_000)).toISOString(),
      });
    });
    // The online path: events in time order through the bus, as clients would send them.
    for (let i = 0; i < events.length; i += 10) await publishInteractions(bus, events.slice(i, i + 10));
    await vi.waitFor(async () => expect(await count(db, 'SELECT count(*) AS n FROM interactions')).toBe(60), {
      timeout: 15_000,
    });
    await vi.waitFor(async () =>
      expect(await count(db, 'SELECT coalesce(sum(event_count),0) AS n FROM product_popularity')).toBeGreaterThan(0),
    );
    await updater.stop();
    const online = await snapshot(db);
    expect(online.pairs.size).toBeGreaterThan(0);

    const report = await rebuildOnlineFeatures(db, { pageSize: 9 });
    expect(report.interactions).toBe(60);
    const rebuilt = await snapshot(db);

    expect([...rebuilt.pairs.keys()].sort()).toEqual([...online.pairs.keys()].sort());
    for (const [k, w] of online.pairs) expect(rebuilt.pairs.get(k)).toBeCloseTo(w, 9);
    expect([...rebuilt.popularity.keys()].sort()).toEqual([...online.popularity.keys()].sort());
    for (const [k, [score, n]] of online.popularity) {
      const [s2, n2] = rebuilt.popularity.get(k)!;
      expect(n2).toBe(n);
      expect(s2 / score).toBeCloseTo(1, 9);
    }
    // Co-visitation is symmetric and DISLIKE never counts.
    for (const [k, w] of rebuilt.pairs) expect(rebuilt.pairs.get(k.split('>').reverse().join('>'))).toBe(w);
    const positive = events.filter((e) => e.type !== 'DISLIKE').length;
    expect(await count(db, 'SELECT sum(event_count) AS n FROM product_popularity')).toBe(positive);
  });

  it('is idempotent', async () => {
    const a = await snapshot(db);
    await rebuildOnlineFeatures(db);
    const b = await snapshot(db);
    expect(b.pairs).toEqual(a.pairs);
    const rounded = (x: Snapshot) =>
      [...x.popularity.entries()]
        .map(([k, [s, n]]) => [k, s.toPrecision(9), n])
        .sort((p, q) => String(p[0]).localeCompare(String(q[0])));
    expect(rounded(b)).toEqual(rounded(a));
  });
});
