/**
 * targets — how many replicas and masters each live server should hold.
 *
 * Replica quota of server s: q(s) = B·C·w(s)/Σw, capped at B (one copy per bucket) with
 * the excess shared by the others (water-filling). With the rack strategy, racks are first
 * held to what a full spread allows (each rack between lo·B and hi·B copies, see
 * spreadBounds) and servers share their rack's total by weight. Masters: B·w(s)/Σw.
 * Real quotas become whole targets through apportion (a balanced source keeps its counts).
 */
import { apportion } from './apportion';
import {
  aliveCount, alivePtr, bucketCount, copyCount, masterHighPtr, masterLowPtr, masterTargetPtr,
  rackCount, rackOf, racksAlive, replicaTargetPtr, serverCount, sourceMastersPtr, sourceReplicasPtr,
  weightPtr,
} from './context';
import { scratchAlloc } from '../scratch';
import { f64Get, f64Set, u32Get, u32Set, u8Get } from '../layout';

/** targetsScratchBytes — scratch computeTargets needs. */
export function targetsScratchBytes(serverCount: u32, rackCount: u32): u64 {
  const items = <u64>serverCount + <u64>rackCount + 2;
  return items * (8 + 8 + 4 + 4 + 8) + 64;
}

/** spreadLow — copies each rack must hold per bucket for a full spread (1 when C ≥ racks, else 0). */
export function spreadLow(): u32 {
  return copyCount >= racksAlive ? 1 : 0;
}

/** spreadHigh — copies a rack may hold per bucket under a full spread. */
export function spreadHigh(): u32 {
  return copyCount >= racksAlive ? copyCount - racksAlive + 1 : 1;
}

/** computeTargets — fill replica and master targets; returns whether full rack spread is feasible. */
export function computeTargets(rackFirst: bool): bool {
  const alivePtrList = scratchAlloc(<usize>(serverCount + 1) << 2);
  let listed: u32 = 0;
  let weightTotal: f64 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    u32Set(alivePtrList, listed++, server);
    weightTotal += <f64>u32Get(weightPtr, server);
  }
  assert(listed == aliveCount);
  const quotaPtr = scratchAlloc(<usize>(serverCount + 1) << 3);
  const keysPtr = scratchAlloc(<usize>(serverCount + rackCount + 2) << 3);
  const slotTotal = <f64>bucketCount * <f64>copyCount;
  if (rackFirst && racksAlive > 1) {
    rackFirstTargets(alivePtrList, quotaPtr, keysPtr);
  } else {
    waterFill(alivePtrList, aliveCount, slotTotal, <f64>bucketCount, quotaPtr);
    apportion(alivePtrList, aliveCount, quotaPtr, sourceReplicasPtr, <u64>slotTotal, replicaTargetPtr, keysPtr);
  }
  masterTargets(alivePtrList, weightTotal, quotaPtr, keysPtr);
  return spreadFeasible();
}

function masterTargets(listPtr: usize, weightTotal: f64, quotaPtr: usize, keysPtr: usize): void {
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const quota = <f64>bucketCount * <f64>u32Get(weightPtr, server) / weightTotal;
    f64Set(quotaPtr, server, quota);
    const low = Math.ceil(quota - 1 - 1e-9);
    u32Set(masterLowPtr, server, low < 0 ? 0 : <u32>low);
    u32Set(masterHighPtr, server, <u32>Math.floor(quota + 1 + 1e-9));
  }
  apportion(listPtr, aliveCount, quotaPtr, sourceMastersPtr, <u64>bucketCount, masterTargetPtr, keysPtr);
}

/**
 * waterFill — share `total` among the listed servers by weight, none above `cap`.
 * Writes real quotas into quotaPtr[server].
 */
function waterFill(listPtr: usize, count: u32, total: f64, cap: f64, quotaPtr: usize): void {
  for (let k: u32 = 0; k < count; k++) f64Set(quotaPtr, u32Get(listPtr, k), -1);
  let remainingTotal = total;
  let remainingWeight: f64 = 0;
  for (let k: u32 = 0; k < count; k++) remainingWeight += <f64>u32Get(weightPtr, u32Get(listPtr, k));
  let changed = true;
  while (changed && remainingWeight > 0) {
    changed = false;
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

function rackFirstTargets(listPtr: usize, quotaPtr: usize, keysPtr: usize): void {
  const racks = rackCount;
  const rackWeightPtr = scratchAlloc(<usize>(racks + 1) << 3);
  const rackServersPtr = scratchAlloc(<usize>(racks + 1) << 2);
  const rackHeldPtr = scratchAlloc(<usize>(racks + 1) << 2);
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const rack = rackOf(server);
    f64Set(rackWeightPtr, rack, f64Get(rackWeightPtr, rack) + <f64>u32Get(weightPtr, server));
    u32Set(rackServersPtr, rack, u32Get(rackServersPtr, rack) + 1);
    u32Set(rackHeldPtr, rack, u32Get(rackHeldPtr, rack) + u32Get(sourceReplicasPtr, server));
  }
  const rackQuotaPtr = scratchAlloc(<usize>(racks + 1) << 3);
  rackWaterFill(rackWeightPtr, rackServersPtr, rackQuotaPtr);
  const rackListPtr = scratchAlloc(<usize>(racks + 1) << 2);
  let rackListed: u32 = 0;
  for (let rack: u32 = 0; rack < racks; rack++) {
    if (u32Get(rackServersPtr, rack) > 0) u32Set(rackListPtr, rackListed++, rack);
  }
  const rackTotalPtr = scratchAlloc(<usize>(racks + 1) << 2);
  const slotTotal = <u64>bucketCount * <u64>copyCount;
  apportion(rackListPtr, rackListed, rackQuotaPtr, rackHeldPtr, slotTotal, rackTotalPtr, keysPtr);
  // Within each rack, share its whole total by weight.
  const memberPtr = scratchAlloc(<usize>(aliveCount + 1) << 2);
  for (let r: u32 = 0; r < rackListed; r++) {
    const rack = u32Get(rackListPtr, r);
    let members: u32 = 0;
    for (let k: u32 = 0; k < aliveCount; k++) {
      const server = u32Get(listPtr, k);
      if (rackOf(server) == rack) u32Set(memberPtr, members++, server);
    }
    const rackTotal = u32Get(rackTotalPtr, rack);
    waterFill(memberPtr, members, <f64>rackTotal, <f64>bucketCount, quotaPtr);
    apportion(memberPtr, members, quotaPtr, sourceReplicasPtr, <u64>rackTotal, replicaTargetPtr, keysPtr);
  }
}

// Racks share B·C by weight, each held within [lo·B, min(hi·B, servers·B)].
function rackWaterFill(rackWeightPtr: usize, rackServersPtr: usize, rackQuotaPtr: usize): void {
  const racks = rackCount;
  const low = <f64>spreadLow() * <f64>bucketCount;
  const highCopies = <f64>spreadHigh() * <f64>bucketCount;
  const fixedPtr = scratchAlloc(<usize>(racks + 1));
  let remainingTotal = <f64>bucketCount * <f64>copyCount;
  for (let round: u32 = 0; round <= racks; round++) {
    let remainingWeight: f64 = 0;
    for (let rack: u32 = 0; rack < racks; rack++) {
      if (u32Get(rackServersPtr, rack) == 0 || load<u8>(fixedPtr + rack) != 0) continue;
      remainingWeight += f64Get(rackWeightPtr, rack);
    }
    if (remainingWeight <= 0) return;
    let fixedAny = false;
    // Fix racks above their ceiling first; only when none is, raise those below the floor.
    for (let pass: u32 = 0; pass < 2 && !fixedAny; pass++) {
      let fixedTotal: f64 = 0;
      for (let rack: u32 = 0; rack < racks; rack++) {
        if (u32Get(rackServersPtr, rack) == 0 || load<u8>(fixedPtr + rack) != 0) continue;
        const share = remainingTotal * f64Get(rackWeightPtr, rack) / remainingWeight;
        f64Set(rackQuotaPtr, rack, share);
        const high = Math.min(highCopies, <f64>u32Get(rackServersPtr, rack) * <f64>bucketCount);
        const bound = pass == 0 ? high : Math.min(low, high);
        if ((pass == 0 && share > bound + 1e-9) || (pass == 1 && share < bound - 1e-9)) {
          f64Set(rackQuotaPtr, rack, bound);
          store<u8>(fixedPtr + rack, 1);
          fixedTotal += bound;
          fixedAny = true;
        }
      }
      remainingTotal -= fixedTotal;
    }
    if (!fixedAny) return;
  }
}

// Every rack's whole total must fit the spread bounds for every bucket to reach its spread.
function spreadFeasible(): bool {
  if (racksAlive <= 1) return true;
  const low = <u64>spreadLow() * <u64>bucketCount;
  const high = <u64>spreadHigh() * <u64>bucketCount;
  const totalsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const at = totalsPtr + (<usize>rackOf(server) << 3);
    store<u64>(at, load<u64>(at) + <u64>u32Get(replicaTargetPtr, server));
  }
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const total = load<u64>(totalsPtr + (<usize>rackOf(server) << 3));
    if (total < low || total > high) return false;
  }
  return true;
}
