// A chat model for tests that answers from a script: LangChain's own
// FakeStreamingChatModel, handed the next scripted reply (text or tool-call
// chunks) on each call, recording the messages each call was given.
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { ChatGenerationChunk } from '@langchain/core/outputs';
import { FakeStreamingChatModel } from '@langchain/core/utils/testing';

export type ScriptedReply = ConstructorParameters<typeof AIMessageChunk>[0] & object;

/** One tool call as a model would stream it. */
export const toolCall = (name: string, args: Record<string, unknown>): ScriptedReply => ({
  content: '',
  tool_calls: [{ id: `call_${name}_${Math.random().toString(36).slice(2, 8)}`, name, args, type: 'tool_call' }],
});

export class ScriptedChatModel extends FakeStreamingChatModel {
  /** The messages of each call, in order. */
  readonly calls: BaseMessage[][] = [];
  #next = 0;

  /** Each reply is one call's chunks; the last repeats. `delayMs` holds each call back (until aborted). */
  constructor(
    private readonly script: ScriptedReply[][],
    private readonly delayMs = 0,
  ) {
    super({ sleep: 0 });
  }

  // The tools are the agent's to check; the script says what the model "decides".
  override bindTools(): ReturnType<FakeStreamingChatModel['bindTools']> {
    return this as unknown as ReturnType<FakeStreamingChatModel['bindTools']>;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    this.calls.push(messages);
    const reply = this.script[Math.min(this.#next++, this.script.length - 1)] ?? [];
    if (this.delayMs)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.delayMs);
        options.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    this.chunks = reply.map((r) => new AIMessageChunk(r));
    yield* super._streamResponseChunks(messages, options, runManager);
  }
}
