import { readFileSync, writeFileSync } from 'node:fs';
import { ArtifactChecksumError, ArtifactFormatError } from './errors.ts';

/**
 * Compact binary model artifact (little-endian):
 *
 *   0   "RGRS"                magic
 *   4   u32 version (= 1)
 *   8   u32 H                 header length
 *   12  H bytes UTF-8 JSON    { kind, meta, arrays: [{ name, dtype, length, offset }] }
 *   ..  zero padding to a multiple of 8 (data start)
 *   ..  array payloads, each at data start + offset (8-byte aligned)
 *   end−4  u32 CRC-32 (IEEE) of every preceding byte
 */
export type ArrayValue = Float32Array | Float64Array | Int32Array | Uint8Array;
export interface Artifact {
  kind: string;
  meta: Record<string, unknown>;
  arrays: Record<string, ArrayValue>;
}

const MAGIC = [0x52, 0x47, 0x52, 0x53]; // RGRS
const VERSION = 1;
const DTYPES = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: ArrayValue): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

let CRC_TABLE: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const pad8 = (n: number) => (n + 7) & ~7;

export function encodeArtifact(a: Artifact): Uint8Array {
  const entries: { name: string; dtype: DType; length: number; offset: number }[] = [];
  let off = 0;
  for (const [name, arr] of Object.entries(a.arrays)) {
    entries.push({ name, dtype: dtypeOf(arr), length: arr.length, offset: off });
    off = pad8(off + arr.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ kind: a.kind, meta: a.meta, arrays: entries }));
  const dataStart = pad8(12 + header.length);
  const total = dataStart + off + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, header.length, true);
  out.set(header, 12);
  for (const e of entries) {
    const arr = a.arrays[e.name]!;
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), dataStart + e.offset);
  }
  dv.setUint32(total - 4, crc32(out, 0, total - 4), true);
  return out;
}

export function decodeArtifact(bytes: Uint8Array): Artifact {
  if (bytes.length < 16 || MAGIC.some((m, i) => bytes[i] !== m))
    throw new ArtifactFormatError('bad magic (not a recsys model)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes, 0, bytes.length - 4);
  if (stored !== actual) throw new ArtifactChecksumError(stored, actual);
  const version = dv.getUint32(4, true);
  if (version !== VERSION) throw new ArtifactFormatError(`unsupported version ${version}`);
  const h = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h))) as {
    kind: string;
    meta: Record<string, unknown>;
    arrays: { name: string; dtype: DType; length: number; offset: number }[];
  };
  const dataStart = pad8(12 + h);
  const arrays: Record<string, ArrayValue> = {};
  for (const e of header.arrays) {
    const Ctor = DTYPES[e.dtype];
    if (!Ctor) throw new ArtifactFormatError(`unknown dtype ${e.dtype}`);
    const start = dataStart + e.offset;
    const len = e.length * Ctor.BYTES_PER_ELEMENT;
    if (start + len > bytes.length - 4) throw new ArtifactFormatError(`array ${e.name} runs past the end`);
    // Copy (aligned, independent of the input buffer).
    arrays[e.name] = new Ctor(bytes.slice(start, start + len).buffer);
  }
  return { kind: header.kind, meta: header.meta, arrays };
}

export function writeArtifactFile(path: string, bytes: Uint8Array): void {
  writeFileSync(path, bytes);
}
export function readArtifactFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
