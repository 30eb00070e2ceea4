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
 * The common rebuilds take faster paths: keep-all.ts (nobody over target) and keep-evict.ts
 * (every copy may stay, some servers give up their excess).
 *
 *   category of a kept copy (per server):  0 master  1 other
 */
import {
  SlotKept, alivePtr, bucketCount, copyCount, masterTargetPtr, rackCount, rackOf, replicaCountPtr,
  replicaTargetPtr, seed, serverCount, slotStatePtr, sourcePtr, sourceMastersPtr, sourceReplicasPtr,
  pendingAdd, pendingReset, racksAlive, spreadWanted, strictRacks, targetPtr,
} from './context';
import { scratchAlloc, scratchAllocRaw } from '../scratch';
import { stepsAdd } from './budget';
import { keepSourceMaster, releaseMaster } from './masters';
import { refusalsReset, refusalsScratchBytes, refusedCopies } from './refusals';
import { canKeepAll, keepAll, setSourceShape } from './keep-all';
import { keepEvictDeficitRackCount, keepEvictDeficitRacks, keepThenEvict } from './keep-evict';
import { chargeEmpties, refillCounting, refillReset, refillScratchBytes } from './refill-racks';
import {
  cell, countDeficitServers, drawPhases, markDeficitRacks, phasePtr, planEvictions, refillable, roleSizes, takersLeft,
} from './eviction-plan';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get, u8Set } from '../layout';

/** keepScratchBytes — scratch the keep pass needs. */
export function keepScratchBytes(serverCount: u32, rackCount: u32): u64 {
  return (<u64>serverCount + 1) * 4 * 4 * 4 + (<u64>serverCount + 1) * 8 + <u64>rackCount + 128 + refusalsScratchBytes(serverCount, rackCount) + refillScratchBytes(rackCount);
}

/**
 * countSourceHoldings — live, non-duplicate source copies per server (what each could keep);
 * returns false when the source names a server past serverCount (the host then refuses the
 * input: this check runs here, where the work is, not on the host's thread).
 */
export function countSourceHoldings(): bool {
  stepsAdd(<u64>bucketCount * copyCount * copyCount);
  // tag(s) = rack + 1 for a live server, 0 for a dead one: one load tells both.
  const tagPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) != 0) store<u32>(tagPtr + (<usize>server << 2), rackOf(server) + 1);
  }
  const found = copyCount == 3 ? countThree(tagPtr) : countAny(tagPtr);
  if (found < 0) return false;
  setSourceShape((found & 1) == 0, (found & 2) == 0);
  return true;
}

// Every live, first-in-bucket copy counted; returns −1 for a server past serverCount, else
// bit 0: some server twice in a bucket, bit 1: some live rack twice in a bucket.
function countAny(tagPtr: usize): i32 {
  let found: i32 = 0;
  // One bucket's live holders and their tags, gathered once (C ≤ 8), then compared pairwise.
  const heldPtr = scratchAlloc(8 << 2);
  const tagsPtr = scratchAlloc(8 << 2);
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    let held: u32 = 0;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const server = <u32>load<u16>(sourcePtr + ((<usize>copyIndex * <usize>bucketCount + <usize>bucket) << 1));
      if (server > serverCount) return -1;
      const tag = load<u32>(tagPtr + (<usize>server << 2));
      if (tag == 0) continue;
      let duplicate = false;
      for (let k: u32 = 0; k < held; k++) {
        if (load<u32>(heldPtr + (<usize>k << 2)) == server) duplicate = true;
        else if (load<u32>(tagsPtr + (<usize>k << 2)) == tag) found |= 2;
      }
      if (duplicate) {
        found |= 1;
        continue;
      }
      store<u32>(heldPtr + (<usize>held << 2), server);
      store<u32>(tagsPtr + (<usize>held << 2), tag);
      held++;
      count(server, copyIndex == 0);
    }
  }
  return found;
}

// The same for C = 3 (the common case), with the bucket in locals.
function countThree(tagPtr: usize): i32 {
  let found: i32 = 0;
  const limit = serverCount;
  const row1 = sourcePtr + (<usize>bucketCount << 1);
  const row2 = sourcePtr + (<usize>bucketCount << 2);
  for (let bucket: usize = 0; bucket < <usize>bucketCount; bucket++) {
    const a = <u32>load<u16>(sourcePtr + (bucket << 1));
    const b = <u32>load<u16>(row1 + (bucket << 1));
    const c = <u32>load<u16>(row2 + (bucket << 1));
    if (a > limit || b > limit || c > limit) return -1;
    const ta = load<u32>(tagPtr + (<usize>a << 2));
    const tb = load<u32>(tagPtr + (<usize>b << 2));
    const tc = load<u32>(tagPtr + (<usize>c << 2));
    // Live copies only; a later copy of a server already counted is a duplicate.
    const bDup = tb != 0 && ta != 0 && b == a;
    const cDup = tc != 0 && ((ta != 0 && c == a) || (tb != 0 && c == b));
    if (bDup || cDup) found |= 1;
    if ((ta != 0 && ta == tb && a != b) || (tc != 0 && ((ta == tc && a != c) || (tb == tc && b != c)))) found |= 2;
    if (ta != 0) count(a, true);
    if (tb != 0 && !bDup) count(b, false);
    if (tc != 0 && !cDup) count(c, false);
  }
  return found;
}

// @ts-ignore: decorator
@inline function count(server: u32, master: bool): void {
  u32Add(sourceReplicasPtr, server, 1);
  if (master) u32Add(sourceMastersPtr, server, 1);
}

/** keepSourceCopies — write the kept copies into the target (others 0); marks them SlotKept. */
export function keepSourceCopies(): void {
  const acceptedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  const acceptedMastersPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  pendingReset(scratchAllocRaw(<usize>bucketCount << 2), scratchAlloc(<usize>bucketCount));
  // Everything may stay (the common leave): a copy and a scan (keep-all.ts). With C > R racks
  // repeat by design, and each bucket's caps are checked below (refusals.ts).
  const racksMatter = strictRacks && racksAlive > 1;
  const plain = !racksMatter || copyCount <= racksAlive;
  if (plain && canKeepAll(racksMatter, false)) {
    keepAll();
    return;
  }
  // Every copy may stay but some servers have too many (a join): keep, then evict (keep-evict.ts).
  if (plain && canKeepAll(racksMatter, true)) {
    const owed = keepThenEvict();
    settleOwed(sourceReplicasPtr, owed, keepEvictDeficitRacks(), keepEvictDeficitRackCount());
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
