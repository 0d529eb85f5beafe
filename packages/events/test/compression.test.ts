import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import * as snappy from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import {
  KAFKA_CODECS,
  registerKafkaCodecs,
  setKafkaCodecs,
  undecodableBatchOf,
  type KafkaCodecName,
} from '../src/compression.ts';

// kafkajs's own record-batch encoder and fetch-response decoder: the code paths the bus runs.
const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (o: object) => Promise<Encoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: object) => Encoder;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (
  decoder: unknown,
) => Promise<DecodedMessage[]>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;

interface DecodedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

const { CompressionTypes, CompressionCodecs } = kafkajs;
const TYPE: Record<KafkaCodecName, number> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const codec = (name: KafkaCodecName) =>
  (
    CompressionCodecs as Record<
      number,
      () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }
    >
  )[TYPE[name]]!();

registerKafkaCodecs();
afterEach(() => setKafkaCodecs(KAFKA_CODECS));

const envelope = (i: number) =>
  Buffer.from(
    JSON.stringify({
      schema: 'recgraph.interaction.v1',
      eventId: `e-${i}`,
      type: 'VIEW',
      userId: '00000000-0000-4000-8000-000000000001',
      productId: '00000000-0000-4000-8000-000000000002',
      value: 1,
      occurredAt: new Date(0).toISOString(),
      source: 'test',
    }),
  );

/** One encoded record batch at firstOffset with `count` envelopes. */
async function batch(name: KafkaCodecName, firstOffset: number, count: number): Promise<Buffer> {
  const records = Array.from({ length: count }, (_, i) =>
    Record({ offsetDelta: i, key: Buffer.from(`k${firstOffset + i}`), value: envelope(firstOffset + i) }),
  );
  const encoded = await RecordBatch({
    compression: TYPE[name],
    firstOffset,
    lastOffsetDelta: count - 1,
    records,
  });
  return encoded.buffer;
}

/** A fetch response's record set for one partition: int32 size, then the batches back to back. */
async function decodeRecordSet(batches: Buffer[]): Promise<DecodedMessage[]> {
  const set = Buffer.concat(batches);
  const size = Buffer.alloc(4);
  size.writeInt32BE(set.length);
  // Some bytes in front, as in a real fetch response (topic and partition headers).
  return decodeMessages(new Decoder(Buffer.concat([randomBytes(40), size, set]).subarray(40)));
}

describe('Kafka compression codecs', () => {
  it.each(KAFKA_CODECS)('%s round-trips through the codec registered with kafkajs', async (name) => {
    const data = Buffer.concat(Array.from({ length: 500 }, (_, i) => envelope(i)));
    const c = codec(name);
    expect((await c.decompress(await c.compress({ buffer: data }))).equals(data)).toBe(true);
  });

  it('decodes snappy in the xerial framing Java producers write', async () => {
    const data = Buffer.concat(Array.from({ length: 300 }, (_, i) => envelope(i)));
    const blocks = [data.subarray(0, 20_000), data.subarray(20_000)];
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed: Buffer[] = [header];
    for (const b of blocks) {
      const compressed = await snappy.compress(b);
      const len = Buffer.alloc(4);
      len.writeInt32BE(compressed.length);
      framed.push(len, compressed);
    }
    expect((await codec('snappy').decompress(Buffer.concat(framed))).equals(data)).toBe(true);
  });

  it('decodes a zstd frame that does not state its size (streaming compressors) beyond 1 MiB', async () => {
    // A valid zstd frame of raw blocks with no Frame_Content_Size, as zstd-jni's stream writes.
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])]; // magic, no size, window 2^17
    for (let at = 0; at < data.length; at += 131_072) {
      const chunk = data.subarray(at, at + 131_072);
      const header = (at + 131_072 >= data.length ? 1 : 0) | (chunk.length << 3); // last flag, raw block
      parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), chunk);
    }
    expect((await codec('zstd').decompress(Buffer.concat(parts))).equals(data)).toBe(true);
  });

  it('turns a corrupt batch into placeholders at its offsets and still decodes the batches around it', async () => {
    const corrupt = await batch('snappy', 3, 3);
    corrupt.fill(0xab, 61); // the compressed records (kafkajs does not check the CRC)
    const messages = await decodeRecordSet([await batch('gzip', 0, 3), corrupt, await batch('lz4', 6, 3)]);
    expect(messages.map((m) => m.offset)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    const marks = messages.map((m) => undecodableBatchOf(m));
    expect(marks.map((m) => m !== undefined)).toEqual([false, false, false, true, true, true, false, false, false]);
    expect(marks[3]).toEqual({ batchFirstOffset: '3' });
    expect(marks[5]?.info).toMatchObject({ codec: 'snappy', firstOffset: '3', lastOffset: '5', records: 3 });
    expect(marks[5]?.info?.reason).toMatch(/^snappy decompression failed: /);
    expect(marks[5]?.info?.raw.equals(corrupt)).toBe(true);
    expect(messages[6]?.value?.toString()).toBe(envelope(6).toString());
  });

  it('skips a batch in a codec this process does not decode, like a corrupt one', async () => {
    setKafkaCodecs(['gzip', 'snappy', 'lz4']);
    const messages = await decodeRecordSet([await batch('zstd', 10, 2), await batch('gzip', 12, 1)]);
    expect(undecodableBatchOf(messages[1]!)?.info).toMatchObject({
      codec: 'zstd',
      firstOffset: '10',
      lastOffset: '11',
      records: 2,
      reason: 'zstd decompression failed: zstd decompression is disabled in this process',
    });
    expect(undecodableBatchOf(messages[2]!)).toBeUndefined();
  });

  it('is not fooled by a producer writing the placeholder header itself', () => {
    const forged = {
      offset: '1',
      key: Buffer.from('0'),
      value: Buffer.from('x'),
      headers: { 'x-recgraph-undecodable-batch': Buffer.from('guess'), codec: Buffer.from('gzip') },
    };
    expect(undecodableBatchOf(forged)).toBeUndefined();
  });

  it('rethrows when the bytes are not part of a record batch it can place', async () => {
    await expect(codec('gzip').decompress(Buffer.from('not gzip at all'))).rejects.toThrow(
      /gzip decompression failed: .*could not be located/,
    );
  });
});
