// The chat model from configuration: any OpenAI-compatible endpoint through
// LangChain's ChatOpenAI (OpenAI, vLLM, Ollama, a llama.cpp server, ...). No model
// configured → undefined, and the agent runs its built-in responder.
import { ChatOpenAI } from '@langchain/openai';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { TurnLimits } from './graph.ts';

/** The settings it reads (packages/config, assistant role). */
export interface AssistantModelConfig {
  ASSISTANT_MODEL_URL?: string | undefined;
  ASSISTANT_MODEL?: string | undefined;
  ASSISTANT_API_KEY?: string | undefined;
  ASSISTANT_MAX_STEPS: number;
  ASSISTANT_MAX_TOKENS: number;
  ASSISTANT_TURN_TIMEOUT_MS: number;
}

export interface ConfiguredChatModel {
  chat: BaseChatModel;
  /** What TurnResult.model reports. */
  name: string;
}

/** Per-turn bounds from configuration. */
export const limitsFromConfig = (cfg: AssistantModelConfig): TurnLimits => ({
  maxSteps: cfg.ASSISTANT_MAX_STEPS,
  maxAnswerTokens: cfg.ASSISTANT_MAX_TOKENS,
  timeoutMs: cfg.ASSISTANT_TURN_TIMEOUT_MS,
});

/**
 * The configured chat model, or undefined for the built-in responder. An endpoint
 * without a model name is a configuration mistake, reported at start-up.
 */
export function chatModelFromConfig(cfg: AssistantModelConfig): ConfiguredChatModel | undefined {
  if (!cfg.ASSISTANT_MODEL) {
    if (cfg.ASSISTANT_MODEL_URL)
      throw new Error('ASSISTANT_MODEL_URL is set but ASSISTANT_MODEL is not: name the model the endpoint serves');
    return undefined;
  }
  const chat = new ChatOpenAI({
    model: cfg.ASSISTANT_MODEL,
    // Local servers (llama.cpp, vLLM, Ollama) accept any key; the client insists on one.
    apiKey: cfg.ASSISTANT_API_KEY ?? 'not-needed',
    temperature: 0,
    maxTokens: cfg.ASSISTANT_MAX_TOKENS,
    streaming: true,
    maxRetries: 1,
    ...(cfg.ASSISTANT_MODEL_URL ? { configuration: { baseURL: cfg.ASSISTANT_MODEL_URL } } : {}),
  });
  return { chat, name: cfg.ASSISTANT_MODEL };
}
