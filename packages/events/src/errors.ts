/** Stable codes callers can branch on; messages are for humans and may change. */
export type EventBusErrorCode = 'INVALID_ARGUMENT' | 'UNKNOWN_TOPIC' | 'TOPIC_CONFLICT' | 'BUS_CLOSED' | 'BROKER_ERROR';

export class EventBusError extends Error {
  readonly code: EventBusErrorCode;
  constructor(code: EventBusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventBusError';
    this.code = code;
  }
}
