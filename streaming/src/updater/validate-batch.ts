import { interactionEvents, type ConsumedMessage, type InteractionEventV1 } from '@recgraph/events';
import { eventKey } from '@recgraph/interactions';

/** Why a message went to the dead-letter topic; codes are stable, reasons are for humans. */
export const REJECTION_CODES = [
  'MALFORMED_JSON',
  'SCHEMA_VIOLATION',
  'UNSUPPORTED_VERSION',
  'FUTURE_TIMESTAMP',
  'UNKNOWN_USER',
  'UNKNOWN_PRODUCT',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  message: ConsumedMessage;
  code: RejectionCode;
  reason: string;
  /** The event type, when the envelope was readable (metrics label). */
  type?: InteractionEventV1['type'];
}

export interface AcceptedEvent {
  message: ConsumedMessage;
  event: InteractionEventV1;
  occurredAt: Date;
}

export interface ValidatedBatch {
  accepted: AcceptedEvent[];
  rejected: Rejection[];
}

/**
 * Decodes a batch of interaction messages. A later copy of a (user, eventId) already in
 * the batch is dropped here (the first wins, as the database would decide), so
 * every statement of the batch sees each event once.
 */
export function validateBatch(messages: readonly ConsumedMessage[], now: number, maxFutureMs: number): ValidatedBatch {
  const accepted: AcceptedEvent[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  for (const message of messages) {
    const r = interactionEvents.decode(message.value);
    if (!r.ok) {
      rejected.push({ message, code: r.error.code, reason: r.error.message });
      continue;
    }
    const occurredAt = new Date(r.value.occurredAt);
    // Time decay trusts event time; one far-future timestamp would outweigh every real event.
    if (occurredAt.getTime() > now + maxFutureMs) {
      rejected.push({
        message,
        code: 'FUTURE_TIMESTAMP',
        type: r.value.type,
        reason: `occurredAt ${r.value.occurredAt} is more than ${Math.round(maxFutureMs / 1000)} s in the future`,
      });
      continue;
    }
    const key = eventKey(r.value.userId, r.value.eventId);
    if (seen.has(key)) continue;
    seen.add(key);
    accepted.push({ message, event: r.value, occurredAt });
  }
  return { accepted, rejected };
}
