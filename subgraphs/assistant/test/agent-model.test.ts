// Which chat model the assistant's configuration gives (no network: nothing is asked).
import { describe, expect, it } from 'vitest';
import { ChatOpenAI } from '@langchain/openai';
import { chatModelFromConfig, limitsFromConfig, TOOL_ALLOWLIST } from '../src/agent/index.ts';

const bounds = { ASSISTANT_MAX_STEPS: 4, ASSISTANT_MAX_TOKENS: 256, ASSISTANT_TURN_TIMEOUT_MS: 9_000 };

describe('chatModelFromConfig', () => {
  it('no model configured → the built-in responder', () => {
    expect(chatModelFromConfig(bounds)).toBeUndefined();
  });

  it('an OpenAI-compatible endpoint by configuration, named as configured', () => {
    const m = chatModelFromConfig({
      ...bounds,
      ASSISTANT_MODEL_URL: 'http://127.0.0.1:8080/v1',
      ASSISTANT_MODEL: 'gemma-3-270m',
    })!;
    expect(m.name).toBe('gemma-3-270m');
    expect(m.chat).toBeInstanceOf(ChatOpenAI);
    const chat = m.chat as ChatOpenAI;
    expect(chat.model).toBe('gemma-3-270m');
    expect(chat.maxTokens).toBe(256);
    expect(chat.clientConfig.baseURL).toBe('http://127.0.0.1:8080/v1');
    expect(limitsFromConfig(bounds)).toEqual({ maxSteps: 4, maxAnswerTokens: 256, timeoutMs: 9_000 });
  });

  it('an endpoint without a model name is a configuration error', () => {
    expect(() => chatModelFromConfig({ ...bounds, ASSISTANT_MODEL_URL: 'http://127.0.0.1:8080/v1' })).toThrow(
      /ASSISTANT_MODEL_URL is set but ASSISTANT_MODEL is not/,
    );
  });

  it('gives cart tools only to signed-in shoppers', () => {
    for (const role of ['anonymous', 'partner'] as const) {
      expect(TOOL_ALLOWLIST[role]).not.toContain('add_to_cart');
      expect(TOOL_ALLOWLIST[role]).not.toContain('view_cart');
    }
    expect(TOOL_ALLOWLIST.customer).toEqual(expect.arrayContaining(['add_to_cart', 'view_cart']));
  });
});
