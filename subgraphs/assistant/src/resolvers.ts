import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { KnowledgeDocument } from '@recgraph/db/generated/prisma/client';
import { badUserInput } from '@recgraph/subgraph-kit';

export interface AssistantContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
}

/** Policies are stored as knowledge documents keyed "policy:<key>". */
const POLICY_PREFIX = 'policy:';
const POLICY_KEY = /^[a-z0-9-]{1,100}$/;

const toPolicy = (d: KnowledgeDocument) => ({
  key: d.key.slice(POLICY_PREFIX.length),
  title: d.title,
  body: d.body,
  updatedAt: d.updatedAt.toISOString(),
});

export const resolvers = {
  Query: {
    storePolicies: async (_: unknown, __: unknown, ctx: AssistantContext) =>
      (await ctx.prisma.knowledgeDocument.findMany({ where: { kind: 'POLICY' }, orderBy: { title: 'asc' } })).map(
        toPolicy,
      ),
    storePolicy: async (_: unknown, { key }: { key: string }, ctx: AssistantContext) => {
      if (!POLICY_KEY.test(key)) throw badUserInput('key must be 1..100 characters of a-z, 0-9 and "-"', 'key');
      const doc = await ctx.prisma.knowledgeDocument.findFirst({ where: { kind: 'POLICY', key: POLICY_PREFIX + key } });
      return doc ? toPolicy(doc) : null;
    },
    assistantInfo: async (_: unknown, __: unknown, ctx: AssistantContext) => {
      // Sequential on purpose: the embedded database serves one connection.
      const policyCount = await ctx.prisma.knowledgeDocument.count({ where: { kind: 'POLICY' } });
      const productDocumentCount = await ctx.prisma.knowledgeDocument.count({ where: { productId: { not: null } } });
      const [chunks] = await ctx.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM knowledge_chunks WHERE embedding IS NOT NULL`;
      return {
        policyCount,
        productDocumentCount,
        embeddedChunkCount: chunks?.n ?? 0,
        capabilities: ['store-policies'],
      };
    },
  },
};
