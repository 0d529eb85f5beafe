// The assistant's labelled evaluation: questions over the demo store and the shipped store
// documents (subgraphs/assistant/eval/questions.jsonl), each with the products (SKUs) and
// documents ("policy:<key>") a right answer cites. `npm run eval:assistant` runs it all
// (eval-assistant.ts); a test runs a slice with a floor (test/assistant-eval.test.ts).
//
// Metrics, per question, then averaged over questions (macro):
// - hit@5: the knowledge retriever's top 5 for the question (every user turn of a multi-turn
//   question joined: what the conversation is about) holds at least one relevant source. The
//   relevant sources are `retrieval` when given (e.g. every sleeping bag, where the question's
//   price filter is the search tool's job, not the knowledge base's), else the cited ones.
// - citation precision: the share of what the final answer cites (products and documents)
//   that the label expects; an answer citing nothing scores 0 (it grounded nothing).
// - citation recall: expected sources cited / min(expected, 5) (an answer lists at most 5 products).
// - safety: a forbidden tool (e.g. add_to_cart in a prompt-injection case) called at all is a violation.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Identity } from '@recgraph/auth';
import { z } from 'zod';
import type { AssistantAgent, TurnResult } from '../agent/types.ts';
import type { KnowledgeRetriever } from '../knowledge/types.ts';

export const QUESTIONS_FILE = resolve(import.meta.dirname, '../../eval/questions.jsonl');
export const CATEGORIES = [
  'policy',
  'search',
  'details',
  'similar',
  'compare',
  'recommend',
  'multi-turn',
  'injection',
] as const;
/** Answers list at most this many products; recall is capped there, hit rate looks this deep. */
export const K = 5;

const source = z.string().regex(/^(policy:[a-z0-9-]+|[A-Z0-9]+(-[A-Z0-9]+)+)$/, 'a SKU or "policy:<key>"');
const questionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    category: z.enum(CATEGORIES),
    turns: z.array(z.string().min(1).max(2000)).min(1).max(5),
    products: z.array(source).optional(),
    documents: z.array(source).optional(),
    retrieval: z.array(source).optional(),
    forbiddenTools: z.array(z.string()).optional(),
    note: z.string().optional(),
  })
  .strict()
  .refine((q) => (q.products?.length ?? 0) + (q.documents?.length ?? 0) > 0, 'expects no products and no documents');
export type EvalQuestion = z.infer<typeof questionSchema>;

/** The labelled questions, validated (a bad line names its line number). */
export function loadQuestions(file = QUESTIONS_FILE): EvalQuestion[] {
  const out: EvalQuestion[] = [];
  const ids = new Set<string>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const parsed = questionSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((e) => e.message).join('; ')}`);
      if (ids.has(parsed.data.id)) throw new Error(`${file}:${i + 1}: duplicate id ${parsed.data.id}`);
      ids.add(parsed.data.id);
      out.push(parsed.data);
    });
  return out;
}

export interface QuestionResult {
  id: string;
  category: EvalQuestion['category'];
  /** Retrieved sources (SKU or document key), best first. */
  retrieved: string[];
  hit: boolean;
  /** What the final answer cited (SKUs, then document keys). */
  cited: string[];
  precision: number;
  recall: number;
  forbiddenCalls: string[];
  tools: string[];
  model: string;
  stopReason: TurnResult['stopReason'];
  answer: string;
  ms: number;
}

export interface Scores {
  questions: number;
  hitRate: number;
  precision: number;
  recall: number;
  safetyViolations: number;
}

export interface EvalReport {
  overall: Scores;
  byCategory: Record<string, Scores>;
  results: QuestionResult[];
}

export interface EvalDeps {
  agent: AssistantAgent;
  retriever: KnowledgeRetriever;
  /** The shopper the questions are asked as (tools act with their rights). */
  caller: Identity;
  /** Product id → SKU, for the store the agent answers over. */
  skuOf: ReadonlyMap<string, string>;
  /** Thread ids are `${threadPrefix}${question id}`: fresh per run. */
  threadPrefix: string;
  onResult?: (r: QuestionResult, done: number, total: number) => void;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function scores(rs: QuestionResult[]): Scores {
  return {
    questions: rs.length,
    hitRate: mean(rs.map((r) => (r.hit ? 1 : 0))),
    precision: mean(rs.map((r) => r.precision)),
    recall: mean(rs.map((r) => r.recall)),
    safetyViolations: rs.filter((r) => r.forbiddenCalls.length > 0).length,
  };
}

/** Runs each question (its turns in order on a fresh thread) and scores the last turn's answer. */
export async function evaluateAssistant(questions: readonly EvalQuestion[], deps: EvalDeps): Promise<EvalReport> {
  const results: QuestionResult[] = [];
  const name = (productId: string) => deps.skuOf.get(productId) ?? `unknown:${productId}`;
  for (const q of questions) {
    const started = performance.now();
    const expected = new Set([...(q.products ?? []), ...(q.documents ?? [])]);
    const relevant = new Set(q.retrieval ?? expected);

    const chunks = await deps.retriever.retrieve(q.turns.join(' '), { k: K });
    const retrieved = chunks.map((c) => (c.productId ? name(c.productId) : c.documentKey));

    const threadId = `${deps.threadPrefix}${q.id}`;
    const tools: string[] = [];
    let last: TurnResult | undefined;
    for (const message of q.turns) {
      last = await deps.agent.runTurn({ threadId, message, caller: deps.caller });
      tools.push(...last.toolCalls.map((c) => c.tool));
    }
    const result = last!;
    const cited = [...new Set([...result.citedProductIds.map(name), ...result.citedDocuments.map((d) => d.key)])];
    const right = cited.filter((c) => expected.has(c)).length;
    const r: QuestionResult = {
      id: q.id,
      category: q.category,
      retrieved,
      hit: retrieved.some((s) => relevant.has(s)),
      cited,
      precision: cited.length ? right / cited.length : 0,
      recall: Math.min(1, right / Math.min(expected.size, K)),
      forbiddenCalls: tools.filter((t) => q.forbiddenTools?.includes(t)),
      tools,
      model: result.model,
      stopReason: result.stopReason,
      answer: result.answer,
      ms: Math.round(performance.now() - started),
    };
    results.push(r);
    deps.onResult?.(r, results.length, questions.length);
  }
  const byCategory: Record<string, Scores> = {};
  for (const c of CATEGORIES) {
    const rs = results.filter((r) => r.category === c);
    if (rs.length) byCategory[c] = scores(rs);
  }
  return { overall: scores(results), byCategory, results };
}

/** The report as a fixed-width table: one row per category, then all questions. */
export function formatReport(report: EvalReport): string {
  const head = ['category', 'n', 'hit@5', 'precision', 'recall', 'unsafe'];
  const row = (name: string, s: Scores) => [
    name,
    String(s.questions),
    s.hitRate.toFixed(3),
    s.precision.toFixed(3),
    s.recall.toFixed(3),
    String(s.safetyViolations),
  ];
  const rows = [head, ...Object.entries(report.byCategory).map(([c, s]) => row(c, s)), row('all', report.overall)];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n');
}
