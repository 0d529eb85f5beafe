/**
 * Event ids are unique per user (the (user_id, event_id) index): a client
 * chooses its own ids freely without ever meeting, pre-empting or learning
 * about another user's.
 *
 * Ids the server makes itself live in a namespace clients may not send, so a
 * client cannot pre-empt its own future feedback or checkout either:
 * `feedback:<user>:<product>:<kind>:<day>`, `checkout.<cart>.<product>`,
 * `cart.<cart>.<product>.<time>.<quantity>`.
 */
const INTERNAL_EVENT_ID = /^(feedback|checkout|cart)[.:]/i;

export function isInternalEventId(eventId: string): boolean {
  return INTERNAL_EVENT_ID.test(eventId);
}

/** One event's identity: its user and its id (what the unique index holds). */
export function eventKey(userId: string, eventId: string): string {
  return `${userId}/${eventId}`;
}
