import { DEFAULT_CONFIDENCE, EventType, eventWeight, type ConfidenceTable } from '@recgraph/recsys';
import type { InteractionType } from '@recgraph/events';

/**
 * Confidence of one event, the same table training uses (VIEW 1 … PURCHASE 8, RATE =
 * the rating), so online popularity and offline models weigh events alike. null:
 * the type is not a positive signal (DISLIKE).
 */
export function interactionWeight(
  type: InteractionType,
  value: number,
  table: ConfidenceTable = DEFAULT_CONFIDENCE,
): number | null {
  const w = eventWeight(table, EventType[type], value);
  return w !== null && w > 0 ? w : null;
}
