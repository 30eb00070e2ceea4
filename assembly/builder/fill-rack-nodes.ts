/**
 * fill-rack-nodes — one rack at most once per bucket, for bucket types with several empty
 * slots in the fill flow's servers mode (fill-flow.ts).
 *
 * A type of n buckets with e ≥ 2 empty slots may take n·e units, each server at most n (once
 * per bucket). With strict racks two servers of one rack must not land in one bucket either,
 * so such a type reaches its servers through a node per rack that carries at most n per copy
 * the rack may still take in a bucket (its cap less what the bucket holds of it):
 *
 *   type ─n·room─▶ (type, rack) ─≤ n─▶ server        (other types: type ─≤ n─▶ server)
 *
 * The type's units are then listed rack by rack (targetOrder), so bucket k taking entries
 * k, k + n, … never meets a rack more often than its cap.
 */
import { bucketCount, copyCount, rackCount, rackOf, racksAlive, strictRacks, targetPtr } from './context';
import { rackCapOf } from './placement-rules';
import { flowArc, flowArcTo, flowEnd, flowFirstArc, flowNextArc, flowOn } from './flow';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, u32Get, u32Set } from '../layout';

const none: u32 = 0xffffffff;

let typeCount: u32 = 0;
let targetCount: u32 = 0;
let denseRacks: u32 = 0;
let multiCount: u32 = 0;
let firstNode: u32 = 0;
let multiOfPtr: usize = 0;
let targetRackPtr: usize = 0;
let rackArcPtr: usize = 0;
let targetOrderPtr: usize = 0;
let targetCapPtr: usize = 0;
let targetRackOfPtr: usize = 0;

/** rackNodesScratchBytes — scratch the rack nodes need (types ≤ typesMax, targets ≤ 64). */
export function rackNodesScratchBytes(typesMax: u32, targetsMax: u32, rackCount: u32): u64 {
  return <u64>typesMax * 4 + (<u64>targetsMax + 1) * 20 + <u64>typesMax * <u64>targetsMax * 4 + (<u64>rackCount + 1) * 4 + 64;
}

/**
 * rackNodesPlan — which types (sizes by emptyOf) get rack nodes, for targets that are the
 * servers listed at serverAtPtr; nodes are numbered from `first`. Returns the nodes added.
 */
export function rackNodesPlan(types: u32, targets: u32, serverAtPtr: usize, emptyCountsPtr: usize, first: u32): u32 {
  typeCount = types;
  targetCount = targets;
  firstNode = first;
  multiCount = 0;
  multiOfPtr = scratchAlloc(<usize>(types + 1) << 2);
  targetRackPtr = scratchAlloc(<usize>(targets + 1) << 2);
  targetOrderPtr = scratchAlloc(<usize>(targets + 1) << 2);
  targetCapPtr = scratchAlloc(<usize>(targets + 1) << 2);
  targetRackOfPtr = scratchAlloc(<usize>(targets + 1) << 2);
  const denseOfPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  denseRacks = 0;
  for (let target: u32 = 0; target < targets; target++) {
    const rack = rackOf(u32Get(serverAtPtr, target));
    if (u32Get(denseOfPtr, rack) == 0) u32Set(denseOfPtr, rack, ++denseRacks);
    u32Set(targetRackPtr, target, u32Get(denseOfPtr, rack) - 1);
    u32Set(targetCapPtr, target, rackCapOf(rack));
    u32Set(targetRackOfPtr, target, rack);
  }
  orderTargets();
  // Only where racks must be distinct (C ≤ R): with C > R the spread's own needs decide more.
  const active = strictRacks && racksAlive > 1 && copyCount <= racksAlive;
  for (let type: u32 = 0; type < types; type++) {
    const multi = active && u32Get(emptyCountsPtr, type) >= 2;
    u32Set(multiOfPtr, type, multi ? multiCount++ : none);
  }
  rackArcPtr = scratchAlloc(<usize>(multiCount * denseRacks + 1) << 2);
  memory.fill(rackArcPtr, 0xff, <usize>(multiCount * denseRacks + 1) << 2);
  stepsAdd(<u64>types + <u64>targets * 2);
  return multiCount * denseRacks;
}

// Targets sorted by rack (insertion sort: at most 64 of them).
function orderTargets(): void {
  for (let k: u32 = 0; k < targetCount; k++) {
    let at = k;
    while (at > 0 && u32Get(targetRackPtr, u32Get(targetOrderPtr, at - 1)) > u32Get(targetRackPtr, k)) {
      u32Set(targetOrderPtr, at, u32Get(targetOrderPtr, at - 1));
      at--;
    }
    u32Set(targetOrderPtr, at, k);
  }
  stepsAdd(<u64>targetCount * targetCount);
}

/** rackNodeArcs — arcs the rack nodes add (type → rack node), for the flow's reservation. */
export function rackNodeArcs(): u32 {
  return multiCount * denseRacks;
}

/** targetAt — the k-th target in rack order. */
export function targetAt(k: u32): u32 {
  return u32Get(targetOrderPtr, k);
}

/**
 * typeArc — an arc carrying the type's units to a target, through its rack node where it has
 * them (that node takes what the rack's cap leaves in the type's buckets, `bucket` one of them).
 */
export function typeArc(type: u32, typeNode: u32, bucket: u32, target: u32, targetNode: u32, size: u32, capacity: u32): u32 {
  const multi = u32Get(multiOfPtr, type);
  if (multi == none) return flowArc(typeNode, targetNode, capacity);
  const cell = multi * denseRacks + u32Get(targetRackPtr, target);
  const node = firstNode + cell;
  if (u32Get(rackArcPtr, cell) == none) {
    const cap = u32Get(targetCapPtr, target);
    const held = heldInRack(bucket, u32Get(targetRackOfPtr, target));
    u32Set(rackArcPtr, cell, flowArc(typeNode, node, size * (cap > held ? cap - held : 0)));
  }
  return flowArc(node, targetNode, capacity);
}

function heldInRack(bucket: u32, rack: u32): u32 {
  let held: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server != 0 && rackOf(server) == rack) held++;
  }
  stepsAdd(copyCount);
  return held;
}

/**
 * addTypeFlows — add to countsPtr[target] the units the flow sends from the type (node
 * typeNode) to each target (nodes from targetNode0), directly or through its rack nodes.
 */
export function addTypeFlows(type: u32, typeNode: u32, targetNode0: u32, countsPtr: usize): void {
  for (let arc = flowFirstArc(typeNode); arc != flowEnd; arc = flowNextArc(arc)) {
    // Forward arcs (even) lead on; the reverse of the source's arc is odd.
    if ((arc & 1) != 0) continue;
    const to = flowArcTo(arc);
    if (to < firstNode || u32Get(multiOfPtr, type) == none) {
      u32Set(countsPtr, to - targetNode0, u32Get(countsPtr, to - targetNode0) + flowOn(arc));
      continue;
    }
    for (let next = flowFirstArc(to); next != flowEnd; next = flowNextArc(next)) {
      if ((next & 1) != 0) continue;
      const target = flowArcTo(next) - targetNode0;
      u32Set(countsPtr, target, u32Get(countsPtr, target) + flowOn(next));
    }
  }
  stepsAdd(<u64>targetCount * 2);
}
