/**
 * scan — the rebuild-detection scan: slots that force a rebuild (empty, or on a server
 * that is not alive), counted per copy with the first offending bucket.
 *
 *   result (u32): [0] total, then per copy c: [1+2c] count, [2+2c] first bucket (0xffffffff = none)
 *
 * One sequential pass over the table; the alive lookup is a byte array small enough to
 * stay in cache, so this runs at memory speed.
 */
import { assertShape } from './limits';
import { u32Set } from './layout';

/** scanTable — count offending slots; returns the total. */
export function scanTable(
  bucketCount: u32,
  copyCount: u32,
  serverCount: u32,
  tablePtr: usize,
  alivePtr: usize,
  resultPtr: usize,
): u32 {
  assertShape(bucketCount, copyCount, serverCount);
  let total: u32 = 0;
  for (let copyIndex: u32 = 0; copyIndex < copyCount; copyIndex++) {
    const rowPtr = tablePtr + ((<usize>copyIndex * <usize>bucketCount) << 1);
    const count = scanRow(rowPtr, bucketCount, alivePtr);
    let first: u32 = 0xffffffff;
    if (count > 0) first = firstOffending(rowPtr, bucketCount, alivePtr);
    u32Set(resultPtr, 1 + 2 * copyIndex, count);
    u32Set(resultPtr, 2 + 2 * copyIndex, first);
    total += count;
  }
  u32Set(resultPtr, 0, total);
  return total;
}

// alive[0] is always 0 (the host guarantees it), so an empty slot needs no separate test.
function scanRow(rowPtr: usize, bucketCount: u32, alivePtr: usize): u32 {
  let bad: u32 = 0;
  let i: u32 = 0;
  // Four slots per iteration: one 64-bit load, four independent lookups.
  const quadEnd = bucketCount & ~3;
  for (; i < quadEnd; i += 4) {
    const four = load<u64>(rowPtr + (<usize>i << 1));
    bad += 4 - (<u32>load<u8>(alivePtr + <usize>(four & 0xffff))
      + <u32>load<u8>(alivePtr + <usize>((four >>> 16) & 0xffff))
      + <u32>load<u8>(alivePtr + <usize>((four >>> 32) & 0xffff))
      + <u32>load<u8>(alivePtr + <usize>(four >>> 48)));
  }
  for (; i < bucketCount; i++) {
    bad += 1 - <u32>load<u8>(alivePtr + <usize>load<u16>(rowPtr + (<usize>i << 1)));
  }
  return bad;
}

function firstOffending(rowPtr: usize, bucketCount: u32, alivePtr: usize): u32 {
  for (let i: u32 = 0; i < bucketCount; i++) {
    if (load<u8>(alivePtr + <usize>load<u16>(rowPtr + (<usize>i << 1))) == 0) return i;
  }
  return 0xffffffff;
}
