/**
 * apportion — turn real quotas into whole counts that add up to a total.
 *
 * Everyone gets floor(quota); the remaining units go to the items that already hold at
 * least ceil(quota) (so a balanced source keeps its counts and nothing moves), then by
 * the largest fractional part, then by the lowest index (the host lists servers in a
 * canonical order, so this is deterministic whatever order the user wrote them in).
 *
 *   key (u64, sorted descending):  [63] holds ≥ ceil   [62..32] fraction·2^31   [31..0] ~index
 */
import { sortDescending } from './sort';
import { f64Get, u32Get, u32Set } from '../layout';

/** apportion — whole counts into outPtr[index] for the `count` items listed at itemsPtr. */
export function apportion(
  itemsPtr: usize,
  count: u32,
  quotaPtr: usize,
  heldPtr: usize,
  total: u64,
  outPtr: usize,
  keysPtr: usize,
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
    store<u64>(keysPtr + (<usize>k << 3), (holdsCeil << 63) | (fractionBits << 32) | <u64>(~item));
  }
  if (assigned >= total) return;
  sortDescending(keysPtr, count);
  const extra = <u32>(total - assigned);
  for (let k: u32 = 0; k < extra && k < count; k++) {
    const item = ~<u32>(load<u64>(keysPtr + (<usize>k << 3)) & 0xffffffff);
    u32Set(outPtr, item, u32Get(outPtr, item) + 1);
  }
}
