/**
 * quick-table — make the current table servable at once, without moving data.
 *
 * For every bucket whose master is not alive, promote a live copy to master: the live
 * copy whose server has gained the fewest promotions so far (ties: lowest copy index),
 * so a dead server's masters spread over its partners. The promoted copy's old slot and
 * every other slot on a dead server become empty.
 *
 * With C = 2 there is no choice here: the spread comes from the full build placing each
 * server's partner copies evenly (see builder/partners.ts).
 */
import { Outcome, QuickResult } from './outcome';
import { assertShape } from './limits';
import { scratchAlloc, scratchReset } from './scratch';
import { slotGet, slotSet, u32Get, u32Add, u32Set, u8Get } from './layout';

/** quickScratchBytes — scratch the quick table needs. */
export function quickScratchBytes(serverCount: u32): f64 {
  return <f64>((<u64>serverCount + 1) * 4 + 16);
}

/** quickTable — promote and clear in place; writes QuickResult words; returns the Outcome. */
export function quickTable(
  bucketCount: u32,
  copyCount: u32,
  serverCount: u32,
  tablePtr: usize,
  alivePtr: usize,
  allowLost: u32,
  scratchPtr: usize,
  scratchBytes: usize,
  resultPtr: usize,
): u32 {
  assertShape(bucketCount, copyCount, serverCount);
  scratchReset(scratchPtr, scratchBytes);
  const promotedPtr = scratchAlloc((<usize>serverCount + 1) << 2);
  let promotions: u32 = 0;
  let lost: u32 = 0;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    if (u8Get(alivePtr, slotGet(tablePtr, bucket)) != 0) continue;
    const chosenCopy = pickPromotion(bucket, bucketCount, copyCount, tablePtr, alivePtr, promotedPtr);
    if (chosenCopy == 0) {
      lost++;
      continue;
    }
    const slot = chosenCopy * bucketCount + bucket;
    const server = slotGet(tablePtr, slot);
    slotSet(tablePtr, bucket, server);
    slotSet(tablePtr, slot, 0);
    u32Add(promotedPtr, server, 1);
    promotions++;
  }
  if (lost > 0 && allowLost == 0) {
    // Undo nothing: the host works on a copy and discards it on failure.
    writeResult(resultPtr, Outcome.BucketLost, promotions, 0, lost);
    return Outcome.BucketLost;
  }
  const cleared = clearDeadSlots(bucketCount, copyCount, tablePtr, alivePtr);
  writeResult(resultPtr, Outcome.Ok, promotions, cleared, lost);
  return Outcome.Ok;
}

// Returns the copy index to promote, or 0 when no copy is alive.
function pickPromotion(
  bucket: u32,
  bucketCount: u32,
  copyCount: u32,
  tablePtr: usize,
  alivePtr: usize,
  promotedPtr: usize,
): u32 {
  let best: u32 = 0;
  let bestPromoted: u32 = 0xffffffff;
  for (let copyIndex: u32 = 1; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(tablePtr, copyIndex * bucketCount + bucket);
    if (u8Get(alivePtr, server) == 0) continue;
    const promoted = u32Get(promotedPtr, server);
    if (promoted < bestPromoted) {
      best = copyIndex;
      bestPromoted = promoted;
    }
  }
  return best;
}

function clearDeadSlots(bucketCount: u32, copyCount: u32, tablePtr: usize, alivePtr: usize): u32 {
  let cleared: u32 = 0;
  const slotCount = bucketCount * copyCount;
  for (let slot: u32 = bucketCount; slot < slotCount; slot++) {
    const server = slotGet(tablePtr, slot);
    if (server != 0 && u8Get(alivePtr, server) == 0) {
      slotSet(tablePtr, slot, 0);
      cleared++;
    }
  }
  return cleared;
}

function writeResult(resultPtr: usize, outcome: u32, promotions: u32, cleared: u32, lost: u32): void {
  u32Set(resultPtr, QuickResult.Outcome, outcome);
  u32Set(resultPtr, QuickResult.Promotions, promotions);
  u32Set(resultPtr, QuickResult.ClearedSlots, cleared);
  u32Set(resultPtr, QuickResult.LostBuckets, lost);
}
