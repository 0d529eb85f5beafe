import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./fixtures/JavaProduce.java', import.meta.url));
const QUIET_LOG4J = fileURLToPath(new URL('../../../scripts/infra/kafka/tools-log4j.properties', import.meta.url));

export type JavaCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * Sends the messages with the Apache Kafka Java client (the broker's kafka-clients jar,
 * `classpath` from realKafkaJavaClasspath()), each run of one codec by its own producer;
 * returns the partition and offset of each message, in order.
 */
export function javaProduce(
  classpath: string,
  brokers: string[],
  topic: string,
  messages: { codec: JavaCodec; key: string; value: string }[],
): Promise<{ partition: number; offset: number }[]> {
  for (const m of messages) {
    if (/[\t\n]/.test(m.key + m.value)) throw new Error('keys and values must not contain tabs or newlines');
  }
  const args = [
    '-Xmx512m',
    `-Dlog4j.configuration=file:${QUIET_LOG4J}`,
    '-cp',
    classpath,
    SOURCE,
    brokers.join(','),
    topic,
  ];
  return new Promise((resolve, reject) => {
    const child = execFile('java', args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`Java producer failed: ${stderr || err.message}`));
      resolve(
        stdout
          .trim()
          .split('\n')
          .map((line) => {
            const [partition, offset] = line.split(' ').map(Number);
            return { partition: partition!, offset: offset! };
          }),
      );
    });
    child.stdin!.end(messages.map((m) => `${m.codec}\t${m.key}\t${m.value}\n`).join(''));
  });
}
