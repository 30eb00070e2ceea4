/**
 * table-sync — bring saved tables to the working ones and say which buckets that changed, with the
 * table hash (table-hash.ts) kept up to date per changed slot:
 *
 *   per table, blocks of syncBlockSlots slots ─▶ equal bytes (a native compare) ─▶ skipped
 *                                             └▶ differing ─▶ slot by slot: hash, copy, mark bucket
 *
 * A rebuild marks every row dirty but moves a few thousand slots of millions: the native compare
 * reads the unchanged bulk at memory speed instead of a JavaScript loop over every slot (at
 * 1,048,576 × 3 that loop held the event loop ~100–200 ms after every build).
 */
import { rehashSlot } from './table-hash.js';

/** syncBlockSlots — slots compared natively at once (16 KiB): few calls, and a changed slot costs one block's loop. */
export const syncBlockSlots = 4096;

/** TableSync — the buckets (ascending) whose rows changed in any table, and the hash after. */
export interface TableSync {
  bucketIndexes: Uint32Array;
  hash: number;
}

/**
 * syncTables — copy every slot of `working[t]` that differs into `saved[t]` (tables laid out copy
 * by copy, `bucketCount` slots each; table t's positions start at t · slotCount in the hash).
 */
export function syncTables(working: readonly Uint32Array[], saved: readonly Uint32Array[], bucketCount: number, hash: number): TableSync {
  const changed = new Uint8Array(bucketCount);
  let count = 0;
  let next = hash;
  for (let tableIndex = 0; tableIndex < working.length; tableIndex++) {
    const from = working[tableIndex];
    const to = saved[tableIndex];
    const slotCount = from.length;
    const fromBytes = Buffer.from(from.buffer, from.byteOffset, from.byteLength);
    const toBytes = Buffer.from(to.buffer, to.byteOffset, to.byteLength);
    for (let start = 0; start < slotCount; start += syncBlockSlots) {
      const end = Math.min(slotCount, start + syncBlockSlots);
      if (fromBytes.compare(toBytes, 4 * start, 4 * end, 4 * start, 4 * end) === 0) continue;
      for (let slot = start; slot < end; slot++) {
        const value = from[slot];
        const before = to[slot];
        if (value === before) continue;
        next = rehashSlot(next, tableIndex * slotCount + slot, before, value);
        to[slot] = value;
        const bucketIndex = slot % bucketCount;
        if (changed[bucketIndex] === 0) count += 1;
        changed[bucketIndex] = 1;
      }
    }
  }
  const bucketIndexes = new Uint32Array(count);
  let at = 0;
  for (let bucketIndex = 0; bucketIndex < bucketCount && at < count; bucketIndex++) if (changed[bucketIndex]) bucketIndexes[at++] = bucketIndex;
  return { bucketIndexes, hash: next };
}
