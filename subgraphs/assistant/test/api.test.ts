// The assistant's API through the gateway: ask (new and continued threads, cited
// products resolved by the catalog through federation), thread/threads with
// ownership (signed-in owners, anonymous thread tokens), message size and rate
// limits, and assistantReplies streamed over graphql-ws from the bus. The whole
// stack runs with the agent the quick start runs (built-in responder), on
// embedded PGlite with the in-process bus and on real Postgres with real Kafka.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createEventBus, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { clientsFor, Live, routesBecome } from '../../../gateway/test/support/subscriptionClient.ts';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../../packages/events/test/real-kafka.ts';
import { createKnowledgeIndexer } from '../src/knowledge/index.ts';

const ASKS_PER_MINUTE = 4;
const MAX_MESSAGE_CHARS = 200;
const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

const ASK = `mutation Ask($message: String!, $threadId: ID, $threadToken: String) {
  ask(message: $message, threadId: $threadId, threadToken: $threadToken) {
    threadId threadToken answer model stopReason followUps
    citedProducts { id title price { amount } }
    citedDocuments { key title }
    toolCalls { tool args ok summary durationMs }
  }
}`;
const THREAD = `query Thread($threadId: ID!, $threadToken: String) {
  thread(threadId: $threadId, threadToken: $threadToken) {
    id title messageCount createdAt updatedAt
    messages { role content citedProducts { id title } }
  }
}`;
const REPLIES = `subscription Replies($threadId: ID!, $threadToken: String) {
  assistantReplies(threadId: $threadId, threadToken: $threadToken) {
    threadId type text tool args
    toolCall { tool ok }
    answer citedProductIds citedDocuments { key } toolCalls { tool } model stopReason errorCode
  }
}`;

interface Answer {
  threadId: string;
  threadToken: string | null;
  answer: string;
  model: string;
  stopReason: string;
  followUps: string[];
  citedProducts: { id: string; title: string; price: { amount: number } }[];
  citedDocuments: { key: string; title: string }[];
  toolCalls: { tool: string; args: string; ok: boolean; summary: string; durationMs: number }[];
}
interface Reply {
  threadId: string;
  type: 'TOKEN' | 'TOOL_START' | 'TOOL_END' | 'DONE' | 'ERROR';
  text: string | null;
  tool: string | null;
  answer: string | null;
  citedProductIds: string[] | null;
}

const backends = [
  { name: 'embedded PGlite + in-process bus', available: true, kafka: false, timeoutMs: 15_000 },
  { name: 'real Postgres + real Kafka', available: Boolean(brokers && pgUrl), kafka: true, timeoutMs: 60_000 },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(`assistant API through the gateway (${backend.name})`, () => {
    let t: TestStack;
    let bus: EventBus | undefined;
    let shopper: string;
    let other: string;
    const clients = clientsFor(() => t);

    const ask = (variables: Record<string, unknown>, token?: string) =>
      t.gql<{ ask: Answer }>(ASK, variables, token ? { token } : {});
    const thread = (variables: Record<string, unknown>, token?: string) =>
      t.gql<{ thread: (Answer & { id: string; title: string; messageCount: number; messages: unknown[] }) | null }>(
        THREAD,
        variables,
        token ? { token } : {},
      );
    const customer = (sub: string) => signDevToken(DEV_JWT_SECRET, { sub, role: 'customer' });

    beforeAll(async () => {
      if (backend.kafka) {
        bus = createEventBus({
          brokers: brokers!,
          clientId: 'assistant-api',
          topicPrefix: `assistant-api.${run()}.`,
          kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
        });
        await bus.ensureTopics(STREAMING_TOPICS);
      }
      t = await startTestStack({
        ...(backend.kafka ? { databaseUrl: await createTestDatabase(pgUrl!), bus: bus! } : {}),
        assistant: { limits: { maxMessageChars: MAX_MESSAGE_CHARS, asksPerMinute: ASKS_PER_MINUTE } },
      });
      // The shipped store documents, indexed as the trainer role keeps them.
      const indexer = createKnowledgeIndexer({ db: t.db });
      await indexer.syncStoreDocuments();
      await indexer.stop();
      shopper = await customer(t.fixture.users.shopper.id);
      other = await customer(t.fixture.users.otherShopper.id);
    }, 120_000);

    afterEach(async () => {
      await clients.closeAll();
      await routesBecome(t, 0, backend.timeoutMs);
    });

    afterAll(async () => {
      await t?.stop();
      await bus?.close();
    }, 60_000);

    it('ask starts a thread and answers with the product it found, resolved through federation; thread and threads list it', async () => {
      const res = await ask({ message: 'wireless headphones under 250' }, shopper);
      expect(res.errors).toBeUndefined();
      const a = res.data!.ask;
      expect(a.threadToken).toBeNull();
      expect(a.model).toBe('builtin');
      expect(a.stopReason).toBe('COMPLETE');
      expect(a.toolCalls.map((c) => [c.tool, c.ok])).toEqual([['search_products', true]]);
      expect(a.citedProducts[0]).toMatchObject({ id: t.fixture.products.headphones.id, title: 'Studio Headphones' });
      expect(a.answer).toContain('Studio Headphones');

      const more = await ask({ message: 'tell me more about the first one', threadId: a.threadId }, shopper);
      expect(more.errors).toBeUndefined();
      expect(more.data!.ask.threadId).toBe(a.threadId);
      expect(more.data!.ask.citedProducts.map((p) => p.id)).toEqual([t.fixture.products.headphones.id]);

      const read = await thread({ threadId: a.threadId }, shopper);
      expect(read.errors).toBeUndefined();
      expect(read.data!.thread).toMatchObject({
        id: a.threadId,
        title: 'wireless headphones under 250',
        messageCount: 4,
      });
      expect(read.data!.thread!.messages).toHaveLength(4);
      expect(read.data!.thread!.messages[1]).toMatchObject({
        role: 'ASSISTANT',
        citedProducts: [{ id: t.fixture.products.headphones.id, title: 'Studio Headphones' }],
      });
      const listed = await t.gql<{ threads: { id: string; messageCount: number }[] }>(
        '{ threads { id messageCount } }',
        {},
        { token: shopper },
      );
      expect(listed.data!.threads[0]).toEqual({ id: a.threadId, messageCount: 4 });

      // Another shopper: the thread reads like a missing one, everywhere.
      expect((await thread({ threadId: a.threadId }, other)).data!.thread).toBeNull();
      const theirs = await ask({ message: 'and cheaper?', threadId: a.threadId }, other);
      expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const missing = await ask({ message: 'hello', threadId: randomUUID() }, other);
      expect(missing.errors?.[0]).toMatchObject({
        message: theirs.errors![0]!.message,
        extensions: { code: 'NOT_FOUND' },
      });
      const otherList = await t.gql<{ threads: { id: string }[] }>('{ threads { id } }', {}, { token: other });
      expect(otherList.data!.threads.map((x) => x.id)).not.toContain(a.threadId);
      const anonList = await t.gql('{ threads { id } }');
      expect(anonList.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const bad = await thread({ threadId: 'not-a-uuid' }, shopper);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('an anonymous thread is bound to its token: required, checked, and never readable without it', async () => {
      const first = await ask({ message: "What's your return policy?" });
      expect(first.errors).toBeUndefined();
      const { threadId, threadToken } = first.data!.ask;
      expect(threadToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.data!.ask.citedDocuments.map((d) => d.key)).toContain('policy:returns');

      const noToken = await ask({ message: 'and for sale items?', threadId });
      expect(noToken.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'threadToken' });
      const forged = await ask({
        message: 'and for sale items?',
        threadId,
        threadToken: `${threadToken!.slice(0, -2)}AA`,
      });
      expect(forged.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const otherThreadsToken = (await ask({ message: 'hello' })).data!.ask.threadToken;
      const swapped = await ask({ message: 'and for sale items?', threadId, threadToken: otherThreadsToken });
      expect(swapped.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

      const next = await ask({ message: 'how many days do I have?', threadId, threadToken });
      expect(next.errors).toBeUndefined();
      expect(next.data!.ask).toMatchObject({ threadId, threadToken });
      expect((await thread({ threadId, threadToken })).data!.thread).toMatchObject({ id: threadId, messageCount: 4 });
      expect((await thread({ threadId })).data!.thread).toBeNull();
      // A signed-in shopper without the token cannot read it either.
      expect((await thread({ threadId }, shopper)).data!.thread).toBeNull();
    });

    it('assistantReplies streams a turn to its owner (tool events, tokens, then DONE); others are refused', async () => {
      // startThread, so even the first answer can be watched.
      const start = await t.gql<{ startThread: { threadId: string; threadToken: string | null } }>(
        'mutation { startThread { threadId threadToken } }',
        {},
        { token: shopper },
      );
      expect(start.errors).toBeUndefined();
      const started = start.data!.startThread;
      expect(started.threadToken).toBeNull();
      const live = new Live<{ assistantReplies: Reply }>(clients.connect(shopper), REPLIES, {
        threadId: started.threadId,
      });
      await routesBecome(t, 1, backend.timeoutMs);
      const refused = await new Live(clients.connect(other), REPLIES, { threadId: started.threadId }).refusal();
      expect(refused[0]?.extensions?.code).toBe('NOT_FOUND');
      const anonymous = await new Live(clients.connect(), REPLIES, { threadId: started.threadId }).refusal();
      expect(anonymous[0]?.extensions?.code).toBe('NOT_FOUND');

      const res = await ask({ message: 'wireless headphones under 250', threadId: started.threadId }, shopper);
      expect(res.errors).toBeUndefined();
      expect((await thread({ threadId: started.threadId }, shopper)).data!.thread).toMatchObject({
        title: 'wireless headphones under 250',
        messageCount: 2,
      });
      const answer = res.data!.ask;
      const done = async () => {
        for (let n = 1; ; n++) {
          const r = await live.nth(n, backend.timeoutMs);
          if (r.data?.assistantReplies.type === 'DONE') return;
        }
      };
      await done();
      expect(live.results.every((r) => r.errors === undefined)).toBe(true);
      const replies = live.results.map((r) => r.data!.assistantReplies);
      expect(new Set(replies.map((r) => r.threadId))).toEqual(new Set([started.threadId]));
      const types = replies.map((r) => r.type);
      expect(types.indexOf('TOOL_START')).toBeLessThan(types.indexOf('TOOL_END'));
      expect(types.filter((x) => x === 'TOKEN').length).toBeGreaterThan(1);
      expect(types.at(-1)).toBe('DONE');
      expect(replies.find((r) => r.type === 'TOOL_START')!.tool).toBe('search_products');
      const text = replies
        .filter((r) => r.type === 'TOKEN')
        .map((r) => r.text)
        .join('');
      expect(text).toBe(answer.answer);
      expect(replies.at(-1)).toMatchObject({
        answer: answer.answer,
        citedProductIds: answer.citedProducts.map((p) => p.id),
        text: null,
      });

      // An anonymous thread's replies: with its token.
      const anon = (
        await t.gql<{ startThread: { threadId: string; threadToken: string } }>(
          'mutation { startThread { threadId threadToken } }',
        )
      ).data!.startThread;
      expect(anon.threadToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const anonLive = new Live<{ assistantReplies: Reply }>(clients.connect(), REPLIES, {
        threadId: anon.threadId,
        threadToken: anon.threadToken,
      });
      await routesBecome(t, 2, backend.timeoutMs);
      await ask({ message: 'headphones', threadId: anon.threadId, threadToken: anon.threadToken });
      expect((await anonLive.nth(1, backend.timeoutMs)).data?.assistantReplies.threadId).toBe(anon.threadId);
    });

    it('refuses a message too long, empty or with control characters, and asks past the rate', async () => {
      const long = await ask({ message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }, shopper);
      expect(long.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'MESSAGE_TOO_LONG',
        maxLength: MAX_MESSAGE_CHARS,
      });
      expect((await ask({ message: '   ' }, shopper)).errors?.[0]?.extensions?.reason).toBe('MESSAGE_EMPTY');
      expect((await ask({ message: 'hi\u0007 there' }, shopper)).errors?.[0]?.extensions?.reason).toBe(
        'MESSAGE_CONTROL_CHARACTERS',
      );

      const newcomer = await customer(randomUUID());
      for (let i = 0; i < ASKS_PER_MINUTE; i++)
        expect((await ask({ message: 'hello' }, newcomer)).errors).toBeUndefined();
      const limited = await ask({ message: 'hello' }, newcomer);
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(limited.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    });
  });
}
