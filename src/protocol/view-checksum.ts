/**
 * view-checksum — the checksum our extension (version 2) puts beside a view or a table, so the
 * peer can verify what it holds after applying changes and ask for it whole when it does not match.
 *
 *   row hash of bucket b with slots s0 … sk (u64 server ids, 0 = empty; lo/hi = low/high 32 bits):
 *     h = 0x9e3779b9 xor b
 *     per slot:  h = imul(h xor lo, 0x85ebca6b); h ^= h >>> 13
 *                h = imul(h xor hi, 0xc2b2ae35); h ^= h >>> 16
 *     h = fmix32(h)                                   (MurmurHash3's finaliser)
 *   checksum = Σ row hashes mod 2^32
 *     data-server view: rows of the buckets in the view, slots = current copies, then destination copies
 *     client table:     every bucket, slots = its current copies
 *
 * A sum, so either side keeps it up to date in O(changed rows): subtract a row's old hash, add its
 * new one. It guards against drift (a lost or misapplied change), not against an attacker.
 */
import { endianness } from 'node:os';

const hostIsLittleEndian = endianness() === 'LE';
const rowSeed = 0x9e3779b9;

/** rowHashStart — the state before the first slot of bucket `bucketIndex`. */
export function rowHashStart(bucketIndex: number): number {
  return (rowSeed ^ bucketIndex) | 0;
}

/** rowHashSlot — fold one slot (its id as low and high 32-bit halves) into the state. */
export function rowHashSlot(state: number, lo: number, hi: number): number {
  let h = Math.imul(state ^ lo, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ hi, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** rowHashEnd — the row hash (u32) from the state after the last slot. */
export function rowHashEnd(state: number): number {
  let h = state ^ (state >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** rowHashOfIds — the row hash of bucket `bucketIndex` whose slots are `ids`, in order. */
export function rowHashOfIds(bucketIndex: number, ids: ArrayLike<bigint>): number {
  let state = rowHashStart(bucketIndex);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    state = rowHashSlot(state, Number(id & 0xffff_ffffn), Number(id >> 32n));
  }
  return rowHashEnd(state);
}

/** rowHashOfSlots — the row hash of bucket `bucketIndex` whose slots are dictionary indexes into `lo`/`hi` (0xffff = empty). */
export function rowHashOfSlots(bucketIndex: number, slots: readonly number[], lo: Uint32Array, hi: Uint32Array): number {
  let state = rowHashStart(bucketIndex);
  for (const index of slots) state = index === 0xffff ? rowHashSlot(state, 0, 0) : rowHashSlot(state, lo[index], hi[index]);
  return rowHashEnd(state);
}

/** addHash / subtractHash — the checksum with one row's hash added or taken out (mod 2^32). */
export function addHash(checksum: number, rowHash: number): number {
  return (checksum + rowHash) >>> 0;
}

/** subtractHash — see addHash. */
export function subtractHash(checksum: number, rowHash: number): number {
  return (checksum - rowHash) >>> 0;
}

/** tableChecksum — the client-table checksum of a copy-major id table (C·B ids), O(B·C). */
export function tableChecksum(serverIds: BigUint64Array, bucketCount: number, copyCount: number): number {
  if (!hostIsLittleEndian) return tableChecksumPortable(serverIds, bucketCount, copyCount);
  const words = new Uint32Array(serverIds.buffer, serverIds.byteOffset, serverIds.length * 2);
  let checksum = 0;
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    let state = rowHashStart(bucketIndex);
    for (let slot = bucketIndex; slot < copyCount * bucketCount; slot += bucketCount) {
      state = rowHashSlot(state, words[2 * slot], words[2 * slot + 1]);
    }
    checksum = (checksum + rowHashEnd(state)) >>> 0;
  }
  return checksum;
}

function tableChecksumPortable(serverIds: BigUint64Array, bucketCount: number, copyCount: number): number {
  let checksum = 0;
  const row = new Array<bigint>(copyCount);
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) row[copyIndex] = serverIds[copyIndex * bucketCount + bucketIndex];
    checksum = addHash(checksum, rowHashOfIds(bucketIndex, row));
  }
  return checksum;
}
