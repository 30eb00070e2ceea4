/**
 * scratch — a bump allocator over the scratch region the host hands to one call.
 *
 * Every operation starts with scratchReset(ptr, bytes); allocations are 8-byte aligned
 * and zero-filled, and running out is a host bug (it sized the region with the
 * matching *ScratchBytes export), so it asserts.
 */

let scratchNext: usize = 0;
let scratchEnd: usize = 0;

/** scratchReset — start allocating from a fresh region. */
export function scratchReset(ptr: usize, bytes: usize): void {
  scratchNext = (ptr + 7) & ~<usize>7;
  scratchEnd = ptr + bytes;
}

/** scratchAlloc — zero-filled bytes from the region. */
export function scratchAlloc(bytes: usize): usize {
  const at = scratchNext;
  const end = (at + bytes + 7) & ~<usize>7;
  assert(end <= scratchEnd, 'scratch region too small');
  memory.fill(at, 0, bytes);
  scratchNext = end;
  return at;
}

/** scratchAllocRaw — bytes from the region, not zeroed: for arrays written in full before any read. */
export function scratchAllocRaw(bytes: usize): usize {
  const at = scratchNext;
  const end = (at + bytes + 7) & ~<usize>7;
  assert(end <= scratchEnd, 'scratch region too small');
  scratchNext = end;
  return at;
}

/** alignedBytes — bytes a scratchAlloc of `bytes` consumes, for the sizing functions. */
export function alignedBytes(bytes: u64): u64 {
  return (bytes + 7) & ~<u64>7;
}
