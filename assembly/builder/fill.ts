/**
 * fill — place every server's deficit (target − copies kept) into the empty slots of a rebuild.
 *
 *   deficits ──unit-sequence.ts──▶ one sequence of units, servers and racks interleaved
 *            ──fill-flow.ts──▶ a max-flow over bucket types (≤ 64 servers, or 2..64 racks)
 *            or, greedily in bucket order, the first unit in a window of the sequence that
 *            fits (open masters first, where a newcomer may suit the role better)
 *   what neither placed goes to repair (repair.ts) as unfilled slots and left-over units.
 */
import { SearchPass } from '../outcome';
import {
  SlotFresh, alivePtr, bucketCount, copyCount, pendingAt, pendingCount, pendingPtr, replicaCountPtr, replicaTargetPtr,
  serverCount, rackOf, replicaHighPtr, replicaLowPtr, slotStatePtr, strictRacks, targetPtr,
} from './context';
import { canPlace, emptyCopyOf, moveRackUnit } from './placement-rules';
import { bestHolderScore, decideMaster, isDecided, masterBelowScore, masterRoomScore, masterScore } from './masters';
import { buildSequence, sequenceAdvance, sequenceLength, sequenceNext, sequenceTrim, setUnit, unitAt } from './unit-sequence';
import { fillByFlow, flowServersMode } from './fill-flow';
import { leftoverCount } from './fill-place';
import { budgetFillFixed, budgetFillPerSlot, passBudget, spent, stepsAdd, steps } from './budget';
import { scratchAlloc, scratchAllocRaw } from '../scratch';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get, u8Set } from '../layout';

/** lookAhead — units tried past the front before a slot is left to repair. */
const lookAhead: u32 = 48;
/** masterLookAhead — units weighed when a bucket's master could be a newcomer. */
const masterLookAhead: u32 = 256;
let fillLimit: u64 = 0;

/** fillScratchBytes — scratch the fill needs for a table of slotCount slots. */
export function fillScratchBytes(slotCount: u64, serverCount: u32): u64 {
  return slotCount * 4 + (<u64>serverCount + 2) * 4 + 64;
}

/** fillExact — the fill placed every unit any placement without extra moves could (server-level flow). */
export let fillExact = false;

/** unfilledPtr / unfilledCount — slots the fill left empty (u32 slot indexes), for repair. */
export let unfilledPtr: usize = 0;
export let unfilledCount: u32 = 0;

/** fillEmptySlots — fill what it can; leaves the rest in unfilledPtr and the unused units from sequenceNext on. */
export function fillEmptySlots(): void {
  substituteCursor = 1;
  fillLimit = steps + passBudget(budgetFillPerSlot, budgetFillFixed);
  sortPendingByHolder();
  buildSequence();
  unfilledPtr = scratchAllocRaw(<usize>(sequenceLength + 1) << 2);
  unfilledCount = 0;
  const flowed = fillByFlow(unfilledPtr);
  fillExact = flowed >= 0 && flowServersMode();
  if (flowed >= 0) {
    unfilledCount = <u32>flowed;
    sequenceTrim(leftoverCount);
    return;
  }
  fillGreedily();
}

// Buckets sharing a holder become neighbours: they then take neighbouring units, so the
// servers that replace a lost copy next to one survivor are spread (C = 2: its new partners).
function sortPendingByHolder(): void {
  const startPtr = scratchAlloc(<usize>(serverCount + 2) << 2);
  const sortedPtr = scratchAlloc(<usize>(pendingCount + 1) << 2);
  for (let k: u32 = 0; k < pendingCount; k++) u32Add(startPtr, firstHolder(pendingAt(k)) + 1, 1);
  for (let server: u32 = 1; server <= serverCount + 1; server++) u32Add(startPtr, server, u32Get(startPtr, server - 1));
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    const holder = firstHolder(bucket);
    const at = u32Get(startPtr, holder);
    u32Set(sortedPtr, at, bucket);
    u32Set(startPtr, holder, at + 1);
  }
  memory.copy(pendingPtr, sortedPtr, <usize>pendingCount << 2);
  stepsAdd(<u64>pendingCount * (copyCount + 2) + <u64>serverCount);
}

function firstHolder(bucket: u32): u32 {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server != 0) return server;
  }
  return 0;
}

// Bucket by bucket from the front of the sequence; open masters first.
function fillGreedily(): void {
  // First every bucket whose master is open gets one: the best of its holders, or a
  // newcomer from the sequence window that suits the role better (a joining server short
  // of masters, a server with room when every holder is full), placed now. Deciding these
  // before any other placement keeps the best candidates for them, so no role is traded
  // (moved) later.
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    if (isDecided(bucket)) continue;
    let bar = bestHolderScore(bucket);
    // An empty bucket chooses among all its copies once they are placed (pass two).
    if (bar == i64.MIN_VALUE) continue;
    // A holder with room keeps the role unless a newcomer is below its minimum (and the
    // holder is not): newcomers with room are scarce and saved for buckets that need them.
    if (bar >= masterRoomScore) bar |= masterBelowScore - 1;
    const copyIndex = emptyCopyOf(bucket);
    if (copyIndex < copyCount) {
      const slot = copyIndex * bucketCount + bucket;
      if (!placeFromSequence(slot, bucket, true, bar) && !(!strictRacks && placeFromSequence(slot, bucket, false, bar))) {
        // No newcomer in view suits the role better; when no holder has room either, a unit
        // may change hands to a server with room for both a copy and the role.
        if (bar < masterRoomScore && substituteInWindow(bucket, true)) placeFromSequence(slot, bucket, true, bar);
      }
    }
    decideMaster(bucket);
  }
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    if (emptyCopyOf(bucket) != copyCount) fillBucket(bucket);
    decideMaster(bucket);
  }
}

function fillBucket(bucket: u32): void {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucket;
    if (slotGet(targetPtr, slot) != 0) continue;
    if (placeFromSequence(slot, bucket, true, i64.MIN_VALUE)) continue;
    // Racks that cannot all be spread still get the best spread the sequence allows.
    if (!strictRacks && placeFromSequence(slot, bucket, false, i64.MIN_VALUE)) continue;
    u32Set(unfilledPtr, unfilledCount++, slot);
  }
}

// Place the first unit in the window that fits; with a score bar, the best-scoring unit
// above the bar (for a bucket choosing its master), or nothing.
function placeFromSequence(slot: u32, bucket: u32, spread: bool, scoreBar: i64): bool {
  const wantMaster = scoreBar != i64.MIN_VALUE;
  const end = min(sequenceNext + (wantMaster ? masterLookAhead : lookAhead), sequenceLength);
  stepsAdd(end - sequenceNext);
  let chosen: u32 = end;
  let chosenScore = scoreBar;
  for (let k = sequenceNext; k < end; k++) {
    const server = unitAt(k);
    if (wantMaster) {
      const score = masterScore(server);
      if (score <= chosenScore) continue;
      if (!canPlace(server, bucket, copyCount, spread)) continue;
      chosen = k;
      chosenScore = score;
      continue;
    }
    if (!canPlace(server, bucket, copyCount, spread)) continue;
    chosen = k;
    break;
  }
  if (chosen == end) return false;
  const server = unitAt(chosen);
  // Bring the chosen unit to the front; the front one stays in the window for later slots.
  setUnit(chosen, unitAt(sequenceNext));
  setUnit(sequenceNext, server);
  sequenceAdvance(sequenceNext + 1);
  slotSet(targetPtr, slot, server);
  u8Set(slotStatePtr, slot, SlotFresh);
  u32Add(replicaCountPtr, server, 1);
  return true;
}

let substituteCursor: u32 = 1;

/**
 * substituteUnit — the unit at `index` changes hands to another server that may hold one
 * more copy (both stay within their floor..ceil quota) and fits `bucket`; with
 * `wantMasterRoom`, only to a server that can also take a master role. With strict racks,
 * only where the rack totals still allow a full spread. Returns whether it did.
 */
export function substituteUnit(index: u32, bucket: u32, spread: bool, wantMasterRoom: bool): bool {
  const giver = unitAt(index);
  if (u32Get(replicaTargetPtr, giver) <= u32Get(replicaLowPtr, giver)) return false;
  for (let step: u32 = 0; step < serverCount; step++) {
    stepsAdd(1);
    const taker = substituteCursor;
    substituteCursor = substituteCursor >= serverCount ? 1 : substituteCursor + 1;
    if (taker == giver || u8Get(alivePtr, taker) == 0) continue;
    const target = u32Get(replicaTargetPtr, taker);
    if (target >= u32Get(replicaHighPtr, taker)) continue;
    if (wantMasterRoom && masterScore(taker) < masterRoomScore) continue;
    if (!canPlace(taker, bucket, copyCount, spread)) continue;
    if (strictRacks && !moveRackUnit(rackOf(giver), rackOf(taker))) continue;
    u32Set(replicaTargetPtr, giver, u32Get(replicaTargetPtr, giver) - 1);
    u32Set(replicaTargetPtr, taker, target + 1);
    setUnit(index, taker);
    return true;
  }
  return false;
}

function substituteInWindow(bucket: u32, wantMasterRoom: bool): bool {
  const end = min(sequenceNext + lookAhead, sequenceLength);
  for (let k = sequenceNext; k < end && !spent(fillLimit, SearchPass.Fill); k++) {
    if (substituteUnit(k, bucket, true, wantMasterRoom)) return true;
  }
  return false;
}


