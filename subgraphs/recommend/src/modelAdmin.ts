import { AuthError, requireRole, type Identity } from '@recgraph/auth';
import type { Database } from '@recgraph/db';
import { modelEvents, SCHEMA_IDS, STREAMING_TOPIC, type EventBus } from '@recgraph/events';
import { badUserInput, notFound } from '@recgraph/subgraph-kit';
import type { Logger } from '@recgraph/telemetry';
import {
  ModelVersionNotFoundError,
  promote,
  RegistryStateError,
  rollback,
  type ModelVersion,
} from '@recgraph/training';
import type { ModelHolder } from '@recgraph/ranking';

/** Model registry reads: admins, and partners holding the "read" scope. */
export function requireModelReader(identity: Identity): void {
  if (identity.role === 'admin') return;
  if (identity.role === 'partner') {
    if (identity.scopes.includes('read')) return;
    throw new AuthError('FORBIDDEN', 'Your partner token lacks the "read" scope.');
  }
  requireRole(identity, 'admin', 'partner');
}

/** Registry refusals as client errors: an unknown version, or one that cannot serve. */
async function registryCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ModelVersionNotFoundError) throw notFound(err.message);
    if (err instanceof RegistryStateError) throw badUserInput(err.message);
    throw err;
  }
}

export interface ModelAdminDeps {
  db: Pick<Database, 'prisma'>;
  models: ModelHolder;
  bus: EventBus | undefined;
  logger: Logger;
}

/**
 * Tells the other recommend replicas. This process has already swapped, so a
 * publish failure costs the others only their polling delay: logged, not thrown.
 */
async function announce(d: ModelAdminDeps, kind: 'promoted' | 'rolled_back', modelVersionId: string): Promise<void> {
  if (!d.bus) return;
  try {
    await d.bus.publish(STREAMING_TOPIC.modelEvents, [
      modelEvents.toMessage({ schema: SCHEMA_IDS.modelEvent, kind, modelVersionId, at: new Date().toISOString() }),
    ]);
  } catch (err) {
    d.logger.warn({ err, kind, modelVersionId }, 'publishing the model event failed; other replicas will poll');
  }
}

/** Promotes, then serves the new version in this process before answering. */
export async function promoteAndServe(d: ModelAdminDeps, id: string): Promise<ModelVersion> {
  const version = await registryCall(() => promote(d.db, id));
  await d.models.sync();
  await announce(d, 'promoted', version.id);
  return version;
}

/** Rolls back; the event names the version now active. */
export async function rollbackAndServe(d: ModelAdminDeps): Promise<ModelVersion> {
  const { active } = await registryCall(() => rollback(d.db));
  await d.models.sync();
  await announce(d, 'rolled_back', active.id);
  return active;
}

const numericEntries = (value: unknown) =>
  value && typeof value === 'object'
    ? Object.entries(value as Record<string, unknown>)
        .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
        .map(([name, v]) => ({ name, value: v }))
    : [];

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The GraphQL shape of a registry row (metrics: the top-level numeric holdout metrics). */
export function modelVersionView(v: ModelVersion) {
  return {
    id: v.id,
    algorithm: v.algorithm,
    status: v.status,
    parameters: numericEntries(v.parameters),
    metrics: numericEntries(v.metrics),
    primaryMetric: v.primaryMetric,
    interactions: v.interactions,
    dataFrom: iso(v.dataFrom),
    dataTo: iso(v.dataTo),
    createdAt: v.createdAt.toISOString(),
    promotedAt: iso(v.promotedAt),
    retiredAt: iso(v.retiredAt),
    notes: v.notes,
  };
}
