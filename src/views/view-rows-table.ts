/**
 * view-rows-table — the published current and destination tables as the views keep them (id-space
 * indexes, copy-major) and the row form every view computation works on:
 *
 *   table[copyIndex · B + bucketIndex] = index (0 = empty)
 *   row of bucket b (width 2·C):  current copies 0..C−1, then destination copies 0..C−1
 *
 * A server's view is the set of buckets whose row names it.
 */

/** ViewTables — both published tables of a group, in id-space indexes. */
export interface ViewTables {
  bucketCount: number;
  copyCount: number;
  current: Uint32Array;
  destination: Uint32Array;
}

/** readRow — bucket `bucketIndex`'s row into `out` at `offset` (2·C values). */
export function readRow(tables: ViewTables, bucketIndex: number, out: Uint32Array, offset: number): void {
  const { bucketCount, copyCount, current, destination } = tables;
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucketIndex;
    out[offset + copyIndex] = current[slot];
    out[offset + copyCount + copyIndex] = destination[slot];
  }
}

/** writeRow — bucket `bucketIndex`'s row from `row` at `offset` into both tables. */
export function writeRow(tables: ViewTables, bucketIndex: number, row: ArrayLike<number>, offset: number): void {
  const { bucketCount, copyCount, current, destination } = tables;
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucketIndex;
    current[slot] = row[offset + copyIndex];
    destination[slot] = row[offset + copyCount + copyIndex];
  }
}

/**
 * distinctServers — the distinct non-empty indexes among `width` values of `row` from `offset`,
 * written to `out`; returns how many (rows are at most 16 wide, so a quadratic check is cheapest).
 */
export function distinctServers(row: ArrayLike<number>, offset: number, width: number, out: Uint32Array): number {
  let count = 0;
  for (let i = 0; i < width; i++) {
    const value = row[offset + i];
    if (value === 0) continue;
    let seen = false;
    for (let j = 0; j < count; j++) {
      if (out[j] === value) {
        seen = true;
        break;
      }
    }
    if (!seen) out[count++] = value;
  }
  return count;
}

/** rowNames — whether `index` is among the `width` values of `row` from `offset`. */
export function rowNames(row: ArrayLike<number>, offset: number, width: number, index: number): boolean {
  for (let i = 0; i < width; i++) if (row[offset + i] === index) return true;
  return false;
}
