/**
 * validate-input — reject out-of-range engine input with a clear InputError before any
 * state changes; the engine asserts the same bounds (src/limits.ts, assembly/limits.ts).
 */
import { InputError } from '../errors.js';
import { bucketCountMax, copyCountMax, rackCountMax, serverCountMax, slotCountMax, weightMax } from '../limits.js';
import type { ServerSpec, Table } from './types.js';

/** validateShape — B and C within their limits. */
export function validateShape(bucketCount: number, copyCount: number): void {
  if (!Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > bucketCountMax) {
    throw new InputError(`bucket count ${bucketCount} is outside 1..${bucketCountMax}`);
  }
  if (!Number.isInteger(copyCount) || copyCount < 1 || copyCount > copyCountMax) {
    throw new InputError(`copy count ${copyCount} is outside 1..${copyCountMax}`);
  }
  if (bucketCount * copyCount > slotCountMax) {
    throw new InputError(`bucket count × copy count = ${bucketCount * copyCount} is over ${slotCountMax}`);
  }
}

/** validateServers — count, unique ids, whole positive weights, rack count. */
export function validateServers(servers: ServerSpec[]): void {
  if (servers.length > serverCountMax) {
    throw new InputError(`${servers.length} servers is over the limit of ${serverCountMax}`);
  }
  const ids = new Set<string>();
  const racks = new Set<string>();
  for (const [position, server] of servers.entries()) {
    if (typeof server.id !== 'string' || server.id.length === 0) {
      throw new InputError(`server ${position} has no id`);
    }
    if (ids.has(server.id)) throw new InputError(`server id ${server.id} is listed twice`);
    ids.add(server.id);
    if (!Number.isInteger(server.weight) || server.weight < 1 || server.weight > weightMax) {
      throw new InputError(`server ${server.id}: weight ${server.weight} is not a whole number in 1..${weightMax}`);
    }
    racks.add(String(server.rack));
  }
  if (racks.size > rackCountMax) throw new InputError(`${racks.size} racks is over the limit of ${rackCountMax}`);
}

/**
 * validateTableShape — a table of a valid shape with one entry per slot. Whether its entries
 * name listed servers is checked once it is in engine memory (checkServerNumbers), at memory speed.
 */
export function validateTableShape(table: Table, what: string): void {
  validateShape(table.bucketCount, table.copyCount);
  if (!(table.slots instanceof Uint16Array) || table.slots.length !== table.bucketCount * table.copyCount) {
    throw new InputError(`${what} table must be a Uint16Array of bucketCount × copyCount entries`);
  }
}

/** checkServerNumbers — throw unless the largest entry (computed by the engine) names a listed server. */
export function checkServerNumbers(highest: number, serverCount: number, what: string): void {
  if (highest > serverCount) {
    throw new InputError(`${what} table names server ${highest} but only ${serverCount} servers are listed`);
  }
}
