/**
 * diff — turn (current, target) into a migration plan.
 *
 *   flags u8[B]        bit 0: the bucket needs migration (as the original counts it: the
 *                      target master differs from the current one, or a target slave is not
 *                      among the current slaves); bit 1: master hand-over (target master ≠ current);
 *                      bit 2: data moves (some target server holds no copy now)
 *   receivers u16[C·B] copy-major like a table: receivers[k·B + b] is the k-th target
 *                      server of bucket b that holds no copy of it now (0-padded)
 *   perSource u32[S+1] buckets needing migration per current master (the original's
 *                      migrating-machine map)
 *
 * Returns the number of buckets that need migration.
 */
import { assertShape } from './limits';
import { slotGet, slotSet, u32Add, u8Set } from './layout';

/** diffTables — write the plan; returns the count of buckets needing migration. */
export function diffTables(
  bucketCount: u32,
  copyCount: u32,
  serverCount: u32,
  currentPtr: usize,
  targetPtr: usize,
  flagsPtr: usize,
  receiversPtr: usize,
  perSourcePtr: usize,
): u32 {
  assertShape(bucketCount, copyCount, serverCount);
  memory.fill(perSourcePtr, 0, (<usize>serverCount + 1) << 2);
  let migrating: u32 = 0;
  for (let bucket: u32 = 0; bucket < bucketCount; bucket++) {
    const flags = diffBucket(bucket, bucketCount, copyCount, currentPtr, targetPtr, receiversPtr);
    u8Set(flagsPtr, bucket, flags);
    if ((flags & 1) != 0) {
      migrating++;
      const source = slotGet(currentPtr, bucket);
      u32Add(perSourcePtr, source, 1);
    }
  }
  return migrating;
}

function diffBucket(
  bucket: u32,
  bucketCount: u32,
  copyCount: u32,
  currentPtr: usize,
  targetPtr: usize,
  receiversPtr: usize,
): u32 {
  const currentMaster = slotGet(currentPtr, bucket);
  const targetMaster = slotGet(targetPtr, bucket);
  let flags: u32 = 0;
  if (currentMaster != targetMaster) flags |= 3;
  let receiverCount: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const server = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (server == 0) continue;
    if (copyIndex > 0 && !inRow(server, bucket, bucketCount, 1, copyCount, currentPtr)) flags |= 1;
    if (!inRow(server, bucket, bucketCount, 0, copyCount, currentPtr)) {
      flags |= 4;
      slotSet(receiversPtr, receiverCount * bucketCount + bucket, server);
      receiverCount++;
    }
  }
  for (let k = receiverCount; k < copyCount; k++) slotSet(receiversPtr, k * bucketCount + bucket, 0);
  // A bucket with no current master cannot migrate (nobody holds its data); it is not counted.
  if (currentMaster == 0) flags &= ~1;
  return flags;
}

// @ts-ignore: decorator
@inline function inRow(server: u32, bucket: u32, bucketCount: u32, fromCopy: u32, copyCount: u32, tablePtr: usize): bool {
  for (let copyIndex = fromCopy; copyIndex < copyCount; copyIndex++) {
    if (slotGet(tablePtr, copyIndex * bucketCount + bucket) == server) return true;
  }
  return false;
}
