import sharp, { type Metadata } from 'sharp';

/** Largest image accepted (encoded bytes): a phone photo fits, a raw scan does not. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/**
 * Largest decoded image (width × height): 50 megapixels, above any phone camera. sharp
 * refuses bigger inputs before allocating their pixels, so a small file claiming
 * 20,000 × 20,000 (a decompression bomb) costs nothing.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;

/** The input is not an image the encoders can use; the message says why, for the caller. */
export class UnusableImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableImageError';
  }
}

/** sharp's decoder options for untrusted input: corrupt or truncated pixel data is an error, not grey rows. */
const decodeOptions = { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS } as const;

/** Uploads are normalised to at most this many pixels a side (the encoders need far fewer). */
export const NORMALISED_MAX_SIDE = 1024;

/**
 * Checks an uploaded image before anything uses it — size, a JPEG/PNG/WebP header, the
 * pixel count, and that the whole image decodes (a truncated file fails here) — and
 * returns it normalised: EXIF orientation applied (so every encoder sees it upright),
 * at most 1024 px a side, as a PNG.
 */
export async function normaliseImage(
  bytes: Buffer,
): Promise<{ format: string; width: number; height: number; image: Buffer }> {
  if (bytes.length === 0) throw new UnusableImageError('the image is empty');
  if (bytes.length > MAX_IMAGE_BYTES)
    throw new UnusableImageError(`the image is ${bytes.length} bytes; at most ${MAX_IMAGE_BYTES} are accepted`);
  let meta: Metadata;
  try {
    // The header only: the pixel count is checked below, with a clearer message than sharp's.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnusableImageError('not a JPEG, PNG or WebP image');
  }
  const format = meta.format ?? 'unknown';
  if (!(IMAGE_FORMATS as readonly string[]).includes(format))
    throw new UnusableImageError(`${format} images are not accepted; send JPEG, PNG or WebP`);
  const { width = 0, height = 0 } = meta;
  if (width < 1 || height < 1) throw new UnusableImageError('the image has no pixels');
  if (width * height > MAX_IMAGE_PIXELS)
    throw new UnusableImageError(
      `the image is ${width} × ${height} pixels; at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels are accepted`,
    );
  try {
    // Decodes every pixel: the only way to know the data is whole.
    const image = await sharp(bytes, decodeOptions)
      .rotate()
      .resize(NORMALISED_MAX_SIDE, NORMALISED_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .png({ compressionLevel: 1 })
      .toBuffer();
    return { format, width, height, image };
  } catch {
    throw new UnusableImageError('the image data is truncated or corrupt');
  }
}

/**
 * An image as the trained encoders see it: EXIF orientation applied, transparency on
 * white, the whole picture fitted (not cropped) into a white side × side square, as catalog
 * photos are shot; RGB bytes, row-major, channels last. Training (the dataset export) and
 * serving both come through here, so a model never sees pixels prepared another way.
 */
export async function imagePixels(input: Buffer | string, side: number): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(input, decodeOptions)
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(side, side, { fit: 'contain', background: '#ffffff', kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== side || info.height !== side)
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    throw new UnusableImageError(`cannot decode the image: ${(err as Error).message.split('\n')[0]}`);
  }
}
