import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import type { CardFieldsFragment } from '../generated/graphql';
import { AskMutation, AssistantRepliesSubscription, StartThreadMutation } from '../operations';
import { ProductCard } from './ProductCard';

interface Turn {
  role: 'user' | 'assistant';
  text: string;
  products?: CardFieldsFragment[];
  documents?: { key: string; title: string }[];
  followUps?: string[];
}

/**
 * The shopping assistant beside any page. Answers stream in over the assistantReplies
 * subscription, opened before asking as the API asks (startThread gives the first turn's
 * thread id); the ask's own answer then replaces the streamed text, with its citations.
 */
export function AssistantPanel({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [threadId, setThreadId] = useState<string | null>(null);
  const [partial, setPartial] = useState('');
  const [tool, setTool] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const end = useRef<HTMLDivElement>(null);
  // Block bodies: an effect may return only a cleanup, and scroll methods now return promises.
  useEffect(() => {
    input.current?.focus();
  }, []);
  useEffect(() => {
    void end.current?.scrollIntoView?.({ block: 'end' });
  }, [turns, partial]);

  const ask = async (message: string) => {
    if (!message.trim() || busy) return;
    setBusy(true);
    setError(null);
    setPartial('');
    setTool(null);
    setTurns((t) => [...t, { role: 'user', text: message }]);
    setText('');
    let stream: { unsubscribe(): void } | null = null;
    try {
      let thread = threadId;
      if (!thread) {
        const started = await client.mutation(StartThreadMutation, {}).toPromise();
        if (started.error || !started.data) throw new Error(started.error?.message ?? 'no thread');
        thread = started.data.startThread.threadId;
        setThreadId(thread);
      }
      stream = client.subscription(AssistantRepliesSubscription, { threadId: thread }).subscribe((r) => {
        const e = r.data?.assistantReplies;
        if (e?.type === 'TOKEN' && e.text) setPartial((p) => p + e.text);
        if (e?.type === 'TOOL_START') setTool(e.tool ?? null);
        if (e?.type === 'TOOL_END') setTool(null);
      });
      const r = await client.mutation(AskMutation, { message, threadId: thread }).toPromise();
      if (r.error || !r.data) throw new Error(r.error?.message ?? 'no answer');
      const a = r.data.ask;
      setThreadId(a.threadId);
      setTurns((t) => [
        ...t,
        {
          role: 'assistant',
          text: a.answer,
          products: a.citedProducts,
          documents: a.citedDocuments,
          followUps: a.followUps,
        },
      ]);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      stream?.unsubscribe();
      setPartial('');
      setTool(null);
      setBusy(false);
    }
  };

  return (
    <aside id="assistant" className="panel" aria-labelledby="assistant-title">
      <header>
        <h2 id="assistant-title">Shopping assistant</h2>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close the assistant">
          ✕
        </button>
      </header>
      <div className="messages" aria-live="polite">
        {turns.length === 0 ? <p className="muted">Ask about products, sizes, returns or shipping.</p> : null}
        {turns.map((t, i) => (
          <div key={i} className={`msg ${t.role}`} data-role={t.role}>
            <p>
              <span className="visually-hidden">{t.role === 'user' ? 'You: ' : 'Assistant: '}</span>
              {t.text}
            </p>
            {t.products?.length ? (
              <ul className="cards" data-row="assistant-cited" aria-label="Cited products">
                {t.products.map((p) => (
                  <li key={p.id}>
                    <ProductCard product={p} />
                  </li>
                ))}
              </ul>
            ) : null}
            {t.documents?.length ? (
              <p className="muted">Sources: {t.documents.map((d) => d.title).join(', ')}</p>
            ) : null}
            {t.followUps?.length && i === turns.length - 1 ? (
              <div className="chips">
                {t.followUps.map((f) => (
                  <button key={f} type="button" className="secondary" onClick={() => void ask(f)}>
                    {f}
                  </button>
                ))}
              </div>
            ) : null}
          </div>
        ))}
        {busy ? (
          <div className="msg assistant" data-testid="assistant-streaming">
            <p>{partial || (tool ? `Looking that up (${tool})…` : 'Thinking…')}</p>
          </div>
        ) : null}
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
        <div ref={end} />
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void ask(text);
        }}
      >
        <label htmlFor="assistant-input" className="visually-hidden">
          Ask the assistant
        </label>
        <input
          id="assistant-input"
          ref={input}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Ask the assistant"
          autoComplete="off"
        />
        <button type="submit" disabled={busy}>
          Ask
        </button>
      </form>
    </aside>
  );
}
