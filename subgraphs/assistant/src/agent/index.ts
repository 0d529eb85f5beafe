// The shopping assistant's agent: createAssistantAgent(deps) implements the
// AssistantAgent contract (types.ts) with the LangGraph graph in graph.ts, thread
// memory in Postgres (checkpointer.ts) and tools over the store's services.
import { randomUUID } from 'node:crypto';
import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { PrismaClient } from '@recgraph/db';
import { createLogger, inSpan, tracerFor, type Logger } from '@recgraph/telemetry';
import type { KnowledgeRetriever } from '../knowledge/types.ts';
import { PrismaCheckpointSaver } from './checkpointer.ts';
import { buildAgentGraph, DEFAULT_LIMITS, type MessageCitations, type TurnContext, type TurnLimits } from './graph.ts';
import type { ServiceClient } from './services.ts';
import { createShopperTools } from './tools.ts';
import type { AssistantAgent, ThreadMessage, TurnEvent, TurnInput, TurnResult } from './types.ts';

export type * from './types.ts';
export { createServiceClient, type ServiceClient, type ServiceClientOptions, type ServiceUrls } from './services.ts';
export { PrismaCheckpointSaver } from './checkpointer.ts';
export { TOOL_ALLOWLIST, TOOL_NAMES, type ToolName } from './tools.ts';
export { DEFAULT_LIMITS, type TurnLimits } from './graph.ts';
export { chatModelFromConfig, limitsFromConfig, type AssistantModelConfig, type ConfiguredChatModel } from './model.ts';

const tracer = tracerFor('assistant');

export interface AssistantAgentDeps {
  /** Our database: thread memory is checkpointed there (both backends). */
  prisma: PrismaClient;
  /** The store's services the tools call, as the caller. */
  services: ServiceClient;
  /** Hybrid retrieval over the knowledge base; absent: the agent answers from tools only. */
  retriever?: KnowledgeRetriever;
  /** A chat model and the name TurnResult.model reports; absent: the built-in responder ("builtin"). */
  model?: { chat: BaseChatModel; name: string };
  limits?: Partial<TurnLimits>;
  logger?: Logger;
  /** Defaults to the Prisma saver over `prisma`. */
  checkpointer?: BaseCheckpointSaver;
}

const BUILTIN = 'builtin';

export function createAssistantAgent(deps: AssistantAgentDeps): AssistantAgent {
  const limits: TurnLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const logger = deps.logger ?? createLogger('assistant-agent');
  const turns = new Map<string, TurnContext>();
  const graph = buildAgentGraph({
    checkpointer: deps.checkpointer ?? new PrismaCheckpointSaver(deps.prisma),
    ...(deps.retriever ? { retriever: deps.retriever } : {}),
    ...(deps.model ? { model: deps.model.chat } : {}),
    limits,
    logger,
    turns,
  });
  const modelName = deps.model?.name ?? BUILTIN;

  return {
    async runTurn(input: TurnInput): Promise<TurnResult> {
      const turnId = randomUUID();
      const timeout = AbortSignal.timeout(limits.timeoutMs);
      const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
      const emit = (event: TurnEvent) => {
        try {
          input.onEvent?.(event);
        } catch (err) {
          logger.warn({ err }, 'assistant turn: an event listener threw; the turn goes on');
        }
      };
      const ctx: TurnContext = {
        role: input.caller.role,
        tools: createShopperTools(deps.services.forCaller(input.caller), input.caller.role, signal),
        signal,
        timedOut: () => signal.aborted,
        emit,
        records: [],
        streamed: '',
      };
      turns.set(turnId, ctx);
      try {
        return await inSpan(
          tracer,
          'assistant turn',
          { 'recgraph.assistant.thread': input.threadId, 'recgraph.assistant.model': modelName },
          async () => {
            const state = await graph.invoke(
              {
                messages: [new HumanMessage(input.message)],
                question: input.message,
                intent: null,
                retrieved: [],
                results: 'reset',
                steps: 0,
                next: 'compose',
                draft: null,
                stopReason: 'COMPLETE',
                turnId,
              },
              {
                configurable: { thread_id: input.threadId },
                // The thread is checkpointed when the turn ends: a turn is seconds long and never
                // resumed half-way, so per-step checkpoints would only multiply its writes.
                durability: 'exit',
                // A backstop: the respond node stops at maxSteps itself (STEP_LIMIT).
                recursionLimit: limits.maxSteps * 2 + 8,
              },
            );
            const draft = state.draft!;
            const result: TurnResult = {
              threadId: input.threadId,
              answer: draft.answer,
              model: modelName,
              citedProductIds: draft.productIds,
              citedDocuments: draft.documents,
              toolCalls: ctx.records,
              followUps: draft.followUps,
              stopReason: state.stopReason,
            };
            emit({ type: 'DONE', result });
            return result;
          },
        );
      } catch (err) {
        emit({ type: 'ERROR', code: 'INTERNAL_SERVER_ERROR', message: 'The assistant could not answer; try again.' });
        throw err;
      } finally {
        turns.delete(turnId);
      }
    },

    async history(threadId: string): Promise<ThreadMessage[]> {
      const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
      const messages = ((snapshot.values as { messages?: BaseMessage[] }).messages ?? []) as BaseMessage[];
      const out: ThreadMessage[] = [];
      for (const m of messages) {
        const type = m.getType();
        const content = typeof m.content === 'string' ? m.content : '';
        if (type === 'human') out.push({ role: 'USER', content, citedProductIds: [], citedDocuments: [] });
        const cites = (m.additional_kwargs as { recgraph?: MessageCitations } | undefined)?.recgraph;
        if (type === 'ai' && cites)
          out.push({
            role: 'ASSISTANT',
            content,
            citedProductIds: cites.citedProductIds,
            citedDocuments: cites.citedDocuments,
          });
      }
      return out;
    },
  };
}
