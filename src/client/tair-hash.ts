/**
 * tair-hash — how Tair maps a key to a bucket; data servers use the same.
 *
 *   h = 97 ^ length
 *   for each 4-byte block k (read little-endian):  k *= m; k ^= k >>> 24; k *= m; h *= m; h ^= k
 *   tail (1..3 bytes), each byte SIGN-EXTENDED first:  h ^= t2 << 16; h ^= t1 << 8; h ^= t0; h *= m
 *   h ^= h >>> 13; h *= m; h ^= h >>> 15                                   (m = 0x5bd1e995)
 *
 * This is MurmurHash2 except for the tail: Tair reads it through `char`, which is signed on the
 * platforms it runs on, so a tail byte ≥ 0x80 turns into 0xffffff80.. before the shift. Only the
 * key bytes are hashed (Tair's 2-byte area prefix is not part of them).
 */

const murmurMultiplier = 0x5bd1e995;
const tairHashSeed = 97;

/** tairHash — Tair's MurmurHash2 variant of `keyBytes`, as an unsigned 32-bit integer. */
export function tairHash(keyBytes: Uint8Array): number {
  let remaining = keyBytes.length;
  let h = (tairHashSeed ^ remaining) >>> 0;
  let offset = 0;
  while (remaining >= 4) {
    let k = keyBytes[offset] | (keyBytes[offset + 1] << 8) | (keyBytes[offset + 2] << 16) | (keyBytes[offset + 3] << 24);
    k = Math.imul(k, murmurMultiplier);
    k ^= k >>> 24;
    k = Math.imul(k, murmurMultiplier);
    h = Math.imul(h, murmurMultiplier) ^ k;
    offset += 4;
    remaining -= 4;
  }
  if (remaining > 0) {
    // (byte << 24) >> 24 sign-extends one byte, as C's signed char does.
    if (remaining >= 3) h ^= ((keyBytes[offset + 2] << 24) >> 24) << 16;
    if (remaining >= 2) h ^= ((keyBytes[offset + 1] << 24) >> 24) << 8;
    h ^= (keyBytes[offset] << 24) >> 24;
    h = Math.imul(h, murmurMultiplier);
  }
  h ^= h >>> 13;
  h = Math.imul(h, murmurMultiplier);
  h ^= h >>> 15;
  return h >>> 0;
}

/** bucketOfKey — the bucket a key lives in: `tairHash(key) mod bucketCount`. */
export function bucketOfKey(keyBytes: Uint8Array, bucketCount: number): number {
  return tairHash(keyBytes) % bucketCount;
}
