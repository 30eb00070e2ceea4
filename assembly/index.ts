/**
 * index — the engine's exports: one call per operation, scalar arguments, regions of
 * linear memory chosen by the host (see layout.ts). Imports: env.memory and env.abort only.
 */
export { scanTable } from './scan';
export { quickTable, quickScratchBytes } from './quick-table';
export { diffTables } from './diff';
export { tableStats, statsScratchBytes } from './stats';
export { buildTable, buildScratchBytes } from './builder/build';

/** heapBase — first byte the host may use; the engine's static data lies below it. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~<usize>15;
}

/** engineLimits — the engine's limits, for the host to check it agrees (see limits.ts). */
export { bucketCountMax, copyCountMax, slotCountMax, serverCountMax, rackCountMax } from './limits';
