import type { EngineLog as Logger } from './log.ts';
import type { PrismaClient } from '@recgraph/db';
import {
  deploymentPopularityCap,
  deploymentWeights,
  ONLINE_POPULARITY_WINDOW,
  POPULARITY_HALF_LIFE_S,
  weightSql,
  type PopularityWindow,
} from '@recgraph/interactions';

export type { PopularityWindow };

/** Active products by decayed popularity, strongest first, with their category. */
export interface PopularitySnapshot {
  window: PopularityWindow;
  ids: string[];
  /** Scores aligned with ids, scaled so the top product is 1. */
  scores: Float64Array;
  categoryIds: (string | null)[];
  scoreById: Map<string, number>;
  /** Where it came from: the streaming updater's table or the interaction log. */
  source: 'product_popularity' | 'interactions';
  computedAt: number;
}

// A cap on the snapshot so a huge catalog's long tail of one-view products does not sit in memory.
const MAX_PRODUCTS = 50_000;

interface Row {
  id: string;
  category_id: string | null;
  score: number;
}

function snapshot(window: PopularityWindow, rows: Row[], source: PopularitySnapshot['source']): PopularitySnapshot {
  const max = rows[0]?.score ?? 1;
  const scores = Float64Array.from(rows, (r) => (max > 0 ? r.score / max : 0));
  return {
    window,
    ids: rows.map((r) => r.id),
    scores,
    categoryIds: rows.map((r) => r.category_id),
    scoreById: new Map(rows.map((r, i) => [r.id, scores[i]!])),
    source,
    computedAt: Date.now(),
  };
}

/**
 * The streaming updater's table, when it has data: rank_key orders products by
 * decayed score at any moment, and 2^(rank_key - max rank_key) is each one's
 * decayed score relative to the top one. It holds the online window's decay
 * (packages/interactions), so it serves that window only.
 */
export async function popularityFromOnlineTable(prisma: PrismaClient): Promise<Row[] | null> {
  const exists = await prisma.$queryRaw<{ t: string | null }[]>`SELECT to_regclass('product_popularity')::text AS t`;
  if (!exists[0]?.t) return null;
  const rows = await prisma.$queryRaw<Row[]>`
    SELECT pp.product_id::text AS id, p.category_id::text AS category_id,
           power(2::float8, pp.rank_key - max(pp.rank_key) OVER ()) AS score
    FROM product_popularity pp JOIN products p ON p.id = pp.product_id AND p.status = 'ACTIVE'
    ORDER BY pp.rank_key DESC, pp.product_id
    LIMIT ${MAX_PRODUCTS}`;
  return rows.length ? rows : null;
}

/**
 * Decayed interaction weight per product from the log, the same sum the
 * updater keeps online: Σ weight · 2^(−age / halfLife). Age is taken from the
 * newest recorded interaction (never the future) — which does not change the
 * order, only keeps scores readable for an imported history that stops in the past.
 * With a per-user daily cap (POPULARITY_USER_DAILY_CAP), a user's events of a
 * UTC day are scaled down together to weigh at most the cap (the updater
 * grants first come, first served; both bound what one account moves).
 */
export async function popularityFromLog(
  prisma: PrismaClient,
  window: PopularityWindow,
  userDailyCap = deploymentPopularityCap(),
): Promise<Row[]> {
  const halfLifeS = POPULARITY_HALF_LIFE_S[window];
  const w = weightSql(deploymentWeights(), 'i');
  return prisma.$queryRaw<Row[]>`
    WITH ref AS (SELECT least(max(occurred_at), now()) AS t FROM interactions),
    ev AS (
      SELECT i.product_id, i.occurred_at, ${w} AS w,
             sum(${w}) OVER (PARTITION BY i.user_id, (i.occurred_at AT TIME ZONE 'UTC')::date) AS user_day
      FROM interactions i
      WHERE ${w} IS NOT NULL
    )
    SELECT p.id::text AS id, p.category_id::text AS category_id,
           sum(ev.w * (CASE WHEN ${userDailyCap}::float8 > 0 THEN least(1, ${userDailyCap}::float8 / ev.user_day) ELSE 1 END)
               * exp(-ln(2) * extract(epoch FROM (ref.t - ev.occurred_at)) / ${halfLifeS}))::float8 AS score
    FROM ref, ev JOIN products p ON p.id = ev.product_id AND p.status = 'ACTIVE'
    GROUP BY p.id
    ORDER BY score DESC, p.id
    LIMIT ${MAX_PRODUCTS}`;
}

/**
 * Popularity per window, computed once per TTL and shared by every request.
 * A stale snapshot keeps serving while its replacement is computed, so no
 * request waits on the aggregate except the very first per window.
 */
export class PopularityCache {
  private readonly snapshots = new Map<PopularityWindow, PopularitySnapshot>();
  private readonly pending = new Map<PopularityWindow, Promise<PopularitySnapshot>>();
  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly ttlMs: number,
  ) {}

  async get(window: PopularityWindow): Promise<PopularitySnapshot> {
    const have = this.snapshots.get(window);
    if (have) {
      if (Date.now() - have.computedAt > this.ttlMs) void this.refresh(window).catch(() => undefined);
      return have;
    }
    return this.refresh(window);
  }

  private refresh(window: PopularityWindow): Promise<PopularitySnapshot> {
    let p = this.pending.get(window);
    if (!p) {
      p = (async () => {
        try {
          const online = window === ONLINE_POPULARITY_WINDOW ? await popularityFromOnlineTable(this.prisma) : null;
          const s = online
            ? snapshot(window, online, 'product_popularity')
            : snapshot(window, await popularityFromLog(this.prisma, window), 'interactions');
          this.snapshots.set(window, s);
          return s;
        } catch (err) {
          this.logger.error({ err, window }, 'computing popularity failed');
          throw err;
        } finally {
          this.pending.delete(window);
        }
      })();
      this.pending.set(window, p);
    }
    return p;
  }
}
