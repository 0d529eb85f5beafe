import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@recgraph/config';
import { openDatabase, type Database } from '@recgraph/db';
import { DEFAULT_CONFIDENCE, eventWeight, EventType } from '@recgraph/recsys';
import {
  claimedSource,
  confidenceTable,
  DEFAULT_INTERACTION_WEIGHTS,
  INTERACTION_TYPE_NAMES,
  interactionWeights,
  weightOf,
  weightSql,
} from '../src/index.ts';
import { createTestDatabase, realPostgresUrl } from '../../db/test/real-postgres.ts';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false });

describe('interaction weights', () => {
  it('reads per-deployment overrides from INTERACTION_WEIGHTS', () => {
    const w = interactionWeights(load({ INTERACTION_WEIGHTS: 'PURCHASE=10, VIEW=0.5,CLICK=off' }).INTERACTION_WEIGHTS);
    expect(w).toMatchObject({ PURCHASE: 10, VIEW: 0.5, CLICK: null, ADD_TO_CART: 4, LIKE: 6, RATE: 1, DISLIKE: null });
    expect(weightOf(w, 'CLICK', 1)).toBeNull();
    expect(weightOf(w, 'RATE', 4)).toBe(4);
  });

  it.each([
    ['PURCHASE=ten', /INTERACTION_WEIGHTS: "PURCHASE=ten": a weight is a positive number/],
    ['BUY=3', /INTERACTION_WEIGHTS: "BUY=3": expected TYPE=weight with TYPE one of VIEW/],
    ['VIEW=-1', /INTERACTION_WEIGHTS: "VIEW=-1": a weight is a positive number/],
    ['VIEW', /INTERACTION_WEIGHTS: "VIEW": expected TYPE=weight/],
  ])('rejects %s with a message naming the entry', (value, pattern) => {
    expect(() => load({ INTERACTION_WEIGHTS: value })).toThrowError(pattern);
  });

  it('is the table training uses by default (recsys DEFAULT_CONFIDENCE)', () => {
    for (const type of INTERACTION_TYPE_NAMES)
      for (const value of [1, 3, 5])
        expect(eventWeight(DEFAULT_CONFIDENCE, EventType[type], value)).toEqual(
          eventWeight(confidenceTable(DEFAULT_INTERACTION_WEIGHTS), EventType[type], value),
        );
    expect(eventWeight(DEFAULT_CONFIDENCE, EventType.RATE, 4)).toBe(4);
    expect(weightOf(DEFAULT_INTERACTION_WEIGHTS, 'DISLIKE', 1)).toBeNull();
  });

  it('client-claimed purchases weigh CLAIMED_PURCHASE, recorded ones PURCHASE (regression: recommendation poisoning)', () => {
    const w = interactionWeights(load({ INTERACTION_WEIGHTS: 'CLAIMED_PURCHASE=0.5' }).INTERACTION_WEIGHTS);
    expect(weightOf(w, 'PURCHASE', 1, 'checkout')).toBe(8);
    expect(weightOf(w, 'PURCHASE', 1, claimedSource('web'))).toBe(0.5);
    expect(weightOf(DEFAULT_INTERACTION_WEIGHTS, 'PURCHASE', 1, claimedSource('ios'))).toBe(1);
    // Only a purchase is ever a claim: other types weigh the same whatever their source.
    expect(weightOf(w, 'VIEW', 1, claimedSource('web'))).toBe(1);
  });
});

const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', open: () => openDatabase({}), available: true },
  {
    name: 'real Postgres',
    open: async () => openDatabase({ url: await createTestDatabase(pgUrl!) }),
    available: !!pgUrl,
  },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(`weightSql agrees with weightOf (${backend.name})`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await backend.open();
    });
    afterAll(() => db?.close());

    it.each([
      ['defaults', DEFAULT_INTERACTION_WEIGHTS],
      [
        'overridden',
        interactionWeights({ PURCHASE: 10, VIEW: 0.25, CLICK: null, RATE: 2, DISLIKE: 3, CLAIMED_PURCHASE: 0.5 }),
      ],
    ])('for every type and value (%s)', async (_, weights) => {
      const cases = INTERACTION_TYPE_NAMES.flatMap((type) =>
        [0, 1, 2.5, 5].flatMap((value) => ['web', claimedSource('web')].map((source) => ({ type, value, source }))),
      );
      const rows = await db.prisma.$queryRaw<{ type: string; value: number; source: string; w: number | null }[]>`
        SELECT x.type, x.value, x.source, ${weightSql(weights, 'x')} AS w
        FROM jsonb_to_recordset(${JSON.stringify(cases)}::jsonb) AS x(type "InteractionType", value float8, source text)`;
      expect(rows).toHaveLength(cases.length);
      for (const r of rows)
        expect(r.w === null ? null : Number(r.w)).toEqual(weightOf(weights, r.type as never, r.value, r.source));
    });
  });
}
