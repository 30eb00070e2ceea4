/**
 * open-masters — how much room for one more master role a server has, so the fill of a
 * rebuild with many servers can put, into a bucket whose master is open, a newcomer with more
 * room than the bucket's kept holders (master-flow.ts then has a holder to give the role to).
 *
 *   room(s):  3 below its allowed minimum   2 below its target   1 below its allowed maximum   0 full
 */
import { SlotKept, bucketCount, copyCount, masterCountPtr, masterHighPtr, masterLowPtr, masterTargetPtr, slotStatePtr, targetPtr } from './context';
import { slotGet, u32Get, u32Set } from '../layout';
import { scratchAlloc } from '../scratch';

let reservedPtr: usize = 0;

/** roomReset — start a fill: no newcomer is counted on for an open role yet. */
export function roomReset(servers: u32): void {
  reservedPtr = scratchAlloc(<usize>(servers + 1) << 2);
}

/** roomReserve — a newcomer went into an open bucket: count on it for one role. */
export function roomReserve(server: u32): void {
  u32Set(reservedPtr, server, u32Get(reservedPtr, server) + 1);
}

/** masterRoom — how much a server wants one more master role (see the file comment), counting roles it is counted on for. */
export function masterRoom(server: u32): u32 {
  const count = u32Get(masterCountPtr, server) + (reservedPtr == 0 ? 0 : u32Get(reservedPtr, server));
  if (count < u32Get(masterLowPtr, server)) return 3;
  if (count < u32Get(masterTargetPtr, server)) return 2;
  return count < u32Get(masterHighPtr, server) ? 1 : 0;
}

/** keptRoom — the most room among a bucket's holders kept in place (0 when none has any). */
export function keptRoom(bucket: u32): u32 {
  return masterRoom(slotGet(targetPtr, roomiestKept(bucket) * bucketCount + bucket));
}

// The copy index of the kept holder with the most room (ties: the furthest below target).
function roomiestKept(bucket: u32): u32 {
  let best: u32 = 0;
  let bestKey: i64 = i64.MIN_VALUE;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const slot = copyIndex * bucketCount + bucket;
    const server = slotGet(targetPtr, slot);
    if (server == 0 || load<u8>(slotStatePtr + <usize>slot) != SlotKept) continue;
    const need = <i64>u32Get(masterTargetPtr, server) - <i64>u32Get(masterCountPtr, server);
    const key = (<i64>masterRoom(server) << 40) + need;
    if (key > bestKey) {
      best = copyIndex;
      bestKey = key;
    }
  }
  return best;
}
