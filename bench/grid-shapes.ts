/**
 * grid-shapes — the configurations the engine must build and rebuild well: C 1–4, 2–64
 * servers on 1–4 racks (equal and uneven), equal and mixed weights (1, 2, 3), B from 1,023
 * to 1,048,576. Shared by the grid-sweep test (steps and validity, every shape at small B, a
 * sample at larger B) and the grid benchmark (bench/grid-bench.ts: time through the CLI).
 *
 *   layout  rack sizes, server i in the racks in turn as `tair-cs table build --rack-sizes`
 *           ([4] = 4 servers on one rack; [2, 2] = two racks of two)
 */

/** GridShape — one configuration of the grid. */
export interface GridShape {
  bucketCount: number;
  copyCount: number;
  rackSizes: number[];
  /** weights — per server (1, 2, 3 repeating) or undefined for all 1. */
  weights?: number[];
}

/** gridLayouts — rack sizes of the grid: equal racks (1–4 of them) for 2–64 servers, and uneven ones. */
export const gridLayouts: readonly number[][] = [
  [2],
  [3],
  [4],
  [5],
  [8],
  [16],
  [64],
  [1, 1],
  [2, 2],
  [3, 3],
  [4, 4],
  [8, 8],
  [32, 32],
  [1, 1, 1],
  [2, 2, 2],
  [3, 3, 3],
  [5, 5, 5],
  [21, 21, 21],
  [1, 1, 1, 1],
  [2, 2, 2, 2],
  [4, 4, 4, 4],
  [16, 16, 16, 16],
  [1, 2, 3],
  [5, 3],
  [2, 1],
  [3, 1],
  [3, 2, 2],
  [1, 1, 4],
  [4, 2, 1, 1],
  [10, 3],
  [20, 7, 5],
  [30, 20, 10, 4],
];

/** gridBucketCounts — B of the grid, smallest first. */
export const gridBucketCounts: readonly number[] = [1_023, 4_096, 65_536, 1_048_576];

/** mixedWeights — 1, 2, 3, 1, 2, 3, … for `count` servers. */
export function mixedWeights(count: number): number[] {
  return Array.from({ length: count }, (_, position) => (position % 3) + 1);
}

/**
 * gridShapes — every layout × C (≤ servers) × {equal, mixed} weights at bucketCount, keeping
 * one in `every` (counted across the whole list, so a sample still covers every layout and C).
 */
export function gridShapes(bucketCount: number, every = 1): GridShape[] {
  const shapes: GridShape[] = [];
  let index = 0;
  for (const rackSizes of gridLayouts) {
    const servers = rackSizes.reduce((sum, size) => sum + size, 0);
    for (let copyCount = 1; copyCount <= 4; copyCount++) {
      if (copyCount > servers) continue;
      for (const weighted of [false, true]) {
        if (weighted && servers < 3) continue;
        if (index++ % every !== 0) continue;
        shapes.push({ bucketCount, copyCount, rackSizes, weights: weighted ? mixedWeights(servers) : undefined });
      }
    }
  }
  return shapes;
}

/** shapeName — a short label, e.g. `65536×3 racks 3,2,2 w`. */
export function shapeName(shape: GridShape): string {
  return `${shape.bucketCount}×${shape.copyCount} racks ${shape.rackSizes.join(',')}${shape.weights ? ' w' : ''}`;
}
