import { modelEvents, STREAMING_TOPIC, type EventBus, type ModelEventV1 } from '@recgraph/events';

/** Numeric top-level metrics only: the envelope carries a flat name → number record. */
export function flatMetrics(metrics: unknown): Record<string, number> {
  if (!metrics || typeof metrics !== 'object') return {};
  return Object.fromEntries(
    Object.entries(metrics as Record<string, unknown>).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    ),
  );
}

/** Publishes one ModelEventV1 on the model-events topic (every recommend instance and updater reloads on it). */
export async function publishModelEvent(
  bus: EventBus,
  kind: ModelEventV1['kind'],
  modelVersionId: string,
  metrics?: Record<string, number>,
): Promise<ModelEventV1> {
  const event: ModelEventV1 = {
    schema: 'recgraph.model-event.v1',
    kind,
    modelVersionId,
    at: new Date().toISOString(),
    ...(metrics && Object.keys(metrics).length ? { metrics } : {}),
  };
  await bus.publish(STREAMING_TOPIC.modelEvents, [modelEvents.toMessage(event)]);
  return event;
}
