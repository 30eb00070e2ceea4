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
  let sameRack: u32 = 0;
  const stride = <usize>bucketCount << 1;
  let at = targetPtr + (<usize>bucket << 1);
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++, at += stride) {
    const other = <u32>load<u16>(at);
    if (other == 0 || copyIndex == exceptCopy) continue;
    if (other == server) return false;
    if (rackOf(other) == rack) sameRack++;
  }
  if (!strict || sameRack == 0) return true;
  // A rack takes no more copies of a bucket than its share ⌈total/B⌉, or other buckets starve.
  if (sameRack + 1 > rackCapOf(rack)) return false;
  return repeatAffordable(bucket, exceptCopy);
}

/** rackMayTake — a server of `rack` that is not in `bucket` may fill one of its empty slots. */
export function rackMayTake(rack: u32, bucket: u32, strict: bool): bool {
  if (!strict) return true;
  let sameRack: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const other = slotGet(targetPtr, copyIndex * bucketCount + bucket);
    if (other != 0 && rackOf(other) == rack) sameRack++;
  }
  if (sameRack == 0) return true;
  if (sameRack + 1 > rackCapOf(rack)) return false;
  return repeatAffordable(bucket, copyCount);
}

let rackCapPtr: usize = 0;
let rackTotalPtr: usize = 0;
let rackTotalLow: u64 = 0;

/**
 * setRackCaps — per rack, the most copies of one bucket it may hold (⌈rack's target total / B⌉),
 * the racks' target totals (u64 each) and the least total a rack needs for a full spread.
 */
export function setRackCaps(capPtr: usize, totalPtr: usize, totalLow: u64): void {
  rackCapPtr = capPtr;
  rackTotalPtr = totalPtr;
  rackTotalLow = totalLow;
}

/**
 * moveRackUnit — one unit of target moves from a server of rack `from` to one of rack `to`;
 * refused (false) when it would break a full spread: `to` past its per-bucket cap times B,
 * or `from` below the least total.
 */
export function moveRackUnit(from: u32, to: u32): bool {
  if (from == to || rackTotalPtr == 0) return true;
  const fromAt = rackTotalPtr + (<usize>from << 3);
  const toAt = rackTotalPtr + (<usize>to << 3);
  const fromTotal = load<u64>(fromAt);
  const toTotal = load<u64>(toAt);
  if (fromTotal <= rackTotalLow || toTotal + 1 > <u64>rackCapOf(to) * <u64>bucketCount) return false;
  store<u64>(fromAt, fromTotal - 1);
  store<u64>(toAt, toTotal + 1);
  return true;
}

/** rackTotalAdd — a rack's target total changes by `delta` (a rebuild settled its targets). */
export function rackTotalAdd(rack: u32, delta: i64): void {
  if (rackTotalPtr == 0 || delta == 0) return;
  const at = rackTotalPtr + (<usize>rack << 3);
  store<u64>(at, <u64>(<i64>load<u64>(at) + delta));
}

/** rackCapOf — see setRackCaps (copyCount when no caps are set). */
export function rackCapOf(rack: u32): u32 {
  return rackCapPtr == 0 ? copyCount : <u32>load<u8>(rackCapPtr + <usize>rack);
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
