// Who owns each conversation (the assistant_threads table), and the tokens
// that bind anonymous conversations to the shopper who started them.
import { createHash, createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { AssistantThread } from '@recgraph/db/generated/prisma/client';

export type ThreadRow = AssistantThread;

/** Longest title kept from a thread's first message. */
const TITLE_CHARS = 80;

/**
 * The owner key of a signed-in caller (their token subject; partners live in a
 * namespace of their own, since a partner's subject is a client id, not a user id);
 * undefined for anonymous callers, whose threads are owned through a token.
 */
export function signedInOwner(identity: Identity): string | undefined {
  if (identity.role === 'anonymous' || !identity.sub) return undefined;
  return identity.role === 'partner' ? `partner:${identity.sub}` : identity.sub;
}

/**
 * Anonymous thread tokens: HMAC-SHA256 of the thread id under a key derived
 * (HKDF) from IDENTITY_SIGNING_KEY, so no new secret has to be configured and a
 * token proves nothing anywhere else. The table keeps only its SHA-256, so a
 * database reader cannot take over a conversation either.
 */
export function threadTokens(identityKey: string) {
  const key = Buffer.from(hkdfSync('sha256', identityKey, 'recgraph-assistant', 'assistant thread token v1', 32));
  const mint = (threadId: string): string => createHmac('sha256', key).update(threadId).digest('base64url');
  return {
    mint,
    /** Constant-time check that `token` is the one minted for `threadId`. */
    matches(threadId: string, token: string): boolean {
      const expected = Buffer.from(mint(threadId));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
export type ThreadTokens = ReturnType<typeof threadTokens>;

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The first message, whitespace collapsed and shortened to a title. */
export function titleOf(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length <= TITLE_CHARS ? flat : `${flat.slice(0, TITLE_CHARS - 1).trimEnd()}…`;
}

export interface ThreadStore {
  /**
   * The thread when the caller may read it, undefined otherwise: a signed-in
   * owner's thread for that owner, an anonymous thread for whoever holds its
   * token. Missing and foreign threads are indistinguishable.
   */
  readable(threadId: string, identity: Identity, token: string | undefined): Promise<ThreadRow | undefined>;
  /** A new thread owned by the caller, titled by its first message (empty until asked); `token` is set for anonymous callers. */
  start(identity: Identity, firstMessage?: string): Promise<{ thread: ThreadRow; token?: string }>;
  /** A turn finished: two more messages (the question and the answer); the first question titles an untitled thread. */
  recordTurn(thread: ThreadRow, question: string): Promise<void>;
  /** The signed-in owner's threads, most recently active first. */
  list(owner: string, first: number): Promise<ThreadRow[]>;
}

export function createThreadStore(prisma: PrismaClient, tokens: ThreadTokens): ThreadStore {
  return {
    async readable(threadId, identity, token) {
      const row = await prisma.assistantThread.findUnique({ where: { id: threadId } });
      if (!row) return undefined;
      if (row.ownerUserId !== null) return row.ownerUserId === signedInOwner(identity) ? row : undefined;
      if (!token || !row.anonymousOwnerHash) return undefined;
      return tokens.matches(threadId, token) && tokenHash(token) === row.anonymousOwnerHash ? row : undefined;
    },
    async start(identity, firstMessage) {
      const id = randomUUID();
      const owner = signedInOwner(identity);
      const token = owner ? undefined : tokens.mint(id);
      const thread = await prisma.assistantThread.create({
        data: {
          id,
          title: firstMessage ? titleOf(firstMessage) : '',
          ...(owner ? { ownerUserId: owner } : { anonymousOwnerHash: tokenHash(token!) }),
        },
      });
      return { thread, ...(token ? { token } : {}) };
    },
    async recordTurn(thread, question) {
      await prisma.assistantThread.update({
        where: { id: thread.id },
        data: {
          messageCount: { increment: 2 },
          updatedAt: new Date(),
          ...(thread.title ? {} : { title: titleOf(question) }),
        },
      });
    },
    list(owner, first) {
      return prisma.assistantThread.findMany({
        where: { ownerUserId: owner },
        orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
        take: first,
      });
    },
  };
}
