import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { EncoderIntegrityError } from '../src/encoder.ts';
import { EncoderWorkerCrashedError, openImageEncoderInWorker, openTextEncoderInWorker } from '../src/encoder-worker.ts';
import { chooseImageEncoder, openImageEncoder, type ImageEncoder } from '../src/image-encoder.ts';
import { DEFAULT_TEXT_ENCODER_DIR, openTextEncoder, type TextEncoder } from '../src/text-encoder.ts';
import { writeTinyClipModel } from '../scripts/tiny-clip.ts';

/**
 * Encoders run in a worker thread (bulk encoding off the event loop): the same vectors as
 * in-process, errors with their original message, release and crash handling, and the
 * point of it all: the event loop keeps turning while a batch is encoded.
 */
const work = mkdtempSync(join(tmpdir(), 'rg-encoder-worker-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const minilm = DEFAULT_TEXT_ENCODER_DIR;
const minilmPresent = existsSync(join(minilm, 'model.onnx')) && existsSync(join(minilm, 'tokenizer.json'));

const products = [
  {
    title: 'Trail running shoe',
    description: 'Light, grippy sole for wet rock.',
    brand: 'Nordpeak',
    category: 'shoes',
  },
  { title: 'Merino base layer', description: 'Warm when damp.', attributes: { size: 'M', colour: 'grey' } },
  { title: 'Espresso grinder', brand: null, category: 'kitchen/coffee' },
];
const words = 'warm light waterproof cotton steel grinder coffee shoe jacket hiking return refund shipping size'.split(
  ' ',
);
/** Deterministic passages of about 60 words, the length of the assistant's knowledge chunks. */
const passages = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: 60 }, (_, j) => words[(i * 7 + j * 3 + ((i * j) % 5)) % words.length]).join(' '),
  );

const plain = (vs: Float32Array[]) => vs.map((v) => Array.from(v));

async function sameText(inProcess: TextEncoder, inWorker: TextEncoder) {
  expect({
    model: inWorker.model,
    dims: inWorker.dims,
    pretrained: inWorker.pretrained,
    source: inWorker.source,
  }).toEqual({
    model: inProcess.model,
    dims: inProcess.dims,
    pretrained: inProcess.pretrained,
    source: inProcess.source,
  });
  const texts = passages(5);
  expect(plain(await inWorker.encodePassages(texts))).toEqual(plain(await inProcess.encodePassages(texts)));
  expect(plain(await inWorker.encodeProducts(products))).toEqual(plain(await inProcess.encodeProducts(products)));
  expect(Array.from(await inWorker.encodeQuery('warm jacket'))).toEqual(
    Array.from(await inProcess.encodeQuery('warm jacket')),
  );
  expect(await inWorker.encodePassages([])).toEqual([]);
}

describe('text encoder in a worker thread', () => {
  it('returns exactly the built-in encoder’s vectors', async () => {
    const choice = { dir: undefined, reason: 'test' };
    const [a, b] = await Promise.all([openTextEncoder(choice), openTextEncoderInWorker(choice)]);
    try {
      await sameText(a, b);
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });

  it.runIf(!!process.env.CI)('has the fetched all-MiniLM-L6-v2 under CI', () => {
    expect(
      minilmPresent,
      `${minilm}: scripts/models/fetch-minilm.sh (run by npm run infra:up) did not provide it`,
    ).toBe(true);
  });

  it.skipIf(!minilmPresent)('returns exactly all-MiniLM-L6-v2’s vectors', async () => {
    const choice = { dir: minilm, reason: 'test' };
    const [a, b] = await Promise.all([
      openTextEncoder(choice, { threads: 1 }),
      openTextEncoderInWorker(choice, { threads: 1 }),
    ]);
    try {
      await sameText(a, b);
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });

  it('rejects the open with the loader’s error, and release terminates the worker', async () => {
    const broken = join(work, 'broken-minilm');
    rmSync(broken, { recursive: true, force: true });
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.onnx'), 'not a model');
    writeFileSync(join(broken, 'tokenizer.json'), '{}');
    const inProcess = await openTextEncoder({ dir: broken, reason: 'test' }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(inProcess).toBeInstanceOf(Error);
    await expect(openTextEncoderInWorker({ dir: broken, reason: 'test' })).rejects.toThrow(inProcess!.message);

    const e = await openTextEncoderInWorker({ dir: undefined, reason: 'test' });
    const worker = e.thread.worker!;
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    await e.release();
    await exited;
    expect(e.thread.worker).toBeUndefined();
    await expect(e.encodePassages(['after release'])).rejects.toThrow(/was released/);
    await e.release();
  });

  it('a crashed worker fails the pending calls clearly; the next call starts a new one', async () => {
    const e = await openTextEncoderInWorker({ dir: undefined, reason: 'test' });
    try {
      const expected = plain(await e.encodePassages(passages(3)));
      const first = e.thread.worker!;
      const pending = e.encodePassages(passages(2000));
      // A worker dying under a call (out of memory, a native crash) looks like this to the caller.
      await first.terminate();
      const err = await pending.then(
        () => undefined,
        (x: Error) => x,
      );
      expect(err).toBeInstanceOf(EncoderWorkerCrashedError);
      expect(err?.message).toMatch(
        /TEXT encoder worker exited \(code 1\) with this call pending; the next call starts a new worker/,
      );
      expect(plain(await e.encodePassages(passages(3)))).toEqual(expected);
      expect(e.thread.worker).not.toBe(first);
    } finally {
      await e.release();
    }
  });
});

const solid = (colour: string) =>
  sharp({ create: { width: 48, height: 64, channels: 3, background: colour } })
    .png()
    .toBuffer();

async function sameImages(inProcess: ImageEncoder, inWorker: ImageEncoder) {
  expect({ model: inWorker.model, dims: inWorker.dims, trained: inWorker.trained, source: inWorker.source }).toEqual({
    model: inProcess.model,
    dims: inProcess.dims,
    trained: inProcess.trained,
    source: inProcess.source,
  });
  const images = [await solid('#336699'), await solid('#c01020')];
  const file = join(work, 'photo.png');
  writeFileSync(file, await solid('#10a040'));
  expect(plain(await inWorker.encodeImages([...images, file]))).toEqual(
    plain(await inProcess.encodeImages([...images, file])),
  );
  // An unreadable photo: the worker's rejection carries the decoder's own message.
  const missing = join(work, 'no-such-photo.jpg');
  const original = await inProcess.encodeImages([missing]).then(
    () => undefined,
    (err: Error) => err,
  );
  expect(original).toBeInstanceOf(Error);
  await expect(inWorker.encodeImages([missing])).rejects.toThrow(original!.message);
}

describe('image encoder in a worker thread', () => {
  for (const [name, choice] of [
    ['the built-in grid descriptor', chooseImageEncoder('builtin')],
    ['the shipped CNN', chooseImageEncoder()],
  ] as const)
    it(`returns exactly ${name}’s vectors; errors keep their message`, async () => {
      const [a, b] = await Promise.all([openImageEncoder(choice), openImageEncoderInWorker(choice)]);
      try {
        await sameImages(a, b);
      } finally {
        await Promise.all([a.release(), b.release()]);
      }
    });

  it('runs a two-tower model’s text tower too; a tampered model fails the open with EncoderIntegrityError', async () => {
    const tiny = join(work, 'tiny');
    writeTinyClipModel(tiny);
    const choice = { dir: tiny, reason: 'test' };
    const [a, b] = await Promise.all([openImageEncoder(choice), openImageEncoderInWorker(choice)]);
    try {
      await sameImages(a, b);
      expect(b.textTower?.model).toBe(a.textTower?.model);
      expect(Array.from(await b.textTower!.encodeQuery('red shirt'))).toEqual(
        Array.from(await a.textTower!.encodeQuery('red shirt')),
      );
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
    writeFileSync(join(tiny, 'model.onnx'), 'tampered');
    await expect(openImageEncoderInWorker(choice)).rejects.toBeInstanceOf(EncoderIntegrityError);
    await expect(openImageEncoderInWorker(choice)).rejects.toThrow(/model.onnx has sha256 [0-9a-f]{64}, .* says/);
  });
});

/**
 * The largest delay of a timer chain while `work` runs: how long a request arriving then
 * would have waited for the event loop.
 */
async function maxLoopLag(work: () => Promise<unknown>): Promise<number> {
  let max = 0;
  let running = true;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
    if (running) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  await work();
  running = false;
  return max;
}

describe.skipIf(!minilmPresent)('bulk encoding keeps the event loop responsive', () => {
  it('encoding passages with all-MiniLM-L6-v2 stalls the loop in-process, not in a worker', async () => {
    const choice = { dir: minilm, reason: 'test' };
    const [inProcess, inWorker] = await Promise.all([
      openTextEncoder(choice, { threads: 1 }),
      openTextEncoderInWorker(choice, { threads: 1 }),
    ]);
    try {
      const texts = passages(256);
      // In batches of 64, as the embedding pipeline encodes.
      const bulk = (e: TextEncoder) => async () => {
        for (let i = 0; i < texts.length; i += 64) await e.encodePassages(texts.slice(i, i + 64));
      };
      const started = performance.now();
      const blocked = await maxLoopLag(bulk(inProcess));
      const batchMs = (performance.now() - started) / 4;
      const free = await maxLoopLag(bulk(inWorker));
      // Relative, not absolute: on a loaded 2-core machine both grow, but in-process the loop
      // waits for a whole batch while the worker leaves it to the scheduler.
      expect(blocked).toBeGreaterThan(batchMs / 2);
      expect(free).toBeLessThan(blocked / 3);
      console.log(
        `max event-loop lag during 256 passages: in-process ${blocked.toFixed(0)} ms (batch ≈ ${batchMs.toFixed(0)} ms), worker ${free.toFixed(0)} ms`,
      );
    } finally {
      await Promise.all([inProcess.release(), inWorker.release()]);
    }
  });
});
