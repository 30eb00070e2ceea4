/**
 * eviction-plan — how many copies each over-target server gives up, which kind first, where
 * its evictions start, and whether a given copy may go (keep.ts, keep-evict.ts).
 *
 * A copy may go when a server under target could take its place in one move: some server of
 * a deficit rack fits the bucket (refill-racks.ts counts those units where there are few
 * deficit racks), and the bucket has no more empty slots than such servers.
 *
 *   cell(ptr, server, category): u32 per server and category (0 master, 1 other copy)
 */
import {
  alivePtr, bucketCount, copyCount, masterTargetPtr, rackOf, racksAlive, replicaTargetPtr, seed, serverCount,
  spreadWanted, strictRacks, targetPtr,
} from './context';
import { chargeRefill, refillCounting } from './refill-racks';
import { hashUnit } from '../random';
import { scratchAlloc } from '../scratch';
import { slotGet, u32Get, u8Get } from '../layout';

const categoryCount: u32 = 2;

/** markDeficitRacks — flag the racks whose servers, together, need more copies than they keep; returns how many. */
export function markDeficitRacks(acceptedPtr: usize, deficitRacksPtr: usize): u32 {
  let count: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    if (u32Get(replicaTargetPtr, server) > u32Get(acceptedPtr, server)) {
      const rack = rackOf(server);
      if (load<u8>(deficitRacksPtr + rack) == 0) count++;
      store<u8>(deficitRacksPtr + rack, 1);
    }
  }
  return count;
}

/** refillable — whether a deficit rack can refill the slot (counted per rack where refill-racks.ts counts). */
export function refillable(bucket: u32, copyIndex: u32, server: u32, deficitRacksPtr: usize, deficitRackCount: u32): bool {
  if (!strictRacks) return true;
  if (refillCounting()) return chargeRefill(bucket, copyIndex);
  return fillable(bucket, copyIndex, server, deficitRacksPtr, deficitRackCount);
}

// Could a server of a deficit rack take this copy's place without breaking the spread?
// Yes when some deficit rack is not among the other holders' racks (a new rack is always
// fine), or when the bucket can afford a repeated rack (C > racks).
function fillable(bucket: u32, copyIndex: u32, server: u32, deficitRacksPtr: usize, deficitRackCount: u32): bool {
  if (!strictRacks || load<u8>(deficitRacksPtr + rackOf(server)) != 0) return true;
  // Fast path: some deficit rack is surely free when there are more of them than other holders.
  if (deficitRackCount >= copyCount) return true;
  let blocked: u32 = 0;
  let others: u32 = 0;
  for (let other: u32 = 0; other < copyCount; other++) {
    if (other == copyIndex) continue;
    const holder = slotGet(targetPtr, other * bucketCount + bucket);
    if (holder == 0) continue;
    others++;
    if (load<u8>(deficitRacksPtr + rackOf(holder)) != 0) blocked++;
  }
  // With C ≤ racks, kept rows hold distinct racks (so no recount) and a blocked bucket can
  // never afford a repeated rack: the answer is whether some deficit rack is free.
  if (copyCount <= racksAlive) return deficitRackCount > blocked;
  // Two holders in one deficit rack block it once: recount distinct racks only then (rare).
  if (blocked > 1) {
    blocked = 0;
    for (let other: u32 = 0; other < copyCount; other++) {
      if (other == copyIndex) continue;
      const holder = slotGet(targetPtr, other * bucketCount + bucket);
      if (holder == 0) continue;
      const rack = rackOf(holder);
      if (load<u8>(deficitRacksPtr + rack) != 0 && firstOfRackExcept(bucket, other, copyIndex, rack)) blocked++;
    }
  }
  if (deficitRackCount > blocked) return true;
  let distinct: u32 = 0;
  for (let other: u32 = 0; other < copyCount; other++) {
    if (other == copyIndex) continue;
    const holder = slotGet(targetPtr, other * bucketCount + bucket);
    if (holder != 0 && firstOfRackExcept(bucket, other, copyIndex, rackOf(holder))) distinct++;
  }
  return distinct + (copyCount - others - 1) >= spreadWanted;
}

function firstOfRackExcept(bucket: u32, copyIndex: u32, exceptCopy: u32, rack: u32): bool {
  for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
    if (earlier == exceptCopy) continue;
    const other = slotGet(targetPtr, earlier * bucketCount + bucket);
    if (other != 0 && rackOf(other) == rack) return false;
  }
  return true;
}



/** cell — the address of a server's u32 for one category. */
// @ts-ignore: decorator
@inline export function cell(ptr: usize, server: u32, category: u32): usize {
  return ptr + (((<usize>server << 2) + <usize>category) << 2);
}

/** roleSizes — copies each over-target server holds as master (category 0) and otherwise (category 1). */
export function roleSizes(acceptedPtr: usize, acceptedMastersPtr: usize, sizePtr: usize): void {
  for (let server: u32 = 1; server <= serverCount; server++) {
    const accepted = u32Get(acceptedPtr, server);
    if (accepted <= u32Get(replicaTargetPtr, server)) continue;
    const masters = u32Get(acceptedMastersPtr, server);
    store<u32>(cell(sizePtr, server, 0), masters);
    store<u32>(cell(sizePtr, server, 1), accepted - masters);
  }
}

/** phasePtr — each over-target server's eviction accumulator per category (drawPhases). */
export let phasePtr: usize = 0;

/** drawPhases — each over-target server's eviction phase per category, drawn once (not per copy). */
export function drawPhases(sizePtr: usize): void {
  phasePtr = scratchAlloc(<usize>(serverCount + 1) << 4);
  for (let server: u32 = 1; server <= serverCount; server++) {
    for (let category: u32 = 0; category < categoryCount; category++) {
      const size = load<u32>(cell(sizePtr, server, category));
      if (size == 0) continue;
      store<u32>(cell(phasePtr, server, category), <u32>(hashUnit(seed, server * categoryCount + category) * <f64>size));
    }
  }
}

/**
 * planEvictions — how many masters and how many other copies every over-target server gives
 * up: masters first while it is also over its master target (the role leaves with the data).
 */
export function planEvictions(acceptedPtr: usize, acceptedMastersPtr: usize, sizePtr: usize, quotaPtr: usize): void {
  for (let server: u32 = 1; server <= serverCount; server++) {
    const accepted = u32Get(acceptedPtr, server);
    const target = u32Get(replicaTargetPtr, server);
    if (accepted <= target) continue;
    let excess = accepted - target;
    const masters = u32Get(acceptedMastersPtr, server);
    const masterTarget = u32Get(masterTargetPtr, server);
    const mastersWanted = masters > masterTarget ? masters - masterTarget : 0;
    excess -= takeUpTo(sizePtr, quotaPtr, server, 0, min(mastersWanted, excess));
    excess -= takeUpTo(sizePtr, quotaPtr, server, 1, excess);
    excess -= takeUpTo(sizePtr, quotaPtr, server, 0, excess);
    assert(excess == 0, 'eviction plan short');
  }
}

function takeUpTo(sizePtr: usize, quotaPtr: usize, server: u32, category: u32, wanted: u32): u32 {
  const size = load<u32>(cell(sizePtr, server, category));
  const already = load<u32>(cell(quotaPtr, server, category));
  const room = size - already;
  const take = wanted < room ? wanted : room;
  store<u32>(cell(quotaPtr, server, category), already + take);
  return take;
}


/** countDeficitServers — live servers under their replica target (kept copies: acceptedPtr). */
export function countDeficitServers(acceptedPtr: usize): u32 {
  let count: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) != 0 && u32Get(replicaTargetPtr, server) > u32Get(acceptedPtr, server)) count++;
  }
  return count;
}

/**
 * takersLeft — servers under target that could still come into this bucket beyond its empty
 * slots (an eviction where none could would leave a slot only an extra move fills).
 */
export function takersLeft(bucket: u32, acceptedPtr: usize, deficitServers: u32): i32 {
  let left = <i32>deficitServers;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0 || u32Get(replicaTargetPtr, server) > u32Get(acceptedPtr, server)) left--;
  }
  return left;
}
