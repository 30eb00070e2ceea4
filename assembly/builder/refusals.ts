/**
 * refusals — which source copies of a bucket cannot stay because of the rack rule, and whose.
 *
 * With strict racks a bucket keeps at most rackCap(r) copies in rack r, and leaves room for
 * the racks it misses (spreadWanted distinct racks in all). When copies must go, any copy of
 * an over-full or repeated rack would do. The rack chosen is the one with the least slack (a
 * rack sheds copies without losing spread only where a bucket holds it twice, so a rack with
 * few repeats outside the buckets that must refuse has to use the repeats in them). In the rack, the server with the most copies to spare goes (source copies −
 * replica target − copies already refused), masters last. So refusals fall on servers that
 * must give copies up anyway, and no server is pushed under its target by the rule while
 * another keeps copies over it (that would cost an extra move each).
 */
import {
  alivePtr, bucketCount, copyCount, rackCount, rackOf, racksAlive, replicaTargetPtr, serverCount, sourcePtr, sourceReplicasPtr,
  spreadWanted,
} from './context';
import { stepsAdd } from './budget';
import { rackCapOf } from './placement-rules';
import { scratchAlloc } from '../scratch';
import { slotGet, u32Add, u32Get, u32Set, u8Get } from '../layout';

let refusedPtr: usize = 0;
let holdersPtr: usize = 0;
let sameRackPtr: usize = 0;
let rackSparePtr: usize = 0;
let rackRepeatsPtr: usize = 0;
let rackOtherRepeatsPtr: usize = 0;

/** refusalsReset — start a keep pass: nothing refused yet (racks are counted when a bucket first needs it). */
export function refusalsReset(): void {
  refusedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  holdersPtr = scratchAlloc(<usize>copyCount << 2);
  sameRackPtr = scratchAlloc(<usize>copyCount << 2);
  rackSparePtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  rackRepeatsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  rackOtherRepeatsPtr = scratchAlloc(<usize>(rackCount + 1) << 3);
  counted = false;
}

let counted = false;

// Every rack's spare copies, and its repeats in buckets that must refuse and in the others.
// The buckets before the first one that must refuse are among the others.
function countRacksOnce(): void {
  counted = true;
  for (let server: u32 = 1; server <= serverCount; server++) {
    const source = u32Get(sourceReplicasPtr, server);
    const target = u32Get(replicaTargetPtr, server);
    if (u8Get(alivePtr, server) != 0 && source > target) rackAdd(rackSparePtr, rackOf(server), source - target);
  }
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const held = loadHolders(bucket);
    countRacks();
    const ptr = mustRefuse(held) ? rackRepeatsPtr : rackOtherRepeatsPtr;
    for (let k: u32 = 0; k < copyCount; k++) {
      const server = u32Get(holdersPtr, k);
      if (server != 0 && firstOfRack(k) == false) rackAdd(ptr, rackOf(server), 1);
    }
  }
  stepsAdd(<u64>bucketCount * copyCount * copyCount * 2 + serverCount);
}

/** refusalsScratchBytes — scratch the refusals need. */
export function refusalsScratchBytes(serverCount: u32, rackCount: u32): u64 {
  return (<u64>serverCount + 1) * 4 + 8 * 4 * 2 + (<u64>rackCount + 1) * 24 + 64;
}

// @ts-ignore: decorator
@inline function rackAdd(ptr: usize, rack: u32, delta: i64): void {
  store<i64>(ptr + (<usize>rack << 3), load<i64>(ptr + (<usize>rack << 3)) + delta);
}

// Whether holder k is the first of its rack among the bucket's holders.
function firstOfRack(k: u32): bool {
  const rack = rackOf(u32Get(holdersPtr, k));
  for (let earlier: u32 = 0; earlier < k; earlier++) {
    const holder = u32Get(holdersPtr, earlier);
    if (holder != 0 && rackOf(holder) == rack) return false;
  }
  return true;
}

// holders[k] = the live, first-in-bucket source holder of copy k (0 otherwise); returns how many.
function loadHolders(bucket: u32): u32 {
  let held: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(sourcePtr, copyIndex * bucketCount + bucket);
    const live = u8Get(alivePtr, server) != 0 && !heldEarlier(bucket, copyIndex, server);
    u32Set(holdersPtr, copyIndex, live ? server : 0);
    if (live) held++;
  }
  return held;
}

/**
 * refusedCopies — a mask of the bucket's copy indexes whose source copy the rack rule sends
 * away (counted against their servers); dead and duplicate copies are not in it.
 */
export function refusedCopies(bucket: u32): u32 {
  if (copyCount <= racksAlive && racksDistinct(bucket)) return 0;
  if (!counted) countRacksOnce();
  let held = loadHolders(bucket);
  countRacks();
  if (!mustRefuse(held)) return 0;
  // This bucket's repeats are used now (refused or kept): they are no longer ahead.
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    if (server != 0 && !firstOfRack(k)) rackAdd(rackRepeatsPtr, rackOf(server), -1);
  }
  let mask: u32 = 0;
  // Over-full racks first, then racks the bucket repeats while it misses others.
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = u32Get(holdersPtr, copyIndex);
    if (server == 0) continue;
    while (u32Get(sameRackPtr, copyIndex) > rackCapOf(rackOf(server))) {
      mask |= refuseOne(rackOf(server));
      held--;
    }
  }
  let missing = <i32>spreadWanted - <i32>distinctRacks() - <i32>(copyCount - held);
  while (missing > 0) {
    const refused = refuseOne(neediestRepeatedRack());
    if (refused == 0) break;
    mask |= refused;
    held--;
    missing--;
  }
  return mask;
}

// Whether the loaded holders break the rack rule: a rack over its cap, or too few racks.
function mustRefuse(held: u32): bool {
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    if (server != 0 && u32Get(sameRackPtr, k) > rackCapOf(rackOf(server))) return true;
  }
  return <i32>spreadWanted - <i32>distinctRacks() - <i32>(copyCount - held) > 0;
}

// The repeated rack of the bucket with the least slack: repeats of it left in buckets that
// must refuse (this one included), minus what it must shed there — its copies to spare
// beyond its repeats in the other buckets (evictions take those later). A rack that must use
// nearly every such repeat goes first; racks with nothing to spare only when no other is
// repeated.
function neediestRepeatedRack(): u32 {
  let best: u32 = 0xffffffff;
  let bestKey: i64 = i64.MAX_VALUE;
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    if (server == 0 || u32Get(sameRackPtr, k) < 2 || !firstOfRack(k)) continue;
    const rack = rackOf(server);
    const spare = load<i64>(rackSparePtr + (<usize>rack << 3));
    const must = max<i64>(0, spare - load<i64>(rackOtherRepeatsPtr + (<usize>rack << 3)));
    const slack = load<i64>(rackRepeatsPtr + (<usize>rack << 3)) + <i64>u32Get(sameRackPtr, k) - 1 - must;
    const key = (spare > 0 ? 0 : <i64>1 << 40) + slack;
    if (key < bestKey) {
      bestKey = key;
      best = rack;
    }
  }
  return best;
}

// The common case, decided fast: with C ≤ R every rack may hold one copy, so a bucket whose
// live source copies are on pairwise different racks keeps them all (a duplicate server
// shares its own rack, so it falls to the full check).
function racksDistinct(bucket: u32): bool {
  let seen: u64 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(sourcePtr, copyIndex * bucketCount + bucket);
    if (u8Get(alivePtr, server) == 0) continue;
    const rack = rackOf(server);
    // Racks compared by a 64-bit mask of their low bits, then exactly when the bits meet.
    const bit = <u64>1 << (rack & 63);
    if ((seen & bit) != 0 && sameRackBefore(bucket, copyIndex, rack)) return false;
    seen |= bit;
  }
  return true;
}

function sameRackBefore(bucket: u32, copyIndex: u32, rack: u32): bool {
  for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
    const server = slotGet(sourcePtr, earlier * bucketCount + bucket);
    if (u8Get(alivePtr, server) != 0 && rackOf(server) == rack) return true;
  }
  return false;
}

function heldEarlier(bucket: u32, copyIndex: u32, server: u32): bool {
  for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
    if (slotGet(sourcePtr, earlier * bucketCount + bucket) == server) return true;
  }
  return false;
}

// sameRack[k] = holders in holder k's rack (0 for an empty copy).
function countRacks(): void {
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    let count: u32 = 0;
    if (server != 0) {
      for (let other: u32 = 0; other < copyCount; other++) {
        const holder = u32Get(holdersPtr, other);
        if (holder != 0 && rackOf(holder) == rackOf(server)) count++;
      }
    }
    u32Set(sameRackPtr, k, count);
  }
}

function distinctRacks(): u32 {
  let distinct: u32 = 0;
  for (let k: u32 = 0; k < copyCount; k++) {
    const count = u32Get(sameRackPtr, k);
    if (count == 0) continue;
    // Count each rack once: at its first holder.
    let first = true;
    const rack = rackOf(u32Get(holdersPtr, k));
    for (let earlier: u32 = 0; earlier < k; earlier++) {
      const holder = u32Get(holdersPtr, earlier);
      if (holder != 0 && rackOf(holder) == rack) first = false;
    }
    if (first) distinct++;
  }
  return distinct;
}

// Refuse the holder with the most to spare in `rack` (any repeated rack when 0xffffffff);
// returns its copy bit (0 when none qualifies).
function refuseOne(rack: u32): u32 {
  let best: i32 = -1;
  let bestSpare: i64 = i64.MIN_VALUE;
  for (let k: u32 = 0; k < copyCount; k++) {
    const server = u32Get(holdersPtr, k);
    if (server == 0) continue;
    if (rack != 0xffffffff ? rackOf(server) != rack : u32Get(sameRackPtr, k) < 2) continue;
    const spare = <i64>u32Get(sourceReplicasPtr, server) - <i64>u32Get(replicaTargetPtr, server) - <i64>u32Get(refusedPtr, server);
    // Masters last: a refused master takes its role along.
    const key = (spare << 1) + (k > 0 ? 1 : 0);
    if (key > bestSpare) {
      bestSpare = key;
      best = k;
    }
  }
  if (best < 0) return 0;
  const server = u32Get(holdersPtr, best);
  u32Add(refusedPtr, server, 1);
  rackAdd(rackSparePtr, rackOf(server), -1);
  u32Set(holdersPtr, best, 0);
  countRacks();
  return 1 << <u32>best;
}
