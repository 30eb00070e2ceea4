/**
 * supply — how many empty slots each server may fill in a rebuild (servers mode of
 * fill-flow.ts), in layers the flow opens one after another:
 *
 *   layer 0  up to the low end of its ±1 band (and its master target)   every server must reach it
 *   layer 1  up to its floor ⌊q⌋
 *   layer 2  up to its planned target (targets.ts)
 *   layer 3  up to its ceil ⌈q⌉
 *   layer 4  up to the high end of its ±1 band
 *
 * so a server fills more than planned only where the racks leave no other way, and balance
 * still holds. settleTargets then makes what the flow placed the new targets; the slots it
 * could not fill keep units of servers still below their plan, for repair.
 *
 * Before the layers, a server short of masters that holds too few buckets with an open master
 * to make up the shortfall (starved) gets copies in open buckets first: the master flow
 * (master-flow.ts) can then give it those roles, and no kept bucket's role has to move.
 */
import {
  SlotKept, bucketCount, copyCount, masterCountPtr, masterTargetPtr, pendingAt, pendingCount, rackOf, replicaCountPtr,
  replicaHighPtr, replicaLowPtr, replicaTargetPtr, serverCount, slotStatePtr, targetPtr,
} from './context';
import { isDecided } from './masters';
import { scratchAlloc } from '../scratch';
import { bandHighPtr, bandLowPtr } from './targets';
import { rackTotalAdd } from './placement-rules';
import { setUnit } from './unit-sequence';
import { stepsAdd } from './budget';
import { slotGet, u32Add, u32Get, u32Set } from '../layout';

let starvedPtr: usize = 0;

/** countStarved — per server, masters it can only get through copies placed in open buckets. */
export function countStarved(): void {
  starvedPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  for (let k: u32 = 0; k < pendingCount; k++) {
    const bucket = pendingAt(k);
    if (isDecided(bucket)) continue;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const slot = copyIndex * bucketCount + bucket;
      const server = slotGet(targetPtr, slot);
      if (server != 0 && load<u8>(slotStatePtr + <usize>slot) == SlotKept) u32Add(starvedPtr, server, 1);
    }
  }
  for (let server: u32 = 1; server <= serverCount; server++) {
    const target = u32Get(masterTargetPtr, server);
    const reach = u32Get(masterCountPtr, server) + u32Get(starvedPtr, server);
    u32Set(starvedPtr, server, target > reach ? target - reach : 0);
  }
  stepsAdd(<u64>pendingCount * copyCount + <u64>serverCount);
}

/** starvedOf — the copies in open buckets `server` should get first (within its floor layer). */
export function starvedOf(server: u32): u32 {
  return min(u32Get(starvedPtr, server), layerCap(server, 0));
}

/** starvedUnits — as starvedOf, within the server's planned deficit (targets fixed: racks mode). */
export function starvedUnits(server: u32): u32 {
  const count = u32Get(replicaCountPtr, server);
  const planned = u32Get(replicaTargetPtr, server);
  return min(u32Get(starvedPtr, server), planned > count ? planned - count : 0);
}

/** supplyLayers — the layers of supplyLayer. */
export const supplyLayers: u32 = 5;

/** supplyMax — the empty slots `server` may fill in all layers together. */
export function supplyMax(server: u32): u32 {
  return layerCap(server, 0) + layerCap(server, 1) + layerCap(server, 2) + layerCap(server, 3) + layerCap(server, 4);
}

/** lowNeed — the empty slots `server` must fill to reach the low end of its band (layer 0 whole). */
export function lowNeed(server: u32): u32 {
  return layerCap(server, 0);
}

/** supplyLayer — the empty slots `server` may fill in `layer` (before the fill places anything; layer 0 less its starved part). */
export function supplyLayer(server: u32, layer: u32): u32 {
  const capacity = layerCap(server, layer);
  return layer == 0 ? capacity - starvedOf(server) : capacity;
}

function layerCap(server: u32, layer: u32): u32 {
  const kept = u32Get(replicaCountPtr, server);
  return max(layerTop(server, layer), kept) - max(layer == 0 ? kept : layerTop(server, layer - 1), kept);
}

// The count layer `layer` fills a server up to (each layer's top at least the one below).
function layerTop(server: u32, layer: u32): u32 {
  const planned = u32Get(replicaTargetPtr, server);
  const low = max(min(u32Get(bandLowPtr, server), planned), u32Get(masterTargetPtr, server));
  if (layer == 0) return low;
  const floor = max(min(u32Get(replicaLowPtr, server), planned), low);
  if (layer == 1) return floor;
  if (layer == 2) return max(planned, floor);
  const ceil = max(u32Get(replicaHighPtr, server), planned);
  return layer == 3 ? ceil : max(u32Get(bandHighPtr, server), ceil);
}

/**
 * settleTargets — new targets = copies kept + placed by the flow, plus, for the `unfilled`
 * slots, units of servers still below their plan (written to the unit sequence's front).
 * Returns how many units that is (= unfilled).
 */
export function settleTargets(unfilled: u32, serverAtPtr: usize, count: u32): u32 {
  // Servers below their floor get the unfilled slots first (balance), then those below plan.
  const extraPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  let left = unfilled;
  for (let pass: u32 = 0; pass < 2; pass++) {
    for (let k: u32 = 0; k < count && left > 0; k++) {
      const server = u32Get(serverAtPtr, k);
      const now = u32Get(replicaCountPtr, server) + u32Get(extraPtr, server);
      const planned = u32Get(replicaTargetPtr, server);
      const upTo = pass == 0 ? min(layerTop(server, 1), planned) : planned;
      const extra = now < upTo ? min(upTo - now, left) : 0;
      u32Set(extraPtr, server, u32Get(extraPtr, server) + extra);
      left -= extra;
    }
  }
  let at: u32 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const server = u32Get(serverAtPtr, k);
    const extra = u32Get(extraPtr, server);
    const target = u32Get(replicaCountPtr, server) + extra;
    rackTotalAdd(rackOf(server), <i64>target - <i64>u32Get(replicaTargetPtr, server));
    u32Set(replicaTargetPtr, server, target);
    for (let unit: u32 = 0; unit < extra; unit++) setUnit(at + unit, server);
    at += extra;
  }
  stepsAdd(<u64>count * 4 + at);
  assert(left == 0, 'no server left below its plan for an unfilled slot');
  return at;
}
