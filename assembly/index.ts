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
export {
  bucketCountMax, copyCountMax, slotCountMax, serverCountMax, rackCountMax, stepsPerSlotMax, stepsPerServerMax, stepsFixed,
} from './limits';

/** maxServerIndex — the largest u16 in a region (the host checks a copied-in table names only listed servers). */
export function maxServerIndex(ptr: usize, count: u32): u32 {
  let highest: u64 = 0;
  let i: u32 = 0;
  const quadEnd = count & ~3;
  for (; i < quadEnd; i += 4) {
    const four = load<u64>(ptr + (<usize>i << 1));
    // Compare each lane; branch-free max on 16-bit lanes.
    const a = four & 0xffff;
    const b = (four >>> 16) & 0xffff;
    const c = (four >>> 32) & 0xffff;
    const d = four >>> 48;
    const ab = a > b ? a : b;
    const cd = c > d ? c : d;
    const m = ab > cd ? ab : cd;
    if (m > highest) highest = m;
  }
  for (; i < count; i++) {
    const v = <u64>load<u16>(ptr + (<usize>i << 1));
    if (v > highest) highest = v;
  }
  return <u32>highest;
}
