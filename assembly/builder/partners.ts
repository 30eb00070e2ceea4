/**
 * partners — with two copies, spread each server's partners evenly.
 *
 * When a server dies, the quick table promotes the other copy of each bucket it mastered;
 * with C = 2 there is no choice, so the build must already have spread every master's
 * partners: for master d with m buckets and P servers allowed to partner it (outside its
 * rack when racks are strict), no partner may hold more than ⌈m/P⌉ + 1 of them.
 * A partner over the bound trades its slot with the partner of another bucket, preferring
 * slots this build placed (no extra data moves). Trades and role flips run under one step
 * budget (budget.ts): what is still over the bound when it is spent stays, and the
 * build reports the excess (partner-excess.ts) and budgetSpent.
 *
 *   bucketsByMaster (CSR):  start[d] .. start[d+1]-1  index into order[] = buckets mastered by d
 */
import { SearchPass } from '../outcome';
import {
  SlotFresh, aliveCount, alivePtr, bucketCount, copyCount, pendingAdd, rackOf, serverCount, slotStatePtr,
  spreadWanted, strictRacks, targetPtr,
} from './context';
import { canPlace, rackCapOf } from './placement-rules';
import { budgetPartnersFixed, budgetPartnersPerSlot, passBudget, spent, stepsAdd, steps } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, slotSet, u32Get, u32Set, u8Get, u8Set } from '../layout';

let startPtr: usize = 0;
let orderPtr: usize = 0;
let countPtr: usize = 0;
let rackAlivePtr: usize = 0;
let cursor: u32 = 0;

/** partnerSwaps — trades made by the last spreadPartners. */
export let partnerSwaps: u32 = 0;
/** tradeFailuresMax — failed trades after which a master's remaining excess is left as it is. */
const tradeFailuresMax: u32 = 4;
/** tradeLookMax — buckets one partner trade looks at for a counterpart. */
const tradeLookMax: u32 = 1024;
let limit: u64 = 0;

/** partnersScratchBytes — scratch spreadPartners needs. */
export function partnersScratchBytes(bucketCount: u32, serverCount: u32, rackCount: u32): u64 {
  return <u64>bucketCount * 4 + (<u64>serverCount + 2) * 8 + (<u64>rackCount + 1) * 4 + 64;
}

/** spreadPartners — enforce the partner bound for C = 2 tables; returns buckets still over it. */
export function spreadPartners(rackCount: u32): u32 {
  partnerSwaps = 0;
  if (copyCount != 2) return 0;
  limit = steps + passBudget(budgetPartnersPerSlot, budgetPartnersFixed);
  startPtr = scratchAlloc(<usize>(serverCount + 2) << 2);
  orderPtr = scratchAlloc(<usize>bucketCount << 2);
  indexBucketsByMaster();
  countPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  rackAlivePtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) != 0) u32Set(rackAlivePtr, rackOf(server), u32Get(rackAlivePtr, rackOf(server)) + 1);
  }
  let over: u32 = 0;
  cursor = 0;
  for (let master: u32 = 1; master <= serverCount; master++) {
    if (u8Get(alivePtr, master) == 0) continue;
    over += spreadOne(master);
  }
  if (over > 0 && flipsAllowed && bucketCount <= flipBucketsMax) over = flipCycles();
  return over;
}

/** flipBucketsMax — role-flip cycles search pair lists directly: small tables only (where swaps run short). */
const flipBucketsMax: u32 = 1 << 16;
let flipsAllowed = false;

/** allowRoleFlips — whether spreadPartners may move master roles (a first build: no role to keep). */
export function allowRoleFlips(allowed: bool): void {
  flipsAllowed = allowed;
}

// Where slot swaps cannot help (few servers), rotate roles round a triangle d → p → x → d:
//   (d,p) becomes (p,d), (p,x) becomes (x,p), (x,d) becomes (d,x)
// Every server keeps its masters and replicas; d's load on p moves to x.
function flipCycles(): u32 {
  let over: u32 = 1;
  for (let round: u32 = 0; round < bucketCount && !spent(limit, SearchPass.Partners); round++) {
    let flipped = false;
    over = 0;
    for (let master: u32 = 1; master <= serverCount && !flipped; master++) {
      if (u8Get(alivePtr, master) == 0) continue;
      const bound = partnerBound(master);
      const end = u32Get(startPtr, master + 1);
      for (let k = u32Get(startPtr, master); k < end; k++) {
        if (spent(limit, SearchPass.Partners)) return over + 1;
        const bucket = u32Get(orderPtr, k);
        const partner = slotGet(targetPtr, bucketCount + bucket);
        if (pairCount(master, partner) <= bound) continue;
        over++;
        if (flipTriangle(master, partner, bucket)) {
          flipped = true;
          break;
        }
      }
    }
    if (!flipped) return over;
    indexBucketsByMaster();
  }
  return over;
}

function flipTriangle(d: u32, p: u32, bucket: u32): bool {
  const endP = u32Get(startPtr, p + 1);
  for (let k = u32Get(startPtr, p); k < endP; k++) {
    if (spent(limit, SearchPass.Partners)) return false;
    const second = u32Get(orderPtr, k);
    const x = slotGet(targetPtr, bucketCount + second);
    if (x == d) continue;
    if (pairCount(p, d) + 1 > partnerBound(p) || pairCount(x, p) + 1 > partnerBound(x) || pairCount(d, x) + 1 > partnerBound(d)) {
      continue;
    }
    const endX = u32Get(startPtr, x + 1);
    stepsAdd(endX - u32Get(startPtr, x));
    for (let j = u32Get(startPtr, x); j < endX; j++) {
      const third = u32Get(orderPtr, j);
      if (slotGet(targetPtr, bucketCount + third) != d) continue;
      flipRoles(bucket);
      flipRoles(second);
      flipRoles(third);
      partnerSwaps += 3;
      return true;
    }
  }
  return false;
}

function flipRoles(bucket: u32): void {
  const master = slotGet(targetPtr, bucket);
  slotSet(targetPtr, bucket, slotGet(targetPtr, bucketCount + bucket));
  slotSet(targetPtr, bucketCount + bucket, master);
  const state = load<u8>(slotStatePtr + <usize>bucket);
  store<u8>(slotStatePtr + <usize>bucket, load<u8>(slotStatePtr + <usize>(bucketCount + bucket)));
  store<u8>(slotStatePtr + <usize>(bucketCount + bucket), state);
  pendingAdd(bucket);
}

/** partnerBound — the most buckets of `master` one partner may hold. */
export function partnerBound(master: u32): u32 {
  const mastered = u32Get(startPtr, master + 1) - u32Get(startPtr, master);
  const sameRack = strictRacks && spreadWanted == copyCount ? u32Get(rackAlivePtr, rackOf(master)) : 1;
  const partners = aliveCount - sameRack;
  if (partners == 0) return mastered;
  return (mastered + partners - 1) / partners + 1;
}

function indexBucketsByMaster(): void {
  stepsAdd(<u64>bucketCount * 2 + <u64>serverCount * 2);
  memory.fill(startPtr, 0, <usize>(serverCount + 2) << 2);
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const master = slotGet(targetPtr, bucket);
    u32Set(startPtr, master + 1, u32Get(startPtr, master + 1) + 1);
  }
  for (let server: u32 = 1; server <= serverCount + 1; server++) {
    u32Set(startPtr, server, u32Get(startPtr, server) + u32Get(startPtr, server - 1));
  }
  // Fill using start[] as cursors, then shift back.
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const master = slotGet(targetPtr, bucket);
    const at = u32Get(startPtr, master);
    u32Set(orderPtr, at, bucket);
    u32Set(startPtr, master, at + 1);
  }
  for (let server = serverCount + 1; server > 0; server--) {
    u32Set(startPtr, server, u32Get(startPtr, server - 1));
  }
  u32Set(startPtr, 0, 0);
}

function spreadOne(master: u32): u32 {
  const first = u32Get(startPtr, master);
  const end = u32Get(startPtr, master + 1);
  stepsAdd(<u64>(end - first) * 3);
  const bound = partnerBound(master);
  for (let k = first; k < end; k++) {
    const partner = slotGet(targetPtr, bucketCount + u32Get(orderPtr, k));
    u32Set(countPtr, partner, u32Get(countPtr, partner) + 1);
  }
  let over: u32 = 0;
  let failures: u32 = 0;
  for (let k = first; k < end; k++) {
    const bucket = u32Get(orderPtr, k);
    const partner = slotGet(targetPtr, bucketCount + bucket);
    if (u32Get(countPtr, partner) <= bound) continue;
    // A master whose trades keep failing has no counterpart left: stop looking for it.
    if (failures < tradeFailuresMax && tradePartner(master, bucket, partner, bound)) continue;
    failures++;
    over++;
  }
  for (let k = first; k < end; k++) {
    u32Set(countPtr, slotGet(targetPtr, bucketCount + u32Get(orderPtr, k)), 0);
  }
  return over;
}

// Swap the partner of `bucket` with the partner of another bucket that can take it. Only
// slots this build placed trade (a trade of kept copies would move data just for spread),
// and never into a worse rack spread.
function tradePartner(master: u32, bucket: u32, partner: u32, bound: u32): bool {
  const slot = bucketCount + bucket;
  if (u8Get(slotStatePtr, slot) != SlotFresh) return false;
  // A bounded look from a cursor that moves on: a trade is found near or not at all.
  for (let step: u32 = 0; step < min(bucketCount, tradeLookMax); step++) {
    stepsAdd(1);
    if (spent(limit, SearchPass.Partners)) return false;
    const other = cursor;
    cursor = cursor + 1 == bucketCount ? 0 : cursor + 1;
    const otherSlot = bucketCount + other;
    if (u8Get(slotStatePtr, otherSlot) != SlotFresh) continue;
    const otherMaster = slotGet(targetPtr, other);
    const otherPartner = slotGet(targetPtr, otherSlot);
    if (otherMaster == master || otherPartner == master || otherMaster == partner || otherPartner == 0) continue;
    if (u32Get(countPtr, otherPartner) + 1 > bound) continue;
    if (!tradeKeepsSpread(master, partner, otherPartner) || !tradeKeepsSpread(otherMaster, otherPartner, partner)) continue;
    if (!canPlace(otherPartner, bucket, 1, false) || !canPlace(partner, other, 1, false)) continue;
    if (pairCount(otherMaster, partner) + 1 > partnerBound(otherMaster)) continue;
    slotSet(targetPtr, slot, otherPartner);
    slotSet(targetPtr, otherSlot, partner);
    pendingAdd(bucket);
    pendingAdd(other);
    u8Set(slotStatePtr, slot, SlotFresh);
    u8Set(slotStatePtr, otherSlot, SlotFresh);
    u32Set(countPtr, partner, u32Get(countPtr, partner) - 1);
    u32Set(countPtr, otherPartner, u32Get(countPtr, otherPartner) + 1);
    partnerSwaps++;
    return true;
  }
  return false;
}

// A bucket (master, was) → (master, now) spans no fewer racks than before, and where racks are
// strict, a rack cap is never broken.
// @ts-ignore: decorator
@inline function tradeKeepsSpread(master: u32, was: u32, now: u32): bool {
  const masterRack = rackOf(master);
  const before: u32 = rackOf(was) != masterRack ? 2 : 1;
  const after: u32 = rackOf(now) != masterRack ? 2 : 1;
  if (after < before) return false;
  return !strictRacks || after == 2 || rackCapOf(masterRack) >= 2;
}

function pairCount(master: u32, partner: u32): u32 {
  let count: u32 = 0;
  const end = u32Get(startPtr, master + 1);
  stepsAdd(end - u32Get(startPtr, master));
  for (let k = u32Get(startPtr, master); k < end; k++) {
    if (slotGet(targetPtr, bucketCount + u32Get(orderPtr, k)) == partner) count++;
  }
  return count;
}
