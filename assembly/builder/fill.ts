/**
 * fill — place every server's deficit into the empty slots.
 *
 * The deficits become one sequence of server units in rounds: unit j of server s lands in
 * round ⌊(j + φs)·D/ds⌋ (D = the largest deficit, φs a seeded phase), so a server's units
 * are spread evenly over the sequence; each round is shuffled (seeded), so partners vary
 * from round to round. Empty slots are filled in bucket order from the front of the
 * sequence, looking a few units ahead when the front one does not fit the bucket.
 *
 *   sequence:  | round 0 (shuffled) | round 1 | ... | round D-1 |
 *                 ^ next unit            units not placed here go to repair
 */
import {
  SlotFresh, alivePtr, bucketCount, copyCount, pendingAt, pendingCount, replicaCountPtr, replicaTargetPtr, seed, serverCount,
  rackCount, rackOf, racksAlive, replicaHighPtr, replicaLowPtr, slotStatePtr, strictRacks, targetPtr,
} from './context';
import { canPlace, emptyCopyOf, moveRackUnit } from './placement-rules';
import { firstFill } from './first-fill';
import { bestHolderScore, decideMaster, isDecided, masterBelowScore, masterRoomScore, masterScore } from './masters';
import { hashUnit, randomBelow, randomSeed } from '../random';
import { scratchAlloc, scratchAllocRaw } from '../scratch';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get, u8Set } from '../layout';

/** lookAhead — units tried past the front before a slot is left to repair. */
const lookAhead: u32 = 48;
/** masterLookAhead — units weighed when a bucket's master could be a newcomer. */
const masterLookAhead: u32 = 256;


/** fillScratchBytes — scratch the fill needs for a table of slotCount slots. */
export function fillScratchBytes(slotCount: u64, serverCount: u32): u64 {
  return slotCount * 2 + slotCount * 4 + (slotCount + 2) * 4 + (<u64>serverCount + 1) * 4 + 64;
}

/** FillState — where the sequence and the slots left over are. */
export let sequencePtr: usize = 0;
export let sequenceLength: u32 = 0;
export let sequenceNext: u32 = 0;
export let unfilledPtr: usize = 0;
export let unfilledCount: u32 = 0;

/** fillEmptySlots — fill what the sequence can; leaves the rest in unfilledPtr for repair. */
export function fillEmptySlots(firstBuild: bool): void {
  substituteCursor = 1;
  buildSequence();
  unfilledPtr = scratchAllocRaw(<usize>(sequenceLength + 1) << 2);
  unfilledCount = 0;
  sequenceNext = 0;
  if (firstBuild) {
    const packed = firstFill(sequencePtr, 0, sequenceLength, lookAhead, unfilledPtr, 0);
    sequenceNext = <u32>(packed & 0xffffffff);
    unfilledCount = <u32>(packed >>> 32);
    return;
  }
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
  sequenceNext++;
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
  for (let k = sequenceNext; k < end; k++) {
    if (substituteUnit(k, bucket, true, wantMasterRoom)) return true;
  }
  return false;
}

// @ts-ignore: decorator
@inline export function unitAt(index: u32): u32 {
  return <u32>load<u16>(sequencePtr + (<usize>index << 1));
}

// @ts-ignore: decorator
@inline export function setUnit(index: u32, server: u32): void {
  store<u16>(sequencePtr + (<usize>index << 1), <u16>server);
}

let scratchCounts: usize = 0;

function buildSequence(): void {
  scratchCounts = scratchAlloc(256 << 2);
  let total: u32 = 0;
  let rounds: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const deficit = u32Get(replicaTargetPtr, server) - u32Get(replicaCountPtr, server);
    total += deficit;
    if (deficit > rounds) rounds = deficit;
  }
  sequenceLength = total;
  sequencePtr = scratchAllocRaw(<usize>(total + 1) << 1);
  if (total == 0) return;
  const roundStartPtr = scratchAlloc(<usize>(rounds + 2) << 2);
  forEachUnit(rounds, roundStartPtr, false);
  let running: u32 = 0;
  for (let round: u32 = 0; round <= rounds; round++) {
    const size = u32Get(roundStartPtr, round);
    u32Set(roundStartPtr, round, running);
    running += size;
  }
  forEachUnit(rounds, roundStartPtr, true);
  // forEachUnit advanced every round start to the next round's start; shuffle each round,
  // then spread each rack's units evenly through it (consecutive units fill one bucket).
  randomSeed(seed);
  // Interleaving keeps a bucket's consecutive units on distinct racks. With many racks per
  // copy a shuffled round already does that almost always (the look-ahead handles the rest),
  // so long first-build sequences skip it.
  const interleave = racksAlive > 1 && copyCount > 1 && (racksAlive < copyCount * 3 || total <= 65536);
  let largest: u32 = 0;
  let start: u32 = 0;
  for (let round: u32 = 0; round < rounds; round++) {
    const end = u32Get(roundStartPtr, round);
    if (end - start > largest) largest = end - start;
    start = end;
  }
  const keyedPtr = interleave ? scratchAlloc(<usize>(largest + 1) << 3) : 0;
  const rackUnitsPtr = interleave ? scratchAlloc(<usize>(rackCount + 1) << 3) : 0;
  start = 0;
  for (let round: u32 = 0; round < rounds; round++) {
    const end = u32Get(roundStartPtr, round);
    shuffle(start, end);
    if (interleave) interleaveRacks(start, end, keyedPtr, rackUnitsPtr);
    start = end;
  }
}

// Reorder units [start, end) so each rack's units sit evenly spaced: unit k of a rack with
// n units in the round gets the key (k + ½)/n (16-bit fixed point); a stable radix sort on
// the key keeps the shuffled order among equals.
function interleaveRacks(start: u32, end: u32, keyedPtr: usize, rackUnitsPtr: usize): void {
  const size = end - start;
  if (size < 3) return;
  // rackUnits[r] = (units in this round << 32) | (units placed so far)
  for (let k = start; k < end; k++) store<u64>(rackUnitsPtr + (<usize>rackOf(unitAt(k)) << 3), 0);
  for (let k = start; k < end; k++) {
    const at = rackUnitsPtr + (<usize>rackOf(unitAt(k)) << 3);
    store<u64>(at, load<u64>(at) + (<u64>1 << 32));
  }
  const sortedPtr = keyedPtr + (<usize>size << 2);
  for (let k = start; k < end; k++) {
    const server = unitAt(k);
    const at = rackUnitsPtr + (<usize>rackOf(server) << 3);
    const counts = load<u64>(at);
    const placed = <u32>(counts & 0xffffffff);
    const inRack = <u32>(counts >>> 32);
    store<u64>(at, counts + 1);
    const key = <u32>(((<u64>placed * 2 + 1) << 15) / <u64>inRack);
    store<u32>(keyedPtr + (<usize>(k - start) << 2), (min(key, 0xffff) << 16) | server);
  }
  radixPass(keyedPtr, sortedPtr, size, 16);
  radixPass(sortedPtr, keyedPtr, size, 24);
  for (let k: u32 = 0; k < size; k++) setUnit(start + k, load<u32>(keyedPtr + (<usize>k << 2)) & 0xffff);
}

// One stable counting-sort pass on the byte at `shift` of u32 entries.
function radixPass(fromPtr: usize, toPtr: usize, size: u32, shift: u32): void {
  const countsPtr = scratchCounts;
  memory.fill(countsPtr, 0, 256 << 2);
  for (let k: u32 = 0; k < size; k++) {
    const digit = (load<u32>(fromPtr + (<usize>k << 2)) >>> shift) & 0xff;
    u32Set(countsPtr, digit, u32Get(countsPtr, digit) + 1);
  }
  let running: u32 = 0;
  for (let digit: u32 = 0; digit < 256; digit++) {
    const count = u32Get(countsPtr, digit);
    u32Set(countsPtr, digit, running);
    running += count;
  }
  for (let k: u32 = 0; k < size; k++) {
    const entry = load<u32>(fromPtr + (<usize>k << 2));
    const digit = (entry >>> shift) & 0xff;
    const at = u32Get(countsPtr, digit);
    u32Set(countsPtr, digit, at + 1);
    store<u32>(toPtr + (<usize>at << 2), entry);
  }
}

// Counts units per round (place = false), or writes them to their round's next position.
// Unit j of server s lands in round ⌊(j + φs)·D/ds⌋; an accumulator per server finds the
// same rounds with integer steps when S·D is not much more than the unit count.
function forEachUnit(rounds: u32, roundStartPtr: usize, place: bool): void {
  if (<u64>serverCount * <u64>rounds <= <u64>sequenceLength * 4 + 65536) {
    forEachUnitByRound(rounds, roundStartPtr, place);
    return;
  }
  for (let server: u32 = 1; server <= serverCount; server++) {
    const deficit = deficitOf(server);
    if (deficit == 0) continue;
    const phase = hashUnit(seed, server);
    const stride = <f64>rounds / <f64>deficit;
    for (let unit: u32 = 0; unit < deficit; unit++) {
      let round = <u32>((<f64>unit + phase) * stride);
      if (round >= rounds) round = rounds - 1;
      emit(roundStartPtr, round, server, place);
    }
  }
}

// Round by round: server s is due when its accumulator (φs·D + r·ds) passes a multiple of D.
function forEachUnitByRound(rounds: u32, roundStartPtr: usize, place: bool): void {
  // Compact (server, deficit, accumulator) triples of the servers with a deficit.
  const triplesPtr = scratchAllocRaw(<usize>(serverCount + 1) * 12);
  let count: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    const deficit = deficitOf(server);
    if (deficit == 0) continue;
    const at = triplesPtr + <usize>count * 12;
    store<u32>(at, server);
    store<u32>(at, deficit, 4);
    // Start one step back so round 0 is due exactly when φ·D + d ≥ D.
    store<u32>(at, <u32>(hashUnit(seed, server) * <f64>rounds), 8);
    count++;
  }
  const end = triplesPtr + <usize>count * 12;
  for (let round: u32 = 0; round < rounds; round++) {
    const roundAt = roundStartPtr + (<usize>round << 2);
    let position = load<u32>(roundAt);
    for (let at = triplesPtr; at < end; at += 12) {
      const accumulator = load<u32>(at, 8) + load<u32>(at, 4);
      if (accumulator >= rounds) {
        store<u32>(at, accumulator - rounds, 8);
        if (place) setUnit(position, load<u32>(at));
        position++;
      } else {
        store<u32>(at, accumulator, 8);
      }
    }
    store<u32>(roundAt, position);
  }
}

// @ts-ignore: decorator
@inline function deficitOf(server: u32): u32 {
  if (u8Get(alivePtr, server) == 0) return 0;
  return u32Get(replicaTargetPtr, server) - u32Get(replicaCountPtr, server);
}

// @ts-ignore: decorator
@inline function emit(roundStartPtr: usize, round: u32, server: u32, place: bool): void {
  const at = roundStartPtr + (<usize>round << 2);
  const position = load<u32>(at);
  store<u32>(at, position + 1);
  if (place) setUnit(position, server);
}

function shuffle(start: u32, end: u32): void {
  for (let k = end; k > start + 1; k--) {
    const pick = start + randomBelow(k - start);
    const last = k - 1;
    const server = unitAt(last);
    setUnit(last, unitAt(pick));
    setUnit(pick, server);
  }
}
