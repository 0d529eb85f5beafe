import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});

afterAll(async () => {
  await t?.stop();
});

describe('assistant subgraph', () => {
  it('reports what it can draw on', async () => {
    await t.db.prisma.knowledgeDocument.create({
      data: {
        kind: 'PRODUCT_DESCRIPTION',
        key: `product:${t.fixture.products.tv.id}:description`,
        title: 'Smart TV',
        body: '55 inch',
        productId: t.fixture.products.tv.id,
      },
    });
    const res = await t.gql(`{ assistantInfo { policyCount productDocumentCount embeddedChunkCount capabilities } }`);
    expect(res.data).toEqual({
      assistantInfo: {
        policyCount: 1,
        productDocumentCount: 1,
        embeddedChunkCount: 0,
        capabilities: ['store-policies', 'ask', 'threads', 'knowledge-retrieval', 'streamed-replies'],
      },
    });
  });

  it('unknown policy → null; malformed key → BAD_USER_INPUT', async () => {
    expect((await t.gql(`{ storePolicy(key: "shipping") { body } }`)).data).toEqual({ storePolicy: null });
    const bad = await t.gql(`{ storePolicy(key: "../Returns") { body } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
