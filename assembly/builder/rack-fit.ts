/**
 * rack-fit — make the rack totals of the replica targets allow the best rack spread.
 *
 * A full spread needs every rack's total T(r) within [L, U]: with C ≤ R racks, U = B (one
 * copy per bucket) and L = 0; with C > R, L = B (a copy in every bucket) and
 * U = min(C − R + 1, servers in r)·B. fitRackTotals moves whole units between servers, each
 * staying within the range it is given (floor..ceil first, then the ±1 band), from racks
 * over U to racks with room, and to racks under L from racks with spare. Where the ranges
 * cannot make every rack fit, what it reaches is the best spread balance allows: each rack
 * over U by as little as the ranges permit, which is what rackShortBound counts.
 * Units a server holds in the source stay where possible (a raise goes first to servers
 * holding more than their target, a cut first to servers holding less): no extra moves.
 *
 *   racks index (CSR):  rackStart[r] .. rackStart[r+1]−1  index rackMembers[] = live servers of r
 */
import { waterFill } from './targets';
import { apportion } from './apportion';
import {
  aliveCount, bucketCount, copyCount, rackCount, rackOf, racksAlive, replicaTargetPtr, sourceReplicasPtr,
} from './context';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { f64Get, f64Set, u32Get, u32Set } from '../layout';

let rackStartPtr: usize = 0;
let rackMembersPtr: usize = 0;
let totalsPtr: usize = 0;

/** racksIndex — list the live servers (listPtr, aliveCount of them) by rack. */
export function racksIndex(listPtr: usize): void {
  rackStartPtr = scratchAlloc(<usize>(rackCount + 2) << 2);
  rackMembersPtr = scratchAlloc(<usize>(aliveCount + 1) << 2);
  totalsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  for (let k: u32 = 0; k < aliveCount; k++) {
    const rack = rackOf(u32Get(listPtr, k));
    u32Set(rackStartPtr, rack + 1, u32Get(rackStartPtr, rack + 1) + 1);
  }
  for (let rack: u32 = 1; rack <= rackCount; rack++) {
    u32Set(rackStartPtr, rack, u32Get(rackStartPtr, rack) + u32Get(rackStartPtr, rack - 1));
  }
  // Fill with rackStart[r] as cursors, then shift back.
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const rack = rackOf(server);
    const at = u32Get(rackStartPtr, rack);
    u32Set(rackMembersPtr, at, server);
    u32Set(rackStartPtr, rack, at + 1);
  }
  for (let rack = rackCount; rack > 0; rack--) u32Set(rackStartPtr, rack, u32Get(rackStartPtr, rack - 1));
  u32Set(rackStartPtr, 0, 0);
  stepsAdd(<u64>aliveCount * 3 + <u64>rackCount * 2);
}

/** rackMembersStart / rackMemberAt — the racks index, for other passes. */
export function rackMembersStart(rack: u32): u32 {
  return u32Get(rackStartPtr, rack);
}
export function rackMemberAt(k: u32): u32 {
  return u32Get(rackMembersPtr, k);
}

function members(rack: u32): u32 {
  return u32Get(rackStartPtr, rack + 1) - u32Get(rackStartPtr, rack);
}

function rackLow(rack: u32): u64 {
  return copyCount > racksAlive && members(rack) > 0 ? <u64>bucketCount : 0;
}

function rackHigh(rack: u32): u64 {
  if (copyCount <= racksAlive) return <u64>bucketCount;
  return <u64>min(copyCount - racksAlive + 1, members(rack)) * <u64>bucketCount;
}

function total(rack: u32): u64 {
  return load<u64>(totalsPtr + (<usize>rack << 3));
}

// Units a rack can give (down to lowPtr) or take (up to highPtr).
function room(rack: u32, lowPtr: usize, highPtr: usize, giving: bool): u64 {
  let sum: u64 = 0;
  const end = u32Get(rackStartPtr, rack + 1);
  for (let k = u32Get(rackStartPtr, rack); k < end; k++) {
    const server = u32Get(rackMembersPtr, k);
    const target = u32Get(replicaTargetPtr, server);
    sum += giving ? target - u32Get(lowPtr, server) : u32Get(highPtr, server) - target;
  }
  stepsAdd(end - u32Get(rackStartPtr, rack));
  return sum;
}

/** fitRackTotals — tilt targets within [lowPtr, highPtr] towards rack totals in [L, U]; returns whether all fit. */
export function fitRackTotals(lowPtr: usize, highPtr: usize): bool {
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    let sum: u64 = 0;
    const end = u32Get(rackStartPtr, rack + 1);
    for (let k = u32Get(rackStartPtr, rack); k < end; k++) sum += u32Get(replicaTargetPtr, u32Get(rackMembersPtr, k));
    store<u64>(totalsPtr + (<usize>rack << 3), sum);
  }
  stepsAdd(<u64>aliveCount + <u64>rackCount);
  // Racks over U give to racks below L first, then to any rack below U.
  const over = shiftUnits(lowPtr, highPtr, true);
  // Racks under L take from racks above U first, then from any rack above L.
  const under = shiftUnits(lowPtr, highPtr, false);
  return over && under;
}

// One direction of fitRackTotals: `fromOver` moves units out of racks above U, else into racks below L.
function shiftUnits(lowPtr: usize, highPtr: usize, fromOver: bool): bool {
  let wanted: u64 = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    if (members(rack) == 0) continue;
    const t = total(rack);
    const gap: u64 = fromOver ? (t > rackHigh(rack) ? t - rackHigh(rack) : 0) : (t < rackLow(rack) ? rackLow(rack) - t : 0);
    if (gap > 0) wanted += min(gap, room(rack, lowPtr, highPtr, fromOver));
  }
  if (wanted == 0) return allFit(fromOver);
  // The other side: first racks that need the units (or have too many), then any with room.
  let other: u64 = 0;
  for (let pass: u32 = 0; pass < 2 && other < wanted; pass++) {
    for (let rack: u32 = 0; rack < rackCount && other < wanted; rack++) {
      if (members(rack) == 0) continue;
      const t = total(rack);
      const first = fromOver ? t < rackLow(rack) : t > rackHigh(rack);
      if ((pass == 0) != first) continue;
      const limit: u64 = fromOver ? (t < rackHigh(rack) ? rackHigh(rack) - t : 0) : (t > rackLow(rack) ? t - rackLow(rack) : 0);
      const take = min(min(limit, room(rack, lowPtr, highPtr, !fromOver)), wanted - other);
      if (take > 0) other += adjustRack(rack, take, lowPtr, highPtr, !fromOver);
    }
  }
  // Exactly as many units leave the side that has the gap.
  let left = other;
  for (let rack: u32 = 0; rack < rackCount && left > 0; rack++) {
    if (members(rack) == 0) continue;
    const t = total(rack);
    const gap: u64 = fromOver ? (t > rackHigh(rack) ? t - rackHigh(rack) : 0) : (t < rackLow(rack) ? rackLow(rack) - t : 0);
    if (gap > 0) left -= adjustRack(rack, min(gap, left), lowPtr, highPtr, fromOver);
  }
  assert(left == 0, 'rack fit lost a unit');
  return allFit(fromOver);
}

function allFit(over: bool): bool {
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    if (members(rack) == 0) continue;
    if (over ? total(rack) > rackHigh(rack) : total(rack) < rackLow(rack)) return false;
  }
  return true;
}

// Give (`giving`) or take up to `amount` units in one rack, one unit per server per sweep,
// servers whose change keeps the source copies first; returns the units moved.
function adjustRack(rack: u32, amount: u64, lowPtr: usize, highPtr: usize, giving: bool): u64 {
  let moved: u64 = 0;
  const start = u32Get(rackStartPtr, rack);
  const end = u32Get(rackStartPtr, rack + 1);
  for (let pass: u32 = 0; pass < 2; pass++) {
    // A range is at most three wide: three sweeps exhaust it.
    for (let sweep: u32 = 0; sweep < 3 && moved < amount; sweep++) {
      for (let k = start; k < end && moved < amount; k++) {
        const server = u32Get(rackMembersPtr, k);
        const target = u32Get(replicaTargetPtr, server);
        const held = u32Get(sourceReplicasPtr, server);
        if (giving ? target <= u32Get(lowPtr, server) : target >= u32Get(highPtr, server)) continue;
        // Pass 0: only changes that cost no move (cut an unbacked unit, raise towards what it holds).
        if (pass == 0 && (giving ? held >= target : held <= target)) continue;
        u32Set(replicaTargetPtr, server, giving ? target - 1 : target + 1);
        moved++;
      }
      stepsAdd(end - start);
    }
  }
  const at = totalsPtr + (<usize>rack << 3);
  store<u64>(at, giving ? load<u64>(at) - moved : load<u64>(at) + moved);
  return moved;
}

/**
 * rackFirstTargets — the rack strategy when balance and spread cannot both hold: racks share
 * B·C by what their servers would hold unconstrained, each rack held within [L, U] (a clamped
 * water level found by bisection), then each rack's whole total is shared by its servers.
 */
export function rackFirstTargets(listPtr: usize, quotaPtr: usize, keysPtr: usize): void {
  const rackWeightPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  const rackHeldPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  // A heavy server capped at one copy per bucket weighs what it can hold, not its raw weight.
  waterFill(listPtr, aliveCount, <f64>bucketCount * <f64>copyCount, <f64>bucketCount, quotaPtr);
  for (let k: u32 = 0; k < aliveCount; k++) {
    const server = u32Get(listPtr, k);
    const rack = rackOf(server);
    f64Set(rackWeightPtr, rack, f64Get(rackWeightPtr, rack) + f64Get(quotaPtr, server));
    u32Set(rackHeldPtr, rack, u32Get(rackHeldPtr, rack) + u32Get(sourceReplicasPtr, server));
  }
  const rackQuotaPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  clampedLevel(rackWeightPtr, rackQuotaPtr);
  const rackListPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  let rackListed: u32 = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    if (members(rack) > 0) u32Set(rackListPtr, rackListed++, rack);
  }
  const rackTotalPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  const slotTotal = <u64>bucketCount * <u64>copyCount;
  apportion(rackListPtr, rackListed, rackQuotaPtr, rackHeldPtr, slotTotal, rackTotalPtr, keysPtr);
  for (let r: u32 = 0; r < rackListed; r++) {
    const rack = u32Get(rackListPtr, r);
    const first = rackMembersPtr + (<usize>u32Get(rackStartPtr, rack) << 2);
    const rackTotal = u32Get(rackTotalPtr, rack);
    waterFill(first, members(rack), <f64>rackTotal, <f64>bucketCount, quotaPtr);
    apportion(first, members(rack), quotaPtr, sourceReplicasPtr, <u64>rackTotal, replicaTargetPtr, keysPtr);
  }
}

// Rack quotas clamp(λ·w(r), L, U) summing to B·C: λ by bisection (the sum grows with λ).
function clampedLevel(rackWeightPtr: usize, rackQuotaPtr: usize): void {
  const wanted = <f64>bucketCount * <f64>copyCount;
  let low: f64 = 0;
  let high: f64 = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    const weight = f64Get(rackWeightPtr, rack);
    if (members(rack) == 0 || weight <= 0) continue;
    high = Math.max(high, <f64>rackHigh(rack) / weight);
  }
  for (let round: u32 = 0; round < 100; round++) {
    const middle = (low + high) / 2;
    if (levelSum(middle, rackWeightPtr, rackQuotaPtr) < wanted) low = middle;
    else high = middle;
  }
  levelSum(high, rackWeightPtr, rackQuotaPtr);
  stepsAdd(<u64>rackCount * 101);
}

function levelSum(level: f64, rackWeightPtr: usize, rackQuotaPtr: usize): f64 {
  let sum: f64 = 0;
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    if (members(rack) == 0) continue;
    const share = Math.min(Math.max(level * f64Get(rackWeightPtr, rack), <f64>rackLow(rack)), <f64>rackHigh(rack));
    f64Set(rackQuotaPtr, rack, share);
    sum += share;
  }
  return sum;
}
