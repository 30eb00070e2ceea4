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
 */
import {
  SlotFresh, SlotKept, bucketCount, copyCount, pendingAdd, replicaCountPtr, slotStatePtr, strictRacks, targetPtr,
} from './context';
import { canPlace } from './placement-rules';
import { isDecided } from './masters';
import { chainInto, collectFreshSlots } from './fresh-chains';
import { sequenceLength, sequenceNext, setUnit, substituteUnit, unfilledCount, unfilledPtr, unitAt } from './fill';
import { slotGet, slotSet, u32Add, u32Get, u8Get, u8Set } from '../layout';

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
  relaxedRepairs = 0;
  swapCursor = 0;
  if (unfilledCount > 0) collectFreshSlots();
  let stillEmpty: u32 = 0;
  for (let k: u32 = 0; k < unfilledCount; k++) {
    const slot = u32Get(unfilledPtr, k);
    if (!repairSlot(slot)) stillEmpty++;
  }
  return stillEmpty;
}

// Cheapest first: placements that keep the spread and move nothing extra; then, when racks
// are strict, a swap with a kept copy (two extra moves) before giving up spread; when they
// are not, a worse spread before extra moves.
function repairSlot(slot: u32): bool {
  const bucket = slot % bucketCount;
  if (repairWithoutExtraMoves(slot, bucket, true)) return true;
  if (strictRacks && swapInto(slot, bucket, true, false)) return true;
  relaxedRepairs++;
  if (repairWithoutExtraMoves(slot, bucket, false)) return true;
  return swapInto(slot, bucket, true, false) || swapInto(slot, bucket, false, false);
}

function repairWithoutExtraMoves(slot: u32, bucket: u32, spread: bool): bool {
  return placeLeftOver(slot, bucket, spread) || substitute(slot, bucket, spread) || swapInto(slot, bucket, spread, true)
    || chainLeftOver(slot, spread);
}

// A longer shift of fresh copies (fresh-chains.ts) for some left-over unit.
function chainLeftOver(slot: u32, spread: bool): bool {
  for (let k = leftStart; k < leftEnd; k++) {
    const server = unitAt(k);
    if (!chainInto(slot, server, spread)) continue;
    takeLeftOver(k);
    u8Set(slotStatePtr, slot, SlotFresh);
    u32Add(replicaCountPtr, server, 1);
    repairSwaps++;
    return true;
  }
  return false;
}

function placeLeftOver(slot: u32, bucket: u32, strict: bool): bool {
  for (let k = leftStart; k < leftEnd; k++) {
    const server = unitAt(k);
    if (!canPlace(server, bucket, copyCount, strict)) continue;
    takeLeftOver(k);
    put(slot, server);
    return true;
  }
  return false;
}

// A left-over unit whose server fits nowhere changes hands to a server that fits this
// bucket (fill.substituteUnit): one move, where a swap would take two.
function substitute(slot: u32, bucket: u32, spread: bool): bool {
  for (let k = leftStart; k < leftEnd; k++) {
    if (!substituteUnit(k, bucket, spread, false)) continue;
    const taker = unitAt(k);
    takeLeftOver(k);
    put(slot, taker);
    return true;
  }
  return false;
}

function takeLeftOver(index: u32): void {
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
    for (let k = leftStart; k < leftEnd; k++) {
      const server = unitAt(k);
      if (!canPlace(server, otherBucket, otherCopy, strict)) continue;
      takeLeftOver(k);
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
