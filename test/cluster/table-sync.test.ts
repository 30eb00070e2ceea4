import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { tableHashOf } from '../../src/cluster/table-hash.js';
import { syncBlockSlots, syncTables } from '../../src/cluster/table-sync.js';

/** naive — the changed buckets by a plain loop over every slot of every table. */
function naive(working: Uint32Array[], saved: Uint32Array[], bucketCount: number): number[] {
  const changed = new Set<number>();
  working.forEach((table, tableIndex) => {
    for (let slot = 0; slot < table.length; slot++) if (table[slot] !== saved[tableIndex][slot]) changed.add(slot % bucketCount);
  });
  return [...changed].sort((a, b) => a - b);
}

describe('syncTables', () => {
  test('property: the changed buckets, the saved tables and the hash match a plain slot-by-slot diff', () => {
    const shape = fc.record({
      bucketCount: fc.integer({ min: 1, max: 3 * syncBlockSlots }),
      copyCount: fc.integer({ min: 1, max: 4 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      // Changed slots as fractions of the slot count, so they land in any block, edges included.
      changes: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 9 })), {
        maxLength: 40,
      }),
    });
    fc.assert(
      fc.property(shape, ({ bucketCount, copyCount, seed, changes }) => {
        const slotCount = bucketCount * copyCount;
        const saved = [0, 1, 2].map((tableIndex) => Uint32Array.from({ length: slotCount }, (_, slot) => (slot * 7 + seed + tableIndex) % 11));
        const working = saved.map((table) => table.slice());
        for (const [tableIndex, share, value] of changes) working[tableIndex][Math.min(slotCount - 1, Math.floor(share * slotCount))] = value;
        const expected = naive(working, saved, bucketCount);
        const before = tableHashOf(saved[0], saved[1], saved[2]);
        const sync = syncTables(working, saved, bucketCount, before);
        expect([...sync.bucketIndexes]).toEqual(expected);
        for (const [tableIndex, table] of saved.entries()) expect(Buffer.from(table.buffer).equals(Buffer.from(working[tableIndex].buffer))).toBe(true);
        expect(sync.hash).toBe(tableHashOf(working[0], working[1], working[2]));
      }),
      { numRuns: 80 },
    );
  });

  test('the last slot of a table and a slot on a block edge are both found', () => {
    const bucketCount = 2 * syncBlockSlots + 1;
    const saved = [new Uint32Array(bucketCount * 2), new Uint32Array(bucketCount * 2), new Uint32Array(bucketCount * 2)];
    const working = saved.map((table) => table.slice());
    working[2][bucketCount * 2 - 1] = 5;
    working[0][syncBlockSlots] = 3;
    const sync = syncTables(working, saved, bucketCount, 0);
    expect([...sync.bucketIndexes]).toEqual([syncBlockSlots, bucketCount - 1]);
  });
});
