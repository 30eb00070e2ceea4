/**
 * refill-racks — whether an evicted copy's slot can be refilled in one move, counted per rack.
 *
 * After the keep's acceptance, the servers under their replica target can take
 * D(r) = Σ_{s in r} (target(s) − kept(s)) more copies in rack r. Every empty slot will need
 * one of them, from a rack the bucket allows (below its cap, and a rack the bucket misses
 * when the slot must bring a new one for the spread). Empty slots are charged first; an
 * eviction is allowed only where a deficit rack the bucket allows still has units left, and
 * charges one. So the keep never opens more slots of a kind than the deficit racks can fill
 * (a slot nobody can fill costs extra moves in repair, or the spread).
 *
 * With more deficit racks than deficitRacksMax nothing is counted (refillCounting is false)
 * and the keep asks only whether some deficit rack fits: such rebuilds have room everywhere.
 */
import { alivePtr, bucketCount, copyCount, rackCount, rackOf, replicaTargetPtr, serverCount, spreadWanted, targetPtr } from './context';
import { rackCapOf } from './placement-rules';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, u32Get, u32Set, u8Get } from '../layout';

/** deficitRacksMax — deficit racks whose units are counted one by one. */
export const deficitRacksMax: u32 = 16;

let leftPtr: usize = 0;
let listPtr: usize = 0;
let listed: u32 = 0;
let counting = false;

/** refillScratchBytes — scratch the refill count needs. */
export function refillScratchBytes(rackCount: u32): u64 {
  return (<u64>rackCount + 1) * 8 + (<u64>deficitRacksMax + 1) * 4 + 32;
}

/** refillReset — count every rack's deficit from what the servers keep (acceptedPtr). */
export function refillReset(acceptedPtr: usize): void {
  leftPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  listPtr = scratchAlloc(<usize>(deficitRacksMax + 1) << 2);
  listed = 0;
  counting = true;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const target = u32Get(replicaTargetPtr, server);
    const kept = u32Get(acceptedPtr, server);
    if (target <= kept) continue;
    const rack = rackOf(server);
    const at = leftPtr + (<usize>rack << 3);
    if (load<i64>(at) == 0) {
      if (listed == deficitRacksMax) counting = false;
      else u32Set(listPtr, listed++, rack);
    }
    store<i64>(at, load<i64>(at) + <i64>(target - kept));
  }
  stepsAdd(serverCount);
}

/** refillCounting — whether deficits are counted (few deficit racks). */
export function refillCounting(): bool {
  return counting;
}

/** chargeEmpties — charge the bucket's empty slots (after acceptance) to the racks that can fill them. */
export function chargeEmpties(bucket: u32): void {
  if (!counting) return;
  let empty: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (slotGet(targetPtr, copyIndex * bucketCount + bucket) == 0) empty++;
  }
  if (empty == 0) return;
  let newRacks = <i32>spreadWanted - <i32>distinctRacks(bucket, copyCount);
  for (let k: u32 = 0; k < empty; k++) {
    charge(bucket, copyCount, newRacks > 0);
    newRacks--;
  }
}

/** chargeRefill — whether evicting copy `copyIndex` leaves a slot a deficit rack can fill (charged if so). */
export function chargeRefill(bucket: u32, copyIndex: u32): bool {
  let empty: u32 = 1;
  for (let other: u32 = 0; other < copyCount; other++) {
    if (other != copyIndex && slotGet(targetPtr, other * bucketCount + bucket) == 0) empty++;
  }
  const newRacks = <i32>spreadWanted - <i32>distinctRacks(bucket, copyIndex);
  const mustBeNew = newRacks >= <i32>empty;
  // Every new rack the bucket then needs must come from a different missing deficit rack.
  if (mustBeNew && <i32>missingWithUnits(bucket, copyIndex) < newRacks) return false;
  return charge(bucket, copyIndex, mustBeNew);
}

function missingWithUnits(bucket: u32, except: u32): u32 {
  let count: u32 = 0;
  for (let k: u32 = 0; k < listed; k++) {
    const rack = u32Get(listPtr, k);
    if (load<i64>(leftPtr + (<usize>rack << 3)) > 0 && heldInRack(bucket, except, rack) == 0) count++;
  }
  stepsAdd(<u64>listed * copyCount);
  return count;
}

// Take one unit from the allowed deficit rack with the most left (a rack the bucket misses,
// when `mustBeNew`). Copy `except` is leaving.
function charge(bucket: u32, except: u32, mustBeNew: bool): bool {
  let best: i32 = -1;
  let bestLeft: i64 = 0;
  stepsAdd(<u64>listed * copyCount);
  for (let k: u32 = 0; k < listed; k++) {
    const rack = u32Get(listPtr, k);
    const left = load<i64>(leftPtr + (<usize>rack << 3));
    if (left <= bestLeft) continue;
    const held = heldInRack(bucket, except, rack);
    if (held >= rackCapOf(rack) || (mustBeNew && held > 0)) continue;
    best = rack;
    bestLeft = left;
  }
  if (best < 0) return false;
  store<i64>(leftPtr + (<usize>best << 3), bestLeft - 1);
  return true;
}

function heldInRack(bucket: u32, except: u32, rack: u32): u32 {
  let held: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (copyIndex == except) continue;
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server != 0 && rackOf(server) == rack) held++;
  }
  return held;
}

// Distinct racks among the bucket's holders, copy `except` left out.
function distinctRacks(bucket: u32, except: u32): u32 {
  let distinct: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (copyIndex == except) continue;
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) continue;
    let first = true;
    for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
      if (earlier == except) continue;
      const other = slotGet(targetPtr, earlier * bucketCount + bucket);
      if (other != 0 && rackOf(other) == rackOf(server)) first = false;
    }
    if (first) distinct++;
  }
  stepsAdd(<u64>copyCount * copyCount);
  return distinct;
}

