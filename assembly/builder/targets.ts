/**
 * targets — how many replicas and masters each live server should hold.
 *
 * Replica quota of server s: q(s) = B·C·w(s)/Σw, capped at B (one copy per bucket) with
 * the excess shared by the others (water-filling). Real quotas become whole targets through
 * apportion (a balanced source keeps its counts), then rack-fit.ts tilts them within each
 * server's ±1 band so the rack totals allow the best spread. Masters: B·w(s)/Σw, whole
 * targets near what each server masters now, never more than its replica target.
 *
 *   band of a quota q:   low = ⌈q − 1⌉   floor = ⌊q⌋   ceil = ⌈q⌉   high = ⌊q + 1⌋  (within 0..B)
 */
import { apportion, apportionNear } from './apportion';
import { fitRackTotals, rackFirstTargets, racksIndex } from './rack-fit';
import { setRackCaps } from './placement-rules';
import {
  aliveCount, alivePtr, bucketCount, copyCount, masterHighPtr, masterLowPtr, masterTargetPtr,
  rackCount, rackOf, racksAlive, replicaHighPtr, replicaLowPtr, replicaTargetPtr, serverCount, sourceMastersPtr, sourceReplicasPtr,
  weightPtr,
} from './context';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { f64Get, f64Set, u32Get, u32Set, u8Get } from '../layout';

/** targetsScratchBytes — scratch computeTargets (with rack-fit.ts) needs. */
export function targetsScratchBytes(serverCount: u32, rackCount: u32): u64 {
  const items = <u64>serverCount + <u64>rackCount + 2;
  return items * (8 * 8 + 4 * 12) + 256;
}

/** spreadLow — copies each rack must hold per bucket for a full spread (1 when C ≥ racks, else 0). */
export function spreadLow(): u32 {
  return copyCount >= racksAlive ? 1 : 0;
}

/** spreadHigh — copies a rack may hold per bucket under a full spread. */
export function spreadHigh(): u32 {
  return copyCount >= racksAlive ? copyCount - racksAlive + 1 : 1;
}

/** shortBound — rackShortBound() of the balanced quotas, computed with the targets. */
export let shortBound: u32 = 0;

/** bandLowPtr / bandHighPtr — each live server's ±1 band of replica counts (u32[S+1]). */
export let bandLowPtr: usize = 0;
export let bandHighPtr: usize = 0;

// Tie-break of the replica rounding (smaller first): the master roles a server holds (one
// that gets a copy can take an open role with it), then its rank among the live servers of
// its rack (among equals the extra units go to one server per rack before a second in any:
// units of one rack can share no bucket when racks spread).
function roundingTies(listPtr: usize, listed: u32): usize {
  const tiesPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  const seenPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  for (let k: u32 = 0; k < listed; k++) {
    const server = u32Get(listPtr, k);
    const rank = u32Get(seenPtr, rackOf(server));
    u32Set(seenPtr, rackOf(server), rank + 1);
    u32Set(tiesPtr, server, (min<u32>(u32Get(sourceMastersPtr, server), 0xff) << 8) | min<u32>(rank, 0xff));
  }
  stepsAdd(listed);
  return tiesPtr;
}

/** computeTargets — fill replica and master targets; returns whether full rack spread is feasible. */
export function computeTargets(rackFirst: bool): bool {
  const listPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  let listed: u32 = 0;
  let weightTotal: f64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    u32Set(listPtr, listed++, server);
    weightTotal += <f64>u32Get(weightPtr, server);
  }
  assert(listed == aliveCount);
  stepsAdd(<u64>serverCount * 8);
  const quotaPtr = scratchAlloc(<usize>(serverCount + 1) << 3);
  const keysPtr = scratchAlloc(<usize>(serverCount + rackCount + 2) << 3);
  const slotTotal = <f64>bucketCount * <f64>copyCount;
  waterFill(listPtr, aliveCount, slotTotal, <f64>bucketCount, quotaPtr);
  apportion(listPtr, aliveCount, quotaPtr, sourceReplicasPtr, <u64>slotTotal, replicaTargetPtr, keysPtr, roundingTies(listPtr, listed));
  setReplicaRanges(listPtr, quotaPtr);
  racksIndex(listPtr);
  shortBound = rackShortBound();
  // Balance within ±1 and a full spread usually both fit: tilt which servers round up (then,
  // if needed, which take their band's outer values) so every rack's total fits the spread.
  // Only when they cannot both hold does the rack strategy give up balance for spread.
  const fitted = racksAlive <= 1 || fitRackTotals(replicaLowPtr, replicaHighPtr) || fitRackTotals(bandLowPtr, bandHighPtr);
  if (!fitted && rackFirst) {
    rackFirstTargets(listPtr, quotaPtr, keysPtr);
    setReplicaRanges(listPtr, quotaPtr);
  }
  masterTargets(listPtr, weightTotal, quotaPtr, keysPtr);
  return spreadFeasible();
}

// Floor and ceil of each server's real replica share, and its ±1 band.
function setReplicaRanges(listPtr: usize, quotaPtr: usize): void {
  if (bandLowPtr == 0) {
    bandLowPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
    bandHighPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  }
  const cap = <f64>bucketCount;
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const quota = f64Get(quotaPtr, server);
    u32Set(replicaLowPtr, server, <u32>Math.floor(quota + 1e-9));
    u32Set(replicaHighPtr, server, <u32>Math.ceil(quota - 1e-9));
    u32Set(bandLowPtr, server, <u32>Math.max(0, Math.ceil(quota - 1 - 1e-9)));
    u32Set(bandHighPtr, server, <u32>Math.min(cap, Math.floor(quota + 1 + 1e-9)));
  }
}

/** targetsReset — forget the previous build's band arrays (their scratch is gone). */
export function targetsReset(): void {
  bandLowPtr = 0;
  bandHighPtr = 0;
}

function masterTargets(listPtr: usize, weightTotal: f64, quotaPtr: usize, keysPtr: usize): void {
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const quota = <f64>bucketCount * <f64>u32Get(weightPtr, server) / weightTotal;
    f64Set(quotaPtr, server, quota);
    const low = Math.ceil(quota - 1 - 1e-9);
    // A server masters only buckets it holds: never more than its replica target.
    const replicas = u32Get(replicaTargetPtr, server);
    u32Set(masterLowPtr, server, low < 0 ? 0 : min(<u32>low, replicas));
    u32Set(masterHighPtr, server, min(<u32>Math.floor(quota + 1 + 1e-9), replicas));
  }
  // Servers that hold more copies than their target (they give some up) give roles first.
  const leavingPtr = scratchAlloc(<usize>serverCount + 1);
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    if (u32Get(sourceReplicasPtr, server) > u32Get(replicaTargetPtr, server)) store<u8>(leavingPtr + server, 1);
  }
  apportionNear(
    listPtr, aliveCount, quotaPtr, sourceMastersPtr, masterLowPtr, masterHighPtr, <u64>bucketCount, masterTargetPtr,
    keysPtr, leavingPtr,
  );
}

/**
 * waterFill — share `total` among the listed servers by weight, none above `cap`.
 * Writes real quotas into quotaPtr[server]. Each round caps at least one server and at most
 * ⌈total/cap⌉ servers can be capped, so it runs at most C + 1 rounds of `count` steps.
 */
export function waterFill(listPtr: usize, count: u32, total: f64, cap: f64, quotaPtr: usize): void {
  for (let k: u32 = 0; k < count; k++) f64Set(quotaPtr, u32Get(listPtr, k), -1);
  let remainingTotal = total;
  let remainingWeight: f64 = 0;
  for (let k: u32 = 0; k < count; k++) remainingWeight += <f64>u32Get(weightPtr, u32Get(listPtr, k));
  let changed = true;
  while (changed && remainingWeight > 0) {
    changed = false;
    stepsAdd(count);
    for (let k: u32 = 0; k < count; k++) {
      const server = u32Get(listPtr, k);
      if (f64Get(quotaPtr, server) >= 0) continue;
      const weight = <f64>u32Get(weightPtr, server);
      if (remainingTotal * weight / remainingWeight > cap) {
        f64Set(quotaPtr, server, cap);
        remainingTotal -= cap;
        remainingWeight -= weight;
        changed = true;
      }
    }
  }
  for (let k: u32 = 0; k < count; k++) {
    const server = u32Get(listPtr, k);
    if (f64Get(quotaPtr, server) >= 0) continue;
    f64Set(quotaPtr, server, remainingTotal * <f64>u32Get(weightPtr, server) / remainingWeight);
  }
}

/** rackTotalsPtr — each rack's replica target total (u64[R]) once targets are final. */
export let rackTotalsPtr: usize = 0;

// Every rack's whole total must fit the spread bounds for every bucket to reach its spread.
// Also sets the per-bucket rack caps ⌈total/B⌉ the placement rules use.
function spreadFeasible(): bool {
  const low = <u64>spreadLow() * <u64>bucketCount;
  const high = <u64>spreadHigh() * <u64>bucketCount;
  const totalsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  rackTotalsPtr = totalsPtr;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const at = totalsPtr + (<usize>rackOf(server) << 3);
    store<u64>(at, load<u64>(at) + <u64>u32Get(replicaTargetPtr, server));
  }
  if (racksAlive <= 1) return true;
  const capPtr = scratchAlloc(<usize>rackCount + 1);
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    const total = load<u64>(totalsPtr + (<usize>rack << 3));
    const cap = (total + <u64>bucketCount - 1) / <u64>bucketCount;
    store<u8>(capPtr + rack, <u8>min(cap, <u64>copyCount));
  }
  setRackCaps(capPtr, totalsPtr, low);
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const total = load<u64>(totalsPtr + (<usize>rackOf(server) << 3));
    if (total < low || total > high) return false;
  }
  return true;
}

/**
 * rackShortBound — the fewest bucket-racks any table within everyone's ±1 band can leave
 * short: a rack spans at most min(B, cap_r) buckets (cap_r = Σ of its servers' band highs),
 * so at least B·min(C, R) − Σ_racks min(B, cap_r) bucket-racks miss their rack. With C ≤ R a
 * rack also holds at least floor_r = Σ of its servers' band lows, so at least
 * Σ_racks max(0, floor_r − B) buckets hold it twice: the bound is the larger of the two
 * (for C ≤ R exactly the least possible; 0 when both are negative).
 */
function rackShortBound(): u32 {
  if (racksAlive <= 1) return 0;
  const capsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  const floorsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const at = <usize>rackOf(server) << 3;
    store<u64>(capsPtr + at, load<u64>(capsPtr + at) + <u64>u32Get(bandHighPtr, server));
    store<u64>(floorsPtr + at, load<u64>(floorsPtr + at) + <u64>u32Get(bandLowPtr, server));
  }
  let spanned: u64 = 0;
  let doubled: u64 = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    spanned += min(<u64>bucketCount, load<u64>(capsPtr + (<usize>rack << 3)));
    const floor = load<u64>(floorsPtr + (<usize>rack << 3));
    if (floor > <u64>bucketCount) doubled += floor - <u64>bucketCount;
  }
  const wanted = <u64>bucketCount * <u64>(copyCount < racksAlive ? copyCount : racksAlive);
  const missing = wanted > spanned ? wanted - spanned : 0;
  return <u32>(copyCount <= racksAlive ? max(missing, doubled) : missing);
}
