import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PRODUCER = fileURLToPath(new URL('./fixtures/librdkafka-produce.py', import.meta.url));

export type LibrdkafkaCodec = 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface Placed {
  codec: LibrdkafkaCodec;
  partition: number;
  offset: number;
}

/**
 * Sends each group with librdkafka (Python's confluent-kafka, `python` from
 * realKafkaPython()) in its codec, one group after the other, to the full topic name;
 * returns where each message went, in order.
 */
export function librdkafkaProduce(
  python: string,
  brokers: string[],
  topic: string,
  groups: { codec: LibrdkafkaCodec; messages: { key: string; value: string }[] }[],
): Promise<Placed[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, [PRODUCER], { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`librdkafka producer failed: ${stderr || err.message}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin!.end(JSON.stringify({ brokers: brokers.join(','), topic, groups }));
  });
}
