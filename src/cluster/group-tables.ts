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
 * nothing is in flight. Every change of a row is marked in `dirty` (dirty-buckets.ts), so a save
 * writes only the rows that changed.
 */
import { serverIdFromText } from '../common/server-id.js';
import type { Table } from '../engine/types.js';
import { DirtyBuckets } from './dirty-buckets.js';

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
  /** dirty — buckets whose rows changed since the last record. */
  dirty: DirtyBuckets;
  /** serverListGeneration — bumped whenever `servers` changes (a record carries the list only then). */
  serverListGeneration: number;
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
    dirty: new DirtyBuckets(bucketCount),
    serverListGeneration: 0,
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
  return { bucketCount, copyCount, servers: [...servers], serverIds, valueOf, ...arrays, dirty: new DirtyBuckets(bucketCount), serverListGeneration: 0 };
}

/** valueForServer — the table value of a server, appending it to the list when new. */
export function valueForServer(tables: GroupTables, serverId: bigint, id: string): number {
  const known = tables.valueOf.get(serverId);
  if (known !== undefined) return known;
  tables.servers.push(id);
  tables.serverIds.push(serverId);
  tables.valueOf.set(serverId, tables.servers.length);
  tables.serverListGeneration += 1;
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
  return { bucketCount, copyCount, slots: new Uint16Array(table) };
}

/** fromEngineTable — an engine table back in our form (a native widening copy). */
export function fromEngineTable(table: Table): Uint32Array {
  return new Uint32Array(table.slots);
}

/**
 * compactServers — drops servers no table refers to unless `keep` says otherwise. Each freed value
 * is taken by the last server of the list, so only that server's slots change (and are marked
 * dirty), not every slot after it. Only call with no job in flight (jobs hold slot values).
 */
export function compactServers(tables: GroupTables, keep: (serverId: bigint) => boolean): boolean {
  // Nothing can go when every server is kept: no scan of the tables.
  if (tables.serverIds.every(keep)) return false;
  const serverCount = tables.servers.length;
  const used = new Uint8Array(serverCount + 1);
  for (const table of [tables.current, tables.progress, tables.destination]) {
    for (let i = 0; i < table.length; i++) used[table[i]] = 1;
  }
  const dropped: number[] = [];
  const isDropped = new Uint8Array(serverCount + 1);
  for (let value = 1; value <= serverCount; value++) {
    if (used[value] || keep(tables.serverIds[value - 1])) continue;
    dropped.push(value);
    isDropped[value] = 1;
  }
  if (dropped.length === 0) return false;
  const renumber = new Uint32Array(serverCount + 1);
  for (let value = 0; value <= serverCount; value++) renumber[value] = value;
  const servers = [...tables.servers];
  const serverIds = [...tables.serverIds];
  let last = serverCount;
  for (const hole of dropped) {
    while (last > hole && isDropped[last]) last -= 1;
    if (last <= hole) break;
    renumber[last] = hole;
    servers[hole - 1] = servers[last - 1];
    serverIds[hole - 1] = serverIds[last - 1];
    last -= 1;
  }
  const kept = serverCount - dropped.length;
  renumberSlots(tables, renumber, kept);
  tables.servers = servers.slice(0, kept);
  tables.serverIds = serverIds.slice(0, kept);
  tables.valueOf = new Map(tables.serverIds.map((serverId, index) => [serverId, index + 1]));
  tables.serverListGeneration += 1;
  return true;
}

/** renumberSlots — apply `renumber` to every slot (values above `kept` must all move), marking the rows that change. */
function renumberSlots(tables: GroupTables, renumber: Uint32Array, kept: number): void {
  const { bucketCount } = tables;
  for (const table of [tables.current, tables.progress, tables.destination]) {
    for (let slot = 0; slot < table.length; slot++) {
      const value = table[slot];
      if (value <= kept) continue;
      table[slot] = renumber[value];
      tables.dirty.mark(slot % bucketCount);
    }
  }
}
