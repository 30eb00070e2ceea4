/**
 * sort — in-place heap sort of u64 keys, descending; no allocation, O(n log n).
 */

/** sortDescending — sort `count` u64 keys at `ptr` from largest to smallest. */
export function sortDescending(ptr: usize, count: u32): void {
  if (count < 2) return;
  // Build a min-heap, then repeatedly move the minimum to the end: the result is descending.
  for (let i = <i32>(count >>> 1) - 1; i >= 0; i--) siftDown(ptr, <u32>i, count);
  for (let end = count - 1; end > 0; end--) {
    swap(ptr, 0, end);
    siftDown(ptr, 0, end);
  }
}

function siftDown(ptr: usize, start: u32, count: u32): void {
  let parent = start;
  while (true) {
    const left = parent * 2 + 1;
    if (left >= count) return;
    let smallest = left;
    const right = left + 1;
    if (right < count && key(ptr, right) < key(ptr, left)) smallest = right;
    if (key(ptr, smallest) >= key(ptr, parent)) return;
    swap(ptr, parent, smallest);
    parent = smallest;
  }
}

// @ts-ignore: decorator
@inline function key(ptr: usize, index: u32): u64 {
  return load<u64>(ptr + (<usize>index << 3));
}

// @ts-ignore: decorator
@inline function swap(ptr: usize, a: u32, b: u32): void {
  const at = ptr + (<usize>a << 3);
  const bt = ptr + (<usize>b << 3);
  const t = load<u64>(at);
  store<u64>(at, load<u64>(bt));
  store<u64>(bt, t);
}
