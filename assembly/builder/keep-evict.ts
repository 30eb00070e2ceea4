/**
 * keep-evict — the keep pass of a rebuild where servers are over target (a join), when every
 * live source copy could stay (keep-all.ts: no duplicates, racks distinct where they must be,
 * no server over its allowed masters): keep them all, then take each over-target server's
 * excess evenly spaced over its copies, as keep.ts does, in one more scan of the table.
 *
 * Per server and category (master, other copy) the scan keeps a countdown of the copies left
 * before its next eviction falls due, so a copy costs a load and a decrement; only where an
 * eviction falls due is the bucket looked at (one may go where a server under target can take
 * its place in one move, eviction-plan.ts). A due eviction that may not go there is owed and
 * tried at the server's next copy of that kind; what is still owed at the end is settled by
 * keep.ts from the top of the table.
 */
import {
  bucketCount, copyCount, masterCountPtr, pendingAdd, pendingAt, pendingCount, rackCount, replicaCountPtr, serverCount,
  slotStatePtr, sourceMastersPtr, sourceReplicasPtr, targetPtr,
} from './context';
import { keepAll } from './keep-all';
import { markUndecided } from './masters';
import { chargeEmpties, refillCounting, refillReset } from './refill-racks';
import {
  cell, countDeficitServers, drawPhases, markDeficitRacks, phasePtr, planEvictions, refillable, roleSizes, takersLeft,
} from './eviction-plan';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { u32Add } from '../layout';

let sizePtr: usize = 0;
let quotaPtr: usize = 0;
let owedPtr: usize = 0;
let countdownPtr: usize = 0;
let strideOfPtr: usize = 0;
let deficitRacksPtr: usize = 0;
let deficitRackCount: u32 = 0;
let deficitServers: u32 = 0;

/** keepThenEvict — keep every live copy, then evict the planned excess; returns owedPtr for keep.ts to settle. */
export function keepThenEvict(): usize {
  keepAll();
  const acceptedPtr = sourceReplicasPtr;
  deficitRacksPtr = scratchAlloc(<usize>rackCount + 1);
  deficitRackCount = markDeficitRacks(acceptedPtr, deficitRacksPtr);
  refillReset(acceptedPtr);
  if (refillCounting()) {
    for (let k: u32 = 0; k < pendingCount; k++) chargeEmpties(pendingAt(k));
  }
  deficitServers = countDeficitServers(acceptedPtr);
  const cells = <usize>(serverCount + 1) << 4;
  sizePtr = scratchAlloc(cells);
  quotaPtr = scratchAlloc(cells);
  owedPtr = scratchAlloc(cells);
  countdownPtr = scratchAlloc(cells);
  strideOfPtr = scratchAlloc(cells);
  roleSizes(acceptedPtr, sourceMastersPtr, sizePtr);
  planEvictions(acceptedPtr, sourceMastersPtr, sizePtr, quotaPtr);
  drawPhases(sizePtr);
  for (let server: u32 = 1; server <= serverCount; server++) {
    for (let category: u32 = 0; category < 2; category++) nextCountdown(server, category);
  }
  scan();
  return owedPtr;
}

/** keepEvictDeficitRacks — the deficit-rack flags keepThenEvict marked (for keep.ts's settling). */
export function keepEvictDeficitRacks(): usize {
  return deficitRacksPtr;
}

/** keepEvictDeficitRackCount — how many racks keepThenEvict marked. */
export function keepEvictDeficitRackCount(): u32 {
  return deficitRackCount;
}

// Copies until the next eviction falls due (1 while one is owed; 0: none will).
function nextCountdown(server: u32, category: u32): void {
  const quota = load<u32>(cell(quotaPtr, server, category));
  let countdown: u32 = 0;
  if (load<u32>(cell(owedPtr, server, category)) > 0) countdown = 1;
  else if (quota > 0) {
    const size = load<u32>(cell(sizePtr, server, category));
    const accumulator = load<u32>(cell(phasePtr, server, category));
    countdown = (size - accumulator + quota - 1) / quota;
  }
  store<u32>(cell(countdownPtr, server, category), countdown);
  store<u32>(cell(strideOfPtr, server, category), countdown);
}

function scan(): void {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const row = targetPtr + ((<usize>copyIndex * <usize>bucketCount) << 1);
    const category: u32 = copyIndex == 0 ? 0 : 1;
    for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
      const server = <u32>load<u16>(row + (<usize>bucket << 1));
      if (server == 0) continue;
      const at = cell(countdownPtr, server, category);
      const countdown = load<u32>(at);
      if (countdown == 0) continue;
      if (countdown > 1) {
        store<u32>(at, countdown - 1);
        continue;
      }
      fallsDue(bucket, copyIndex, server, category);
    }
  }
  stepsAdd(<u64>bucketCount * copyCount * 2);
}

// The copy where the server's countdown ran out: advance its accumulator by the copies since
// the last visit, evict here if due and allowed, and count down to the next.
function fallsDue(bucket: u32, copyIndex: u32, server: u32, category: u32): void {
  const size = <u64>load<u32>(cell(sizePtr, server, category));
  const quota = <u64>load<u32>(cell(quotaPtr, server, category));
  const accumulatorAt = cell(phasePtr, server, category);
  const advanced = <u64>load<u32>(accumulatorAt) + <u64>load<u32>(cell(strideOfPtr, server, category)) * quota;
  store<u32>(accumulatorAt, <u32>(advanced % size));
  const owedAt = cell(owedPtr, server, category);
  let due = load<u32>(owedAt) + <u32>(advanced / size);
  stepsAdd(copyCount * 4);
  if (due > 0 && takersLeft(bucket, sourceReplicasPtr, deficitServers) > 0 &&
      refillable(bucket, copyIndex, server, deficitRacksPtr, deficitRackCount)) {
    evictCopy(bucket, copyIndex, server);
    due--;
  }
  store<u32>(owedAt, due);
  nextCountdown(server, category);
}

function evictCopy(bucket: u32, copyIndex: u32, server: u32): void {
  const slot = copyIndex * bucketCount + bucket;
  store<u16>(targetPtr + (<usize>slot << 1), 0);
  store<u8>(slotStatePtr + <usize>slot, 0);
  u32Add(replicaCountPtr, server, -1);
  if (copyIndex == 0) {
    markUndecided(bucket);
    u32Add(masterCountPtr, server, -1);
  }
  pendingAdd(bucket);
}

