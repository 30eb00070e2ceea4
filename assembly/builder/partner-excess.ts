/**
 * partner-excess — how far a C = 2 table's partner counts go past the partner bound.
 *
 * N[d][p] = buckets mastered by d whose other copy is on p: when d dies, the quick table
 * promotes p in exactly those. The bound is ⌈m(d)·w(p)/W(d)⌉ + 1 (⌈m/P⌉ + 1 with equal
 * weights), W(d) the weight of d's pool: every other live server, or — when every bucket
 * spans two racks — the servers outside d's rack, or only a rack that holds a copy of every
 * bucket when there is one. Returns max over d, p of N[d][p] − bound(d, p) (≤ 0: within).
 *
 * One counting sort of the buckets by master, then one counter per partner: O(B + S).
 */
import {
  alivePtr, bucketCount, rackCount, rackOf, racksAlive, replicaCountPtr, serverCount,
  targetPtr, weightPtr,
} from './context';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, u32Get, u32Set, u8Get } from '../layout';

/** partnerExcessScratchBytes — scratch partnerExcess needs. */
export function partnerExcessScratchBytes(bucketCount: u32, serverCount: u32, rackCount: u32): u64 {
  return <u64>bucketCount * 4 + (<u64>serverCount + 2) * 4 * 3 + (<u64>rackCount + 1) * 8 * 2 + 64;
}

/** partnerExcess — the largest N[d][p] − bound(d, p) of the target table (C = 2). */
export function partnerExcess(): i32 {
  const startPtr = scratchAlloc(<usize>(serverCount + 2) << 2);
  const orderPtr = scratchAlloc(<usize>bucketCount << 2);
  const countPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  const rackWeightPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  const rackSlotsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  let spreadAcross = racksAlive >= 2;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const master = slotGet(targetPtr, bucket);
    const partner = slotGet(targetPtr, bucketCount + bucket);
    if (master == 0 || partner == 0 || rackOf(master) == rackOf(partner)) spreadAcross = false;
    u32Set(startPtr, master + 1, u32Get(startPtr, master + 1) + 1);
  }
  for (let server: u32 = 1; server <= serverCount + 1; server++) {
    u32Set(startPtr, server, u32Get(startPtr, server) + u32Get(startPtr, server - 1));
  }
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const master = slotGet(targetPtr, bucket);
    const at = u32Get(startPtr, master);
    u32Set(orderPtr, at, bucket);
    u32Set(startPtr, master, at + 1);
  }
  // start[s] now ends master s's buckets; master s's begin where master s−1's end.
  let weightTotal: u64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const weight = <u64>u32Get(weightPtr, server);
    weightTotal += weight;
    const rackAt = <usize>rackOf(server) << 3;
    store<u64>(rackWeightPtr + rackAt, load<u64>(rackWeightPtr + rackAt) + weight);
    store<u64>(rackSlotsPtr + rackAt, load<u64>(rackSlotsPtr + rackAt) + <u64>u32Get(replicaCountPtr, server));
  }
  findEverywhere(rackSlotsPtr);
  let worst: i64 = i64.MIN_VALUE;
  for (let master: u32 = 1; master <= serverCount; master++) {
    const first = u32Get(startPtr, master - 1);
    const end = u32Get(startPtr, master);
    if (u8Get(alivePtr, master) == 0 || end == first) continue;
    const poolWeight = poolWeightOf(master, spreadAcross, weightTotal, rackWeightPtr);
    const mastered = <u64>(end - first);
    for (let k = first; k < end; k++) {
      const partner = slotGet(targetPtr, bucketCount + u32Get(orderPtr, k));
      u32Set(countPtr, partner, u32Get(countPtr, partner) + 1);
    }
    for (let k = first; k < end; k++) {
      const partner = slotGet(targetPtr, bucketCount + u32Get(orderPtr, k));
      const count = u32Get(countPtr, partner);
      if (count == 0) continue;
      u32Set(countPtr, partner, 0);
      const bound = poolWeight == 0 ? mastered : (mastered * <u64>u32Get(weightPtr, partner) + poolWeight - 1) / poolWeight + 1;
      const excess = <i64>count - <i64>bound;
      if (excess > worst) worst = excess;
    }
  }
  stepsAdd(<u64>bucketCount * 4 + <u64>serverCount * 2 + <u64>rackCount);
  return worst == i64.MIN_VALUE ? 0 : <i32>worst;
}

// Racks holding a copy of every bucket (at most two: the table has 2·B slots), -1 for none.
let everywhereFirst: i32 = -1;
let everywhereSecond: i32 = -1;

function findEverywhere(rackSlotsPtr: usize): void {
  everywhereFirst = -1;
  everywhereSecond = -1;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    if (load<u64>(rackSlotsPtr + (<usize>rack << 3)) != <u64>bucketCount) continue;
    if (everywhereFirst < 0) everywhereFirst = rack;
    else everywhereSecond = rack;
  }
}

function poolWeightOf(master: u32, spreadAcross: bool, weightTotal: u64, rackWeightPtr: usize): u64 {
  if (!spreadAcross) return weightTotal - <u64>u32Get(weightPtr, master);
  const own = <i32>rackOf(master);
  const forced = everywhereFirst >= 0 && everywhereFirst != own ? everywhereFirst : everywhereSecond;
  if (forced >= 0 && forced != own) return load<u64>(rackWeightPtr + (<usize>forced << 3));
  return weightTotal - load<u64>(rackWeightPtr + (<usize>own << 3));
}
