/**
 * repair — place the units the fill could not, one empty slot at a time.
 *
 * For an empty slot of bucket b and the units left over, in order of cost:
 *   1. a left-over server that fits b;
 *   2. a swap: a server x in another bucket b' that fits b moves to b, and a left-over
 *      server y takes x's place in b' — free when x's slot in b' was placed by this build
 *      (tried first), two extra moves otherwise;
 *   3. the same two steps ignoring the rack rule (the bucket ends up short of racks).
 * The scan for swaps starts where the previous one stopped, so repairs spread out.
 * All repairs of a build share one step budget (budget.ts); once it is spent, a slot
 * takes a left-over unit that is not in its bucket, else any live server that is not (the
 * table stays whole and sound; balance or spread may then miss, and the build says so).
 */
import { SearchPass } from '../outcome';
import {
  SlotFresh, SlotKept, bucketCount, copyCount, pendingAdd, replicaCountPtr, slotStatePtr, strictRacks, targetPtr,
} from './context';
import { canPlace } from './placement-rules';
import { isDecided } from './masters';
import { chainInto, collectFreshSlots } from './fresh-chains';
import { fillExact, substituteUnit, unfilledCount, unfilledPtr } from './fill';
import { sequenceLength, sequenceNext, setUnit, unitAt } from './unit-sequence';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get, u8Set } from '../layout';
import { scratchAlloc } from '../scratch';
import { budgetRepairFixed, budgetRepairPerSlot, passBudget, spent, stepsAdd, steps } from './budget';
import { alivePtr, serverCount } from './context';

let limit: u64 = 0;

let leftStart: u32 = 0;
let leftEnd: u32 = 0;
let swapCursor: u32 = 0;

/** repairSwaps — swaps made by the last repairUnfilled. */
export let repairSwaps: u32 = 0;
/** relaxedRepairs — slots the last repairUnfilled filled without keeping the rack spread. */
export let relaxedRepairs: u32 = 0;

/** repairUnfilled — fill every slot the fill left; returns the slots still empty (0 on success). */
export function repairUnfilled(): u32 {
  leftStart = sequenceNext;
  leftEnd = sequenceLength;
  repairSwaps = 0;
  resortCursor = 1;
  relaxedRepairs = 0;
  swapCursor = 0;
  fruitlessSearches = 0;
  strictSwapFailures = 0;
  limit = steps + passBudget(budgetRepairPerSlot, budgetRepairFixed);
  if (unfilledCount > 0) {
    collectFreshSlots();
    initLeftovers();
  }
  let stillEmpty: u32 = 0;
  for (let k: u32 = 0; k < unfilledCount; k++) {
    const slot = u32Get(unfilledPtr, k);
    if (!spent(limit, SearchPass.Repair) && repairSlot(slot)) continue;
    if (!lastResort(slot)) stillEmpty++;
  }
  return stillEmpty;
}

let resortCursor: u32 = 1;

// Out of budget: a left-over unit not in the bucket (racks ignored), else the next live server
// not in it (its count goes one over target). At most C − 1 servers are in the bucket, so the
// cursor moves at most C live servers on.
function lastResort(slot: u32): bool {
  const bucket = slot % bucketCount;
  relaxedRepairs++;
  if (placeLeftOver(slot, bucket, false)) return true;
  for (let step: u32 = 0; step < serverCount; step++) {
    const server = resortCursor;
    resortCursor = resortCursor >= serverCount ? 1 : resortCursor + 1;
    stepsAdd(copyCount);
    if (u8Get(alivePtr, server) == 0 || !canPlace(server, bucket, copyCount, false)) continue;
    put(slot, server);
    return true;
  }
  return false;
}

// Cheapest first: placements that keep the spread and move nothing extra; then, when racks
// are strict, a swap with a kept copy (two extra moves) before giving up spread; when they
// are not, a worse spread before extra moves.
// When the fill was exact (fillExact: a server-level flow that placed all a placement without
// extra moves could), only swaps with kept copies are left to try.
function repairSlot(slot: u32): bool {
  const bucket = slot % bucketCount;
  if (!fillExact && repairWithoutExtraMoves(slot, bucket, true)) return true;
  if (strictRacks && swapInto(slot, bucket, true, false)) return true;
  relaxedRepairs++;
  if (!fillExact && repairWithoutExtraMoves(slot, bucket, false)) return true;
  if (strictSwapFailures < strictSwapFailuresMax) {
    if (swapInto(slot, bucket, true, false)) {
      strictSwapFailures = 0;
      return true;
    }
    strictSwapFailures++;
  }
  return swapInto(slot, bucket, false, false);
}

/**
 * strictSwapFailuresMax — swaps keeping the rack rule that may come up empty in a row (each
 * scans the whole table) before the rest of the repair goes straight to swaps without it.
 */
const strictSwapFailuresMax: u32 = 4;
let strictSwapFailures: u32 = 0;

// A search for swaps with fresh copies or for chains that found nothing anywhere is not
// tried again for later slots (it would scan the whole table each time, in vain).
function repairWithoutExtraMoves(slot: u32, bucket: u32, spread: bool): bool {
  if (placeLeftOver(slot, bucket, spread) || substitute(slot, bucket, spread)) return true;
  const fruitless = spread ? 1 : 4;
  if ((fruitlessSearches & fruitless) == 0) {
    if (swapInto(slot, bucket, spread, true)) return true;
    fruitlessSearches |= fruitless;
  }
  if ((fruitlessSearches & (fruitless << 1)) == 0) {
    if (chainLeftOver(slot, spread)) return true;
    fruitlessSearches |= fruitless << 1;
  }
  return false;
}

let fruitlessSearches: u32 = 0;

// A longer shift of fresh copies (fresh-chains.ts) for some left-over server.
function chainLeftOver(slot: u32, spread: bool): bool {
  for (let i: u32 = 0; i < leftListed && !spent(limit, SearchPass.Repair); i++) {
    const server = u32Get(leftListPtr, i);
    if (u32Get(leftCountPtr, server) == 0 || !chainInto(slot, server, spread, limit)) continue;
    takeUnitOf(server);
    u8Set(slotStatePtr, slot, SlotFresh);
    u32Add(replicaCountPtr, server, 1);
    repairSwaps++;
    return true;
  }
  return false;
}

function placeLeftOver(slot: u32, bucket: u32, strict: bool): bool {
  stepsAdd(<u64>leftListed * copyCount);
  for (let i: u32 = 0; i < leftListed; i++) {
    const server = u32Get(leftListPtr, i);
    if (u32Get(leftCountPtr, server) == 0 || !canPlace(server, bucket, copyCount, strict)) continue;
    takeUnitOf(server);
    put(slot, server);
    return true;
  }
  return false;
}

// Left-over units by server: counts, and the servers that have some (listed once each), so a
// search weighs each left-over server once, however many units it has.
let leftCountPtr: usize = 0;
let leftListPtr: usize = 0;
let leftListed: u32 = 0;

function initLeftovers(): void {
  leftCountPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  leftListPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  leftListed = 0;
  for (let k = leftStart; k < leftEnd; k++) countLeftOver(unitAt(k), 1);
  stepsAdd(leftEnd - leftStart);
}

function countLeftOver(server: u32, delta: i32): void {
  const count = u32Get(leftCountPtr, server);
  if (count == 0 && delta > 0 && !listed(server)) u32Set(leftListPtr, leftListed++, server);
  u32Set(leftCountPtr, server, <u32>(<i32>count + delta));
}

function listed(server: u32): bool {
  for (let i: u32 = 0; i < leftListed; i++) if (u32Get(leftListPtr, i) == server) return true;
  stepsAdd(leftListed);
  return false;
}

// Take one left-over unit of `server` (it has one).
function takeUnitOf(server: u32): void {
  for (let k = leftStart; k < leftEnd; k++) {
    if (unitAt(k) != server) continue;
    stepsAdd(k - leftStart + 1);
    takeLeftOver(k);
    return;
  }
  assert(false, 'left-over count without a unit');
}

// A left-over unit whose server fits nowhere changes hands to a server that fits this
// bucket (fill.substituteUnit): one move, where a swap would take two.
function substitute(slot: u32, bucket: u32, spread: bool): bool {
  for (let k = leftStart; k < leftEnd && !spent(limit, SearchPass.Repair); k++) {
    const giver = unitAt(k);
    if (!substituteUnit(k, bucket, spread, false)) continue;
    const taker = unitAt(k);
    countLeftOver(giver, -1);
    countLeftOver(taker, 1);
    takeLeftOver(k);
    put(slot, taker);
    return true;
  }
  return false;
}

function takeLeftOver(index: u32): void {
  countLeftOver(unitAt(index), -1);
  setUnit(index, unitAt(leftStart));
  leftStart++;
}

function put(slot: u32, server: u32): void {
  slotSet(targetPtr, slot, server);
  u8Set(slotStatePtr, slot, SlotFresh);
  u32Add(replicaCountPtr, server, 1);
}

// Move some x from another bucket into `bucket`, and a left-over y into x's old slot.
function swapInto(slot: u32, bucket: u32, strict: bool, freshOnly: bool): bool {
  const slotCount = bucketCount * copyCount;
  for (let step: u32 = 0; step < slotCount; step++) {
    stepsAdd(1);
    if (spent(limit, SearchPass.Repair)) return false;
    const other = swapCursor;
    swapCursor = swapCursor + 1 == slotCount ? 0 : swapCursor + 1;
    const otherBucket = other % bucketCount;
    if (otherBucket == bucket) continue;
    // A decided master stays put: its role is already counted.
    if (other < bucketCount && isDecided(otherBucket)) continue;
    const state = u8Get(slotStatePtr, other);
    if (freshOnly ? state != SlotFresh : state != SlotKept) continue;
    const mover = slotGet(targetPtr, other);
    if (mover == 0 || !canPlace(mover, bucket, copyCount, strict)) continue;
    const otherCopy = other / bucketCount;
    stepsAdd(<u64>leftListed * copyCount);
    for (let i: u32 = 0; i < leftListed; i++) {
      const server = u32Get(leftListPtr, i);
      if (u32Get(leftCountPtr, server) == 0 || !canPlace(server, otherBucket, otherCopy, strict)) continue;
      takeUnitOf(server);
      slotSet(targetPtr, slot, mover);
      u8Set(slotStatePtr, slot, SlotFresh);
      slotSet(targetPtr, other, server);
      pendingAdd(otherBucket);
      u8Set(slotStatePtr, other, SlotFresh);
      u32Add(replicaCountPtr, server, 1);
      repairSwaps++;
      return true;
    }
  }
  return false;
}
