/**
 * targets — how many replicas and masters each live server should hold.
 *
 * Replica quota of server s: q(s) = B·C·w(s)/Σw, capped at B (one copy per bucket) with
 * the excess shared by the others (water-filling). With the rack strategy, racks are first
 * held to what a full spread allows (each rack between lo·B and hi·B copies, see
 * spreadBounds) and servers share their rack's total by weight. Masters: B·w(s)/Σw.
 * Real quotas become whole targets through apportion (a balanced source keeps its counts).
 */
import { apportion, apportionNear } from './apportion';
import { setRackCaps } from './placement-rules';
import {
  aliveCount, alivePtr, bucketCount, copyCount, masterHighPtr, masterLowPtr, masterTargetPtr,
  rackCount, rackOf, racksAlive, replicaHighPtr, replicaLowPtr, replicaTargetPtr, serverCount, sourceMastersPtr, sourceReplicasPtr,
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
  waterFill(alivePtrList, aliveCount, slotTotal, <f64>bucketCount, quotaPtr);
  apportion(alivePtrList, aliveCount, quotaPtr, sourceReplicasPtr, <u64>slotTotal, replicaTargetPtr, keysPtr);
  setReplicaRanges(alivePtrList, quotaPtr);
  // Balance within ±1 and a full spread usually both fit: pick which servers round up so
  // every rack's total fits the spread. Only when they cannot both hold does the rack
  // strategy give up balance for spread (and the balanced strategy spread for balance).
  const fitted = racksAlive <= 1 || fitRackTotals(alivePtrList);
  if (!fitted && rackFirst) {
    rackFirstTargets(alivePtrList, quotaPtr, keysPtr);
    setReplicaRanges(alivePtrList, quotaPtr);
  }
  masterTargets(alivePtrList, weightTotal, quotaPtr, keysPtr);
  return spreadFeasible();
}

// Floor and ceil of each server's real replica share, the range it may end up in.
function setReplicaRanges(listPtr: usize, quotaPtr: usize): void {
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const quota = f64Get(quotaPtr, server);
    u32Set(replicaLowPtr, server, <u32>Math.floor(quota + 1e-9));
    u32Set(replicaHighPtr, server, <u32>Math.ceil(quota - 1e-9));
  }
}

/**
 * fitRackTotals — move round-up units between servers (each staying within its floor..ceil)
 * until every rack's total fits a full spread (lo·B ≤ total ≤ hi·B); units not backed by
 * copies a server holds move first, so no extra data moves. Returns whether all racks fit.
 */
function fitRackTotals(listPtr: usize): bool {
  const totalsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  const serversPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const at = totalsPtr + (<usize>rackOf(server) << 3);
    store<u64>(at, load<u64>(at) + <u64>u32Get(replicaTargetPtr, server));
    u32Set(serversPtr, rackOf(server), u32Get(serversPtr, rackOf(server)) + 1);
  }
  const low = <u64>spreadLow() * <u64>bucketCount;
  const high = <u64>spreadHigh() * <u64>bucketCount;
  for (let step: u32 = 0; step <= aliveCount * 2; step++) {
    let over: i32 = -1;
    let under: i32 = -1;
    for (let rack: u32 = 0; rack < rackCount; rack++) {
      if (u32Get(serversPtr, rack) == 0) continue;
      const total = load<u64>(totalsPtr + (<usize>rack << 3));
      const rackHigh = min(high, <u64>u32Get(serversPtr, rack) * <u64>bucketCount);
      if (total > rackHigh && over < 0) over = rack;
      if (total < low && under < 0) under = rack;
    }
    if (over < 0 && under < 0) return true;
    // A unit leaves an over rack (or any rack above its floor, towards an under rack).
    const donor = pickServer(listPtr, over, under, totalsPtr, low, high, serversPtr, true);
    const taker = donor == 0 ? 0 : pickServer(listPtr, under, over, totalsPtr, low, high, serversPtr, false);
    if (donor == 0 || taker == 0) return false;
    u32Set(replicaTargetPtr, donor, u32Get(replicaTargetPtr, donor) - 1);
    u32Set(replicaTargetPtr, taker, u32Get(replicaTargetPtr, taker) + 1);
    const donorAt = totalsPtr + (<usize>rackOf(donor) << 3);
    const takerAt = totalsPtr + (<usize>rackOf(taker) << 3);
    store<u64>(donorAt, load<u64>(donorAt) - 1);
    store<u64>(takerAt, load<u64>(takerAt) + 1);
  }
  return false;
}

// The best server to give (or take) one unit: in `rack` when given (≥ 0), else in any rack
// that can spare (or absorb) one; never `avoidRack`. Givers are above their floor, takers
// below their ceil; prefer units that are not (givers) / are (takers) backed by held copies.
function pickServer(
  listPtr: usize, rack: i32, avoidRack: i32, totalsPtr: usize, low: u64, high: u64, serversPtr: usize, giving: bool,
): u32 {
  let best: u32 = 0;
  let bestScore: i64 = i64.MIN_VALUE;
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const serverRack = rackOf(server);
    if (rack >= 0 ? serverRack != <u32>rack : serverRack == <u32>avoidRack) continue;
    const target = u32Get(replicaTargetPtr, server);
    if (giving ? target <= u32Get(replicaLowPtr, server) : target >= u32Get(replicaHighPtr, server)) continue;
    if (rack < 0) {
      const total = load<u64>(totalsPtr + (<usize>serverRack << 3));
      const rackHigh = min(high, <u64>u32Get(serversPtr, serverRack) * <u64>bucketCount);
      if (giving ? total <= low : total >= rackHigh) continue;
    }
    const held = <i64>u32Get(sourceReplicasPtr, server) - <i64>target;
    const score = giving ? -held : held;
    if (score > bestScore) {
      bestScore = score;
      best = server;
    }
  }
  return best;
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
  apportionNear(
    listPtr, aliveCount, quotaPtr, sourceMastersPtr, masterLowPtr, masterHighPtr, <u64>bucketCount, masterTargetPtr,
    keysPtr,
  );
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
  // Racks are weighed by what their servers would hold unconstrained (capped at B each),
  // not by raw weight: a heavy server capped at one copy per bucket weighs what it holds.
  waterFill(listPtr, aliveCount, <f64>bucketCount * <f64>copyCount, <f64>bucketCount, quotaPtr);
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const rack = rackOf(server);
    f64Set(rackWeightPtr, rack, f64Get(rackWeightPtr, rack) + f64Get(quotaPtr, server));
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
// Also sets the per-bucket rack caps ⌈total/B⌉ the placement rules use.
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
