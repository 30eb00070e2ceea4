/**
 * view-rows-table — the published current and destination tables as the views keep them: row-major
 * (one bucket's row in one place, so a view of thousands of buckets touches one cache line each,
 * not 2·C lines megabytes apart), in id-space indexes:
 *
 *   rows[bucketIndex · 2C + i]   i < C: current copy i;  C ≤ i < 2C: destination copy i − C   (0 = empty)
 *
 * A server's view is the set of buckets whose row names it.
 */

/** ViewTables — both published tables of a group, row by row. */
export interface ViewTables {
  bucketCount: number;
  copyCount: number;
  rows: Uint32Array;
}

/** emptyViewTables — tables of nothing but empty slots. */
export function emptyViewTables(bucketCount: number, copyCount: number): ViewTables {
  return { bucketCount, copyCount, rows: new Uint32Array(bucketCount * 2 * copyCount) };
}

/** readRow — bucket `bucketIndex`'s row into `out` at `offset` (2·C values). */
export function readRow(tables: ViewTables, bucketIndex: number, out: Uint32Array, offset: number): void {
  const width = 2 * tables.copyCount;
  out.set(tables.rows.subarray(bucketIndex * width, (bucketIndex + 1) * width), offset);
}

/** writeRow — bucket `bucketIndex`'s row from `row` at `offset`. */
export function writeRow(tables: ViewTables, bucketIndex: number, row: Uint32Array, offset: number): void {
  const width = 2 * tables.copyCount;
  tables.rows.set(row.subarray(offset, offset + width), bucketIndex * width);
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
