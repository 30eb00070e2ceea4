/**
 * group-tables — a group's three tables over one server list.
 *
 *   slot = copyIndex * bucketCount + bucketIndex          (copy 0 = master copy)
 *   value 0 = empty, value k ≥ 1 = servers[k − 1]         (same as the table file, src/store)
 *
 *   current      what clients and data servers are served
 *   progress     where each bucket's data is now (kept equal to current, as the original does)
 *   destination  where buckets end up once migration is done
 *
 * The server list only grows while jobs hold slot values; `compactServers` renumbers it when
 * nothing is in flight.
 */
import { serverIdFromText } from '../common/server-id.js';
import type { Table } from '../engine/types.js';

/** GroupTables — the tables and the server list their values point into. */
export interface GroupTables {
  bucketCount: number;
  copyCount: number;
  /** servers — `ip:port` of value k at index k − 1. */
  servers: string[];
  /** serverIds — the u64 ids of `servers`, same order. */
  serverIds: bigint[];
  /** valueOf — server id → table value k (1-based). */
  valueOf: Map<bigint, number>;
  current: Uint32Array;
  progress: Uint32Array;
  destination: Uint32Array;
}

/** createEmptyTables — all-zero tables (a group never built). */
export function createEmptyTables(bucketCount: number, copyCount: number): GroupTables {
  const slotCount = bucketCount * copyCount;
  return {
    bucketCount,
    copyCount,
    servers: [],
    serverIds: [],
    valueOf: new Map(),
    current: new Uint32Array(slotCount),
    progress: new Uint32Array(slotCount),
    destination: new Uint32Array(slotCount),
  };
}

/** createTables — tables over a given server list (arrays are taken, not copied). */
export function createTables(
  bucketCount: number,
  copyCount: number,
  servers: readonly string[],
  arrays: { current: Uint32Array; progress: Uint32Array; destination: Uint32Array },
): GroupTables {
  const serverIds = servers.map((server) => serverIdFromText(server, 0));
  const valueOf = new Map(serverIds.map((serverId, index) => [serverId, index + 1]));
  return { bucketCount, copyCount, servers: [...servers], serverIds, valueOf, ...arrays };
}

/** valueForServer — the table value of a server, appending it to the list when new. */
export function valueForServer(tables: GroupTables, serverId: bigint, id: string): number {
  const known = tables.valueOf.get(serverId);
  if (known !== undefined) return known;
  tables.servers.push(id);
  tables.serverIds.push(serverId);
  tables.valueOf.set(serverId, tables.servers.length);
  return tables.servers.length;
}

/** isAllZero — whether a table has no server in any slot. */
export function isAllZero(table: Uint32Array): boolean {
  for (let i = 0; i < table.length; i++) if (table[i] !== 0) return false;
  return true;
}

/** rowsEqual — whether bucket `bucketIndex` has the same servers, copy by copy, in both tables. */
export function rowsEqual(a: Uint32Array, b: Uint32Array, bucketIndex: number, bucketCount: number): boolean {
  for (let slot = bucketIndex; slot < a.length; slot += bucketCount) if (a[slot] !== b[slot]) return false;
  return true;
}

/** copyRow — bucket `bucketIndex` of `from` into `to`. */
export function copyRow(from: Uint32Array, to: Uint32Array, bucketIndex: number, bucketCount: number): void {
  for (let slot = bucketIndex; slot < from.length; slot += bucketCount) to[slot] = from[slot];
}

/** tablesEqual — slot-by-slot equality. */
export function tablesEqual(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** toIdTable — a table as u64 server ids, the form the wire carries. */
export function toIdTable(table: Uint32Array, serverIds: readonly bigint[]): BigUint64Array {
  const ids = new BigUint64Array(table.length);
  for (let i = 0; i < table.length; i++) {
    const value = table[i];
    if (value !== 0) ids[i] = serverIds[value - 1];
  }
  return ids;
}

/** toEngineTable — a copy in the engine's form (values fit u16: serverCountMax is 65,535). */
export function toEngineTable(table: Uint32Array, bucketCount: number, copyCount: number): Table {
  return { bucketCount, copyCount, slots: Uint16Array.from(table) };
}

/** fromEngineTable — an engine table back in our form. */
export function fromEngineTable(table: Table): Uint32Array {
  return Uint32Array.from(table.slots);
}

/**
 * compactServers — drops servers no table refers to unless `keep` says otherwise, renumbering
 * every slot. Only call with no job in flight (jobs hold slot values).
 */
export function compactServers(tables: GroupTables, keep: (serverId: bigint) => boolean): boolean {
  const used = new Uint8Array(tables.servers.length + 1);
  for (const table of [tables.current, tables.progress, tables.destination]) {
    for (let i = 0; i < table.length; i++) used[table[i]] = 1;
  }
  const renumber = new Uint32Array(tables.servers.length + 1);
  const servers: string[] = [];
  const serverIds: bigint[] = [];
  for (let value = 1; value <= tables.servers.length; value++) {
    const serverId = tables.serverIds[value - 1];
    if (!used[value] && !keep(serverId)) continue;
    servers.push(tables.servers[value - 1]);
    serverIds.push(serverId);
    renumber[value] = servers.length;
  }
  if (servers.length === tables.servers.length) return false;
  for (const table of [tables.current, tables.progress, tables.destination]) {
    for (let i = 0; i < table.length; i++) table[i] = renumber[table[i]];
  }
  tables.servers = servers;
  tables.serverIds = serverIds;
  tables.valueOf = new Map(serverIds.map((serverId, index) => [serverId, index + 1]));
  return true;
}
