/**
 * bucket-types — group buckets that are alike for a search into types, so a flow works on a
 * few types instead of many buckets (fill-flow.ts, master-flow.ts).
 *
 * A type is a key of two u64 words; buckets with equal keys share it. Open addressing in a
 * table four times typesMax, so a lookup is a probe or two.
 *
 *   type t:  keyA[t] keyB[t]  size[t] (buckets)  first[t] (one bucket of it, for rule checks)
 */
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { u32Add, u32Get, u32Set } from '../layout';

/** typesMax — distinct types one grouping may hold (more: the caller falls back to a greedy way). */
export const typesMax: u32 = 4096;

/** typeCount — types of the current grouping. */
export let typeCount: u32 = 0;
let keyAPtr: usize = 0;
let keyBPtr: usize = 0;
let sizePtr: usize = 0;
let firstPtr: usize = 0;
let hashPtr: usize = 0;
const hashMask: u32 = typesMax * 4 - 1;

/** bucketTypesScratchBytes — scratch one grouping needs. */
export function bucketTypesScratchBytes(): u64 {
  return <u64>typesMax * (8 + 8 + 4 + 4) + <u64>(hashMask + 1) * 4 + 64;
}

/** typesReset — start an empty grouping. */
export function typesReset(): void {
  typeCount = 0;
  keyAPtr = scratchAlloc(<usize>typesMax << 3);
  keyBPtr = scratchAlloc(<usize>typesMax << 3);
  sizePtr = scratchAlloc(<usize>typesMax << 2);
  firstPtr = scratchAlloc(<usize>typesMax << 2);
  hashPtr = scratchAlloc(<usize>(hashMask + 1) << 2);
  memory.fill(hashPtr, 0xff, <usize>(hashMask + 1) << 2);
}

/** typeAdd — the type of a bucket with key (keyA, keyB), counted; 0xffffffff when the grouping is full. */
export function typeAdd(keyA: u64, keyB: u64, bucket: u32): u32 {
  const mixed = keyA ^ (keyB * 0xff51afd7ed558ccd);
  let at = <u32>((mixed ^ (mixed >>> 29)) * 0x9e3779b97f4a7c15 >>> 40) & hashMask;
  stepsAdd(2);
  for (;;) {
    const type = u32Get(hashPtr, at);
    if (type == 0xffffffff) break;
    if (load<u64>(keyAPtr + (<usize>type << 3)) == keyA && load<u64>(keyBPtr + (<usize>type << 3)) == keyB) {
      u32Add(sizePtr, type, 1);
      return type;
    }
    at = (at + 1) & hashMask;
  }
  if (typeCount == typesMax) return 0xffffffff;
  const type = typeCount++;
  store<u64>(keyAPtr + (<usize>type << 3), keyA);
  store<u64>(keyBPtr + (<usize>type << 3), keyB);
  u32Set(sizePtr, type, 1);
  u32Set(firstPtr, type, bucket);
  u32Set(hashPtr, at, type);
  return type;
}

/** typeKeyA / typeKeyB / typeSize / typeFirst — what a type is. */
export function typeKeyA(type: u32): u64 {
  return load<u64>(keyAPtr + (<usize>type << 3));
}
export function typeKeyB(type: u32): u64 {
  return load<u64>(keyBPtr + (<usize>type << 3));
}
export function typeSize(type: u32): u32 {
  return u32Get(sizePtr, type);
}
export function typeFirst(type: u32): u32 {
  return u32Get(firstPtr, type);
}

/**
 * typesOrder — the buckets of `listPtr` (count, with their types at typesOfPtr, 0xffffffff =
 * none) sorted by type, keeping list order within a type, into orderPtr; type t's buckets
 * start at startPtr[t] (u32[typeCount + 1]).
 */
export function typesOrder(listPtr: usize, typesOfPtr: usize, count: u32, orderPtr: usize, startPtr: usize): void {
  memory.fill(startPtr, 0, <usize>(typeCount + 1) << 2);
  for (let k: u32 = 0; k < count; k++) {
    const type = u32Get(typesOfPtr, k);
    if (type != 0xffffffff) u32Add(startPtr, type + 1, 1);
  }
  for (let type: u32 = 0; type < typeCount; type++) u32Add(startPtr, type + 1, u32Get(startPtr, type));
  const cursorPtr = scratchAlloc(<usize>(typeCount + 1) << 2);
  memory.copy(cursorPtr, startPtr, <usize>(typeCount + 1) << 2);
  for (let k: u32 = 0; k < count; k++) {
    const type = u32Get(typesOfPtr, k);
    if (type == 0xffffffff) continue;
    const at = u32Get(cursorPtr, type);
    u32Set(orderPtr, at, u32Get(listPtr, k));
    u32Set(cursorPtr, type, at + 1);
  }
  stepsAdd(<u64>count * 2 + <u64>typeCount * 2);
}
