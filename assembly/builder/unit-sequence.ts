/**
 * unit-sequence — every live server's deficit (target − copies held) as one sequence of units.
 *
 * Unit j of server s lands in round ⌊(j + φs)·D/ds⌋ (D = the largest deficit, φs a seeded
 * phase), so a server's units are spread evenly over the sequence; each round is shuffled
 * (seeded) and then its racks interleaved, so neighbouring units differ in server and rack.
 *
 *   sequence:  | round 0 (shuffled) | round 1 | ... | round D-1 |
 *                 ^ sequenceNext          units from here on are not placed yet
 */
import { alivePtr, copyCount, rackCount, rackOf, racksAlive, replicaCountPtr, replicaTargetPtr, seed, serverCount } from './context';
import { hashUnit, randomBelow, randomSeed } from '../random';
import { stepsAdd } from './budget';
import { scratchAlloc, scratchAllocRaw } from '../scratch';
import { u32Get, u32Set, u8Get } from '../layout';

/** sequencePtr / sequenceLength / sequenceNext — the units (u16 server indexes) and the first not placed. */
export let sequencePtr: usize = 0;
export let sequenceLength: u32 = 0;
export let sequenceNext: u32 = 0;

/** sequenceAdvance — the units before `next` are placed. */
export function sequenceAdvance(next: u32): void {
  sequenceNext = next;
}

/** sequenceTrim — only the first `length` units are left (none placed yet). */
export function sequenceTrim(length: u32): void {
  sequenceNext = 0;
  sequenceLength = length;
}

/** unitAt — the server of unit `index`. */
// @ts-ignore: decorator
@inline export function unitAt(index: u32): u32 {
  return <u32>load<u16>(sequencePtr + (<usize>index << 1));
}

/** setUnit — make unit `index` a unit of `server`. */
// @ts-ignore: decorator
@inline export function setUnit(index: u32, server: u32): void {
  store<u16>(sequencePtr + (<usize>index << 1), <u16>server);
}

/** unitSequenceScratchBytes — scratch buildSequence needs for up to `units` units. */
export function unitSequenceScratchBytes(units: u64, serverCount: u32, rackCount: u32): u64 {
  return units * 2 + units * 8 + (units + 2) * 4 + (<u64>serverCount + 1) * 12 + (<u64>rackCount + 1) * 8 + 1024 + 128;
}

let scratchCounts: usize = 0;

/** buildSequence — lay every live server's deficit out as the unit sequence (sequenceNext = 0). */
export function buildSequence(): void {
  sequenceNext = 0;
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
  stepsAdd(<u64>total * 4 + <u64>rounds * 2 + <u64>serverCount);
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
