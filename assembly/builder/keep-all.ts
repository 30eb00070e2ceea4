/**
 * keep-all — the keep pass of the common rebuild, as a copy and one scan.
 *
 * When no live server is over its replica target (a server left, or nothing changed), and the
 * source holds no server twice in a bucket and no live rack twice where racks must differ,
 * then every live source copy stays and every live source master keeps its role (a server
 * left over its allowed masters hands the excess on by role trades, masters.ts). The target is the source with the dead servers'
 * slots cleared: one block copy, one scan for dead servers, and the few buckets they leave
 * open listed for the fill. Counts come from countSourceHoldings (keep.ts).
 *
 *   flags from countSourceHoldings: no server twice in a bucket; no live rack twice in a bucket
 */
import {
  SlotKept, alivePtr, bucketCount, copyCount, masterCountPtr, pendingAdd, replicaCountPtr,
  replicaTargetPtr, serverCount, slotStatePtr, sourceMastersPtr, sourcePtr, sourceReplicasPtr, targetPtr,
} from './context';
import { markAllDecided, markUndecided } from './masters';
import { stepsAdd } from './budget';
import { u32Get, u32Set, u8Get } from '../layout';

let noDuplicates = false;
let racksDistinct = false;

/** setSourceShape — what countSourceHoldings found: no server twice in a bucket, no live rack twice. */
export function setSourceShape(duplicateFree: bool, distinctRacks: bool): void {
  noDuplicates = duplicateFree;
  racksDistinct = distinctRacks;
}

/**
 * canKeepAll — whether every live source copy may stay (see the file comment); `racksMatter`:
 * racks must differ in a bucket; `overTarget`: servers may be over their replica target
 * (they give up the excess afterwards, keep-evict.ts).
 */
export function canKeepAll(racksMatter: bool, overTarget: bool): bool {
  if (!noDuplicates || (racksMatter && !racksDistinct)) return false;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    if (!overTarget && u32Get(sourceReplicasPtr, server) > u32Get(replicaTargetPtr, server)) return false;
  }
  stepsAdd(serverCount);
  return true;
}

/** keepAll — the target is the source without its dead slots; buckets with one are pending. */
export function keepAll(): void {
  const slotCount = bucketCount * copyCount;
  memory.copy(targetPtr, sourcePtr, <usize>slotCount << 1);
  memory.fill(slotStatePtr, SlotKept, <usize>slotCount);
  markAllDecided();
  for (let server: u32 = 1; server <= serverCount; server++) {
    u32Set(replicaCountPtr, server, u32Get(sourceReplicasPtr, server));
    u32Set(masterCountPtr, server, u32Get(sourceMastersPtr, server));
  }
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const row = targetPtr + ((<usize>copyIndex * <usize>bucketCount) << 1);
    const states = slotStatePtr + <usize>copyIndex * <usize>bucketCount;
    for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
      const server = load<u16>(row + (<usize>bucket << 1));
      if (load<u8>(alivePtr + <usize>server) != 0) continue;
      store<u16>(row + (<usize>bucket << 1), 0);
      store<u8>(states + <usize>bucket, 0);
      if (copyIndex == 0) markUndecided(bucket);
      pendingAdd(bucket);
    }
  }
  stepsAdd(<u64>slotCount * 2 + serverCount);
}
