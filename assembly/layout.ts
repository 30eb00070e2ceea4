/**
 * layout — how the host and the engine share linear memory.
 *
 * The host owns the layout: it writes inputs into regions it chose, passes their byte
 * offsets as scalar arguments, and reads outputs back from regions it chose. The engine
 * never allocates outside the scratch region it is given and never grows memory.
 *
 *   table (u16 per slot, copy-major):
 *
 *            bucket 0   bucket 1   ...   bucket B-1
 *   copy 0   [0]        [1]              [B-1]          <- master copy
 *   copy 1   [B]        [B+1]            [2B-1]
 *   ...
 *   copy C-1 [(C-1)B]   ...              [CB-1]
 *
 *   table[copyIndex * bucketCount + bucketIndex] = serverIndex   (0 = empty slot)
 *
 *   per-server arrays are indexed by serverIndex 1..S (entry 0 unused):
 *     alive  u8[S+1]    1 = may hold copies
 *     rack   u16[S+1]   dense rack index 0..R-1
 *     weight u32[S+1]   relative capacity, ≥ 1
 */

/** slotGet — the server index in a table slot. */
// @ts-ignore: decorator
@inline export function slotGet(tablePtr: usize, slot: u32): u32 {
  return <u32>load<u16>(tablePtr + (<usize>slot << 1));
}

/** slotSet — write a server index into a table slot. */
// @ts-ignore: decorator
@inline export function slotSet(tablePtr: usize, slot: u32, serverIndex: u32): void {
  store<u16>(tablePtr + (<usize>slot << 1), <u16>serverIndex);
}

/** u32Get — element of a u32 array. */
// @ts-ignore: decorator
@inline export function u32Get(ptr: usize, index: u32): u32 {
  return load<u32>(ptr + (<usize>index << 2));
}

/** u32Set — write an element of a u32 array. */
// @ts-ignore: decorator
@inline export function u32Set(ptr: usize, index: u32, value: u32): void {
  store<u32>(ptr + (<usize>index << 2), value);
}

/** u32Add — add to an element of a u32 array. */
// @ts-ignore: decorator
@inline export function u32Add(ptr: usize, index: u32, delta: i32): void {
  const at = ptr + (<usize>index << 2);
  store<u32>(at, load<u32>(at) + <u32>delta);
}

/** u16Get — element of a u16 array. */
// @ts-ignore: decorator
@inline export function u16Get(ptr: usize, index: u32): u32 {
  return <u32>load<u16>(ptr + (<usize>index << 1));
}

/** u8Get — element of a u8 array. */
// @ts-ignore: decorator
@inline export function u8Get(ptr: usize, index: u32): u32 {
  return <u32>load<u8>(ptr + <usize>index);
}

/** u8Set — write an element of a u8 array. */
// @ts-ignore: decorator
@inline export function u8Set(ptr: usize, index: u32, value: u32): void {
  store<u8>(ptr + <usize>index, <u8>value);
}

/** f64Get — element of an f64 array. */
// @ts-ignore: decorator
@inline export function f64Get(ptr: usize, index: u32): f64 {
  return load<f64>(ptr + (<usize>index << 3));
}

/** f64Set — write an element of an f64 array. */
// @ts-ignore: decorator
@inline export function f64Set(ptr: usize, index: u32, value: f64): void {
  store<f64>(ptr + (<usize>index << 3), value);
}
