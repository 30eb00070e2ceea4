/**
 * pair-design — a first build with two copies, decided as pair counts and then laid out.
 *
 * With C = 2 a table is, up to bucket order, the matrix N[d][p] = buckets mastered by d whose
 * other copy is on p. Row sums are the master targets m(d), column sums the partner counts
 * t(p) − m(p); a rack-spread table has N = 0 within a rack. When d dies the quick table
 * promotes p in N[d][p] of d's buckets, so the partner bound asks N[d][p] ≤ ⌈m(d)·w(p)/W(d)⌉ + 1
 * over d's pool (the servers that may partner d, weight W(d)). N comes from one max-flow:
 *
 *   source ─m(d)─▶ d ─cap(d,p)─▶ p ─t(p)−m(p)─▶ sink
 *
 * cap starts at the even share (bound − 1) for the pairs in d's pool (0 for others) and rises a
 * quarter of the bound at a time while the flow falls short, then without a cap: cross-rack pairs first,
 * same-rack pairs only when racks cannot all spread. Later rounds only carry what earlier ones
 * could not, so the bound holds wherever the margins allow it, what must exceed it is spread
 * over the pairs, and same-rack pairs are as few as the rack totals force. The layout then
 * writes d's buckets as runs of (d, p): replicas and masters are exactly the targets.
 *
 *   pool(d): every other live server (one rack, or racks that cannot all spread); else the
 *            servers outside d's rack — or, when another rack must hold a copy of every
 *            bucket (its total is B), that rack's servers.
 */
import { SearchPass } from '../outcome';
import {
  aliveCount, alivePtr, bucketCount, masterCountPtr, masterTargetPtr, rackCount, rackOf, racksAlive, replicaCountPtr,
  replicaTargetPtr, serverCount, strictRacks, targetPtr, weightPtr,
} from './context';
import { rackTotalsPtr } from './targets';
import { flowArc, flowArcTo, flowEnd, flowFirstArc, flowNextArc, flowOn, flowOpen, flowReset, flowRun } from './flow';
import { budgetDesignFixed, budgetDesignPerSlot, passBudget, stepsAdd, steps } from './budget';
import { scratchAlloc } from '../scratch';
import { u32Get, u32Set, u8Get } from '../layout';

/** pairServersMax — live servers up to which C = 2 first builds are designed as pair counts (N is S×S). */
export const pairServersMax: u32 = 256;

let listPtr: usize = 0;
let listed: u32 = 0;

/** pairDesignScratchBytes — scratch buildPairs needs for `serverCount` servers. */
export function pairDesignScratchBytes(serverCount: u32, rackCount: u32): u64 {
  const live = <u64>min(serverCount, pairServersMax);
  return (<u64>serverCount + 1) * 4 * 2 + (live + 2) * 4 * 3 + (<u64>rackCount + 1) * 4 + (live * live + live * 2 + 8) + live * live * 12 * 2 * 4 * 3 + (live * 2 + 3) * 4 * 5 + 256;
}

/** buildPairs — the whole target table for C = 2; false (nothing written) when the design does not apply. */
export function buildPairs(): bool {
  if (aliveCount > pairServersMax) return false;
  listPtr = scratchAlloc(<usize>(aliveCount + 1) << 2);
  listed = 0;
  for (let server: u32 = 1; server <= serverCount; server++) if (u8Get(alivePtr, server) != 0) u32Set(listPtr, listed++, server);
  const nodes = 2 + 2 * listed;
  flowReset(nodes, listed * listed + 2 * listed);
  arcsListed = 0;
  arcsPtr = scratchAlloc(<usize>(listed * listed + 1) << 2);
  capsPtr = scratchAlloc(<usize>(listed * listed + 1) << 2);
  stepsOfPtr = scratchAlloc(<usize>(listed * listed + 1) << 2);
  for (let k: u32 = 0; k < listed; k++) {
    const server = u32Get(listPtr, k);
    const masters = u32Get(masterTargetPtr, server);
    flowArc(0, rowNode(k), masters);
    flowArc(colNode(k), 1, u32Get(replicaTargetPtr, server) - masters);
  }
  orderPartners();
  const limit = steps + passBudget(budgetDesignPerSlot, budgetDesignFixed);
  let flowed: u64 = 0;
  // Cross-rack pairs, then (racks that cannot all spread) same-rack pairs: each first within
  // the bound, then with caps raised a quarter of the bound at a time, so what must go past
  // the bound spreads over the pairs instead of piling on a few; at last without a cap.
  for (let same: u32 = 0; same < 2 && flowed < <u64>bucketCount; same++) {
    if (same == 1 && (strictRacks || racksAlive <= 1)) break;
    const first = arcsListed;
    addPairs(same == 1);
    flowed += flowRun(limit, SearchPass.Design);
    for (let level: u32 = 1; level <= raisesMax && flowed < <u64>bucketCount; level++) {
      for (let k = first; k < arcsListed; k++) raise(k, level == raisesMax);
      flowed += flowRun(limit, SearchPass.Design);
    }
  }
  if (flowed < <u64>bucketCount) return false;
  layOut();
  return true;
}

/** raisesMax — cap raises before the last, uncapped, one. */
const raisesMax: u32 = 12;
let arcsPtr: usize = 0;
let capsPtr: usize = 0;
let stepsOfPtr: usize = 0;
let arcsListed: u32 = 0;

// @ts-ignore: decorator
@inline function rowNode(k: u32): u32 {
  return 2 + k;
}

// @ts-ignore: decorator
@inline function colNode(k: u32): u32 {
  return 2 + listed + k;
}

// The order masters try partners in (the flow takes arcs in it): rank within the rack first,
// so racks alternate and each master's partners spread over the racks of its pool (a later
// join or leave in any rack then finds buckets it can take over); every master starts at
// its own place in it.
let partnerOrderPtr: usize = 0;

function orderPartners(): void {
  partnerOrderPtr = scratchAlloc(<usize>(listed + 1) << 2);
  const rankPtr = scratchAlloc(<usize>(listed + 1) << 2);
  const seenPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  const startPtr = scratchAlloc(<usize>(listed + 2) << 2);
  for (let k: u32 = 0; k < listed; k++) {
    const rack = rackOf(u32Get(listPtr, k));
    const rank = u32Get(seenPtr, rack);
    u32Set(seenPtr, rack, rank + 1);
    u32Set(rankPtr, k, rank);
    u32Set(startPtr, rank + 1, u32Get(startPtr, rank + 1) + 1);
  }
  for (let rank: u32 = 0; rank < listed; rank++) u32Set(startPtr, rank + 1, u32Get(startPtr, rank + 1) + u32Get(startPtr, rank));
  for (let k: u32 = 0; k < listed; k++) {
    const rank = u32Get(rankPtr, k);
    const at = u32Get(startPtr, rank);
    u32Set(partnerOrderPtr, at, k);
    u32Set(startPtr, rank, at + 1);
  }
  stepsAdd(<u64>listed * 4);
}

// An arc for every allowed pair of the class, capped at the even share ⌈m(d)·w(p)/W(d)⌉ for
// pool pairs (0 for the rest), so a later leave or join starts from evenly spread partners;
// each remembers its raise step (a quarter of its master's bound), the first raise reaching
// the bound itself.
function addPairs(sameRack: bool): void {
  for (let a: u32 = 0; a < listed; a++) {
    const master = u32Get(listPtr, a);
    const masters = u32Get(masterTargetPtr, master);
    if (masters == 0) continue;
    const forced = forcedRackFor(master);
    const poolWeight = poolWeightOf(master, forced);
    for (let j: u32 = 0; j < listed; j++) {
      const b = u32Get(partnerOrderPtr, (j + a) % listed);
      if (a == b) continue;
      const partner = u32Get(listPtr, b);
      if ((racksAlive > 1 && rackOf(partner) == rackOf(master)) != sameRack) continue;
      const share = <u32>((<u64>masters * <u64>u32Get(weightPtr, partner) + poolWeight - 1) / poolWeight);
      const bound = share + 1;
      const capacity = inPool(master, partner, forced) ? share : 0;
      u32Set(arcsPtr, arcsListed, flowArc(rowNode(a), colNode(b), capacity));
      u32Set(capsPtr, arcsListed, capacity);
      u32Set(stepsOfPtr, arcsListed++, bound / 4 + 1);
    }
    stepsAdd(listed);
  }
}

function raise(k: u32, unlimited: bool): void {
  const capacity = unlimited ? bucketCount : u32Get(capsPtr, k) + u32Get(stepsOfPtr, k);
  u32Set(capsPtr, k, capacity);
  flowOpen(u32Get(arcsPtr, k), capacity);
}

function inPool(master: u32, partner: u32, forced: i32): bool {
  if (racksAlive <= 1 || !strictRacks) return true;
  if (forced >= 0) return rackOf(partner) == <u32>forced;
  return rackOf(partner) != rackOf(master);
}

// A rack other than the master's that must hold a copy of every bucket (-1 when none).
function forcedRackFor(master: u32): i32 {
  if (racksAlive <= 1 || !strictRacks) return -1;
  for (let k: u32 = 0; k < listed; k++) {
    const rack = rackOf(u32Get(listPtr, k));
    if (rack != rackOf(master) && load<u64>(rackTotalsPtr + (<usize>rack << 3)) == <u64>bucketCount) return rack;
  }
  return -1;
}

function poolWeightOf(master: u32, forced: i32): u64 {
  let weight: u64 = 0;
  for (let k: u32 = 0; k < listed; k++) {
    const partner = u32Get(listPtr, k);
    if (partner != master && inPool(master, partner, forced)) weight += u32Get(weightPtr, partner);
  }
  stepsAdd(listed);
  return weight > 0 ? weight : 1;
}

// Write each master's buckets as runs of (master, partner), in rack order of the masters.
function layOut(): void {
  let bucket: u32 = 0;
  for (let a: u32 = 0; a < listed; a++) {
    const master = u32Get(listPtr, a);
    u32Set(replicaCountPtr, master, u32Get(replicaTargetPtr, master));
    u32Set(masterCountPtr, master, u32Get(masterTargetPtr, master));
    // The row's forward arcs (even indexes) lead to partner columns; a pair may have one per stage.
    for (let arc = flowFirstArc(rowNode(a)); arc != flowEnd; arc = flowNextArc(arc)) {
      if ((arc & 1) != 0) continue;
      const count = flowOn(arc);
      if (count == 0) continue;
      const partner = u32Get(listPtr, flowArcTo(arc) - colNode(0));
      for (let k: u32 = 0; k < count; k++, bucket++) {
        store<u16>(targetPtr + (<usize>bucket << 1), <u16>master);
        store<u16>(targetPtr + ((<usize>bucketCount + <usize>bucket) << 1), <u16>partner);
      }
      stepsAdd(count * 2);
    }
  }
  assert(bucket == bucketCount, 'pair design placed a different number of buckets');
}
