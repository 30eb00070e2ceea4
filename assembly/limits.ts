/**
 * limits — the engine's share of src/limits.ts, asserted at every entry point.
 *
 * The host rejects out-of-range input before calling; these asserts catch a host bug,
 * never user input. test/engine/module.test.ts checks that both files agree.
 */

/** bucketCountMax — 2^24 buckets. */
export const bucketCountMax: u32 = 16_777_216;
/** copyCountMax — copies per bucket. */
export const copyCountMax: u32 = 8;
/** slotCountMax — B·C ≤ 2^26 slots. */
export const slotCountMax: u32 = 67_108_864;
/** serverCountMax — server indexes are u16, 0 = empty slot. */
export const serverCountMax: u32 = 65_535;
/** rackCountMax — racks are dense u16 indexes. */
export const rackCountMax: u32 = 4_096;

/** stepsPerSlotMax — a build's steps per slot (B·C), all its passes and search budgets together. */
export const stepsPerSlotMax: u32 = 512;
/** stepsPerServerMax — a build's steps per live server and rack (targets, sorting, per-server passes). */
export const stepsPerServerMax: u32 = 2_048;
/** stepsFixed — a build's steps beyond those: the fixed part of every search budget and the C = 2 design. */
export const stepsFixed: u32 = 33_554_432;

/** assertShape — the bounds every operation shares. */
export function assertShape(bucketCount: u32, copyCount: u32, serverCount: u32): void {
  assert(bucketCount >= 1 && bucketCount <= bucketCountMax, 'bucketCount out of range');
  assert(copyCount >= 1 && copyCount <= copyCountMax, 'copyCount out of range');
  assert(<u64>bucketCount * <u64>copyCount <= <u64>slotCountMax, 'bucketCount * copyCount out of range');
  assert(serverCount <= serverCountMax, 'serverCount out of range');
}

/** selfChecks — O(N) consistency checks run only in the debug build (used by the tests). */
export const selfChecks: bool = ASC_OPTIMIZE_LEVEL == 0;
