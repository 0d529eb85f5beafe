import type { PrismaClient } from '@recgraph/db';
import { recordInteractions, type OutboxNotifier } from '@recgraph/interactions';
import { notFound } from '@recgraph/subgraph-kit';

export type FeedbackKind = 'LIKE' | 'DISLIKE';

/**
 * One event id per user, product, kind and UTC day: pressing "like" twice is
 * one like, while liking again tomorrow is a new signal. The id also makes
 * retries of the same request idempotent through the unique event_id.
 */
export function feedbackEventId(userId: string, productId: string, kind: FeedbackKind, at: Date): string {
  return `feedback:${userId}:${productId}:${kind}:${at.toISOString().slice(0, 10)}`;
}

/**
 * Records the feedback through the one interaction writer (interaction and
 * outbox row in one transaction) and wakes this process's relay, so the
 * updater sees a dislike at once. Returns whether it was new; NOT_FOUND for
 * an unknown product or user.
 */
export async function recordFeedback(
  prisma: PrismaClient,
  outbox: OutboxNotifier,
  userId: string,
  productId: string,
  kind: FeedbackKind,
  now = new Date(),
): Promise<boolean> {
  const [product, user] = await Promise.all([
    prisma.product.findUnique({ where: { id: productId }, select: { id: true } }),
    prisma.user.findUnique({ where: { id: userId }, select: { id: true } }),
  ]);
  if (!product) throw notFound(`No product with id ${productId}`);
  if (!user) throw notFound(`No user with id ${userId}: feedback needs a user record`);
  const eventId = feedbackEventId(userId, productId, kind, now);
  const fresh = await prisma.$transaction((tx) =>
    recordInteractions(tx, [{ eventId, type: kind, userId, productId, value: 1, occurredAt: now, source: 'feedback' }]),
  );
  if (fresh.size) outbox.kick();
  return fresh.size > 0;
}
