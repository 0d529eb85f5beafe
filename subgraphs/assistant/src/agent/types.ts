// The agent's contract with the API layer: one turn in, events while it runs,
// a result out. The LangGraph implementation lives beside this file.
import type { Identity } from '@recgraph/auth';

/** Why a turn stopped. */
export type StopReason = 'COMPLETE' | 'STEP_LIMIT' | 'TOKEN_LIMIT' | 'TIME_LIMIT';

/** A tool call the agent made during a turn. */
export interface ToolCallRecord {
  tool: string;
  /** Arguments as JSON text. */
  args: string;
  ok: boolean;
  /** One line: what it returned or why it failed (no other user's data, ever). */
  summary: string;
  durationMs: number;
}

export interface CitedDocument {
  documentId: string;
  key: string;
  title: string;
}

export interface TurnResult {
  threadId: string;
  answer: string;
  /** Which model answered: "builtin" or the configured model's name. */
  model: string;
  /** Product ids the answer cites, in the order cited. */
  citedProductIds: string[];
  citedDocuments: CitedDocument[];
  toolCalls: ToolCallRecord[];
  /** Suggested follow-up questions. */
  followUps: string[];
  stopReason: StopReason;
}

/** What happens during a turn, in order; streamed to subscribers of the thread. */
export type TurnEvent =
  | { type: 'TOKEN'; text: string }
  | { type: 'TOOL_START'; tool: string; args: string }
  | { type: 'TOOL_END'; call: ToolCallRecord }
  | { type: 'DONE'; result: TurnResult }
  | { type: 'ERROR'; code: string; message: string };

export interface TurnInput {
  threadId: string;
  message: string;
  /** The caller as the gateway verified them: tools act with exactly these rights. */
  caller: Identity;
  signal?: AbortSignal;
  onEvent?: (event: TurnEvent) => void;
}

export interface ThreadMessage {
  role: 'USER' | 'ASSISTANT';
  content: string;
  citedProductIds: string[];
  citedDocuments: CitedDocument[];
}

export interface AssistantAgent {
  /** Runs one turn; the thread's memory (checkpointed in Postgres) carries the conversation. */
  runTurn(input: TurnInput): Promise<TurnResult>;
  /** The thread's messages, oldest first ([] for an unknown thread). */
  history(threadId: string): Promise<ThreadMessage[]>;
}
