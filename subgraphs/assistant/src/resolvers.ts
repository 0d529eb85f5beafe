import { AuthError, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { KnowledgeDocument } from '@recgraph/db/generated/prisma/client';
import type { EventBus } from '@recgraph/events';
import { badUserInput, ErrorCode, notFound, requirePageSize, requireUuid } from '@recgraph/subgraph-kit';
import type { Logger } from '@recgraph/telemetry';
import { GraphQLError } from 'graphql';
import type { AssistantAgent, ThreadMessage, ToolCallRecord, TurnEvent, TurnResult } from './agent/types.ts';
import { validMessage, type AskLimiter, type AskLimits } from './limits.ts';
import { replyStream } from './replies.ts';
import { signedInOwner, type ThreadRow, type ThreadStore } from './threads.ts';

/** What every request of the assistant shares (built once per subgraph). */
export interface AssistantServices {
  /** Absent: `ask` answers INTERNAL_SERVER_ERROR and assistantInfo does not list it. */
  agent?: AssistantAgent;
  /** Whether answers draw on the knowledge base (assistantInfo). */
  retrieval: boolean;
  threads: ThreadStore;
  limits: AskLimits;
  askLimiter: AskLimiter;
  /** Where turns are streamed (assistant-replies); absent: nothing is streamed. */
  bus?: EventBus;
  logger: Logger;
  /** Threads with a turn running in this process: a second ask on one waits its turn. */
  running: Set<string>;
}

export interface AssistantContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  assistant: AssistantServices;
}

/** Policies are stored as knowledge documents keyed "policy:<key>". */
const POLICY_PREFIX = 'policy:';
const POLICY_KEY = /^[a-z0-9-]{1,100}$/;
const THREAD_PAGE = 20;

const toPolicy = (d: KnowledgeDocument) => ({
  key: d.key.slice(POLICY_PREFIX.length),
  title: d.title,
  body: d.body,
  updatedAt: d.updatedAt.toISOString(),
});

/** Product ids as federated references: the gateway fetches the fields a client selects from the catalog. */
const productRefs = (ids: readonly string[]) => ids.map((id) => ({ __typename: 'Product', id }));

const toToolCall = (c: ToolCallRecord) => ({ ...c, durationMs: Math.round(c.durationMs) });

const toAnswer = (r: TurnResult, threadToken: string | undefined) => ({
  threadId: r.threadId,
  threadToken: threadToken ?? null,
  answer: r.answer,
  citedProducts: productRefs(r.citedProductIds),
  citedDocuments: r.citedDocuments,
  toolCalls: r.toolCalls.map(toToolCall),
  followUps: r.followUps,
  model: r.model,
  stopReason: r.stopReason,
});

const toThread = (t: ThreadRow) => ({
  id: t.id,
  title: t.title,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  messageCount: t.messageCount,
});

const toMessage = (m: ThreadMessage) => ({
  role: m.role,
  content: m.content,
  citedProducts: productRefs(m.citedProductIds),
  citedDocuments: m.citedDocuments,
});

const unavailable = () =>
  new GraphQLError('The assistant is not available in this deployment.', {
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  });

/** The thread's id when the caller may read it; NOT_FOUND (missing and foreign alike) otherwise. */
async function readableThread(
  ctx: AssistantContext,
  threadId: string,
  threadToken: string | null | undefined,
): Promise<ThreadRow> {
  const id = requireUuid(threadId, 'threadId');
  const anonymous = !signedInOwner(ctx.identity);
  if (anonymous && !threadToken)
    throw badUserInput(
      'An anonymous conversation needs its threadToken (returned with its first answer)',
      'threadToken',
    );
  const row = await ctx.assistant.threads.readable(id, ctx.identity, threadToken ?? undefined);
  if (!row) throw notFound('No such conversation');
  return row;
}

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
      const { agent, retrieval, bus } = ctx.assistant;
      return {
        policyCount,
        productDocumentCount,
        embeddedChunkCount: chunks?.n ?? 0,
        capabilities: [
          'store-policies',
          ...(agent ? ['ask', 'threads'] : []),
          ...(agent && retrieval ? ['knowledge-retrieval'] : []),
          ...(agent && bus ? ['streamed-replies'] : []),
        ],
      };
    },
    thread: async (_: unknown, args: { threadId: string; threadToken?: string | null }, ctx: AssistantContext) => {
      const id = requireUuid(args.threadId, 'threadId');
      const row = await ctx.assistant.threads.readable(id, ctx.identity, args.threadToken ?? undefined);
      return row ? toThread(row) : null;
    },
    threads: async (_: unknown, args: { first?: number | null }, ctx: AssistantContext) => {
      const owner = signedInOwner(ctx.identity);
      if (!owner)
        throw new AuthError(
          'UNAUTHENTICATED',
          'Sign in to list your conversations; an anonymous one is read by its id and token.',
        );
      const rows = await ctx.assistant.threads.list(owner, requirePageSize(args.first, THREAD_PAGE));
      return rows.map(toThread);
    },
  },
  AssistantThread: {
    messages: async (thread: { id: string }, _: unknown, ctx: AssistantContext) =>
      ctx.assistant.agent ? (await ctx.assistant.agent.history(thread.id)).map(toMessage) : [],
  },
  Mutation: {
    ask: async (
      _: unknown,
      args: { message: string; threadId?: string | null; threadToken?: string | null },
      ctx: AssistantContext,
    ) => {
      const { assistant, identity } = ctx;
      const message = validMessage(args.message, assistant.limits);
      const existing = args.threadId != null ? await readableThread(ctx, args.threadId, args.threadToken) : undefined;
      await assistant.askLimiter(identity, existing?.id);
      const agent = assistant.agent;
      if (!agent) throw unavailable();
      if (existing && assistant.running.has(existing.id))
        throw new GraphQLError('The assistant is still answering in this conversation; ask again when it is done.', {
          extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 1 },
        });
      // The token goes back with every answer of an anonymous thread, so a client can simply keep the latest.
      let threadToken = existing?.anonymousOwnerHash ? (args.threadToken ?? undefined) : undefined;
      let thread = existing;
      if (!thread) {
        const started = await assistant.threads.start(identity, message);
        thread = started.thread;
        threadToken = started.token;
      }
      const threadId = thread.id;
      assistant.running.add(threadId);
      const stream = replyStream(assistant.bus, threadId, assistant.logger);
      // Subscribers always see the turn end: DONE or ERROR from the agent, else an ERROR from here.
      let ended = false;
      const onEvent = (event: TurnEvent) => {
        if (event.type === 'DONE' || event.type === 'ERROR') ended = true;
        stream.push(event);
      };
      try {
        const result = await agent.runTurn({ threadId, message, caller: identity, onEvent });
        await assistant.threads.recordTurn(thread, message);
        await stream.flushed();
        return toAnswer(result, threadToken);
      } catch (err) {
        assistant.logger.error({ err, threadId }, 'assistant turn failed');
        if (!ended)
          stream.push({
            type: 'ERROR',
            code: ErrorCode.INTERNAL_SERVER_ERROR,
            message: 'The assistant could not answer.',
          });
        await stream.flushed();
        throw err;
      } finally {
        assistant.running.delete(threadId);
      }
    },
    startThread: async (_: unknown, __: unknown, ctx: AssistantContext) => {
      await ctx.assistant.askLimiter(ctx.identity, undefined);
      if (!ctx.assistant.agent) throw unavailable();
      const { thread, token } = await ctx.assistant.threads.start(ctx.identity);
      return { threadId: thread.id, threadToken: token ?? null };
    },
  },
};
