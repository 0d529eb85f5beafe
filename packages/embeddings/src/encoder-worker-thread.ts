import { parentPort, workerData } from 'node:worker_threads';
import type {
  EncoderWorkerData,
  EncoderWorkerInfo,
  EncoderWorkerMethod,
  EncoderWorkerReply,
  EncoderWorkerRequest,
  SerialisedError,
} from './encoder-worker.ts';
import { openImageEncoder } from './image-encoder.ts';
import type { ProductText } from './text-features.ts';
import { openTextEncoder } from './text-encoder.ts';

/** The worker side of encoder-worker.ts: opens the encoder, then answers encode requests. */

const port = parentPort!;
const data = workerData as EncoderWorkerData;

const serialise = (err: unknown): SerialisedError =>
  err instanceof Error
    ? { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) }
    : { name: 'Error', message: String(err) };

const reply = (m: EncoderWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

type Handlers = Record<EncoderWorkerMethod, (input: never) => Promise<Float32Array[]>>;

async function open(): Promise<{ info: EncoderWorkerInfo; handlers: Handlers }> {
  if (data.kind === 'TEXT') {
    const e = await openTextEncoder(data.choice, data.options);
    return {
      info: { model: e.model, dims: e.dims, learnt: e.pretrained, source: e.source },
      handlers: {
        encodeQuery: async (text: string) => [await e.encodeQuery(text)],
        encodeProducts: (products: ProductText[]) => e.encodeProducts(products),
        encodePassages: (texts: string[]) => e.encodePassages(texts),
        encodeImages: () => Promise.reject(new TypeError('a text encoder does not encode images')),
        encodeTowerQuery: () => Promise.reject(new TypeError('a text encoder has no text tower')),
        release: async () => (await e.release(), []),
      },
    };
  }
  const e = await openImageEncoder(data.choice, data.options);
  const tower = e.textTower;
  const notText = () => Promise.reject(new TypeError('an image encoder does not encode products or passages'));
  return {
    info: {
      model: e.model,
      dims: e.dims,
      learnt: e.trained,
      source: e.source,
      ...(tower ? { textTowerModel: tower.model } : {}),
    },
    handlers: {
      encodeImages: (images: (Buffer | string)[]) => e.encodeImages(images),
      encodeTowerQuery: async (text: string) => {
        if (!tower) throw new TypeError(`image encoder ${e.model} has no text tower`);
        return [await tower.encodeQuery(text)];
      },
      encodeQuery: notText,
      encodeProducts: notText,
      encodePassages: notText,
      release: async () => (await e.release(), []),
    },
  };
}

/** Each vector's own buffer, to transfer (a view into a larger buffer is copied first). */
function transferable(vectors: Float32Array[]): { vectors: Float32Array[]; buffers: ArrayBuffer[] } {
  const seen = new Set<ArrayBufferLike>();
  const out = vectors.map((v) => {
    const own = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && !seen.has(v.buffer) ? v : v.slice();
    seen.add(own.buffer);
    return own;
  });
  return { vectors: out, buffers: out.map((v) => v.buffer as ArrayBuffer) };
}

try {
  const { info, handlers } = await open();
  port.on('message', (m: EncoderWorkerRequest) => {
    handlers[m.method](m.input as never).then(
      (raw) => {
        const { vectors, buffers } = transferable(raw);
        reply({ id: m.id, vectors }, buffers);
      },
      (err: unknown) => reply({ id: m.id, error: serialise(err) }),
    );
  });
  reply({ ready: info });
} catch (err) {
  reply({ failed: serialise(err) });
}
