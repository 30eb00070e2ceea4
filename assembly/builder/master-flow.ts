/**
 * master-flow — who masters the buckets whose master is open, decided by one flow (where a
 * greedy choice too often leaves a server short with no open bucket left to take).
 *
 * A bucket's master is one of its holders, and every server should end at its master target
 * (targets.ts). With up to 64 live servers, buckets with the same holders and the same of them
 * kept in place are alike and share a node (a type, bucket-types.ts); with more servers each
 * open bucket is its own node (up to openBucketsMax of them):
 *
 *   source ─n─▶ node ─≤ n─▶ holder ─▶ sink      round 1: holders kept in place, up to the target
 *                                               round 2: any holder, up to the target
 *                                               round 3: any holder, up to the allowed maximum
 *                                               round 4: any holder (every bucket gets a master)
 *
 * Later rounds only carry what earlier ones could not. A kept holder first: the role moves
 * without data (and with two copies the survivor of a lost partner stays master, as the quick
 * table made it). Each node's buckets then take their masters in turn.
 *
 *   type key: A = mask of the holders' live positions, B = mask of those kept in place
 */
import { SearchPass } from '../outcome';
import {
  SlotKept, aliveCount, bucketCount, copyCount, masterCountPtr, masterHighPtr, masterTargetPtr, pendingAt,
  pendingCount, serverCount, slotStatePtr, targetPtr,
} from './context';
import { claimMaster, isDecided } from './masters';
import { typeAdd, typeCount, typeFirst, typeKeyB, typeSize, typesOrder, typesReset } from './bucket-types';
import { flowArc, flowArcTo, flowEnd, flowFirstArc, flowNextArc, flowOn, flowReset, flowRun } from './flow';
import { budgetMastersFlowFixed, budgetMastersFlowPerSlot, passBudget, stepsAdd, steps } from './budget';
import { scratchAlloc } from '../scratch';
import { livePositionPtr, liveServerAtPtr, mapLivePositions } from './live-positions';
import { slotGet, u32Get, u32Set } from '../layout';

/** typedServersMax — live servers up to which open buckets are grouped by holder masks. */
export const typedServersMax: u32 = 64;
/** openBucketsMax — open buckets the flow takes one node each (more servers); past it, greedy. */
export const openBucketsMax: u32 = 1 << 16;

let positionPtr: usize = 0;
let serverAtPtr: usize = 0;
let positions: u32 = 0;
let typed = false;
let nodeCount: u32 = 0;
let openPtr: usize = 0;

/** masterFlowScratchBytes — scratch assignMastersByFlow needs. */
export function masterFlowScratchBytes(bucketCount: u32, serverCount: u32): u64 {
  const open = <u64>min(bucketCount, openBucketsMax);
  const nodes = 2 + <u64>serverCount + open;
  const arcs = <u64>serverCount * 3 + open * (<u64>copyCountLimit * 2 + 1);
  return (<u64>serverCount + 1) * 8 + <u64>bucketCount * 4 * 4 + nodes * 4 * 5 + arcs * 2 * 4 * 3 + 256;
}

const copyCountLimit: u32 = 8;

/** assignMastersByFlow — decide every open master among the pending buckets; false when beyond it. */
export function assignMastersByFlow(): bool {
  typed = aliveCount <= typedServersMax;
  mapPositions();
  openPtr = scratchAlloc(<usize>(pendingCount + 1) << 2);
  const typesOfPtr = scratchAlloc(<usize>(pendingCount + 1) << 2);
  let open: u32 = 0;
  if (typed) typesReset();
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    if (isDecided(bucket)) continue;
    if (typed) {
      const type = typeAdd(holderMask(bucket, false), holderMask(bucket, true), bucket);
      if (type == 0xffffffff) return false;
      u32Set(typesOfPtr, open, type);
    }
    u32Set(openPtr, open++, bucket);
  }
  stepsAdd(<u64>pendingCount * copyCount);
  if (open == 0) return true;
  if (!typed && open > openBucketsMax) return false;
  nodeCount = typed ? typeCount : open;
  solve();
  if (!typed) {
    for (let k: u32 = 0; k < open; k++) assignNode(k, openPtr + (<usize>k << 2));
    return true;
  }
  const orderPtr = scratchAlloc(<usize>(open + 1) << 2);
  const startPtr = scratchAlloc(<usize>(typeCount + 1) << 2);
  typesOrder(openPtr, typesOfPtr, open, orderPtr, startPtr);
  for (let type: u32 = 0; type < typeCount; type++) assignNode(type, orderPtr + (<usize>u32Get(startPtr, type) << 2));
  return true;
}

function mapPositions(): void {
  positions = mapLivePositions();
  positionPtr = livePositionPtr;
  serverAtPtr = liveServerAtPtr;
}

function holderMask(bucket: u32, keptOnly: bool): u64 {
  let mask: u64 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucket;
    const server = slotGet(targetPtr, slot);
    if (server == 0 || (keptOnly && load<u8>(slotStatePtr + <usize>slot) != SlotKept)) continue;
    mask |= <u64>1 << u32Get(positionPtr, server);
  }
  return mask;
}

// @ts-ignore: decorator
@inline function serverNode(position: u32): u32 {
  return 2 + position;
}

// @ts-ignore: decorator
@inline function groupNode(group: u32): u32 {
  return 2 + positions + group;
}

function groupSize(group: u32): u32 {
  return typed ? typeSize(group) : 1;
}

function solve(): void {
  flowReset(2 + positions + nodeCount, positions * 3 + nodeCount * (copyCount * 2 + 1));
  for (let group: u32 = 0; group < nodeCount; group++) flowArc(0, groupNode(group), groupSize(group));
  const limit = steps + passBudget(budgetMastersFlowPerSlot, budgetMastersFlowFixed);
  for (let position: u32 = 0; position < positions; position++) sinkArc(position, 0);
  addHolderArcs(true);
  flowRun(limit, SearchPass.Masters);
  addHolderArcs(false);
  flowRun(limit, SearchPass.Masters);
  for (let round: u32 = 1; round < 3; round++) {
    for (let position: u32 = 0; position < positions; position++) sinkArc(position, round);
    flowRun(limit, SearchPass.Masters);
  }
}

// Round 0: up to the target; 1: up to the allowed maximum; 2: without a limit.
function sinkArc(position: u32, round: u32): void {
  const server = u32Get(serverAtPtr, position);
  const count = u32Get(masterCountPtr, server);
  const target = max(u32Get(masterTargetPtr, server), count);
  const high = max(u32Get(masterHighPtr, server), target);
  const capacity = round == 0 ? target - count : round == 1 ? high - target : bucketCount;
  if (capacity > 0) flowArc(serverNode(position), 1, capacity);
}

// Arcs from each node to its holders (kept in place only, or all).
function addHolderArcs(keptOnly: bool): void {
  for (let group: u32 = 0; group < nodeCount; group++) {
    const bucket = typed ? typeFirst(group) : u32Get(openPtr, group);
    const keptMask = typed ? typeKeyB(group) : 0;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucket;
      const server = slotGet(targetPtr, slot);
      if (server == 0) continue;
      const position = u32Get(positionPtr, server);
      const kept = typed ? ((keptMask >> position) & 1) != 0 : load<u8>(slotStatePtr + <usize>slot) == SlotKept;
      if (keptOnly && !kept) continue;
      flowArc(groupNode(group), serverNode(position), groupSize(group));
    }
  }
  stepsAdd(<u64>nodeCount * copyCount);
}

// The node's buckets (at bucketsPtr) take masters in turn, as many each as the flow sent.
function assignNode(group: u32, bucketsPtr: usize): void {
  let next: u32 = 0;
  for (let arc = flowFirstArc(groupNode(group)); arc != flowEnd; arc = flowNextArc(arc)) {
    if ((arc & 1) != 0) continue;
    const server = u32Get(serverAtPtr, flowArcTo(arc) - serverNode(0));
    const count = flowOn(arc);
    for (let k: u32 = 0; k < count; k++) {
      const bucket = u32Get(bucketsPtr, next++);
      claimMaster(bucket, copyOf(server, bucket));
    }
  }
  stepsAdd(groupSize(group) * copyCount);
}

function copyOf(server: u32, bucket: u32): u32 {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (slotGet(targetPtr, copyIndex * bucketCount + bucket) == server) return copyIndex;
  }
  return 0;
}
