/**
 * Record-batch compression for the Kafka bus: every codec a Kafka producer may use
 * (gzip, snappy, lz4, zstd), registered with kafkajs, and what happens to a batch
 * that still cannot be decompressed.
 *
 * kafkajs decompresses while it decodes a whole fetch response; a codec that throws
 * fails the fetch for every partition in it, the consumer crashes, restarts, fetches
 * the same batch and crashes again, for ever. So a failing decompress does not
 * throw: it locates the record batch it was handed (the compressed bytes are a view
 * into the fetch response, directly after the batch header), and returns one
 * placeholder record per record of the batch, with the batch's real offsets, marked
 * with a header only this process can write. The bus recognises them with
 * `undecodableBatchOf`, reports the batch (error log, hook) and commits past it;
 * the other batches of the same fetch are decoded and delivered as usual.
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as zstd from '@bokuweb/zstd-wasm';
import kafkajs from 'kafkajs';
import * as lz4 from 'lz4-napi';
import * as snappy from 'snappy';

const { CompressionCodecs, CompressionTypes } = kafkajs;

export const KAFKA_CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCodecName = (typeof KAFKA_CODECS)[number];

const CODEC_TYPE = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const satisfies Record<KafkaCodecName, number>;

interface Codec {
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const gzip = promisify(zlib.gzip);
// unzip, as kafkajs's own codec: gzip, and zlib streams from lenient producers.
const unzip = promisify(zlib.unzip);

/** Java producers (snappy-java's SnappyOutputStream) frame snappy blocks; librdkafka and kafkajs do not. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16; // magic, version (int32), compatible version (int32)

async function snappyUncompress(data: Buffer): Promise<Buffer> {
  return (await snappy.uncompress(data, { asBuffer: true })) as Buffer;
}

const snappyCodec: Codec = {
  compress: (data) => snappy.compress(data),
  async decompress(data) {
    if (data.length < XERIAL_HEADER || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC))
      return snappyUncompress(data);
    // Xerial: after the header, blocks of [int32 compressed length][raw snappy].
    const blocks: Buffer[] = [];
    for (let at = XERIAL_HEADER; at < data.length;) {
      if (at + 4 > data.length) throw new Error('truncated xerial snappy block header');
      const size = data.readInt32BE(at);
      if (size < 0 || at + 4 + size > data.length) throw new Error('truncated xerial snappy block');
      blocks.push(await snappyUncompress(data.subarray(at + 4, at + 4 + size)));
      at += 4 + size;
    }
    return Buffer.concat(blocks);
  },
};

/** Kafka's lz4 is the LZ4 frame format (librdkafka, Java's KafkaLZ4BlockOutputStream). */
const lz4Codec: Codec = {
  compress: (data) => lz4.compressFrame(data),
  decompress: (data) => lz4.decompressFrame(data),
};

let zstdReady: Promise<void> | undefined;
/** Largest decompressed batch we grow to for zstd frames that do not state their size. */
const ZSTD_MAX_UNKNOWN_SIZE = 256 * 1024 * 1024;
/** @bokuweb/zstd-wasm's error for "destination buffer too small" (ZSTD_error_dstSize_tooSmall). */
const ZSTD_DST_TOO_SMALL = /code -70$/;

const zstdCodec: Codec = {
  async compress(data) {
    await (zstdReady ??= zstd.init());
    return Buffer.from(zstd.compress(data, 3));
  },
  async decompress(data) {
    await (zstdReady ??= zstd.init());
    // Frames from streaming compressors (Java's zstd-jni) omit the content size; the library
    // then decodes into a fixed-size buffer, so grow it until the batch fits.
    for (let heap = Math.max(1 << 20, data.length * 8); ; heap *= 2) {
      try {
        return Buffer.from(zstd.decompress(data, { defaultHeapSize: heap }));
      } catch (err) {
        if (heap >= ZSTD_MAX_UNKNOWN_SIZE || !(err instanceof Error) || !ZSTD_DST_TOO_SMALL.test(err.message))
          throw err;
      }
    }
  },
};

const gzipCodec: Codec = { compress: (data) => gzip(data), decompress: (data) => unzip(data) };

const IMPLEMENTATIONS: Record<KafkaCodecName, Codec> = {
  gzip: gzipCodec,
  snappy: snappyCodec,
  lz4: lz4Codec,
  zstd: zstdCodec,
};

let enabled = new Set<KafkaCodecName>(KAFKA_CODECS);

/**
 * Which codecs this process decodes (default: all). Process-wide, as kafkajs's codec
 * registry is. A batch in a codec left out is skipped like a corrupt one, which is how
 * the tests make an undecodable batch, and how an operator could sideline a codec
 * whose library misbehaves.
 */
export function setKafkaCodecs(codecs: readonly KafkaCodecName[]): void {
  enabled = new Set(codecs);
}

/** What the bus learns about a record batch it could not decompress. */
export interface UndecodableBatchInfo {
  codec: KafkaCodecName;
  /** First and last offset of the batch (decimal strings). */
  firstOffset: string;
  lastOffset: string;
  /** Records the batch holds (fewer than the offset span after compaction). */
  records: number;
  /** The decompression error. */
  reason: string;
  /** The whole record batch as the broker stored it (header + compressed records), for forensics and replay. */
  raw: Buffer;
}

// Placeholder records carry this header, valued with a per-process secret, so no producer
// can forge one; the batch's first placeholder key names the batch, the last carries the details.
const MARKER_HEADER = 'x-recgraph-undecodable-batch';
const MARKER_SECRET = randomBytes(16).toString('hex');

/**
 * Record batch v2 layout up to the records: baseOffset int64, batchLength int32,
 * partitionLeaderEpoch int32, magic int8, crc int32, attributes int16,
 * lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId int64,
 * producerEpoch int16, baseSequence int32, recordCount int32.
 */
const BATCH_HEADER = 61;
const LENGTH_FIELD_END = 12;

interface LocatedBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  records: number;
  raw: Buffer;
}

/**
 * The batch header in front of `compressed`, or undefined when the bytes there are not
 * the header of exactly this batch. kafkajs hands codecs a view into the fetch response
 * (Decoder.readAll → Buffer#slice shares memory), so the header is read from the same
 * memory and checked field by field against what must hold: magic 2, a batch length
 * that ends exactly where the compressed records end, this codec in the attributes, and
 * a record count the offset span can hold.
 */
function locateBatch(compressed: Buffer, codecType: number): LocatedBatch | undefined {
  if (compressed.byteOffset < BATCH_HEADER) return undefined;
  const start = compressed.byteOffset - BATCH_HEADER;
  const header = Buffer.from(compressed.buffer, start, BATCH_HEADER);
  const batchLength = header.readInt32BE(8);
  const magic = header.readInt8(16);
  const attributes = header.readInt16BE(21);
  const lastOffsetDelta = header.readInt32BE(23);
  const records = header.readInt32BE(57);
  const consistent =
    magic === 2 &&
    batchLength === BATCH_HEADER - LENGTH_FIELD_END + compressed.length &&
    (attributes & 0x07) === codecType &&
    records > 0 &&
    lastOffsetDelta >= records - 1;
  if (!consistent) return undefined;
  return {
    firstOffset: header.readBigInt64BE(0),
    lastOffsetDelta,
    records,
    raw: Buffer.from(Buffer.from(compressed.buffer, start, BATCH_HEADER + compressed.length)),
  };
}

function zigzagVarint(n: number): number[] {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z > 0x7f) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return out;
}

function varBytes(bytes: Buffer | null): Buffer {
  return bytes === null
    ? Buffer.from(zigzagVarint(-1))
    : Buffer.concat([Buffer.from(zigzagVarint(bytes.length)), bytes]);
}

/** One record in the v2 record format kafkajs decodes (attributes, deltas, key, value, headers). */
function encodeRecord(offsetDelta: number, key: string, value: Buffer | null, headers: [string, string][]): Buffer {
  const body = Buffer.concat([
    Buffer.from([0, ...zigzagVarint(0), ...zigzagVarint(offsetDelta)]),
    varBytes(Buffer.from(key)),
    varBytes(value),
    Buffer.from(zigzagVarint(headers.length)),
    ...headers.flatMap(([k, v]) => [varBytes(Buffer.from(k)), varBytes(Buffer.from(v))]),
  ]);
  return Buffer.concat([Buffer.from(zigzagVarint(body.length)), body]);
}

/**
 * What decompress returns for an undecodable batch: as many records as the batch
 * declares (kafkajs decodes exactly that many), at increasing offsets inside the
 * batch's range, the last one at the batch's last offset, so committing past the
 * placeholders commits past the batch.
 */
function placeholders(batch: LocatedBatch, codec: KafkaCodecName, reason: string): Buffer {
  const key = batch.firstOffset.toString();
  const records: Buffer[] = [];
  for (let i = 0; i < batch.records; i++) {
    const last = i === batch.records - 1;
    const headers: [string, string][] = [[MARKER_HEADER, MARKER_SECRET]];
    if (last)
      headers.push(
        ['codec', codec],
        ['records', String(batch.records)],
        ['lastOffset', (batch.firstOffset + BigInt(batch.lastOffsetDelta)).toString()],
        ['reason', reason.slice(0, 1000)],
      );
    records.push(encodeRecord(last ? batch.lastOffsetDelta : i, key, last ? batch.raw : null, headers));
  }
  return Buffer.concat(records);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** kafkajs's codec interface: compress gets its Encoder (the records it is about to send). */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** A codec that never fails a whole fetch over one batch it cannot decompress. */
function guarded(name: KafkaCodecName): () => KafkajsCodec {
  const impl = IMPLEMENTATIONS[name];
  return () => ({
    compress: (encoder) => impl.compress(encoder.buffer),
    async decompress(data) {
      try {
        if (!enabled.has(name)) throw new Error(`${name} decompression is disabled in this process`);
        return await impl.decompress(data);
      } catch (err) {
        const reason = `${name} decompression failed: ${describe(err)}`;
        const batch = locateBatch(data, CODEC_TYPE[name]);
        // Not a v2 record batch we can place (legacy message sets): nothing to skip past safely.
        if (!batch) throw new Error(`${reason} (and the record batch could not be located to skip it)`, { cause: err });
        return placeholders(batch, name, reason);
      }
    },
  });
}

/** Registers every codec with kafkajs; idempotent. */
export function registerKafkaCodecs(): void {
  for (const name of KAFKA_CODECS) CompressionCodecs[CODEC_TYPE[name]] = guarded(name);
}

/** The part of a consumed kafkajs message the placeholders are recognised by. */
interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

function header(m: RawMessage, name: string): string | undefined {
  const raw = m.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first?.toString();
}

/**
 * For a placeholder record: the first offset of its batch and, on the batch's last
 * placeholder, the batch's details. Undefined for every real record.
 */
export function undecodableBatchOf(
  m: RawMessage,
): { batchFirstOffset: string; info?: UndecodableBatchInfo } | undefined {
  if (header(m, MARKER_HEADER) !== MARKER_SECRET) return undefined;
  const batchFirstOffset = m.key?.toString() ?? m.offset;
  const codec = header(m, 'codec') as KafkaCodecName | undefined;
  if (!codec) return { batchFirstOffset };
  return {
    batchFirstOffset,
    info: {
      codec,
      firstOffset: batchFirstOffset,
      lastOffset: header(m, 'lastOffset') ?? m.offset,
      records: Number(header(m, 'records')),
      reason: header(m, 'reason') ?? 'undecodable',
      raw: m.value ?? Buffer.alloc(0),
    },
  };
}
