/**
 * bucket-store — the reference data server's memory: one map per bucket, keys and values as
 * bytes. Keys are held as latin1 strings (one char per byte), which is exact for any bytes and
 * cheap to hash.
 *
 *   buckets: bucketIndex → (key as latin1 → value bytes)
 */

/** BucketStore — key/value pairs grouped by bucket. */
export class BucketStore {
  private readonly buckets = new Map<number, Map<string, Buffer>>();

  /** get — the value of `key` in `bucketIndex`, or undefined. */
  get(bucketIndex: number, key: Uint8Array): Buffer | undefined {
    return this.buckets.get(bucketIndex)?.get(keyString(key));
  }

  /** put — store a copy of `value` (so a network chunk is not kept alive by it). */
  put(bucketIndex: number, key: Uint8Array, value: Uint8Array): void {
    let bucket = this.buckets.get(bucketIndex);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(bucketIndex, bucket);
    }
    bucket.set(keyString(key), Buffer.from(value));
  }

  /** remove — delete `key`; false when it was not there. */
  remove(bucketIndex: number, key: Uint8Array): boolean {
    const bucket = this.buckets.get(bucketIndex);
    if (!bucket) return false;
    const removed = bucket.delete(keyString(key));
    if (bucket.size === 0) this.buckets.delete(bucketIndex);
    return removed;
  }

  /** clearBucket — forget everything in one bucket. */
  clearBucket(bucketIndex: number): void {
    this.buckets.delete(bucketIndex);
  }

  /** keysOf — a snapshot of a bucket's keys (latin1 strings), for migration. */
  keysOf(bucketIndex: number): string[] {
    return [...(this.buckets.get(bucketIndex)?.keys() ?? [])];
  }

  /** valueOfKeyString — the value of a key given as from `keysOf`, or undefined. */
  valueOfKeyString(bucketIndex: number, key: string): Buffer | undefined {
    return this.buckets.get(bucketIndex)?.get(key);
  }

  /** bucketIndexes — the buckets that hold at least one entry. */
  bucketIndexes(): number[] {
    return [...this.buckets.keys()];
  }

  /** entryCount — entries in one bucket, or in all of them when no bucket is given. */
  entryCount(bucketIndex?: number): number {
    if (bucketIndex !== undefined) return this.buckets.get(bucketIndex)?.size ?? 0;
    let total = 0;
    for (const bucket of this.buckets.values()) total += bucket.size;
    return total;
  }
}

/** keyString — a key's bytes as a latin1 string. */
export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** keyBytes — the bytes of a latin1 key string. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}
