/**
 * placement-rules — may this server take an empty slot of this bucket?
 *
 * Never twice in one bucket. With strict racks, a bucket must still be able to reach
 * spreadWanted distinct racks after the placement:
 *
 *   distinct racks after + empty slots left after ≥ spreadWanted
 *
 * which for C ≤ racks means "a rack the bucket does not use yet", and for C > racks lets
 * a rack take a second copy only once every rack is represented.
 */
import { bucketCount, copyCount, rackOf, spreadWanted, targetPtr } from './context';
import { slotGet } from '../layout';

/** canPlace — `server` may fill one empty slot of `bucket`, ignoring the slot `exceptCopy` (or copyCount for none). */
export function canPlace(server: u32, bucket: u32, exceptCopy: u32, strict: bool): bool {
  const rack = rackOf(server);
  let rackUsed = false;
  const stride = <usize>bucketCount << 1;
  let at = targetPtr + (<usize>bucket << 1);
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++, at += stride) {
    const other = <u32>load<u16>(at);
    if (other == 0 || copyIndex == exceptCopy) continue;
    if (other == server) return false;
    if (rackOf(other) == rack) rackUsed = true;
  }
  if (!strict || !rackUsed) return true;
  return repeatAffordable(bucket, exceptCopy);
}

// The rare path: the rack is taken; a repeat is fine only if the spread stays reachable.
function repeatAffordable(bucket: u32, exceptCopy: u32): bool {
  let filled: u32 = 0;
  let distinct: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (copyIndex == exceptCopy) continue;
    const other = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (other == 0) continue;
    filled++;
    if (isFirstOfRack(bucket, copyIndex, exceptCopy, rackOf(other))) distinct++;
  }
  // The slot being filled is one of the empties; after it, (C - filled - 1) remain.
  return distinct + (copyCount - filled - 1) >= spreadWanted;
}

function isFirstOfRack(bucket: u32, copyIndex: u32, exceptCopy: u32, rack: u32): bool {
  for (let earlier: u32 = 0; earlier < copyIndex; earlier++) {
    if (earlier == exceptCopy) continue;
    const server = slotGet(targetPtr, earlier * bucketCount + bucket);
    if (server != 0 && rackOf(server) == rack) return false;
  }
  return true;
}

/** emptyCopyOf — the first empty copy index of a bucket in the target, or copyCount if full. */
export function emptyCopyOf(bucket: u32): u32 {
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    if (slotGet(targetPtr, copyIndex * bucketCount + bucket) == 0) return copyIndex;
  }
  return copyCount;
}
