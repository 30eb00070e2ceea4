/**
 * fill-place — turn the fill flow's result into servers in slots (fill-flow.ts solves it).
 *
 * The flow says only how many of a type's empty slots each target (a live server, or a rack)
 * takes. Each type's buckets then take their targets staircase-wise: bucket k of n gets
 * entries k, k + n, … of the type's list, so none gets a server twice or a rack more often
 * than its arc allowed; a rack's entry takes the next unit of that rack whose server is not
 * in the bucket (racks mode keeps the unit sequence split by rack for that). The units no
 * slot took go back to the front of the unit sequence, for repair.
 */
import {
  SlotFresh, bucketCount, copyCount, pendingCount, pendingPtr, rackCount, rackOf, replicaCountPtr, serverCount, slotStatePtr, strictRacks, targetPtr,
} from './context';
import { typeCount, typeKeyB, typesOrder } from './bucket-types';
import { canPlace } from './placement-rules';
import { isDecided } from './masters';
import { keptRoom, masterRoom, roomReserve } from './open-masters';
import { flowArcTo, flowEnd, flowFirstArc, flowNextArc, flowOn } from './flow';
import { sequenceLength, setUnit, unitAt } from './unit-sequence';
import { addTypeFlows, targetAt } from './fill-rack-nodes';
import { settleTargets, starvedUnits } from './supply';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { slotGet, slotSet, u32Add, u32Get, u32Set, u8Set } from '../layout';

/**
 * openFlag — set in a type's second key for buckets whose master is open: they are their own
 * types, reached first by starved servers (fill-flow.ts) and filled first here, so the
 * newcomers with master room land where a master is still to be decided.
 */
export const openFlag: u32 = 256;
/** rackLookAhead — units of a rack tried for a slot whose bucket holds some of the rack's servers. */
const rackLookAhead: u32 = 16;

let serversMode = false;
let targetCount: u32 = 0;
let serverAtPtr: usize = 0;
let placedPtr: usize = 0;
let rackStartPtr: usize = 0;
let rackCursorPtr: usize = 0;
let byRackPtr: usize = 0;

/** leftoverCount — units the flow fill left for repair (the unit sequence's first ones). */
export let leftoverCount: u32 = 0;

/**
 * placeBegin — start placing for one flow fill: the mode and, in servers mode, the server of
 * each target. Called where fill-flow.ts allocates its scratch, so the per-server placed counts
 * take their scratch at the same point as before the split.
 */
export function placeBegin(servers: bool, serverAt: usize): void {
  serversMode = servers;
  serverAtPtr = serverAt;
  placedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
}

/**
 * splitUnitsByRack — racks mode: the unit sequence partitioned by rack (stable), with a cursor
 * per rack, so a rack's entry in a type's list can take that rack's next unit. `supplyPtr`
 * holds each rack's units.
 */
export function splitUnitsByRack(supplyPtr: usize): void {
  rackStartPtr = scratchAlloc(<usize>(rackCount + 2) << 2);
  rackCursorPtr = scratchAlloc(<usize>(rackCount + 1) << 2);
  byRackPtr = scratchAlloc(<usize>(sequenceLength + 1) << 1);
  for (let rack: u32 = 0; rack < rackCount; rack++) {
    u32Set(rackStartPtr, rack + 1, u32Get(rackStartPtr, rack) + u32Get(supplyPtr, rack));
    u32Set(rackCursorPtr, rack, u32Get(rackStartPtr, rack));
  }
  // Each rack's part keeps sequence order, except that a starved server's units (as many as it
  // is starved, supply.ts) come first: buckets whose master is open are filled first and reach
  // them (pass 0: those units; pass 1: the rest).
  const wantedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  for (let pass: u32 = 0; pass < 2; pass++) {
    for (let server: u32 = 1; server <= serverCount; server++) u32Set(wantedPtr, server, starvedUnits(server));
    for (let k: u32 = 0; k < sequenceLength; k++) {
      const server = unitAt(k);
      const wanted = u32Get(wantedPtr, server);
      if (wanted > 0) u32Set(wantedPtr, server, wanted - 1);
      if ((wanted > 0) != (pass == 0)) continue;
      const rack = rackOf(server);
      const at = u32Get(rackCursorPtr, rack);
      store<u16>(byRackPtr + (<usize>at << 1), <u16>server);
      u32Set(rackCursorPtr, rack, at + 1);
    }
  }
  for (let rack: u32 = 0; rack < rackCount; rack++) u32Set(rackCursorPtr, rack, u32Get(rackStartPtr, rack));
  stepsAdd(<u64>sequenceLength * 4 + <u64>rackCount * 2 + <u64>serverCount * 2);
}

/**
 * placeFromFlow — give every pending bucket its targets and every empty slot a server, from the
 * solved flow; the slots left unfilled go to unfilledPtr and their count is returned, the units
 * left over to the front of the unit sequence (leftoverCount). `bucketTypePtr` holds each
 * pending bucket's type; `firstTypeNode` and `firstTargetNode` are the network's nodes of type 0
 * and target 0 (fill-flow.ts numbers them), `flowed` the units the flow carried. `targetsMax`
 * (flowTargetsMax) sizes the per-target counts as fillFlowScratchBytes reserved them.
 */
export function placeFromFlow(
  unfilledPtr: usize, flowed: u64, targets: u32, targetsMax: u32, bucketTypePtr: usize, firstTypeNode: u32, firstTargetNode: u32,
): i64 {
  targetCount = targets;
  const orderPtr = scratchAlloc(<usize>(pendingCount + 1) << 2);
  const typeStartPtr = scratchAlloc(<usize>(typeCount + 1) << 2);
  typesOrder(pendingPtr, bucketTypePtr, pendingCount, orderPtr, typeStartPtr);
  let unfilled: u32 = 0;
  const listPtr = scratchAlloc(<usize>(copyCount * bucketCount + 1) << 1);
  const countsPtr = scratchAlloc(<usize>(targetsMax + 1) << 2);
  // Buckets whose master is open first: they get the newcomers with master room.
  for (let pass: u32 = 0; pass < 2; pass++) {
    for (let type: u32 = 0; type < typeCount; type++) {
      if (((<u32>typeKeyB(type) & openFlag) != 0) != (pass == 0)) continue;
      const first = u32Get(typeStartPtr, type);
      const size = u32Get(typeStartPtr, type + 1) - first;
      const listed = targetList(type, firstTypeNode + type, firstTargetNode, listPtr, countsPtr);
      unfilled = placeType(orderPtr + (<usize>first << 2), size, listPtr, listed, unfilledPtr, unfilled);
    }
  }
  stepsAdd(<u64>pendingCount * 4 + <u64>typeCount + flowed);
  compactLeftovers(unfilled);
  return unfilled;
}

// The type's targets, each as often as the flow sends it there, in target order (servers
// mode: rack by rack, fill-rack-nodes.ts).
function targetList(type: u32, typeNode: u32, firstTargetNode: u32, listPtr: usize, countsPtr: usize): u32 {
  memory.fill(countsPtr, 0, <usize>targetCount << 2);
  if (serversMode) {
    addTypeFlows(type, typeNode, firstTargetNode, countsPtr);
  } else {
    for (let arc = flowFirstArc(typeNode); arc != flowEnd; arc = flowNextArc(arc)) {
      // Forward arcs (even) lead to targets; the reverse of the source's arc is odd.
      if ((arc & 1) == 0) u32Add(countsPtr, flowArcTo(arc) - firstTargetNode, flowOn(arc));
    }
  }
  let listed: u32 = 0;
  for (let k: u32 = 0; k < targetCount; k++) {
    const target = serversMode ? targetAt(k) : k;
    const count = u32Get(countsPtr, target);
    for (let k: u32 = 0; k < count; k++) {
      store<u16>(listPtr + (<usize>listed << 1), <u16>target);
      listed++;
    }
  }
  stepsAdd(<u64>targetCount * 3 + listed);
  return listed;
}

// Bucket k of the type takes entries k, k + size, … of the list; each slot one server.
function placeType(bucketsPtr: usize, size: u32, listPtr: usize, listed: u32, unfilledPtr: usize, unfilledIn: u32): u32 {
  let unfilled = unfilledIn;
  for (let k: u32 = 0; k < size; k++) {
    const bucket = u32Get(bucketsPtr, k);
    let entry = k;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucket;
      if (slotGet(targetPtr, slot) != 0) continue;
      const placed = entry < listed && takeFor(slot, bucket, <u32>load<u16>(listPtr + (<usize>entry << 1)));
      entry += size;
      if (!placed) u32Set(unfilledPtr, unfilled++, slot);
    }
  }
  stepsAdd(<u64>size * copyCount * 2);
  return unfilled;
}

function takeFor(slot: u32, bucket: u32, target: u32): bool {
  let server: u32 = 0;
  // Racks mode picks, for a bucket whose master is open, a newcomer with more master room than
  // its kept holders have (open-masters.ts): master-flow.ts then has a holder to give it to.
  const open = !serversMode && !isDecided(bucket);
  if (serversMode) {
    server = u32Get(serverAtPtr, target);
    // A second empty slot of the bucket must still keep the spread reachable.
    if (!canPlace(server, bucket, copyCount, strictRacks)) return false;
  } else {
    const keptHas = open ? keptRoom(bucket) : 0;
    server = takeRackUnit(bucket, target, open ? keptHas + 1 : 0);
    if (server == 0) return false;
    if (open && masterRoom(server) > keptHas) roomReserve(server);
  }
  slotSet(targetPtr, slot, server);
  u8Set(slotStatePtr, slot, SlotFresh);
  u32Add(replicaCountPtr, server, 1);
  u32Add(placedPtr, server, 1);
  return true;
}

// The next unit of `rack` whose server is not in the bucket (a few tried), or 0. A bucket whose
// master is open looks first for master room 3, then 2, … down to `roomFrom` (more than its
// kept holders have); other buckets (roomFrom 0) first for servers with room below 2, which
// keeps the servers short of masters for the open ones.
function takeRackUnit(bucket: u32, rack: u32, roomFrom: u32): u32 {
  const start = u32Get(rackCursorPtr, rack);
  const end = min(u32Get(rackStartPtr, rack + 1), start + rackLookAhead);
  for (let pass: i32 = 3; pass >= 0; pass--) {
    if (pass > 0 && <u32>pass < roomFrom) continue;
    if (roomFrom == 0 && pass > 1) continue;
    for (let k = start; k < end; k++) {
      const server = <u32>load<u16>(byRackPtr + (<usize>k << 1));
      const room = masterRoom(server);
      if (roomFrom > 0 ? pass > 0 && room != <u32>pass : pass == 1 && room >= 2) continue;
      if (!canPlace(server, bucket, copyCount, false)) continue;
      store<u16>(byRackPtr + (<usize>k << 1), load<u16>(byRackPtr + (<usize>start << 1)));
      u32Set(rackCursorPtr, rack, start + 1);
      stepsAdd(k - start + 1);
      return server;
    }
  }
  stepsAdd((end - start) * 4);
  return 0;
}

// The units no slot took become the unit sequence's first ones (repair takes them from there);
// in servers mode the targets settle on what the flow placed (supply.ts).
function compactLeftovers(unfilled: u32): void {
  if (serversMode) {
    leftoverCount = settleTargets(unfilled, serverAtPtr, targetCount);
    return;
  }
  let at: u32 = 0;
  for (let k: u32 = 0; k < sequenceLength; k++) {
    const server = unitAt(k);
    const placed = u32Get(placedPtr, server);
    if (placed > 0) {
      u32Set(placedPtr, server, placed - 1);
      continue;
    }
    setUnit(at, server);
    at++;
  }
  leftoverCount = at;
  stepsAdd(sequenceLength);
}
