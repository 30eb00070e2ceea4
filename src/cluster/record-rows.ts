/**
 * record-rows — applying the rows of a record (persisted-group-table.ts) to a group's three
 * tables, shared by the store's replay at start and a secondary taking the primary's records:
 *
 *   rows: per bucket of bucketIndexes, C current, C progress, C destination values
 *   hashWithRows — the table hash the tables would have after the rows (check before writing)
 *   writeRows    — the rows into the tables
 */
import type { RecordRows } from './persisted-group-table.js';
import { rehashSlot } from './table-hash.js';

/** ThreeTables — the current, progress and destination tables of a group. */
export interface ThreeTables {
  current: Uint32Array;
  progress: Uint32Array;
  destination: Uint32Array;
}

/** hashWithRows — `hash` of `tables` moved to what it would be with `rows` written. */
export function hashWithRows(tables: ThreeTables, hash: number, rows: RecordRows, bucketCount: number, copyCount: number): number {
  const arrays = [tables.current, tables.progress, tables.destination];
  const slotCount = bucketCount * copyCount;
  let next = hash;
  rows.bucketIndexes.forEach((bucketIndex, position) => {
    for (let tableIndex = 0; tableIndex < 3; tableIndex++) {
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        const slot = copyIndex * bucketCount + bucketIndex;
        const value = rows.rows[(position * 3 + tableIndex) * copyCount + copyIndex];
        next = rehashSlot(next, tableIndex * slotCount + slot, arrays[tableIndex][slot], value);
      }
    }
  });
  return next;
}

/**
 * writeRows — `rows` into every one of `targets` (tables kept in step, e.g. working and saved);
 * `around(bucketIndex, phase)` runs before and after each bucket is written.
 */
export function writeRows(
  targets: readonly ThreeTables[],
  rows: RecordRows,
  bucketCount: number,
  copyCount: number,
  around?: (bucketIndex: number, phase: 'before' | 'after') => void,
): void {
  rows.bucketIndexes.forEach((bucketIndex, position) => {
    around?.(bucketIndex, 'before');
    for (const target of targets) {
      const arrays = [target.current, target.progress, target.destination];
      for (let tableIndex = 0; tableIndex < 3; tableIndex++) {
        for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
          arrays[tableIndex][copyIndex * bucketCount + bucketIndex] = rows.rows[(position * 3 + tableIndex) * copyCount + copyIndex];
        }
      }
    }
    around?.(bucketIndex, 'after');
  });
}

/** rowsFitServers — every value of `rows` names one of `serverCount` servers. */
export function rowsFitServers(rows: RecordRows, serverCount: number): boolean {
  for (let i = 0; i < rows.rows.length; i++) if (rows.rows[i] > serverCount) return false;
  return true;
}
