/**
 * plain-scan — the two yardsticks the engine's scan is compared with, in plain TypeScript:
 *
 *   readTable  touch every byte of the table once (32-bit words, xor): "memory speed"
 *   plainScan  the scan itself (empty or dead slots per copy, first bucket), one slot at a time
 */

/** PlainScanResult — what plainScan finds (the engine's ScanReport, minus the wrapper). */
export interface PlainScanResult {
  total: number;
  counts: number[];
  firstBuckets: number[];
}

/** readTable — xor of the table's bytes as 32-bit words (returned so the loop cannot be dropped). */
export function readTable(slots: Uint16Array): number {
  const words = new Int32Array(slots.buffer, slots.byteOffset, slots.byteLength >>> 2);
  let acc = 0;
  for (let i = 0; i < words.length; i++) acc ^= words[i];
  if (slots.length & 1) acc ^= slots[slots.length - 1];
  return acc;
}

/** plainScan — count slots that are empty or on a dead server; alive[0] must be 0. */
export function plainScan(slots: Uint16Array, bucketCount: number, copyCount: number, alive: Uint8Array): PlainScanResult {
  const counts: number[] = [];
  const firstBuckets: number[] = [];
  let total = 0;
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
    const base = copyIndex * bucketCount;
    let count = 0;
    let first = -1;
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      if (alive[slots[base + bucket]] === 0) {
        count++;
        if (first < 0) first = bucket;
      }
    }
    counts.push(count);
    firstBuckets.push(first);
    total += count;
  }
  return { total, counts, firstBuckets };
}
