import { Worker } from 'node:worker_threads';
import { EncoderIntegrityError } from './encoder.ts';
import type { ExecutionProvider } from './execution-provider.ts';
import type { ImageEncoder, ImageEncoderChoice } from './image-encoder.ts';
import type { ProductText } from './text-features.ts';
import type { TextEncoder, TextEncoderChoice } from './text-encoder.ts';

/**
 * An encoder run in a worker thread, for BULK encoding in a process that also serves
 * requests. onnxruntime-node's InferenceSession.run blocks the JavaScript thread for the
 * whole inference (it is only deferred with setImmediate), so a backfill batch in the
 * process of the gateway and subgraphs (`npm start`) or of the trainer's probes holds every
 * request for hundreds of milliseconds. Here the worker opens the very same encoder from the
 * same choice (openTextEncoder / openImageEncoder: model directory or built-in, execution
 * provider, threads) and does the tokenisation, image decoding and inference; the main
 * thread only sends the inputs and receives the vectors (their buffers transferred, not
 * copied). The vectors are therefore exactly the in-process encoder's.
 *
 * Single queries (search, the assistant's retrieval) stay in-process: a message round trip
 * adds latency to each, and one short query does not stall the loop the way a batch does.
 *
 * Failures: an encoder error in the worker rejects that call with the original error (name,
 * message, the worker's stack); an encoder that cannot be loaded rejects the open. A worker
 * that dies (out of memory, a native crash, terminated) rejects every pending call with
 * EncoderWorkerCrashedError, and the NEXT call starts a fresh worker with the same choice
 * (failing if it no longer loads the same model), so a long-running pipeline recovers by
 * itself. release() releases the encoder in the worker and terminates it; later calls
 * reject.
 */

/** What the worker is asked to open (workerData). */
export type EncoderWorkerData =
  | { kind: 'TEXT'; choice: TextEncoderChoice; options: EncoderWorkerOptions }
  | { kind: 'IMAGE'; choice: ImageEncoderChoice; options: EncoderWorkerOptions };

export interface EncoderWorkerOptions {
  provider?: ExecutionProvider;
  threads?: number;
  modelsDir?: string;
}

/** What the worker's encoder is, sent once it is open. */
export interface EncoderWorkerInfo {
  model: string;
  dims: number;
  /** TextEncoder.pretrained, or ImageEncoder.trained. */
  learnt: boolean;
  source: string;
  /** The image encoder's text tower, when it has one. */
  textTowerModel?: string;
}

export type EncoderWorkerMethod =
  'encodeQuery' | 'encodeProducts' | 'encodePassages' | 'encodeImages' | 'encodeTowerQuery' | 'release';

export interface EncoderWorkerRequest {
  id: number;
  method: EncoderWorkerMethod;
  input: unknown;
}

export interface SerialisedError {
  name: string;
  message: string;
  stack?: string;
}

export type EncoderWorkerReply =
  | { id: number; vectors: Float32Array[] }
  | { id: number; error: SerialisedError }
  | { ready: EncoderWorkerInfo }
  | { failed: SerialisedError };

/** A worker that died (not released) while calls were pending or while loading. */
export class EncoderWorkerCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncoderWorkerCrashedError';
  }
}

const BOOT = new URL('./encoder-worker-boot.js', import.meta.url);

const KNOWN: Record<string, new (message: string) => Error> = {
  EncoderIntegrityError,
  RangeError,
  TypeError,
};

/** The worker's error as thrown there: its class when known here, its name, message and stack. */
function revive(e: SerialisedError): Error {
  const Ctor = KNOWN[e.name] ?? Error;
  const err = new Ctor(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

interface Pending {
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: Promise<EncoderWorkerInfo>;
  pending: Map<number, Pending>;
}

/** One encoder in one worker thread; restarted by the next call after a crash. */
export class EncoderThread {
  private thread: Thread | undefined;
  private first: EncoderWorkerInfo | undefined;
  private released = false;
  private nextId = 1;

  constructor(private readonly data: EncoderWorkerData) {}

  /** The current worker (diagnostics and tests), undefined before the first call or after a crash or release. */
  get worker(): Worker | undefined {
    return this.thread?.worker;
  }

  /** Starts the worker (if none runs) and resolves with what it opened. */
  async open(): Promise<EncoderWorkerInfo> {
    if (this.released) throw new Error(`encoder ${this.first?.model ?? this.data.kind} was released`);
    const t = (this.thread ??= this.spawn());
    const info = await t.ready;
    if (this.first && (info.model !== this.first.model || info.dims !== this.first.dims)) {
      await this.release();
      throw new EncoderIntegrityError(
        `the restarted encoder worker opened ${info.model} (${info.dims} dims), not ${this.first.model} (${this.first.dims} dims): the model changed on disk`,
      );
    }
    this.first ??= info;
    return info;
  }

  async call(method: EncoderWorkerMethod, input: unknown): Promise<Float32Array[]> {
    await this.open();
    const t = this.thread;
    if (!t) throw new EncoderWorkerCrashedError(`the ${this.data.kind} encoder worker exited while starting`);
    return this.send(t, method, input);
  }

  private send(t: Thread, method: EncoderWorkerMethod, input: unknown): Promise<Float32Array[]> {
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      t.pending.set(id, { resolve, reject });
      // Held while a call is pending, so a CLI awaiting vectors does not exit under it.
      t.worker.ref();
      t.worker.postMessage({ id, method, input } satisfies EncoderWorkerRequest);
    });
  }

  /** Releases the encoder in the worker, then terminates the worker; later calls reject. */
  async release(): Promise<void> {
    if (this.released) return;
    const t = this.thread;
    if (t) await t.ready.then(() => this.send(t, 'release', null)).catch(() => undefined);
    this.released = true;
    this.thread = undefined;
    if (t) await t.worker.terminate();
  }

  private spawn(): Thread {
    const worker = new Worker(BOOT, { workerData: this.data, name: `${this.data.kind.toLowerCase()}-encoder` });
    const pending = new Map<number, Pending>();
    let lastError: Error | undefined;
    const thread: Thread = {
      worker,
      pending,
      ready: new Promise<EncoderWorkerInfo>((resolve, reject) => {
        worker.on('message', (m: EncoderWorkerReply) => {
          if ('ready' in m) {
            // An idle worker does not keep the process alive, like an in-process encoder.
            if (pending.size === 0) worker.unref();
            return resolve(m.ready);
          }
          if ('failed' in m) {
            reject(revive(m.failed));
            if (this.thread === thread) this.thread = undefined;
            void worker.terminate();
            return;
          }
          const p = pending.get(m.id);
          if (!p) return;
          pending.delete(m.id);
          if (pending.size === 0) worker.unref();
          if ('error' in m) p.reject(revive(m.error));
          else p.resolve(m.vectors);
        });
        worker.on('error', (err) => (lastError = err));
        worker.on('exit', (code) => {
          if (this.thread === thread) this.thread = undefined;
          const why = this.released
            ? `the ${this.data.kind} encoder was released`
            : `the ${this.data.kind} encoder worker exited (code ${code}${lastError ? `: ${lastError.message}` : ''})`;
          reject(new EncoderWorkerCrashedError(`${why} while loading`));
          for (const p of pending.values())
            p.reject(new EncoderWorkerCrashedError(`${why} with this call pending; the next call starts a new worker`));
          pending.clear();
        });
      }),
    };
    // Unhandled here when nobody awaits it yet; open() and call() report it.
    thread.ready.catch(() => undefined);
    return thread;
  }
}

/** The text encoder `choice` names, run in a worker thread (for bulk encoding; see above). */
export async function openTextEncoderInWorker(
  choice: TextEncoderChoice,
  options: EncoderWorkerOptions = {},
): Promise<TextEncoder & { readonly thread: EncoderThread }> {
  const thread = new EncoderThread({ kind: 'TEXT', choice, options });
  const info = await thread.open();
  return {
    model: info.model,
    dims: info.dims,
    pretrained: info.learnt,
    source: info.source,
    thread,
    encodeQuery: async (text: string) => (await thread.call('encodeQuery', text))[0]!,
    encodeProducts: (products: readonly ProductText[]) => thread.call('encodeProducts', products),
    encodePassages: (texts: readonly string[]) => thread.call('encodePassages', texts),
    release: () => thread.release(),
  };
}

/** The image encoder `choice` names, run in a worker thread (for bulk encoding; see above). */
export async function openImageEncoderInWorker(
  choice: ImageEncoderChoice,
  options: EncoderWorkerOptions = {},
): Promise<ImageEncoder & { readonly thread: EncoderThread }> {
  const thread = new EncoderThread({ kind: 'IMAGE', choice, options });
  const info = await thread.open();
  const tower = info.textTowerModel;
  return {
    model: info.model,
    dims: info.dims,
    trained: info.learnt,
    source: info.source,
    thread,
    encodeImages: (images: readonly (Buffer | string)[]) => thread.call('encodeImages', images),
    ...(tower
      ? {
          textTower: {
            model: tower,
            encodeQuery: async (text: string) => (await thread.call('encodeTowerQuery', text))[0]!,
          },
        }
      : {}),
    release: () => thread.release(),
  };
}
