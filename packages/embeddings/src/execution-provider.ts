import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

export const PROVIDER_PREFERENCES = ['cpu', 'cuda', 'webgpu', 'auto'] as const;
export type ProviderPreference = (typeof PROVIDER_PREFERENCES)[number];
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

export interface ProviderChoice {
  provider: ExecutionProvider;
  /** Why this one: what was asked for and why any better one was not used. */
  reason: string;
  /** Providers tried before it, with why each was passed over. */
  rejected: { provider: ExecutionProvider; reason: string }[];
}

/**
 * onnxruntime-node's CUDA provider is a separate shared library that its install
 * script downloads; with onnxruntime-node-install=skip (this project's .npmrc)
 * or on a machine without CUDA it is absent. Checking the file first avoids
 * a noisy native load failure for the common case.
 */
function cudaLibraryPresent(): boolean {
  const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  const name = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(dir, name));
}

/** Opens a session on `provider` and runs one row, so a provider that loads but cannot execute is caught here. */
async function probe(modelPath: string, provider: ExecutionProvider, inputDims: number): Promise<void> {
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: [provider] });
  try {
    const name = session.inputNames[0]!;
    await session.run({ [name]: new ort.Tensor('float32', new Float32Array(inputDims), [1, inputDims]) });
  } finally {
    await session.release();
  }
}

/**
 * Picks the execution provider: the one asked for when it works here, CPU
 * otherwise; "auto" tries CUDA, then WebGPU, then CPU. Every choice comes with a
 * reason the caller logs, so "why is this running on CPU" is answered in the log.
 */
export async function selectExecutionProvider(
  preference: ProviderPreference,
  probeModel: { path: string; inputDims: number },
): Promise<ProviderChoice> {
  if (!(PROVIDER_PREFERENCES as readonly string[]).includes(preference))
    throw new RangeError(
      `execution provider must be one of ${PROVIDER_PREFERENCES.join(', ')}, got ${String(preference)}`,
    );
  if (preference === 'cpu') return { provider: 'cpu', reason: 'cpu requested (EMBEDDINGS_PROVIDER=cpu)', rejected: [] };
  const candidates: ExecutionProvider[] = preference === 'auto' ? ['cuda', 'webgpu'] : [preference];
  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  const rejected: ProviderChoice['rejected'] = [];
  for (const provider of candidates) {
    if (!supported.has(provider)) {
      rejected.push({ provider, reason: `this onnxruntime-node build has no ${provider} backend` });
      continue;
    }
    if (provider === 'cuda' && !cudaLibraryPresent()) {
      rejected.push({
        provider,
        reason: 'the CUDA provider library is not installed (onnxruntime-node-install=skip or no CUDA build)',
      });
      continue;
    }
    try {
      await probe(probeModel.path, provider, probeModel.inputDims);
      return {
        provider,
        reason: `${provider} ${preference === 'auto' ? 'available (auto)' : 'requested and available'}`,
        rejected,
      };
    } catch (err) {
      // Native messages carry source paths and multi-line detail; the first line says what failed.
      rejected.push({
        provider,
        reason: `${provider} failed to start: ${String((err as Error).message)
          .split('\n')[0]!
          .slice(0, 300)}`,
      });
    }
  }
  return {
    provider: 'cpu',
    reason: `falling back to cpu (${preference} requested): ${rejected.map((r) => r.reason).join('; ')}`,
    rejected,
  };
}
