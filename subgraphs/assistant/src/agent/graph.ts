// The assistant's LangGraph StateGraph:
//
//   START → understand → retrieve → respond ⇄ tools → compose → END
//
// `respond` is the configured chat model (tools bound, data delimited) or the
// built-in responder; both emit tool calls the `tools` node checks against the
// caller's allowlist and the tools' zod schemas before running them. `compose`
// writes the answer with its citations into the thread's memory.
import { randomUUID } from 'node:crypto';
import type { AIMessageChunk } from '@langchain/core/messages';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { Annotation, END, messagesStateReducer, START, StateGraph } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { Role } from '@recgraph/auth';
import { inSpan, tracerFor, type Logger } from '@recgraph/telemetry';
import type { KnowledgeRetriever, RetrievedChunk } from '../knowledge/types.ts';
import { builtinStep, type ComposedAnswer, type ThreadMemory, type TurnToolResult } from './builtin.ts';
import { requestText, understand, type Intent, type SearchIntent } from './intent.ts';
import { knowledgeSection, SYSTEM_PROMPT, toolDataSection } from './prompt.ts';
import type { ProductCard } from './services.ts';
import { asksToAddToCart, TOOL_SCHEMAS, type ToolArtifact, type ToolName } from './tools.ts';
import type { CitedDocument, StopReason, ToolCallRecord, TurnEvent } from './types.ts';

const tracer = tracerFor('assistant');

/** Per-turn bounds. */
export interface TurnLimits {
  /** Times the responder may run in one turn (each model call counts one). */
  maxSteps: number;
  /** Longest answer, in tokens (the model's maxTokens; words for the built-in responder). */
  maxAnswerTokens: number;
  /** Wall-clock limit for a turn. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: TurnLimits = { maxSteps: 6, maxAnswerTokens: 400, timeoutMs: 30_000 };

/** What a running turn carries that is not state: never checkpointed. */
export interface TurnContext {
  role: Role;
  tools: Map<ToolName, StructuredToolInterface>;
  signal: AbortSignal;
  /** Set when the turn's own time limit (not the caller) stopped it. */
  timedOut: () => boolean;
  emit: (event: TurnEvent) => void;
  records: ToolCallRecord[];
  /** Text the current responder step has streamed as TOKEN events (compose streams the rest of the answer). */
  streamed: string;
}

/** An assistant message's citations, kept on the message in the thread's memory. */
export interface MessageCitations {
  citedProductIds: string[];
  citedDocuments: CitedDocument[];
  followUps: string[];
}

export const AgentState = Annotation.Root({
  messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  // Thread memory for follow-ups (kept across turns).
  shown: Annotation<ProductCard[]>({ reducer: (_, v) => v, default: () => [] }),
  focus: Annotation<string | null>({ reducer: (_, v) => v, default: () => null }),
  known: Annotation<ProductCard[]>({ reducer: (_, v) => v, default: () => [] }),
  lastSearch: Annotation<SearchIntent | null>({ reducer: (_, v) => v, default: () => null }),
  // This turn (reset by each turn's input).
  question: Annotation<string>({ reducer: (_, v) => v, default: () => '' }),
  intent: Annotation<Intent | null>({ reducer: (_, v) => v, default: () => null }),
  retrieved: Annotation<RetrievedChunk[]>({ reducer: (_, v) => v, default: () => [] }),
  // 'reset' starts a turn's list; tool rounds append to it.
  results: Annotation<TurnToolResult[], TurnToolResult[] | 'reset'>({
    reducer: (a, b) => (b === 'reset' ? [] : [...a, ...b]),
    default: () => [],
  }),
  steps: Annotation<number>({ reducer: (_, v) => v, default: () => 0 }),
  next: Annotation<'tools' | 'compose'>({ reducer: (_, v) => v, default: () => 'compose' }),
  draft: Annotation<ComposedAnswer | null>({ reducer: (_, v) => v, default: () => null }),
  stopReason: Annotation<StopReason>({ reducer: (_, v) => v, default: () => 'COMPLETE' }),
  turnId: Annotation<string>({ reducer: (_, v) => v, default: () => '' }),
});
export type State = typeof AgentState.State;
type Update = typeof AgentState.Update;

export interface GraphDeps {
  checkpointer: BaseCheckpointSaver;
  retriever?: KnowledgeRetriever;
  /** A chat model; absent: the built-in responder. */
  model?: BaseChatModel;
  limits: TurnLimits;
  logger: Logger;
  /** Where runTurn registers each turn's context under its turnId. */
  turns: Map<string, TurnContext>;
}

const KNOWN_LIMIT = 50;
/** Messages of earlier turns a model sees (the checkpoint keeps them all). */
const MODEL_HISTORY = 24;

const textOf = (m: BaseMessage): string =>
  typeof m.content === 'string'
    ? m.content
    : m.content.map((p) => (typeof p === 'string' ? p : 'text' in p ? String(p.text) : '')).join('');

const PRODUCT_MARKER = /\[product:([0-9a-f-]{36})\]/gi;
const DOC_MARKER = /\[doc:([^\]\s]{1,200})\]/g;

/** Word-sized pieces of an answer, spaces kept, for TOKEN events. */
export const wordChunks = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [];

export function buildAgentGraph(deps: GraphDeps) {
  const { limits, logger } = deps;
  const ctxOf = (state: State): TurnContext => {
    const ctx = deps.turns.get(state.turnId);
    if (!ctx) throw new Error(`assistant turn ${state.turnId} has no context`);
    return ctx;
  };
  const node =
    <A extends unknown[]>(name: string, fn: (state: State, ...rest: A) => Promise<Update>) =>
    (state: State, ...rest: A) =>
      inSpan(tracer, `assistant node ${name}`, { 'recgraph.assistant.node': name }, () => fn(state, ...rest));

  const understandNode = node('understand', async (state) => ({ intent: understand(state.question) }));

  const retrieveNode = node('retrieve', async (state) => {
    if (!deps.retriever) return { retrieved: [] };
    const intent = state.intent;
    // Cart and follow-up turns act on products already in hand; a policy question reads policies.
    if (!deps.model && intent && !['policy', 'search', 'help'].includes(intent.kind)) return { retrieved: [] };
    // A policy question reads the store's documents only: a review that mentions "returns" is no policy.
    const retrieved = await deps.retriever.retrieve(requestText(state.question).slice(0, 2000), {
      k: 5,
      ...(intent?.kind === 'policy' ? { kinds: ['POLICY' as const] } : {}),
    });
    return { retrieved };
  });

  const memoryOf = (state: State): ThreadMemory => ({
    shown: state.shown,
    focus: state.focus,
    known: state.known,
    lastSearch: state.lastSearch,
  });

  async function builtinRespond(state: State, ctx: TurnContext): Promise<Update> {
    const step = builtinStep({
      intent: state.intent ?? understand(state.question),
      memory: memoryOf(state),
      results: state.results,
      retrieved: state.retrieved,
      allowed: new Set(ctx.tools.keys()),
      question: state.question,
    });
    if ('answer' in step) return { draft: step.answer, next: 'compose' };
    const message = new AIMessage({
      content: '',
      tool_calls: step.calls.map((c) => ({
        id: `call_${randomUUID()}`,
        name: c.name,
        args: c.args,
        type: 'tool_call',
      })),
    });
    return { messages: [message], next: 'tools' };
  }

  function modelMessages(state: State): BaseMessage[] {
    const history = state.messages.slice(-MODEL_HISTORY);
    // A model API refuses tool results whose call it cannot see: start at a shopper message.
    const start = history.findIndex((m) => m instanceof HumanMessage || m.getType() === 'human');
    return [
      new SystemMessage(`${SYSTEM_PROMPT}\n\nRetrieved store knowledge:\n${knowledgeSection(state.retrieved)}`),
      ...history.slice(Math.max(start, 0)),
    ];
  }

  async function modelRespond(state: State, ctx: TurnContext, model: BaseChatModel): Promise<Update> {
    const tools = [...ctx.tools.values()];
    if (!model.bindTools) throw new Error('the configured chat model cannot call tools');
    const bound = tools.length ? model.bindTools(tools) : model;
    let message: AIMessageChunk | undefined;
    let sawToolCall = false;
    // Only this step's text can be the answer; text before an earlier tool call stays streamed as it was.
    ctx.streamed = '';
    try {
      for await (const chunk of await bound.stream(modelMessages(state), { signal: ctx.signal })) {
        message = message ? message.concat(chunk) : chunk;
        if (chunk.tool_call_chunks?.length || chunk.tool_calls?.length) sawToolCall = true;
        const text = textOf(chunk);
        // Text streamed before any tool call is the answer in the making.
        if (text && !sawToolCall) {
          ctx.streamed += text;
          ctx.emit({ type: 'TOKEN', text });
        }
      }
    } catch (err) {
      if (ctx.signal.aborted) return { stopReason: 'TIME_LIMIT', next: 'compose', draft: partialDraft(state, ctx) };
      throw err;
    }
    if (!message) return { draft: partialDraft(state, ctx), next: 'compose' };
    const calls = message.tool_calls ?? [];
    const finish = String(message.response_metadata?.finish_reason ?? '');
    if (calls.length) {
      const ai = new AIMessage({ content: textOf(message), tool_calls: calls, id: message.id });
      return { messages: [ai], next: 'tools' };
    }
    const answer = textOf(message);
    return {
      draft: citeFromText(answer, state),
      next: 'compose',
      ...(finish === 'length' ? { stopReason: 'TOKEN_LIMIT' as const } : {}),
    };
  }

  /** What a model's answer cites: its markers, and titles it names, of products and documents it was shown. */
  function citeFromText(answer: string, state: State): ComposedAnswer {
    const seen = turnProducts(state);
    const byId = new Map(seen.map((p) => [p.id, p]));
    const ids: string[] = [];
    for (const m of answer.matchAll(PRODUCT_MARKER)) {
      const id = m[1]!.toLowerCase();
      if (byId.has(id) && !ids.includes(id)) ids.push(id);
    }
    for (const p of seen)
      if (!ids.includes(p.id) && p.title.length > 3 && answer.toLowerCase().includes(p.title.toLowerCase()))
        ids.push(p.id);
    const docs = new Map(state.retrieved.map((c) => [c.documentKey, c]));
    const documents: CitedDocument[] = [];
    for (const m of answer.matchAll(DOC_MARKER)) {
      const c = docs.get(m[1]!);
      if (c && !documents.some((d) => d.documentId === c.documentId))
        documents.push({ documentId: c.documentId, key: c.documentKey, title: c.title });
    }
    const listed = lastListing(state);
    return {
      answer,
      productIds: ids,
      documents,
      followUps: followUpsFor(state),
      memory: listed ? { shown: listed, focus: ids[0] ?? listed[0]?.id ?? null } : ids[0] ? { focus: ids[0] } : {},
    };
  }

  /** When a turn stops early: what its tools found so far, cited. */
  function partialDraft(state: State, ctx: TurnContext): ComposedAnswer {
    const products = turnProducts(state).slice(0, 5);
    const why = ctx.timedOut()
      ? 'I ran out of time for this question'
      : state.stopReason === 'STEP_LIMIT' || state.steps >= limits.maxSteps
        ? 'I reached my step limit for this question'
        : 'I could not finish this answer';
    const answer = products.length
      ? `${why}. Here is what I found so far:\n${products.map((p, i) => `${i + 1}. ${p.title}: ${p.price.amount} ${p.price.currency}`).join('\n')}`
      : `${why}. Please try again or ask something simpler.`;
    return {
      answer,
      productIds: products.map((p) => p.id),
      documents: [],
      followUps: [],
      memory: products.length ? { shown: products } : {},
    };
  }

  const respondNode = node('respond', async (state) => {
    const ctx = ctxOf(state);
    if (ctx.signal.aborted) return { stopReason: 'TIME_LIMIT', next: 'compose', draft: partialDraft(state, ctx) };
    if (state.steps >= limits.maxSteps)
      return {
        stopReason: 'STEP_LIMIT',
        next: 'compose',
        draft: partialDraft({ ...state, stopReason: 'STEP_LIMIT' }, ctx),
      };
    const update = deps.model ? await modelRespond(state, ctx, deps.model) : await builtinRespond(state, ctx);
    return { ...update, steps: state.steps + 1 };
  });

  const toolsNode = node('tools', async (state) => {
    const ctx = ctxOf(state);
    const last = state.messages[state.messages.length - 1];
    const calls = last instanceof AIMessage ? (last.tool_calls ?? []) : [];
    const messages: ToolMessage[] = [];
    const results: TurnToolResult[] = [];
    for (const call of calls) {
      const id = call.id ?? `call_${randomUUID()}`;
      const name = call.name as ToolName;
      const argsText = JSON.stringify(call.args ?? {});
      ctx.emit({ type: 'TOOL_START', tool: call.name, args: argsText });
      const started = performance.now();
      const refuse = (why: string) => {
        const record: ToolCallRecord = {
          tool: call.name,
          args: argsText,
          ok: false,
          summary: why,
          durationMs: Math.round(performance.now() - started),
        };
        logger.warn({ tool: call.name, args: argsText, why }, 'assistant tool call refused');
        ctx.records.push(record);
        ctx.emit({ type: 'TOOL_END', call: record });
        messages.push(new ToolMessage({ tool_call_id: id, name: call.name, content: `Error: ${why}` }));
        results.push({ tool: call.name, args: call.args ?? {}, ok: false, error: why });
      };
      const tool = ctx.tools.get(name);
      if (!tool) {
        refuse(`the tool "${call.name}" is not available to this shopper`);
        continue;
      }
      const parsed = TOOL_SCHEMAS[name].safeParse(call.args ?? {});
      if (!parsed.success) {
        refuse(`invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        continue;
      }
      if (name === 'add_to_cart' && !asksToAddToCart(state.question)) {
        refuse('the shopper did not ask to add anything to their cart in this message');
        continue;
      }
      try {
        const out = await inSpan(
          tracer,
          `assistant tool ${name}`,
          { 'recgraph.assistant.tool': name, 'recgraph.assistant.tool_args': argsText },
          () =>
            tool.invoke(
              { id, name, args: parsed.data, type: 'tool_call' },
              { signal: ctx.signal },
            ) as Promise<ToolMessage>,
        );
        const artifact = out.artifact as ToolArtifact | undefined;
        const content = textOf(out);
        const record: ToolCallRecord = {
          tool: name,
          args: argsText,
          ok: true,
          summary: summarize(name, artifact),
          durationMs: Math.round(performance.now() - started),
        };
        logger.info(
          { tool: name, args: argsText, summary: record.summary, ms: record.durationMs },
          'assistant tool call',
        );
        ctx.records.push(record);
        ctx.emit({ type: 'TOOL_END', call: record });
        messages.push(new ToolMessage({ tool_call_id: id, name, content: toolDataSection(name, content), artifact }));
        results.push({
          tool: name,
          args: parsed.data as Record<string, unknown>,
          ok: true,
          ...(artifact ? { artifact } : {}),
        });
      } catch (err) {
        const why = (err as Error).message.split('\n')[0]!.slice(0, 200);
        refuse(ctx.signal.aborted ? 'stopped: the turn ran out of time' : `failed: ${why}`);
      }
    }
    return { messages, results };
  });

  const composeNode = node('compose', async (state) => {
    const ctx = ctxOf(state);
    const draft = state.draft ?? partialDraft(state, ctx);
    let answer = draft.answer;
    let stopReason: StopReason = ctx.timedOut() ? 'TIME_LIMIT' : state.stopReason;
    if (!deps.model) {
      const pieces = wordChunks(answer);
      const words = pieces.filter((p) => p.trim()).length;
      if (words > limits.maxAnswerTokens) {
        let kept = 0;
        answer = `${pieces
          .filter((p) => (p.trim() ? ++kept <= limits.maxAnswerTokens : kept <= limits.maxAnswerTokens))
          .join('')
          .trimEnd()} …`;
        stopReason = 'TOKEN_LIMIT';
      }
    }
    // Stream what the responder has not streamed yet (all of a built-in or fallback answer).
    const rest = answer.startsWith(ctx.streamed) ? answer.slice(ctx.streamed.length) : answer;
    for (const piece of wordChunks(rest)) ctx.emit({ type: 'TOKEN', text: piece });
    ctx.streamed = answer;
    const citations: MessageCitations = {
      citedProductIds: draft.productIds,
      citedDocuments: draft.documents,
      followUps: draft.followUps,
    };
    const message = new AIMessage({ content: answer, additional_kwargs: { recgraph: citations } });
    const m = draft.memory;
    const newlySeen = turnProducts(state);
    const known = [...newlySeen, ...state.known.filter((k) => !newlySeen.some((p) => p.id === k.id))].slice(
      0,
      KNOWN_LIMIT,
    );
    return {
      messages: [message],
      stopReason,
      draft: { ...draft, answer },
      known,
      ...(m.shown ? { shown: m.shown } : {}),
      ...(m.focus !== undefined ? { focus: m.focus } : {}),
      ...(m.lastSearch !== undefined ? { lastSearch: m.lastSearch } : {}),
    };
  });

  return new StateGraph(AgentState)
    .addNode('understand', understandNode)
    .addNode('retrieve', retrieveNode)
    .addNode('respond', respondNode)
    .addNode('tools', toolsNode)
    .addNode('compose', composeNode)
    .addEdge(START, 'understand')
    .addEdge('understand', 'retrieve')
    .addEdge('retrieve', 'respond')
    .addConditionalEdges('respond', (s: State) => s.next, { tools: 'tools', compose: 'compose' })
    .addEdge('tools', 'respond')
    .addEdge('compose', END)
    .compile({ checkpointer: deps.checkpointer });
}

/** Every product a tool returned this turn, first seen first. */
function turnProducts(state: State): ProductCard[] {
  const out = new Map<string, ProductCard>();
  for (const r of state.results) for (const p of r.artifact?.products ?? []) if (!out.has(p.id)) out.set(p.id, p);
  return [...out.values()];
}

/** The products of this turn's last listing tool (what "the second one" will mean next turn). */
function lastListing(state: State): ProductCard[] | undefined {
  const listing = [...state.results]
    .reverse()
    .find(
      (r) => r.ok && ['search_products', 'recommend_products', 'similar_products', 'compare_products'].includes(r.tool),
    );
  return listing?.artifact?.products.length ? listing.artifact.products : undefined;
}

function followUpsFor(state: State): string[] {
  const tools = new Set(state.results.map((r) => r.tool));
  if (tools.has('view_cart') || tools.has('add_to_cart')) return ["What's in my cart?", 'Recommend something for me'];
  if (tools.size) return ['Compare the first two', 'Show me something cheaper', 'Tell me more about the first one'];
  return ['Recommend something for me', "What's your return policy?"];
}

function summarize(tool: ToolName, artifact: ToolArtifact | undefined): string {
  const products = artifact?.products ?? [];
  if (tool === 'view_cart' || tool === 'add_to_cart')
    return `cart: ${artifact?.cart?.itemCount ?? 0} item(s), subtotal ${artifact?.cart?.subtotal.amount ?? '0.00'}`;
  if (tool === 'product_details') return products[0] ? `product ${products[0].id}` : 'no such product';
  return `${products.length} product(s)${products.length ? `: ${products.map((p) => p.id).join(', ')}` : ''}`;
}
