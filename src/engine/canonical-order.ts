/**
 * canonical-order — the engine works on servers sorted by id, so a result never depends
 * on the order a caller listed them in.
 *
 *   caller position p (0-based)  ──toCanonical[p+1]──▶  engine index i (1-based)
 *   engine index i               ──toCaller[i]──────▶  caller slot value p+1
 */
import type { ServerSpec } from './types.js';

/** CanonicalOrder — the two mappings and the dense rack indexes. */
export interface CanonicalOrder {
  /** identity — callers already listed servers sorted by id: no remapping needed. */
  identity: boolean;
  toCanonical: Uint16Array;
  toCaller: Uint16Array;
  /** sorted — servers in engine order (index i at sorted[i-1]). */
  sorted: ServerSpec[];
  /** rackIndex — per engine index, the dense rack index (racks sorted by name). */
  rackIndex: Uint16Array;
  rackCount: number;
}

/** canonicalOrder — sort by id (code-unit order, locale-free) and number the racks. */
export function canonicalOrder(servers: ServerSpec[]): CanonicalOrder {
  const positions = servers.map((_, position) => position);
  positions.sort((a, b) => (servers[a].id < servers[b].id ? -1 : servers[a].id > servers[b].id ? 1 : 0));
  const toCanonical = new Uint16Array(servers.length + 1);
  const toCaller = new Uint16Array(servers.length + 1);
  let identity = true;
  positions.forEach((position, rank) => {
    toCanonical[position + 1] = rank + 1;
    toCaller[rank + 1] = position + 1;
    if (position !== rank) identity = false;
  });
  const sorted = positions.map((position) => servers[position]);
  const rackNames = [...new Set(servers.map((server) => String(server.rack)))].sort();
  const rackNumber = new Map(rackNames.map((name, index) => [name, index]));
  const rackIndex = new Uint16Array(servers.length + 1);
  sorted.forEach((server, k) => {
    rackIndex[k + 1] = rackNumber.get(String(server.rack)) ?? 0;
  });
  return { identity, toCanonical, toCaller, sorted, rackIndex, rackCount: Math.max(rackNames.length, 1) };
}

/** remapSlots — copy slots into `out`, translating each server number through `mapping`. */
export function remapSlots(slots: Uint16Array, mapping: Uint16Array, identity: boolean, out: Uint16Array): void {
  if (identity) {
    out.set(slots);
    return;
  }
  for (let i = 0; i < slots.length; i++) out[i] = mapping[slots[i]];
}
