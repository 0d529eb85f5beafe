import { requireSelfOrAdmin, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { INTERACTION_TYPES } from '@recgraph/events';
import { badUserInput, notFound } from '@recgraph/subgraph-kit';
import { consumeOrRefuse, type RateLimiterAbstract } from '@recgraph/subgraph-kit/rateLimits';
import { z } from 'zod';
import { callerId } from './callers.ts';
import { TX_OPTIONS } from './carts.ts';
import {
  claimedSource,
  eventKey,
  isInternalEventId,
  recordInteractions,
  type NewInteraction,
  type OutboxNotifier,
} from '@recgraph/interactions';
import { parseInput, uuid } from './validation.ts';

interface TrackingContext {
  identity: Identity;
  prisma: PrismaClient;
  outbox: OutboxNotifier;
  /** Events per user per window (shared by every catalog replica); absent: unlimited. */
  eventRate?: RateLimiterAbstract;
  caller?: Promise<string>;
}

export const MAX_EVENTS_PER_CALL = 100;
/** Client clocks drift; a little ahead of ours is not "in the future". */
const FUTURE_SKEW_MS = 5 * 60_000;
/** Older events are backfills, which belong in the importers, not the live API. */
const MAX_AGE_MS = 30 * 24 * 3600_000;

const QUANTITY_TYPES = new Set(['ADD_TO_CART', 'PURCHASE']);

const eventInput = z
  .object({
    eventId: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{8,128}$/, 'must be 8..128 characters of letters, digits, ":", "_" or "-"'),
    type: z.enum(INTERACTION_TYPES),
    productId: uuid,
    value: z.number().finite().nullish(),
    occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 timestamp with a time zone' }).nullish(),
    source: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,50}$/, 'must be 1..50 of letters, digits, ".", "_" or "-"')
      .nullish(),
    userId: uuid.nullish(),
  })
  .superRefine((e, ctx) => {
    const v = e.value;
    if (e.type === 'RATE') {
      if (v == null || v < 0.5 || v > 5)
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'a RATE needs a rating from 0.5 to 5' });
    } else if (QUANTITY_TYPES.has(e.type)) {
      if (v != null && (!Number.isInteger(v) || v < 1 || v > 1000))
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `a ${e.type} quantity must be a whole number 1..1000`,
        });
    } else if (v != null && v !== 1) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `${e.type} takes no value` });
    }
    if (e.occurredAt) {
      const at = Date.parse(e.occurredAt);
      const now = Date.now();
      if (at > now + FUTURE_SKEW_MS)
        ctx.addIssue({ code: 'custom', path: ['occurredAt'], message: 'must not be in the future' });
      if (at < now - MAX_AGE_MS)
        ctx.addIssue({ code: 'custom', path: ['occurredAt'], message: 'must be within the last 30 days' });
    }
  });

const eventsInput = z
  .array(eventInput)
  .min(1, 'give at least one event')
  .max(MAX_EVENTS_PER_CALL, `at most ${MAX_EVENTS_PER_CALL} events per call`);

type TrackStatus = 'RECORDED' | 'DUPLICATE';

/**
 * Validates everything (shape, access, referenced rows) before writing
 * anything, then stores the batch in one transaction with its outbox rows.
 */
async function track(ctx: TrackingContext, me: string, inputs: z.output<typeof eventInput>[], root: string) {
  const now = new Date();
  const events: NewInteraction[] = inputs.map((e, i) => {
    const userId = e.userId ?? me;
    requireSelfOrAdmin(ctx.identity, userId);
    if (isInternalEventId(e.eventId)) {
      const at = root === 'input' ? root : `${root}.${i}`;
      throw badUserInput(`${at}.eventId: ids starting "feedback", "checkout" or "cart" are reserved`, `${at}.eventId`);
    }
    const source = e.source ?? 'web';
    return {
      eventId: e.eventId,
      type: e.type,
      userId,
      productId: e.productId,
      value: e.value ?? 1,
      occurredAt: e.occurredAt ? new Date(e.occurredAt) : now,
      // Only checkout records a purchase; a client's report of one is stored as a claim.
      source: e.type === 'PURCHASE' ? claimedSource(source) : source,
    };
  });
  // Charged per event, before any write: one account cannot flood the signals.
  if (ctx.eventRate) {
    await consumeOrRefuse(
      ctx.eventRate,
      `user:${me}`,
      `At most ${ctx.eventRate.points} tracked events per ${ctx.eventRate.duration} s per user`,
      { points: events.length },
    );
  }

  const productIds = [...new Set(events.map((e) => e.productId))];
  const userIds = [...new Set(events.map((e) => e.userId))];
  const [products, users] = await Promise.all([
    ctx.prisma.product.findMany({ where: { id: { in: productIds } }, select: { id: true } }),
    ctx.prisma.user.findMany({ where: { id: { in: userIds } }, select: { id: true } }),
  ]);
  const knownProducts = new Set(products.map((p) => p.id));
  const knownUsers = new Set(users.map((u) => u.id));
  events.forEach((e, i) => {
    const at = root === 'input' ? root : `${root}.${i}`;
    if (!knownProducts.has(e.productId)) throw notFound(`No product with id ${e.productId} (${at}.productId)`);
    if (!knownUsers.has(e.userId)) throw notFound(`No user with id ${e.userId} (${at}.userId)`);
  });

  const fresh = await ctx.prisma.$transaction((tx) => recordInteractions(tx, events), TX_OPTIONS);
  if (fresh.size) ctx.outbox.kick();
  // An id repeated within one call is stored once: its first occurrence is the recorded one.
  // Ids are unique per user, so the status only ever reflects that user's own events.
  const claimed = new Set<string>();
  return events.map((e) => {
    const key = eventKey(e.userId, e.eventId);
    const status: TrackStatus = fresh.has(key) && !claimed.has(key) ? 'RECORDED' : 'DUPLICATE';
    claimed.add(key);
    return { eventId: e.eventId, status };
  });
}

export const trackingMutations = {
  trackEvent: async (_: unknown, args: { input: unknown }, ctx: TrackingContext) => {
    const me = await callerId(ctx);
    const [result] = await track(ctx, me, [parseInput(eventInput, args.input, 'input')], 'input');
    return result;
  },
  trackEvents: async (_: unknown, args: { inputs: unknown }, ctx: TrackingContext) => {
    const me = await callerId(ctx);
    const results = await track(ctx, me, parseInput(eventsInput, args.inputs, 'inputs'), 'inputs');
    const recorded = results.filter((r) => r.status === 'RECORDED').length;
    return { results, recorded, duplicates: results.length - recorded };
  },
};
