import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import sharp from 'sharp';

const EXTENSION: Record<string, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'tif',
  heif: 'heic',
};

/** A file-system-safe stem for a sku; a short hash keeps two skus that sanitise alike apart. */
export function imageStem(sku: string): string {
  const safe = sku.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe === sku ? sku : `${safe}-${createHash('sha1').update(sku).digest('hex').slice(0, 8)}`;
}

/** Resolves `name` inside `dir`, refusing paths that climb out of it ("../../etc/passwd"). */
export function resolveInside(dir: string, name: string): string | undefined {
  const full = resolve(dir, name);
  const rel = relative(resolve(dir), full);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? full : undefined;
}

export type ImageResult = { ok: true; fileName: string; copied: boolean } | { ok: false; reason: string };

/**
 * Checks that `source` fully decodes as an image, then copies its original
 * bytes to `<outDir>/<sku>.<ext>` (ext from the decoded format). The copy goes
 * through a temporary file and a rename, so a crash never leaves half an image
 * under the final name; an identical file already there is left alone.
 */
export async function copyValidatedImage(source: string, sku: string, outDir: string): Promise<ImageResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(source);
  } catch (err) {
    return {
      ok: false,
      reason: `image ${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    };
  }
  let format: string | undefined;
  try {
    format = (await sharp(bytes).metadata()).format;
  } catch (err) {
    return { ok: false, reason: `image ${source} is not a decodable image (${firstLine(err)})` };
  }
  const ext = format ? EXTENSION[format] : undefined;
  if (!ext) return { ok: false, reason: `image ${source} has an unsupported format (${format ?? 'unknown'})` };
  const fileName = `${imageStem(sku)}.${ext}`;
  const target = join(outDir, fileName);
  // Only decoded images are ever written there, so an identical copy needs no second decode (fast re-runs).
  const existing = await readFile(target).catch(() => undefined);
  if (existing?.equals(bytes)) return { ok: true, fileName, copied: false };
  try {
    // A full decode: a truncated or corrupt body fails here even when the header is fine.
    await sharp(bytes, { failOn: 'error' }).raw().toBuffer();
  } catch (err) {
    return { ok: false, reason: `image ${source} is not a decodable image (${firstLine(err)})` };
  }
  await mkdir(outDir, { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, target);
  return { ok: true, fileName, copied: true };
}

/** Runs `fn` over `items` with at most `limit` in flight (image work is I/O and libvips threads, not the database). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const firstLine = (err: unknown) => (err as Error).message.split('\n')[0];
