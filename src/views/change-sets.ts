/**
 * change-sets — what a peer holding an older version needs to reach the latest one, from the
 * deltas since its version (view-history.ts) and the latest tables:
 *
 *   data server s, base version v:  every bucket a delta after v touched with s in its row
 *     s in the row at v and now      the slots that differ from the row at v (none: left out)
 *     s only now                     the whole row (it enters the view)
 *     s only at v                    drop (it leaves the view)
 *   client, base client version c:  every bucket a delta after c touched, the current slots that differ
 *
 * The row at the base is the `before` row of the first delta after it that touched the bucket.
 * A change set bigger than the whole view is not built (the caller sends the view instead).
 */
import { encodeWholeRows, ViewRowsWriter } from '../protocol/view-rows.js';
import type { IdSpace } from './id-space.js';
import type { ViewDelta } from './view-history.js';
import { positionOf, touchingPositions } from './view-history.js';
import type { ViewTables } from './view-rows-table.js';
import { readRow, rowNames } from './view-rows-table.js';

/** viewChanges — the rows block taking server `index`'s view from the base to the latest, or null when it would not be smaller than `wholeEntryCount` entries. */
export function viewChanges(
  deltas: readonly ViewDelta[],
  start: number,
  index: number,
  tables: ViewTables,
  ids: IdSpace,
  wholeEntryCount: number,
): Buffer | null {
  const width = 2 * tables.copyCount;
  const sorted = changedBuckets(deltas, start, wholeEntryCount, (delta) =>
    touchingPositions(delta, index, width).map((position) => delta.bucketIndexes[position]),
  );
  if (!sorted) return null;
  const writer = new ViewRowsWriter(width, ids.lo, ids.hi, sorted.length);
  const now = new Uint32Array(width);
  for (const bucketIndex of sorted) {
    const base = baseRow(deltas, start, bucketIndex);
    readRow(tables, bucketIndex, now, 0);
    const wasIn = rowNames(base.row, base.offset, width, index);
    const isIn = rowNames(now, 0, width, index);
    if (isIn && wasIn) {
      const mask = differingSlots(base.row, base.offset, now, width);
      if (mask !== 0) writer.row(bucketIndex, now, 0, mask);
    } else if (isIn) {
      writer.row(bucketIndex, now, 0, (1 << width) - 1);
    } else if (wasIn) {
      writer.drop(bucketIndex);
    }
  }
  return writer.finish();
}

/** tableChanges — the rows block (width C) taking a client table from the base to the latest, or null past `entryCountMax` buckets. */
export function tableChanges(deltas: readonly ViewDelta[], start: number, tables: ViewTables, ids: IdSpace, entryCountMax: number): Buffer | null {
  const copyCount = tables.copyCount;
  const width = 2 * copyCount;
  const sorted = changedBuckets(deltas, start, entryCountMax, (delta) => delta.bucketIndexes);
  if (!sorted) return null;
  const writer = new ViewRowsWriter(copyCount, ids.lo, ids.hi, sorted.length);
  const now = new Uint32Array(width);
  for (const bucketIndex of sorted) {
    const base = baseRow(deltas, start, bucketIndex);
    readRow(tables, bucketIndex, now, 0);
    const mask = differingSlots(base.row, base.offset, now, copyCount);
    if (mask !== 0) writer.row(bucketIndex, now, 0, mask);
  }
  return writer.finish();
}

/** wholeView — server `index`'s whole view: every row of `bucketIndexes` (ascending). */
export function wholeView(bucketIndexes: Uint32Array, tables: ViewTables, ids: IdSpace): Buffer {
  return encodeWholeRows(bucketIndexes, tables.rows, 2 * tables.copyCount, ids.lo, ids.hi);
}

/** baseRow — the row of `bucketIndex` at the base: `before` of the first delta from `start` that changed it. */
function baseRow(deltas: readonly ViewDelta[], start: number, bucketIndex: number): { row: Uint32Array; offset: number } {
  for (let d = start; d < deltas.length; d++) {
    const position = positionOf(deltas[d], bucketIndex);
    if (position >= 0) return { row: deltas[d].before, offset: position * (deltas[d].before.length / deltas[d].bucketIndexes.length) };
  }
  throw new Error(`bucket ${bucketIndex} is in no delta`);
}

/** differingSlots — mask of the first `width` slots where `base` (at `offset`) and `now` differ. */
function differingSlots(base: Uint32Array, offset: number, now: Uint32Array, width: number): number {
  let mask = 0;
  for (let slot = 0; slot < width; slot++) if (base[offset + slot] !== now[slot]) mask |= 1 << slot;
  return mask;
}

/** changedBuckets — the buckets of `deltas` from `start` on that `bucketsOf` names, ascending; null past `countMax`. */
function changedBuckets(deltas: readonly ViewDelta[], start: number, countMax: number, bucketsOf: (delta: ViewDelta) => Iterable<number>): Uint32Array | null {
  const buckets = new Set<number>();
  for (let d = start; d < deltas.length; d++) {
    for (const bucketIndex of bucketsOf(deltas[d])) buckets.add(bucketIndex);
    if (buckets.size > countMax) return null;
  }
  return Uint32Array.from(buckets).sort();
}
