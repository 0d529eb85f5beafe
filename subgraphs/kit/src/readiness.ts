import type { ReadyReport } from './httpServer.ts';

/**
 * Runs named probes concurrently with a deadline, so a hung dependency turns
 * /health/ready into a prompt 503 instead of a hung health check.
 */
export function readyWhen(
  probes: Record<string, () => Promise<unknown>>,
  timeoutMs = 2000,
): () => Promise<ReadyReport> {
  return async () => {
    const entries = await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            probe(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return [name, { ok: true }] as const;
        } catch (err) {
          return [name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
  };
}
