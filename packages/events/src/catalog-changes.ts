import { catalogChangedEvents } from './envelopes.ts';
import type { ConsumedMessage, EventBusLogger } from './types.ts';

/**
 * The products a batch of catalog-changes messages names, each once, in order of first
 * mention — what the workers that follow the catalog (the embedding pipeline, the
 * assistant's knowledge indexer) re-process. An unreadable message is logged and skipped:
 * their periodic sweeps catch what it may have announced.
 */
export function changedProductIds(messages: readonly ConsumedMessage[], log: EventBusLogger): string[] {
  const ids = new Set<string>();
  for (const m of messages) {
    const decoded = catalogChangedEvents.decode(m.value);
    if (!decoded.ok) {
      log.warn({ code: decoded.error.code, offset: m.offset }, 'ignoring an unreadable catalog change');
      continue;
    }
    for (const id of decoded.value.productIds) ids.add(id);
  }
  return [...ids];
}
