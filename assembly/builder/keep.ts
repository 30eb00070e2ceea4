/**
 * keep — decide which source copies stay where they are.
 *
 * A source copy is kept when its server is alive, not already in the bucket, fits the
 * rack rule (strict racks), and its server is not over its replica target. A server over
 * target gives up exactly its excess, chosen so the moves are the minimum and cheap:
 *   - masters first while it is also over its master target (the role leaves with the data:
 *     no extra hand-over), then other copies;
 *   - spread evenly over its copies (a per-server phase), at most one per bucket, and each
 *     due eviction waits for a copy a deficit rack can take over (one move refills it);
 *   - what is still owed at the end of the table is taken from the top, without those waits.
 *
 *   category of a kept copy (per server):  0 master  1 other
 */
import {
  SlotKept, alivePtr, bucketCount, copyCount, masterTargetPtr, rackCount, rackOf, replicaCountPtr,
  replicaTargetPtr, seed, serverCount, slotStatePtr, sourcePtr, sourceMastersPtr, sourceReplicasPtr,
  pendingAdd, pendingReset, racksAlive, spreadWanted, strictRacks, targetPtr,
} from './context';
import { scratchAlloc, scratchAllocRaw } from '../scratch';
import { hashUnit } from '../random';
import { stepsAdd } from './budget';
import { keepSourceMaster, releaseMaster } from './masters';
import { refusalsReset, refusalsScratchBytes, refusedCopies } from './refusals';
import { canKeepAll, keepAll, setSourceShape } from './keep-all';
import { chargeEmpties, chargeRefill, refillCounting, refillReset, refillScratchBytes } from './refill-racks';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get, u8Set } from '../layout';

const categoryCount: u32 = 2;

/** keepScratchBytes — scratch the keep pass needs. */
export function keepScratchBytes(serverCount: u32, rackCount: u32): u64 {
  return (<u64>serverCount + 1) * 4 * 4 * 3 + (<u64>serverCount + 1) * 8 + <u64>rackCount + 64 + refusalsScratchBytes(serverCount, rackCount) + refillScratchBytes(rackCount);
}

/**
 * countSourceHoldings — live, non-duplicate source copies per server (what each could keep);
 * returns false when the source names a server past serverCount (the host then refuses the
 * input: this check runs here, where the work is, not on the host's thread).
 */
export function countSourceHoldings(): bool {
  stepsAdd(<u64>bucketCount * copyCount * copyCount);
  let duplicates = false;
  let rackRepeats = false;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const server = slotGet(sourcePtr, copyIndex * bucketCount + bucket);
      if (server > serverCount) return false;
      if (u8Get(alivePtr, server) == 0) continue;
      // Earlier live copies of the bucket: the same server (a duplicate) or the same rack.
      let duplicate = false;
      for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
        const other = slotGet(sourcePtr, earlier * bucketCount + bucket);
        if (other == server) duplicate = true;
        else if (u8Get(alivePtr, other) != 0 && rackOf(other) == rackOf(server)) rackRepeats = true;
      }
      if (duplicate) {
        duplicates = true;
        continue;
      }
      u32Add(sourceReplicasPtr, server, 1);
      if (copyIndex == 0) u32Add(sourceMastersPtr, server, 1);
    }
  }
  setSourceShape(!duplicates, !rackRepeats);
  return true;
}

/** keepSourceCopies — write the kept copies into the target (others 0); marks them SlotKept. */
export function keepSourceCopies(): void {
  const acceptedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  const acceptedMastersPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  pendingReset(scratchAllocRaw(<usize>bucketCount << 2), scratchAlloc(<usize>bucketCount));
  // Everything may stay (the common leave): a copy and a scan (keep-all.ts). With C > R racks
  // repeat by design, and each bucket's caps are checked below (refusals.ts).
  const racksMatter = strictRacks && racksAlive > 1;
  if ((!racksMatter || copyCount <= racksAlive) && canKeepAll(racksMatter)) {
    keepAll();
    return;
  }
  // Acceptance, charges, evictions and what is owed: at most five passes over the slots, C checks each.
  stepsAdd(<u64>bucketCount * copyCount * copyCount * 5);
  if (!anyMayBeOver()) {
    // Nobody can be over target (a server left, or nothing changed): one pass does it all.
    acceptCandidates(acceptedPtr, acceptedMastersPtr, true);
    return;
  }
  acceptCandidates(acceptedPtr, acceptedMastersPtr, false);
  const deficitRacksPtr = scratchAlloc(<usize>rackCount + 1);
  const deficitRackCount = markDeficitRacks(acceptedPtr, deficitRacksPtr);
  refillReset(acceptedPtr);
  if (refillCounting()) {
    for (let bucket: u32 = 0; bucket < bucketCount; bucket++) chargeEmpties(bucket);
  }
  const sizePtr = scratchAlloc(<usize>(serverCount + 1) << 4);
  const quotaPtr = scratchAlloc(<usize>(serverCount + 1) << 4);
  if (anyOverTarget(acceptedPtr)) {
    roleSizes(acceptedPtr, acceptedMastersPtr, sizePtr);
    planEvictions(acceptedPtr, acceptedMastersPtr, sizePtr, quotaPtr);
    drawPhases(sizePtr);
  }
  const owedPtr = scratchAlloc(<usize>(serverCount + 1) << 4);
  evict(acceptedPtr, deficitRacksPtr, deficitRackCount, sizePtr, quotaPtr, owedPtr);
  settleOwed(acceptedPtr, owedPtr, deficitRacksPtr, deficitRackCount);
}

// What a server keeps never exceeds its live source copies.
function anyMayBeOver(): bool {
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u32Get(sourceReplicasPtr, server) > u32Get(replicaTargetPtr, server)) return true;
  }
  return false;
}

function anyOverTarget(acceptedPtr: usize): bool {
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u32Get(acceptedPtr, server) > u32Get(replicaTargetPtr, server)) return true;
  }
  return false;
}

// Pass 1: candidates that may stay (alive, first in bucket, rack rule: refusals.ts) go into the target.
// With `settle`, nothing will be evicted, so the pass also counts what stays, keeps source
// masters and lists the buckets that need work (what evict() does otherwise).
function acceptCandidates(acceptedPtr: usize, acceptedMastersPtr: usize, settle: bool): void {
  const rackRule = strictRacks && racksAlive > 1;
  if (rackRule) refusalsReset();
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    let accepted: u32 = 0;
    const refused = rackRule ? refusedCopies(bucket) : 0;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucket;
      const server = slotGet(sourcePtr, slot);
      if (u8Get(alivePtr, server) == 0 || seenEarlier(targetPtr, bucket, copyIndex, server)) continue;
      if ((refused & (1 << copyIndex)) != 0) continue;
      slotSet(targetPtr, slot, server);
      u8Set(slotStatePtr, slot, SlotKept);
      accepted++;
      u32Add(acceptedPtr, server, 1);
      if (copyIndex == 0) u32Add(acceptedMastersPtr, server, 1);
    }
    if (!settle) continue;
    u32Set(replicaCountPtr, 0, 0);
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      u32Add(replicaCountPtr, slotGet(targetPtr, copyIndex * bucketCount + bucket), 1);
    }
    if (!keepSourceMaster(bucket) || accepted < copyCount) pendingAdd(bucket);
  }
}

function seenEarlier(tablePtr: usize, bucket: u32, copyIndex: u32, server: u32): bool {
  for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
    if (slotGet(tablePtr, earlier * bucketCount + bucket) == server) return true;
  }
  return false;
}

// A rack is a deficit rack when its servers, together, need more copies than they keep.
function markDeficitRacks(acceptedPtr: usize, deficitRacksPtr: usize): u32 {
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

// Whether a deficit rack can refill the slot (counted per rack where refill-racks.ts counts).
function refillable(bucket: u32, copyIndex: u32, server: u32, deficitRacksPtr: usize, deficitRackCount: u32): bool {
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


// @ts-ignore: decorator
@inline function cell(ptr: usize, server: u32, category: u32): usize {
  return ptr + (((<usize>server << 2) + <usize>category) << 2);
}

// Copies each over-target server holds as master (category 0) and otherwise (category 1).
function roleSizes(acceptedPtr: usize, acceptedMastersPtr: usize, sizePtr: usize): void {
  for (let server: u32 = 1; server <= serverCount; server++) {
    const accepted = u32Get(acceptedPtr, server);
    if (accepted <= u32Get(replicaTargetPtr, server)) continue;
    const masters = u32Get(acceptedMastersPtr, server);
    store<u32>(cell(sizePtr, server, 0), masters);
    store<u32>(cell(sizePtr, server, 1), accepted - masters);
  }
}

let phasePtr: usize = 0;

// Each over-target server's eviction phase per category, drawn once (not per copy).
function drawPhases(sizePtr: usize): void {
  phasePtr = scratchAlloc(<usize>(serverCount + 1) << 4);
  for (let server: u32 = 1; server <= serverCount; server++) {
    for (let category: u32 = 0; category < categoryCount; category++) {
      const size = load<u32>(cell(sizePtr, server, category));
      if (size == 0) continue;
      store<u32>(cell(phasePtr, server, category), <u32>(hashUnit(seed, server * categoryCount + category) * <f64>size));
    }
  }
}

// How many masters and how many other copies every over-target server gives up: masters
// first while it is also over its master target (the role leaves with the data).
function planEvictions(acceptedPtr: usize, acceptedMastersPtr: usize, sizePtr: usize, quotaPtr: usize): void {
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

// Evict the planned number of each category, evenly spaced over the server's copies of it,
// at most one copy per bucket (two evictions in one bucket would need a second newcomer
// there: an extra move); an eviction that lands on a bucket already giving one is owed and
// paid at the server's next copy of that category. Then count what stays, keep the source
// master where it may stay, and list the buckets that still need work.
function evict(
  acceptedPtr: usize, deficitRacksPtr: usize, deficitRackCount: u32, sizePtr: usize, quotaPtr: usize, owedPtr: usize,
): void {
  // Categories depend on the target as it was before evictions, so decide all of a bucket first.
  const deficitServers = countDeficitServers(acceptedPtr);
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    let evictMask: u32 = 0;
    const takers = takersLeft(bucket, acceptedPtr, deficitServers);
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
      if (server == 0 || u32Get(acceptedPtr, server) <= u32Get(replicaTargetPtr, server)) continue;
      const category: u32 = copyIndex == 0 ? 0 : 1;
      const size = load<u32>(cell(sizePtr, server, category));
      const quota = load<u32>(cell(quotaPtr, server, category));
      // ⌊(seen·quota + phase)/size⌋ steps up by one exactly when this accumulator wraps
      // (quota ≤ size); it starts at the server's phase, which keeps different servers'
      // evictions out of the same buckets.
      const accumulatorAt = cell(phasePtr, server, category);
      let accumulator = load<u32>(accumulatorAt) + quota;
      const wraps = accumulator >= size;
      if (wraps) accumulator -= size;
      store<u32>(accumulatorAt, accumulator);
      const owedAt = cell(owedPtr, server, category);
      const due = load<u32>(owedAt) + (wraps ? 1 : 0);
      if (due == 0) continue;
      // A due eviction waits for a copy that a deficit rack can take over (so one move refills
      // it) in a bucket not already giving one; what is still owed at the end is settled after.
      if (evictMask == 0 && takers > 0 && refillable(bucket, copyIndex, server, deficitRacksPtr, deficitRackCount)) {
        evictMask |= 1 << copyIndex;
        store<u32>(owedAt, due - 1);
      } else {
        store<u32>(owedAt, due);
      }
    }
    let open = false;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucket;
      const server = slotGet(targetPtr, slot);
      if ((evictMask & (1 << copyIndex)) != 0) {
        slotSet(targetPtr, slot, 0);
        u8Set(slotStatePtr, slot, 0);
        open = true;
      } else if (server != 0) {
        u32Add(replicaCountPtr, server, 1);
      } else {
        open = true;
      }
    }
    if (!keepSourceMaster(bucket) || open) pendingAdd(bucket);
  }
}

function countDeficitServers(acceptedPtr: usize): u32 {
  let count: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) != 0 && u32Get(replicaTargetPtr, server) > u32Get(acceptedPtr, server)) count++;
  }
  return count;
}

// Servers under target that could still come into this bucket beyond its empty slots (an
// eviction where none could would leave a slot only an extra move fills).
function takersLeft(bucket: u32, acceptedPtr: usize, deficitServers: u32): i32 {
  let left = <i32>deficitServers;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0 || u32Get(replicaTargetPtr, server) > u32Get(acceptedPtr, server)) left--;
  }
  return left;
}

// Evictions still owed at the end of the table are paid from the top: first where the
// slot can be refilled in one move (as in evict), then anywhere (rare: only when a server's
// last copies were all blocked).
function settleOwed(acceptedPtr: usize, owedPtr: usize, deficitRacksPtr: usize, deficitRackCount: u32): void {
  let owedTotal: u64 = 0;
  for (let k: usize = 0; k < (<usize>(serverCount + 1) << 2); k++) owedTotal += load<u32>(owedPtr + (k << 2));
  if (owedTotal == 0) return;
  const deficitServers = countDeficitServers(acceptedPtr);
  for (let pass: u32 = 0; pass < 2; pass++) {
    for (let bucket: u32 = 0; bucket < bucketCount && owedTotal > 0; bucket++) {
      for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
        const slot = copyIndex * bucketCount + bucket;
        const server = slotGet(targetPtr, slot);
        if (server == 0 || u8Get(slotStatePtr, slot) != SlotKept) continue;
        if (u32Get(acceptedPtr, server) <= u32Get(replicaTargetPtr, server)) continue;
        const owedAt = cell(owedPtr, server, copyIndex == 0 ? 0 : 1);
        const owed = load<u32>(owedAt);
        if (owed == 0) continue;
        if (pass == 0) {
          if (takersLeft(bucket, acceptedPtr, deficitServers) <= 0) break;
          if (!refillable(bucket, copyIndex, server, deficitRacksPtr, deficitRackCount)) continue;
        }
        store<u32>(owedAt, owed - 1);
        owedTotal--;
        slotSet(targetPtr, slot, 0);
        u8Set(slotStatePtr, slot, 0);
        u32Add(replicaCountPtr, server, -1);
        if (copyIndex == 0) releaseMaster(bucket, server);
        pendingAdd(bucket);
      }
    }
  }
}
