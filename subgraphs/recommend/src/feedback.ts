import type { PrismaClient } from '@recgraph/db';
import { interactionEvents, SCHEMA_IDS } from '@recgraph/events';
import { notFound } from '@recgraph/subgraph-kit';

export type FeedbackKind = 'LIKE' | 'DISLIKE';

/**
 * Whether the transactional outbox exists (migration 20261123110000_outbox):
 * when it does, feedback is queued there in the same transaction so the
 * catalog's relay publishes it to the streaming updater like any tracked event.
 */
let outboxTable: Promise<boolean> | undefined;
function hasOutbox(prisma: PrismaClient): Promise<boolean> {
  outboxTable ??= prisma.$queryRaw<{ t: string | null }[]>`SELECT to_regclass('interaction_outbox')::text AS t`
    .then((r) => Boolean(r[0]?.t))
    .catch(() => {
      outboxTable = undefined;
      return false;
    });
  return outboxTable;
}

/**
 * One event id per user, product, kind and UTC day: pressing "like" twice is
 * one like, while liking again tomorrow is a new signal. The id also makes
 * retries of the same request idempotent through the unique event_id.
 */
export function feedbackEventId(userId: string, productId: string, kind: FeedbackKind, at: Date): string {
  return `feedback:${userId}:${productId}:${kind}:${at.toISOString().slice(0, 10)}`;
}

/** Records the feedback; returns whether it was new. NOT_FOUND for an unknown product or user. */
export async function recordFeedback(
  prisma: PrismaClient,
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
  const payload = interactionEvents
    .encode({
      schema: SCHEMA_IDS.interaction,
      eventId,
      type: kind,
      userId,
      productId,
      value: 1,
      occurredAt: now.toISOString(),
      source: 'feedback',
    })
    .toString('utf8');
  const outbox = await hasOutbox(prisma);
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.$queryRaw<{ event_id: string }[]>`
      INSERT INTO interactions (event_id, user_id, product_id, type, value, occurred_at, source)
      VALUES (${eventId}, ${userId}::uuid, ${productId}::uuid, ${kind}::"InteractionType", 1, ${now}, 'feedback')
      ON CONFLICT (event_id) DO NOTHING
      RETURNING event_id`;
    if (inserted.length && outbox)
      await tx.$executeRaw`INSERT INTO interaction_outbox (event_id, payload) VALUES (${eventId}, ${payload}::jsonb)
        ON CONFLICT (event_id) DO NOTHING`;
    return inserted.length > 0;
  });
}
