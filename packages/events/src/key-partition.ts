/**
 * Maps a key to a partition with 32-bit FNV-1a: stable across processes and runs,
 * so the in-process bus keeps Kafka's "one key, one partition" contract.
 */
export function partitionForKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
