/**
 * table-moves — what a rebuild moved, and the least any valid table could have moved,
 * computed in plain TypeScript from the two tables and the quota bands.
 *
 *   replica move   a target slot whose server holds no copy of that bucket in the source
 *   master change  a bucket whose copy 0 names another server than in the source
 *
 * Minimum: each live server s keeps at most min(t(s), h(s)) of its copies, where h(s) is
 * what it holds in the source and t(s) its count in the target, within its ±1 band and
 * summing to the total. Start every t at the band's low end and hand the remaining units
 * to servers that hold more than that: each such unit is one more copy kept.
 */
import type { QuotaBand } from './table-quotas.js';

/** Moves — actual and minimum moves of a rebuild. */
export interface Moves {
  replicas: number;
  masters: number;
  minimumReplicas: number;
  minimumMasters: number;
}

/** countMoves — moves from `source` to `target` (same shape, same server positions). */
export function countMoves(
  bucketCount: number,
  copyCount: number,
  source: Uint16Array,
  target: Uint16Array,
  replicaBands: (QuotaBand | null)[],
  masterBands: (QuotaBand | null)[],
): Moves {
  let replicas = 0;
  let masters = 0;
  const held = new Uint32Array(replicaBands.length);
  const heldMasters = new Uint32Array(replicaBands.length);
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    if (target[bucket] !== source[bucket]) masters++;
    if (source[bucket] !== 0) heldMasters[source[bucket] - 1]++;
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const server = target[copyIndex * bucketCount + bucket];
      if (server !== 0 && !inRow(source, server, bucket, bucketCount, copyCount)) replicas++;
      const holder = source[copyIndex * bucketCount + bucket];
      if (holder !== 0 && firstInRow(source, holder, copyIndex, bucket, bucketCount)) held[holder - 1]++;
    }
  }
  return {
    replicas,
    masters,
    minimumReplicas: bucketCount * copyCount - keepable(held, replicaBands, bucketCount * copyCount),
    minimumMasters: bucketCount - keepable(heldMasters, masterBands, bucketCount),
  };
}

function inRow(slots: Uint16Array, server: number, bucket: number, bucketCount: number, copyCount: number): boolean {
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
    if (slots[copyIndex * bucketCount + bucket] === server) return true;
  }
  return false;
}

// A server listed twice in a bucket holds that bucket once.
function firstInRow(slots: Uint16Array, server: number, copyIndex: number, bucket: number, bucketCount: number): boolean {
  for (let earlier = 0; earlier < copyIndex; earlier++) {
    if (slots[earlier * bucketCount + bucket] === server) return false;
  }
  return true;
}

function keepable(held: Uint32Array, bands: (QuotaBand | null)[], total: number): number {
  let kept = 0;
  let assigned = 0;
  let extraUseful = 0;
  bands.forEach((band, position) => {
    if (!band) return;
    kept += Math.min(band.low, held[position]);
    assigned += band.low;
    extraUseful += Math.max(0, Math.min(held[position], band.high) - band.low);
  });
  return kept + Math.min(Math.max(total - assigned, 0), extraUseful);
}
