/**
 * published-tables — what data servers are shown, rebuilt from a cluster's publications in order
 * (whole tables, or the rows that changed), as u64 id tables: an independent reader of
 * publications for tests, not the views code the server uses.
 */
import type { Publication } from '../../src/cluster/index.js';

/** ShownTables — a group's shown current and destination tables (copy-major ids, 0n = empty). */
export interface ShownTables {
  bucketCount: number;
  copyCount: number;
  seq: number;
  currentIds: BigUint64Array;
  destinationIds: BigUint64Array;
}

/** applyPublication — `shown` moved to `publication` (a fresh one for whole tables); throws on a gap. */
export function applyPublication(shown: ShownTables | undefined, publication: Publication): ShownTables {
  const { bucketCount, copyCount, rows, serverIds } = publication;
  const idOf = (value: number): bigint => (value === 0 ? 0n : serverIds[value - 1]);
  if (rows.kind === 'full') {
    return {
      bucketCount,
      copyCount,
      seq: publication.seq,
      currentIds: BigUint64Array.from(rows.current, idOf),
      destinationIds: BigUint64Array.from(rows.destination, idOf),
    };
  }
  if (!shown || shown.seq !== rows.baseSeq) throw new Error(`publication ${publication.seq} is based on ${rows.baseSeq}, shown is ${shown?.seq}`);
  const width = 2 * copyCount;
  rows.bucketIndexes.forEach((bucketIndex, position) => {
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      shown.currentIds[copyIndex * bucketCount + bucketIndex] = idOf(rows.rows[position * width + copyIndex]);
      shown.destinationIds[copyIndex * bucketCount + bucketIndex] = idOf(rows.rows[position * width + copyCount + copyIndex]);
    }
  });
  shown.seq = publication.seq;
  return shown;
}
