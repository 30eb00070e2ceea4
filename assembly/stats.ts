/**
 * stats — what a table gives each server, and how well it spreads copies.
 *
 *   replicas u32[S+1]  slots held (any copy)      masters u32[S+1]  copy-0 slots held
 *   result u32: [0] empty slots, [1] buckets with a server twice, [2] buckets whose copies
 *               span fewer than min(C, racks alive) racks, [3] racks alive,
 *               [4] slots on servers not alive
 */
import { assertShape } from './limits';
import { scratchAlloc, scratchReset } from './scratch';
import { slotGet, u16Get, u32Add, u32Set, u8Get } from './layout';

/** statsScratchBytes — scratch the stats pass needs. */
export function statsScratchBytes(rackCount: u32): f64 {
  return <f64>((<u64>rackCount + 1) * 4 + 16);
}

/** tableStats — per-server counts and spread violations. */
export function tableStats(
  bucketCount: u32,
  copyCount: u32,
  serverCount: u32,
  rackCount: u32,
  tablePtr: usize,
  alivePtr: usize,
  rackPtr: usize,
  replicasPtr: usize,
  mastersPtr: usize,
  resultPtr: usize,
  scratchPtr: usize,
  scratchBytes: usize,
): void {
  assertShape(bucketCount, copyCount, serverCount);
  scratchReset(scratchPtr, scratchBytes);
  const rackSeenPtr = scratchAlloc((<usize>rackCount + 1) << 2);
  memory.fill(replicasPtr, 0, (<usize>serverCount + 1) << 2);
  memory.fill(mastersPtr, 0, (<usize>serverCount + 1) << 2);
  let racksAlive: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    const rack = u16Get(rackPtr, server);
    if (load<u32>(rackSeenPtr + (<usize>rack << 2)) == 0) racksAlive++;
    u32Set(rackSeenPtr, rack, 1);
  }
  memory.fill(rackSeenPtr, 0, (<usize>rackCount + 1) << 2);
  const spreadWanted = copyCount < racksAlive ? copyCount : racksAlive;
  let empty: u32 = 0;
  let sameServer: u32 = 0;
  let spreadShort: u32 = 0;
  let onDead: u32 = 0;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    let distinctRacks: u32 = 0;
    let duplicate = false;
    const stamp = bucket + 1;
    for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
      const server = slotGet(tablePtr, copyIndex * bucketCount + bucket);
      if (server == 0) {
        empty++;
        continue;
      }
      u32Add(replicasPtr, server, 1);
      if (copyIndex == 0) u32Add(mastersPtr, server, 1);
      if (u8Get(alivePtr, server) == 0) onDead++;
      for (let other: u32 = 0; other < copyIndex; other++) {
        if (slotGet(tablePtr, other * bucketCount + bucket) == server) duplicate = true;
      }
      const rackAt = rackSeenPtr + (<usize>u16Get(rackPtr, server) << 2);
      if (load<u32>(rackAt) != stamp) {
        store<u32>(rackAt, stamp);
        distinctRacks++;
      }
    }
    if (duplicate) sameServer++;
    if (distinctRacks < spreadWanted) spreadShort++;
  }
  u32Set(resultPtr, 0, empty);
  u32Set(resultPtr, 1, sameServer);
  u32Set(resultPtr, 2, spreadShort);
  u32Set(resultPtr, 3, racksAlive);
  u32Set(resultPtr, 4, onDead);
}
