import sharp from 'sharp';
import { IMAGE_FEATURE_DIMS } from './contract.ts';

const SIDE = 64;

function normaliseInPlace(v: Float32Array, from: number, to: number, weight: number): void {
  let n = 0;
  for (let i = from; i < to; i++) n += v[i]! * v[i]!;
  if (n === 0) return;
  const s = weight / Math.sqrt(n);
  for (let i = from; i < to; i++) v[i]! *= s;
}

/**
 * A look descriptor from the pixels: a joint colour histogram (what colours),
 * an 8×8 colour layout (where), and gradient energy by orientation in a 4×4
 * grid (stripes, dots and checks differ in their edge directions and density).
 * Each block is L2-normalised and weighted, so none dominates by its size.
 * Alpha is flattened onto white, as a storefront shows the image.
 */
export async function imageFeatures(input: Buffer | string): Promise<Float32Array> {
  const { data, info } = await sharp(input)
    .flatten({ background: '#ffffff' })
    .resize(SIDE, SIDE, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== SIDE || info.height !== SIDE)
    throw new Error(`unexpected decoded image ${info.width}x${info.height}x${info.channels}`);
  const out = new Float32Array(IMAGE_FEATURE_DIMS);
  const gray = new Float32Array(SIDE * SIDE);
  for (let p = 0; p < SIDE * SIDE; p++) {
    const r = data[p * 3]! / 255;
    const g = data[p * 3 + 1]! / 255;
    const b = data[p * 3 + 2]! / 255;
    gray[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    // Colour histogram: 4 levels per channel.
    const bin =
      Math.min(3, Math.floor(r * 4)) * 16 + Math.min(3, Math.floor(g * 4)) * 4 + Math.min(3, Math.floor(b * 4));
    out[bin]! += 1;
    // Layout: mean colour per 8×8-pixel cell, centred so that a mid grey is zero.
    const x = p % SIDE;
    const y = Math.floor(p / SIDE);
    const cell = (Math.floor(y / 8) * 8 + Math.floor(x / 8)) * 3;
    out[64 + cell]! += (r - 0.5) / 64;
    out[64 + cell + 1]! += (g - 0.5) / 64;
    out[64 + cell + 2]! += (b - 0.5) / 64;
  }
  // Edges: central differences, magnitude binned by orientation (0°, 45°, 90°, 135°) per 16×16 cell.
  for (let y = 1; y < SIDE - 1; y++)
    for (let x = 1; x < SIDE - 1; x++) {
      const gx = gray[y * SIDE + x + 1]! - gray[y * SIDE + x - 1]!;
      const gy = gray[(y + 1) * SIDE + x]! - gray[(y - 1) * SIDE + x]!;
      const mag = Math.hypot(gx, gy);
      if (mag < 1e-3) continue;
      const angle = (Math.atan2(gy, gx) + Math.PI) % Math.PI;
      const orientation = Math.round(angle / (Math.PI / 4)) % 4;
      const cell = Math.floor(y / 16) * 4 + Math.floor(x / 16);
      out[256 + cell * 4 + orientation]! += mag;
    }
  normaliseInPlace(out, 0, 64, 1);
  normaliseInPlace(out, 64, 256, 0.8);
  normaliseInPlace(out, 256, 320, 0.8);
  return out;
}
