/**
 * fresh-chains — place a left-over unit by shifting copies this build placed, moving no kept one.
 *
 *   left-over y ─fits─▶ fresh slot f1 (holds x1) ;  x1 ─fits─▶ fresh slot f2 (holds x2) ; … ;
 *   xk ─fits─▶ the empty slot
 *
 * Every step puts a server on a slot it fits and frees the server that was there; only slots
 * placed by this build take part, so the chain adds no data move (each copy was a move anyway).
 * Breadth-first over the fresh slots of the pending buckets, bounded in size.
 */
import { SearchPass } from '../outcome';
import {
  SlotFresh, bucketCount, copyCount, masterCountPtr, pendingAdd, pendingAt, pendingCount, slotStatePtr, targetPtr,
} from './context';
import { canPlace } from './placement-rules';
import { isDecided } from './masters';
import { spent, stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Get } from '../layout';

/** chainVisitsMax — fresh slots one search may look at (keeps a hopeless search cheap). */
const chainVisitsMax: u32 = 4096;

/** freshChainsScratchBytes — scratch the chains need (four u32 arrays of chainVisitsMax + 1). */
export function freshChainsScratchBytes(): u64 {
  return (<u64>chainVisitsMax + 2) * 4 * 4 + 64;
}

let freshPtr: usize = 0;
let freshCount: u32 = 0;
let queuePtr: usize = 0;
let parentPtr: usize = 0;
let seenPtr: usize = 0;
let stamp: u32 = 0;

/** collectFreshSlots — list the fresh slots of the pending buckets (once, before repairs). */
export function collectFreshSlots(): void {
  let count: u32 = 0;
  for (let k: u32 = 0; k < pendingCount && count < chainVisitsMax; k++) {
    const bucket = pendingAt(k);
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      if (chainable(copyIndex, bucket)) count++;
    }
  }
  freshCount = 0;
  freshPtr = scratchAlloc(<usize>(count + 1) << 2);
  queuePtr = scratchAlloc(<usize>(count + 1) << 2);
  parentPtr = scratchAlloc(<usize>(count + 1) << 2);
  seenPtr = scratchAlloc(<usize>(count + 1) << 2);
  stamp = 0;
  for (let k: u32 = 0; k < pendingCount && freshCount < count; k++) {
    const bucket = pendingAt(k);
    for (let copyIndex: u32 = 0; copyIndex < copyCount && freshCount < count; copyIndex++) {
      if (chainable(copyIndex, bucket)) u32Set(freshPtr, freshCount++, copyIndex * bucketCount + bucket);
    }
  }
}

// Any slot this build placed may take part (a decided master's role moves with its slot:
// applyChain recounts it, and the master balancing after repairs evens any excess out).
function chainable(copyIndex: u32, bucket: u32): bool {
  return u8Get(slotStatePtr, copyIndex * bucketCount + bucket) == SlotFresh;
}

/**
 * chainInto — fill the empty `slot` with `unit` through a chain of fresh slots; returns
 * whether it did. Stops when the caller's step limit is reached.
 */
export function chainInto(slot: u32, unit: u32, spread: bool, limit: u64): bool {
  const bucket = slot % bucketCount;
  const copyIndex = slot / bucketCount;
  stamp++;
  let head: u32 = 0;
  let tail: u32 = 0;
  // Queue entries are indexes into the fresh list; entry e displaces the server on fresh[e].
  for (let f: u32 = 0; f < freshCount; f++) {
    if (!fitsFresh(unit, f, spread)) continue;
    u32Set(seenPtr, f, stamp);
    u32Set(parentPtr, f, 0xffffffff);
    u32Set(queuePtr, tail++, f);
  }
  stepsAdd(<u64>freshCount * copyCount);
  while (head < tail && !spent(limit, SearchPass.Repair)) {
    const entry = u32Get(queuePtr, head++);
    stepsAdd(<u64>freshCount * copyCount);
    const displaced = slotGet(targetPtr, u32Get(freshPtr, entry));
    if (canPlace(displaced, bucket, copyIndex, spread) && notIn(displaced, bucket) && bucketsDistinct(entry, bucket)) {
      applyChain(entry, unit, slot, displaced);
      return true;
    }
    for (let f: u32 = 0; f < freshCount; f++) {
      if (u32Get(seenPtr, f) == stamp || !fitsFresh(displaced, f, spread)) continue;
      u32Set(seenPtr, f, stamp);
      u32Set(parentPtr, f, entry);
      u32Set(queuePtr, tail++, f);
    }
  }
  return false;
}

// `server` may take fresh slot f (in place of its occupant): not the same, and it fits there.
function fitsFresh(server: u32, f: u32, spread: bool): bool {
  const slot = u32Get(freshPtr, f);
  if (slotGet(targetPtr, slot) == server) return false;
  return canPlace(server, slot % bucketCount, slot / bucketCount, spread);
}

// Each check above looked at one bucket changing by one slot: true only if no bucket of the
// chain (nor the empty slot's) takes part twice.
function bucketsDistinct(last: u32, emptyBucket: u32): bool {
  let entry = last;
  while (entry != 0xffffffff) {
    const bucket = u32Get(freshPtr, entry) % bucketCount;
    if (bucket == emptyBucket) return false;
    let other = u32Get(parentPtr, entry);
    while (other != 0xffffffff) {
      if (u32Get(freshPtr, other) % bucketCount == bucket) return false;
      other = u32Get(parentPtr, other);
    }
    entry = u32Get(parentPtr, entry);
  }
  return true;
}

// A decided bucket's copy 0 changing hands moves the master role: keep the counts true.
function moveRole(slot: u32, incoming: u32): void {
  if (slot >= bucketCount || !isDecided(slot)) return;
  const outgoing = slotGet(targetPtr, slot);
  if (outgoing != 0) u32Add(masterCountPtr, outgoing, -1);
  u32Add(masterCountPtr, incoming, 1);
}

function notIn(server: u32, bucket: u32): bool {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (slotGet(targetPtr, copyIndex * bucketCount + bucket) == server) return false;
  }
  return true;
}

// Walk the chain back: the last displaced server takes the empty slot, each fresh slot takes
// the server displaced before it, the first takes the left-over unit.
function applyChain(last: u32, unit: u32, emptySlot: u32, lastDisplaced: u32): void {
  moveRole(emptySlot, lastDisplaced);
  slotSet(targetPtr, emptySlot, lastDisplaced);
  pendingAdd(emptySlot % bucketCount);
  let entry = last;
  while (entry != 0xffffffff) {
    const parent = u32Get(parentPtr, entry);
    const incoming = parent == 0xffffffff ? unit : slotGet(targetPtr, u32Get(freshPtr, parent));
    const slot = u32Get(freshPtr, entry);
    moveRole(slot, incoming);
    slotSet(targetPtr, slot, incoming);
    pendingAdd(slot % bucketCount);
    entry = parent;
  }
}
