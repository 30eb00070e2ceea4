/**
 * table-hash — an order-free hash of a group's three tables, kept up to date per changed slot, so
 * a store replaying records (or a secondary applying them) can check it reached the very state the
 * record was made from, without an O(B·C) checksum at every save:
 *
 *   position p = tableIndex · C·B + slot        (tables: 0 current, 1 progress, 2 destination)
 *   tableHash  = Σ over non-empty slots of mix(p, value)   mod 2^32
 */

/** slotHash — the contribution of value `value` (≠ 0) at position `position`. */
export function slotHash(position: number, value: number): number {
  let h = Math.imul(position ^ 0x5bd1e995, 0x9e3779b1) ^ value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** tableHashOf — the hash of three whole tables, O(B·C). */
export function tableHashOf(current: Uint32Array, progress: Uint32Array, destination: Uint32Array): number {
  let hash = 0;
  const slotCount = current.length;
  [current, progress, destination].forEach((table, tableIndex) => {
    const base = tableIndex * slotCount;
    for (let slot = 0; slot < slotCount; slot++) if (table[slot] !== 0) hash = (hash + slotHash(base + slot, table[slot])) >>> 0;
  });
  return hash;
}

/** rehashSlot — `hash` after the slot at `position` changed from `before` to `after`. */
export function rehashSlot(hash: number, position: number, before: number, after: number): number {
  let next = hash;
  if (before !== 0) next = (next - slotHash(position, before)) >>> 0;
  if (after !== 0) next = (next + slotHash(position, after)) >>> 0;
  return next;
}
