import { requireReadAccess, requireRole, requireUser, AuthError, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { EventBus } from '@recgraph/events';
import { isUuid, money, notFound, requirePageSize, requireUuid, badUserInput } from '@recgraph/subgraph-kit';
import type { Logger } from '@recgraph/telemetry';
import { listModelVersions } from '@recgraph/training';
import {
  DEFAULT_RECOMMEND_REQUEST,
  type ProductFacts,
  type RankingEngine,
  type Recommendation,
  type Recommender,
  type Strategy,
} from '@recgraph/ranking';
import { POPULARITY_WINDOWS as WINDOWS, type PopularityWindow } from '@recgraph/interactions';
import type { OutboxNotifier } from '@recgraph/interactions';
import {
  createExperiment,
  experimentResults,
  experimentView,
  startExperiment,
  stopExperiment,
  type CreateExperimentInput,
} from './experimentAdmin.ts';
import { recordFeedback, type FeedbackKind } from './feedback.ts';
import { MAX_RELATED, type RecommendLoaders } from './loaders.ts';
import { modelVersionView, promoteAndServe, requireModelReader, rollbackAndServe } from './modelAdmin.ts';
import { requireEnum, requireUnitInterval, requireUuidList } from './validation.ts';

export interface RecommendContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  loaders: RecommendLoaders;
  engine: Recommender;
  /** The engine with experiments and impressions (engine is its recommender). */
  ranking: RankingEngine;
  bus: EventBus | undefined;
  /** Wakes this process's outbox relay after feedback is written. */
  outbox: OutboxNotifier;
  logger: Logger;
}

/**
 * Products are returned as references: the card fields below come from the
 * product facts, every other field the gateway fetches from the catalog.
 */
const ref = (id: string) => ({ id });

const view = (r: Recommendation) => ({
  product: ref(r.productId),
  score: r.score,
  source: r.source,
  reason: r.reason,
  modelVersionId: r.modelVersionId,
});

/** The caller's users.id when it can be one (tokens for other systems may carry any subject). */
const callerUserId = (identity: Identity): string | null =>
  identity.role !== 'anonymous' && identity.sub && isUuid(identity.sub) ? identity.sub.toLowerCase() : null;

const STRATEGIES = ['PERSONALIZED', 'MIXED', 'POPULAR'] as const;
const MODEL_STATUSES = ['CANDIDATE', 'ACTIVE', 'RETIRED', 'FAILED'] as const;
const EXPERIMENT_STATUSES = ['DRAFT', 'RUNNING', 'STOPPED'] as const;

interface RecommendationsArgs {
  userId?: string | null;
  first?: number | null;
  strategy?: string | null;
  alpha?: number | null;
  categoryId?: string | null;
  excludeSeen?: boolean | null;
  diversity?: number | null;
}

export const resolvers = {
  Query: {
    recommendations: async (_: unknown, args: RecommendationsArgs, ctx: RecommendContext) => {
      const d = DEFAULT_RECOMMEND_REQUEST;
      const first = requirePageSize(args.first, d.first);
      const strategy = requireEnum<Strategy>(args.strategy, STRATEGIES, d.strategy, 'strategy');
      const alpha = requireUnitInterval(args.alpha, d.alpha, 'alpha');
      const diversity = requireUnitInterval(args.diversity, d.diversity, 'diversity');
      const categoryId = args.categoryId != null ? requireUuid(args.categoryId, 'categoryId') : null;
      let userId: string | null;
      if (args.userId != null) {
        userId = requireUuid(args.userId, 'userId');
        requireReadAccess(ctx.identity, userId);
      } else if (ctx.identity.role === 'partner') {
        // A partner's subject is the partner, not a shopper: it must say whose list it wants.
        throw badUserInput('partners must pass userId', 'userId');
      } else userId = callerUserId(ctx.identity);
      const served = await ctx.ranking.serve(
        { userId, first, strategy, alpha, categoryId, excludeSeen: args.excludeSeen ?? d.excludeSeen, diversity },
        { record: true },
      );
      return served.items.map((r) => ({ ...view(r), listId: served.listId, experimentVariant: served.variant }));
    },

    similarProducts: async (_: unknown, args: { productId: string; first?: number | null }, ctx: RecommendContext) => {
      const productId = requireUuid(args.productId, 'productId');
      const first = requirePageSize(args.first, 10);
      return (await ctx.engine.similar(productId, first, callerUserId(ctx.identity))).map(view);
    },

    popularProducts: async (
      _: unknown,
      args: { first?: number | null; categoryId?: string | null; window?: string | null },
      ctx: RecommendContext,
    ) => {
      const first = requirePageSize(args.first, 10);
      const window = requireEnum<PopularityWindow>(args.window, WINDOWS, 'WEEK', 'window');
      const categoryId = args.categoryId != null ? requireUuid(args.categoryId, 'categoryId') : null;
      return (await ctx.engine.popular(window, first, categoryId)).map(ref);
    },

    recommendationsForPreferences: async (
      _: unknown,
      args: { categoryIds?: string[] | null; likedProductIds?: string[] | null; first?: number | null },
      ctx: RecommendContext,
    ) => {
      const first = requirePageSize(args.first, 10);
      const categoryIds = requireUuidList(args.categoryIds, 'categoryIds');
      const likedProductIds = requireUuidList(args.likedProductIds, 'likedProductIds');
      // NOT_FOUND for the first unknown one (each check refreshes the cached tree at most once).
      for (const c of categoryIds) await ctx.engine.categoryTree(c);
      if (likedProductIds.length) {
        const found = await ctx.prisma.product.findMany({
          where: { id: { in: likedProductIds } },
          select: { id: true },
        });
        const known = new Set(found.map((p) => p.id));
        const missing = likedProductIds.find((id) => !known.has(id));
        if (missing) throw notFound(`No product with id ${missing}`);
      }
      const recs = await ctx.engine.forPreferences({
        categoryIds,
        likedProductIds,
        first,
        userId: callerUserId(ctx.identity),
      });
      return recs.map(view);
    },

    experiments: async (_: unknown, args: { status?: string | null; first?: number | null }, ctx: RecommendContext) => {
      requireModelReader(ctx.identity);
      const first = requirePageSize(args.first, 20);
      const status =
        args.status != null ? requireEnum(args.status, EXPERIMENT_STATUSES, 'RUNNING', 'status') : undefined;
      const rows = await ctx.prisma.experiment.findMany({
        where: status ? { status } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: first,
      });
      return rows.map(experimentView);
    },

    experiment: async (_: unknown, args: { id: string }, ctx: RecommendContext) => {
      requireModelReader(ctx.identity);
      const row = await ctx.prisma.experiment.findUnique({ where: { id: requireUuid(args.id, 'id') } });
      return row ? experimentView(row) : null;
    },

    experimentResults: async (_: unknown, args: { id: string }, ctx: RecommendContext) => {
      requireModelReader(ctx.identity);
      return experimentResults(ctx.prisma, args.id);
    },

    modelVersions: async (
      _: unknown,
      args: { status?: string | null; first?: number | null },
      ctx: RecommendContext,
    ) => {
      requireModelReader(ctx.identity);
      const first = requirePageSize(args.first, 20);
      const status = args.status != null ? requireEnum(args.status, MODEL_STATUSES, 'ACTIVE', 'status') : undefined;
      const rows = await listModelVersions({ prisma: ctx.prisma }, { limit: first, ...(status ? { status } : {}) });
      return rows.map(modelVersionView);
    },

    activeModel: (_: unknown, __: unknown, ctx: RecommendContext) => {
      requireModelReader(ctx.identity);
      const m = ctx.engine.models.current;
      if (!m) return null;
      return {
        version: modelVersionView(m.version),
        loadedAt: m.loadedAt.toISOString(),
        users: m.users.size,
        items: m.items.size,
        factors: m.factors,
      };
    },
  },

  Mutation: {
    feedback: async (_: unknown, args: { productId: string; kind: string }, ctx: RecommendContext) => {
      const me = requireUser(ctx.identity);
      if (ctx.identity.role === 'partner')
        throw new AuthError('FORBIDDEN', 'Partners cannot record feedback for users.');
      const productId = requireUuid(args.productId, 'productId');
      const kind = requireEnum<FeedbackKind>(args.kind, ['LIKE', 'DISLIKE'], 'LIKE', 'kind');
      if (!isUuid(me)) throw notFound('Your account has no user record to attach feedback to');
      const recorded = await recordFeedback(ctx.prisma, ctx.outbox, me.toLowerCase(), productId, kind);
      // This replica's next answer reflects it at once; others drop the user when the event reaches them.
      if (recorded) ctx.engine.forgetUsers([me.toLowerCase()]);
      return { product: ref(productId), kind, recorded };
    },

    createExperiment: async (_: unknown, args: { input: CreateExperimentInput }, ctx: RecommendContext) => {
      requireRole(ctx.identity, 'admin');
      return experimentView(await createExperiment(ctx.prisma, args.input));
    },

    startExperiment: async (_: unknown, args: { id: string }, ctx: RecommendContext) => {
      requireRole(ctx.identity, 'admin');
      return experimentView(await startExperiment(ctx.prisma, ctx.ranking.experiments, args.id));
    },

    stopExperiment: async (_: unknown, args: { id: string }, ctx: RecommendContext) => {
      requireRole(ctx.identity, 'admin');
      return experimentView(await stopExperiment(ctx.prisma, ctx.ranking.experiments, args.id));
    },

    promoteModel: async (_: unknown, args: { id: string }, ctx: RecommendContext) => {
      requireRole(ctx.identity, 'admin');
      const id = requireUuid(args.id, 'id');
      return modelVersionView(await promoteAndServe(adminDeps(ctx), id));
    },

    rollbackModel: async (_: unknown, __: unknown, ctx: RecommendContext) => {
      requireRole(ctx.identity, 'admin');
      return modelVersionView(await rollbackAndServe(adminDeps(ctx)));
    },
  },

  Product: {
    // Like the catalog: an id that names no product resolves to null.
    __resolveReference: async (reference: { id: string }, ctx: RecommendContext) =>
      isUuid(reference.id) && (await ctx.loaders.facts.load(reference.id.toLowerCase())) ? reference : null,
    title: async (p: { id: string }, _: unknown, ctx: RecommendContext) => (await productFacts(p, ctx)).title,
    brand: async (p: { id: string }, _: unknown, ctx: RecommendContext) => (await productFacts(p, ctx)).brand,
    price: async (p: { id: string }, _: unknown, ctx: RecommendContext) => {
      const f = await productFacts(p, ctx);
      return money(f.priceCents, f.currency);
    },
    imageUrl: async (p: { id: string }, _: unknown, ctx: RecommendContext) => (await productFacts(p, ctx)).imageUrl,
    recommendedWith: async (product: { id: string }, args: { first?: number | null }, ctx: RecommendContext) => {
      const first = args.first ?? 10;
      if (!Number.isInteger(first) || first <= 0 || first > MAX_RELATED) {
        throw badUserInput(`first must be between 1 and ${MAX_RELATED} (got ${first})`, 'first');
      }
      if (!isUuid(product.id)) return [];
      return (await ctx.loaders.relatedIds.load(product.id.toLowerCase())).slice(0, first).map(ref);
    },
  },
};

/** Every product this subgraph returns was read from the facts a moment ago, so a miss is a real fault. */
async function productFacts(p: { id: string }, ctx: RecommendContext): Promise<ProductFacts> {
  const f = await ctx.loaders.facts.load(p.id.toLowerCase());
  if (!f) throw notFound(`Product ${p.id} does not exist`);
  return f;
}

const adminDeps = (ctx: RecommendContext) => ({
  db: { prisma: ctx.prisma },
  models: ctx.engine.models,
  bus: ctx.bus,
  logger: ctx.logger,
});
