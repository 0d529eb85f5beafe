import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { EncoderIntegrityError } from '../src/encoder.ts';
import { exportImageDataset, isHeldOut } from '../src/image-dataset.ts';
import {
  chooseImageEncoder,
  loadImageEncoder,
  openImageEncoder,
  readImageEncoderDescriptor,
  SHIPPED_IMAGE_ENCODER_DIR,
} from '../src/image-encoder.ts';
import { writeTinyClipModel } from '../scripts/tiny-clip.ts';

/** The image-encoder loader: model directories, their checks, the shipped CNN and the built-in fallback. */
const work = mkdtempSync(join(tmpdir(), 'rg-image-encoder-'));
const tiny = join(work, 'tiny');
writeTinyClipModel(tiny);

/** A copy of the tiny model directory with `change` applied. */
function variant(name: string, change: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(tiny, dir, { recursive: true });
  change(dir);
  return dir;
}
const editDescriptor = (dir: string, edit: (d: Record<string, unknown>) => void) => {
  const file = join(dir, 'image-encoder.json');
  const d = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(d);
  writeFileSync(file, JSON.stringify(d));
};

const solid = (colour: string) =>
  sharp({ create: { width: 48, height: 64, channels: 3, background: colour } })
    .png()
    .toBuffer();

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('image encoders', () => {
  it('chooses IMAGE_ENCODER_DIR, "builtin", else the shipped trained CNN; an unusable directory is an error', () => {
    expect(chooseImageEncoder('builtin').dir).toBeUndefined();
    expect(chooseImageEncoder(tiny).dir).toBe(tiny);
    expect(() => chooseImageEncoder(join(work, 'nowhere'))).toThrow(/IMAGE_ENCODER_DIR: .* is not a directory/);
    expect(() => chooseImageEncoder(work)).toThrow(/has no image-encoder.json/);
    expect(chooseImageEncoder().dir).toBe(SHIPPED_IMAGE_ENCODER_DIR);
  });

  it('loads a two-tower directory: L2-normalised image vectors and a text tower into the same space', async () => {
    const e = await loadImageEncoder(tiny);
    try {
      expect({ model: e.model, dims: e.dims, trained: e.trained, tower: e.textTower?.model }).toEqual({
        model: 'tiny-clip@1',
        dims: 3,
        trained: true,
        tower: expect.stringMatching(/^tiny-clip-text@1/),
      });
      const [red, green] = await e.encodeImages([await solid('#ff0000'), await solid('#00ff00')]);
      for (const v of [red!, green!]) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      const text = await e.textTower!.encodeQuery('red');
      const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
      expect(cos(text, red!)).toBeGreaterThan(cos(text, green!));
    } finally {
      await e.release();
    }
  });

  it('refuses a model whose checksum, descriptor, tensor names or tower sizes do not match', async () => {
    const tampered = variant('tampered', (dir) => {
      const bytes = readFileSync(join(dir, 'model.onnx'));
      bytes[bytes.length - 1]! ^= 0xff;
      writeFileSync(join(dir, 'model.onnx'), bytes);
    });
    await expect(loadImageEncoder(tampered)).rejects.toThrow(/model.onnx has sha256 [0-9a-f]{64}, .* says/);
    const invalid = variant('invalid', (dir) => editDescriptor(dir, (d) => delete d.output));
    await expect(loadImageEncoder(invalid)).rejects.toThrow(/invalid .*image-encoder.json: output/);
    const names = variant('names', (dir) => editDescriptor(dir, (d) => (d.input = { name: 'pixels', side: 8 })));
    await expect(loadImageEncoder(names)).rejects.toThrow(/image-encoder.json names pixels → embedding/);
    const dims = variant('dims', (dir) => editDescriptor(dir, (d) => (d.output = { name: 'embedding', dims: 4 })));
    await expect(loadImageEncoder(dims)).rejects.toThrow(/text tower embeds into 3 dims, the image tower into 4/);
    for (const dir of [tampered, invalid, names, dims])
      await expect(loadImageEncoder(dir)).rejects.toBeInstanceOf(EncoderIntegrityError);
  });

  it('ships a small trained CNN with its checksum and provenance; same colour and shape are nearer', async () => {
    const d = readImageEncoderDescriptor(SHIPPED_IMAGE_ENCODER_DIR);
    expect(d.output.dims).toBe(64);
    expect(readFileSync(join(SHIPPED_IMAGE_ENCODER_DIR, 'model.onnx')).length).toBeLessThan(4_000_000);
    expect(d.provenance).toMatchObject({ heldOutShare: 0.2, heldOut: { articleAccuracy: expect.any(Number) } });
    const e = await openImageEncoder(chooseImageEncoder());
    try {
      expect(e.trained).toBe(true);
      const shirt = (colour: string, dx = 0) =>
        sharp({ create: { width: 60, height: 80, channels: 3, background: '#ffffff' } })
          .composite([
            { input: { create: { width: 30, height: 60, channels: 3, background: colour } }, left: 15 + dx, top: 12 },
          ])
          .png()
          .toBuffer();
      const [a, b, c] = await e.encodeImages([
        await shirt('#c01020'),
        await shirt('#c01020', 2),
        await shirt('#1030c0'),
      ]);
      const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
      expect(cos(a!, b!)).toBeGreaterThan(cos(a!, c!));
    } finally {
      await e.release();
    }
  });

  it('falls back to the built-in grid descriptor', async () => {
    const e = await openImageEncoder(chooseImageEncoder('builtin'));
    try {
      expect({ model: e.model, dims: e.dims, trained: e.trained, source: e.source }).toEqual({
        model: 'recgraph-image-grid-v1',
        dims: 64,
        trained: false,
        source: 'built-in',
      });
      const [v] = await e.encodeImages([await solid('#336699')]);
      expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    } finally {
      await e.release();
    }
  });

  it('exports the trainer input: photos as serving prepares them, labels and a split stable by SKU', async () => {
    const dir = join(work, 'dataset');
    const photos = await Promise.all(
      ['#ff0000', '#00ff00', '#0000ff'].map(async (c, i) => {
        const path = join(work, `p${i}.png`);
        writeFileSync(path, await solid(c));
        return { productId: `id-${i}`, sku: `SKU-${i}`, path, article: i < 2 ? 'Tshirts' : 'Jeans', colour: c };
      }),
    );
    writeFileSync(join(work, 'broken.png'), 'not a png');
    const broken = {
      productId: 'x',
      sku: 'SKU-X',
      path: join(work, 'broken.png'),
      article: 'Jeans',
      colour: undefined,
    };
    mkdirSync(dir);
    const r = await exportImageDataset([...photos, broken], dir, { side: 16, holdout: 0.5 });
    expect(r).toMatchObject({ unreadable: 1, articleClasses: ['Jeans', 'Tshirts'] });
    expect(readFileSync(join(dir, 'pixels.u8')).length).toBe(3 * 16 * 16 * 3);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ side: 16, article: [1, 1, 0], colour: [2, 1, 0] });
    expect(meta.heldOut).toEqual(photos.map((p) => isHeldOut(p.sku, 0.5)));
    // About the share asked for, and the same on every call.
    const skus = Array.from({ length: 2000 }, (_, i) => `S${i}`);
    const held = skus.filter((k) => isHeldOut(k, 0.2)).length / skus.length;
    expect(held).toBeGreaterThan(0.17);
    expect(held).toBeLessThan(0.23);
    expect(skus.filter((k) => isHeldOut(k, 0.2))).toEqual(skus.filter((k) => isHeldOut(k, 0.2)));
  });
});
