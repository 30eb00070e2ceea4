/**
 * apportion — turn real quotas into whole counts that add up to a total.
 *
 * Everyone gets floor(quota); the remaining units go to the items that already hold at
 * least ceil(quota) (so a balanced source keeps its counts and nothing moves), then by
 * the largest fractional part, then — when a tie-break array is given — to the smallest
 * tie value (servers: fewer master roles held, so a server that gets an extra copy can take
 * an open master role with it), then by the lowest index (the host lists servers in a
 * canonical order, so this is deterministic whatever order the user wrote them in).
 *
 *   key (u64, sorted descending):  [63] holds ≥ ceil   [62..32] fraction·2^31   [31..16] ~tie   [15..0] ~index
 *   (without a tie-break array, [31..0] is ~index)
 */
import { sortDescending } from './sort';
import { f64Get, u32Get, u32Set, u8Get } from '../layout';

/** apportion — whole counts into outPtr[index] for the `count` items listed at itemsPtr. */
export function apportion(
  itemsPtr: usize,
  count: u32,
  quotaPtr: usize,
  heldPtr: usize,
  total: u64,
  outPtr: usize,
  keysPtr: usize,
  tiePtr: usize = 0,
): void {
  let assigned: u64 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const item = u32Get(itemsPtr, k);
    const quota = f64Get(quotaPtr, item);
    const whole = <u32>Math.floor(quota + 1e-9);
    u32Set(outPtr, item, whole);
    assigned += whole;
    const fraction = quota - <f64>whole;
    const fractionBits = fraction > 0 ? <u64>(fraction * 2147483648.0) & 0x7fffffff : 0;
    const holdsCeil: u64 = fraction > 1e-9 && <f64>u32Get(heldPtr, item) > <f64>whole ? 1 : 0;
    const low: u32 = tiePtr == 0 ? ~item : ~((min(u32Get(tiePtr, item), 0xffff) << 16) | (item & 0xffff));
    store<u64>(keysPtr + (<usize>k << 3), (holdsCeil << 63) | (fractionBits << 32) | <u64>low);
  }
  if (assigned >= total) return;
  sortDescending(keysPtr, count);
  const extra = <u32>(total - assigned);
  for (let k: u32 = 0; k < extra && k < count; k++) {
    const low = ~<u32>(load<u64>(keysPtr + (<usize>k << 3)) & 0xffffffff);
    const item = tiePtr == 0 ? low : low & 0xffff;
    u32Set(outPtr, item, u32Get(outPtr, item) + 1);
  }
}

/**
 * apportionNear — whole counts as close as possible to what each item holds, each within its
 * allowed range [low, high], adding up to `total`. Units still to give go to the items
 * furthest below their quota; units to take back come from those furthest above it; among
 * equals, with a `leavingPtr` array, items whose flag is set give first and the others take
 * first (masters: a server that gives up a copy anyway gives the role with it, and one that
 * gets new copies can take roles with them — no role moves on its own).
 * Used for masters: a source within ±1 of every quota keeps every role.
 */
export function apportionNear(
  itemsPtr: usize, count: u32, quotaPtr: usize, heldPtr: usize, lowPtr: usize, highPtr: usize,
  total: u64, outPtr: usize, keysPtr: usize, leavingPtr: usize = 0,
): void {
  let assigned: i64 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const item = u32Get(itemsPtr, k);
    const held = u32Get(heldPtr, item);
    const low = u32Get(lowPtr, item);
    const high = u32Get(highPtr, item);
    const whole = held < low ? low : held > high ? high : held;
    u32Set(outPtr, item, whole);
    assigned += whole;
  }
  // Each round moves every eligible item by at most one; ranges are at most three wide.
  for (let round: u32 = 0; round < 4 && assigned != <i64>total; round++) {
    const raising = assigned < <i64>total;
    let candidates: u32 = 0;
    for (let k: u32 = 0; k < count; k++) {
      const item = u32Get(itemsPtr, k);
      const whole = u32Get(outPtr, item);
      if (raising ? whole >= u32Get(highPtr, item) : whole <= u32Get(lowPtr, item)) continue;
      const gap = raising ? f64Get(quotaPtr, item) - <f64>whole : <f64>whole - f64Get(quotaPtr, item);
      const gapBits = <u64>((gap + 4.0) * 67108864.0) & 0x7fffffff;
      const leaving = leavingPtr != 0 && u8Get(leavingPtr, item) != 0;
      const first: u64 = leaving != raising ? 1 : 0;
      store<u64>(keysPtr + (<usize>candidates << 3), (gapBits << 32) | (first << 31) | <u64>(~item & 0x7fffffff));
      candidates++;
    }
    sortDescending(keysPtr, candidates);
    const wanted = raising ? <u64>(<i64>total - assigned) : <u64>(assigned - <i64>total);
    for (let k: u32 = 0; k < candidates && <u64>k < wanted; k++) {
      const item = ~<u32>(load<u64>(keysPtr + (<usize>k << 3))) & 0x7fffffff;
      u32Set(outPtr, item, raising ? u32Get(outPtr, item) + 1 : u32Get(outPtr, item) - 1);
      assigned += raising ? 1 : -1;
    }
  }
}
