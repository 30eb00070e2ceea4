/**
 * masters — choose each bucket's master among its holders, then put it in copy 0.
 *
 *   1. keep the source master where it still holds the bucket and is under its target
 *      (a role change makes clients re-route writes, so the minimum is the aim);
 *   2. other buckets take the holder with the best masterScore — room below its allowed
 *      maximum, then below its allowed minimum, then furthest below its target (the fill
 *      decides these early, with newcomers in view: fill.ts);
 *   3. one pass of single role trades, then role chains (master-chains.ts), until every
 *      server is within its allowed range [masterLow, masterHigh] (±1 of its quota).
 */
import {
  SlotKept, bucketCount, copyCount, isAlive, masterCountPtr, masterHighPtr, masterLowPtr, masterTargetPtr, pendingAdd,
  pendingAt, pendingCount, serverCount, slotStatePtr, sourcePtr, targetPtr,
} from './context';
import { slotGet, slotSet, u32Add, u32Get, u32Set } from '../layout';
import { balanceByChains } from './master-chains';
import { assignMastersByFlow } from './master-flow';
import { tradeRolesByFlow } from './role-trades';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';

/** chooseMasters — decide the buckets the fill left open, then balance; copy 0 is each master. */
export function chooseMasters(): void {
  assignRemainingMasters();
  balanceMasters(scratchAlloc(<usize>(pendingCount + 1) << 2));
}

/**
 * masterScore — how well a server suits one more master role: first whether it has room
 * below its allowed maximum (no trade needed later), then whether it is below its allowed
 * minimum (it must get one), then how far below its target it is.
 */
export function masterScore(server: u32): i64 {
  const count = u32Get(masterCountPtr, server);
  const room: i64 = count < u32Get(masterHighPtr, server) ? masterRoomScore : 0;
  const below: i64 = count < u32Get(masterLowPtr, server) ? masterBelowScore : 0;
  const need = <i64>u32Get(masterTargetPtr, server) - <i64>count;
  return room + below + need;
}

/** masterRoomScore / masterBelowScore — the two flags of masterScore, above any need. */
export const masterRoomScore: i64 = 1 << 50;
export const masterBelowScore: i64 = 1 << 40;

/** bestHolderScore — the best masterScore among a bucket's current holders (MIN_VALUE if none). */
export function bestHolderScore(bucket: u32): i64 {
  let best: i64 = i64.MIN_VALUE;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) continue;
    const score = masterScore(server);
    if (score > best) best = score;
  }
  return best;
}

/** markDecided — record that a bucket's master is chosen (and counted) by the caller. */
export function markDecided(bucket: u32): void {
  store<u8>(decidedPtr + <usize>bucket, 1);
}

/** releaseMaster — undo a decided master whose copy was evicted after all. */
export function releaseMaster(bucket: u32, server: u32): void {
  if (load<u8>(decidedPtr + <usize>bucket) == 0) return;
  store<u8>(decidedPtr + <usize>bucket, 0);
  u32Add(masterCountPtr, server, -1);
}

/** isDecided — whether a bucket's master is chosen already. */
export function isDecided(bucket: u32): bool {
  return load<u8>(decidedPtr + <usize>bucket) != 0;
}

/** keepSourceMaster — the source master stays where it still holds the bucket and is under target; returns whether it did. */
export function keepSourceMaster(bucket: u32): bool {
  const master = slotGet(sourcePtr, bucket);
  if (master == 0) return false;
  const copyIndex = copyOf(master, bucket);
  if (copyIndex == copyCount) return false;
  if (u32Get(masterCountPtr, master) >= u32Get(masterHighPtr, master)) return false;
  moveToFront(bucket, copyIndex);
  store<u8>(decidedPtr + <usize>bucket, 1);
  u32Add(masterCountPtr, master, 1);
  return true;
}

// One flow over bucket types where it applies (master-flow.ts), else greedily bucket by bucket.
function assignRemainingMasters(): void {
  if (assignMastersByFlow()) return;
  for (let k: u32 = 0; k < pendingCount; k++) decideMaster(pendingAt(k));
  stepsAdd(<u64>pendingCount * copyCount);
}

/**
 * holderScore — how well a holder of an open bucket suits its master role: below its allowed
 * minimum first, then below its target (every open bucket taking such a holder ends every
 * server at its target with no trade), then with room below its maximum; among equals a
 * holder whose copy stays (it has the data, the role moves without a copy) and the neediest.
 */
function holderScore(server: u32, slot: u32): i64 {
  const count = u32Get(masterCountPtr, server);
  const target = u32Get(masterTargetPtr, server);
  let score: i64 = <i64>target - <i64>count;
  if (count < u32Get(masterLowPtr, server)) score += 8 << 40;
  if (count < target) score += 4 << 40;
  if (count < u32Get(masterHighPtr, server)) score += 2 << 40;
  if (load<u8>(slotStatePtr + <usize>slot) == SlotKept) score += 1 << 40;
  return score;
}

/** needsMaster — whether a server is below its master target (a newcomer there takes the role for free). */
export function needsMaster(server: u32): bool {
  return u32Get(masterCountPtr, server) < u32Get(masterTargetPtr, server);
}

/** claimMaster — an undecided bucket's master becomes the holder in `copyIndex`, counted now. */
export function claimMaster(bucket: u32, copyIndex: u32): void {
  const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
  moveToFront(bucket, copyIndex);
  store<u8>(decidedPtr + <usize>bucket, 1);
  u32Add(masterCountPtr, server, 1);
}

/** decideMaster — choose an undecided bucket's master among its holders now. */
export function decideMaster(bucket: u32): void {
  {
    if (load<u8>(decidedPtr + <usize>bucket) != 0) return;
    let best: u32 = 0;
    let bestScore: i64 = i64.MIN_VALUE;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucket;
      const server = slotGet(targetPtr, slot);
      if (server == 0) continue;
      const score = holderScore(server, slot);
      if (score > bestScore) {
        bestScore = score;
        best = copyIndex;
      }
    }
    const chosen = slotGet(targetPtr, best * bucketCount + bucket);
    if (chosen == 0) return;
    moveToFront(bucket, best);
    store<u8>(decidedPtr + <usize>bucket, 1);
    u32Add(masterCountPtr, chosen, 1);
  }
}

let decidedPtr: usize = 0;

/** markAllDecided / markUndecided — every bucket's master decided (keep-all.ts), then one not. */
export function markAllDecided(): void {
  memory.fill(decidedPtr, 1, <usize>bucketCount);
}
export function markUndecided(bucket: u32): void {
  store<u8>(decidedPtr + <usize>bucket, 0);
}

/** setDecidedMarks — a zeroed u8[B] region recording which buckets kept their source master. */
export function setDecidedMarks(ptr: usize): void {
  decidedPtr = ptr;
}

// Swap a row's copy 0 with another copy, slot states included (copy 0 may be empty).
function moveToFront(bucket: u32, copyIndex: u32): void {
  if (copyIndex == 0) return;
  pendingAdd(bucket);
  const slot = copyIndex * bucketCount + bucket;
  const server = slotGet(targetPtr, slot);
  slotSet(targetPtr, slot, slotGet(targetPtr, bucket));
  slotSet(targetPtr, bucket, server);
  const state = load<u8>(slotStatePtr + <usize>slot);
  store<u8>(slotStatePtr + <usize>slot, load<u8>(slotStatePtr + <usize>bucket));
  store<u8>(slotStatePtr + <usize>bucket, state);
}

function copyOf(server: u32, bucket: u32): u32 {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (slotGet(targetPtr, copyIndex * bucketCount + bucket) == server) return copyIndex;
  }
  return copyCount;
}

/**
 * balanceMasters — one pass of single trades settles most of what the greedy choice left out
 * of range; the few servers left get the shortest chain of role trades each (within budget).
 */
export function balanceMasters(changedPtr: usize): void {
  outCount = countOutOfRange();
  if (outCount == 0) return;
  // Buckets whose master changes anyway trade first (single trades, then chains through
  // them): a trade there changes no other bucket's master.
  let changed: u32 = 0;
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    if (slotGet(targetPtr, bucket) == slotGet(sourcePtr, bucket)) continue;
    if (outCount > 0) tradeInBucket(bucket);
    u32Set(changedPtr, changed++, bucket);
  }
  stepsAdd(<u64>pendingCount * copyCount);
  if (outCount == 0) return;
  // Then single trades in any bucket, until no server is out of range (usually a handful
  // are, found early: cheaper than counting every pair for the flow).
  let visited: u32 = 0;
  for (let bucket: u32 = 0; bucket < bucketCount && outCount > 0; bucket++, visited++) tradeInBucket(bucket);
  stepsAdd(<u64>visited * copyCount);
  if (outCount == 0) return;
  // What no single trade settles: chains of trades, all decided by one flow (role-trades.ts),
  // then the chain search for anything left.
  if (tradeRolesByFlow(changedPtr != 0)) {
    outCount = countOutOfRange();
    if (outCount == 0) return;
  }
  if (changed > 0) {
    balanceByChains(changedPtr, changed);
    outCount = countOutOfRange();
    if (outCount == 0) return;
  }
  balanceByChains(0, 0);
}

let outCount: u32 = 0;

function outOfRange(server: u32): bool {
  const count = u32Get(masterCountPtr, server);
  return count < u32Get(masterLowPtr, server) || count > u32Get(masterHighPtr, server);
}

function countOutOfRange(): u32 {
  let out: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) if (isAlive(server) && outOfRange(server)) out++;
  stepsAdd(serverCount);
  return out;
}

// Hand this bucket's master role to a holder when that brings someone back into range.
function tradeInBucket(bucket: u32): void {
  const master = slotGet(targetPtr, bucket);
  const masterCount = u32Get(masterCountPtr, master);
  if (masterCount <= u32Get(masterLowPtr, master)) return;
  const masterOver = masterCount > u32Get(masterHighPtr, master);
  for (let copyIndex: u32 = 1; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) continue;
    const count = u32Get(masterCountPtr, server);
    if (count < u32Get(masterLowPtr, server) || (masterOver && count < u32Get(masterHighPtr, server))) {
      const before = (outOfRange(master) ? 1 : 0) + (outOfRange(server) ? 1 : 0);
      moveToFront(bucket, copyIndex);
      u32Add(masterCountPtr, master, -1);
      u32Add(masterCountPtr, server, 1);
      outCount = outCount + (outOfRange(master) ? 1 : 0) + (outOfRange(server) ? 1 : 0) - before;
      return;
    }
  }
}

