/**
 * tables — group tables for the quorum tests, every byte following from a seed: a base table
 * and mutations of it (slots rewritten, servers added, versions and epochs moved, reshapes).
 */
import type { PersistedGroupTable } from '../../../src/store/persisted-table.js';
import { encodeTable } from '../../../src/store/table-codec.js';

/** TableShape — the size of a generated table. */
export interface TableShape {
  groupName: string;
  bucketCount: number;
  copyCount: number;
  serverCount: number;
}

/** Mutation — one change of a table, as a test generates it. */
export interface Mutation {
  seed: number;
  /** slotChanges — slots rewritten (anywhere in the three tables). */
  slotChanges: number;
  addServer: boolean;
  /** reshape — a new bucket count (a record cannot say it: the publisher must snapshot). */
  reshapeBuckets: number | null;
}

/** random — a small deterministic PRNG (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** serverName — the i-th generated data server. */
export function serverName(index: number): string {
  return `10.1.${index >> 8}.${index & 255}:5191`;
}

/** baseTable — a table of `shape` filled from `seed`. */
export function baseTable(shape: TableShape, seed: number, epoch = 1n): PersistedGroupTable {
  const next = random(seed);
  const slotCount = shape.bucketCount * shape.copyCount;
  // A plain loop: no intermediate array for the garbage collector (tables reach 3M slots).
  const fill = (): Uint32Array => {
    const slots = new Uint32Array(slotCount);
    for (let slot = 0; slot < slotCount; slot++) slots[slot] = 1 + Math.floor(next() * shape.serverCount);
    return slots;
  };
  return {
    groupName: shape.groupName,
    bucketCount: shape.bucketCount,
    copyCount: shape.copyCount,
    versions: { client: 10, server: 10, plugins: 0, areaCapacity: 0 },
    epoch,
    migrateBlockCount: -1,
    configHash: 'abcd',
    servers: Array.from({ length: shape.serverCount }, (_, index) => serverName(index)),
    recordSeq: 0,
    current: fill(),
    progress: fill(),
    destination: fill(),
  };
}

/** mutate — a new table: `table` changed by `mutation` (the input is not modified). */
export function mutate(table: PersistedGroupTable, mutation: Mutation): PersistedGroupTable {
  const next = random(mutation.seed);
  const servers = mutation.addServer ? [...table.servers, serverName(table.servers.length)] : [...table.servers];
  let result: PersistedGroupTable = {
    ...table,
    versions: { ...table.versions, client: table.versions.client + 1, server: table.versions.server + 1 },
    migrateBlockCount: next() < 0.5 ? -1 : Math.floor(next() * table.bucketCount),
    servers,
    current: table.current.slice(),
    progress: table.progress.slice(),
    destination: table.destination.slice(),
  };
  if (mutation.reshapeBuckets !== null && mutation.reshapeBuckets !== table.bucketCount) {
    result = {
      ...baseTable(
        { groupName: table.groupName, bucketCount: mutation.reshapeBuckets, copyCount: table.copyCount, serverCount: servers.length },
        mutation.seed,
        table.epoch,
      ),
      versions: result.versions,
    };
  }
  const slotCount = result.bucketCount * result.copyCount;
  const arrays = [result.current, result.progress, result.destination];
  for (let change = 0; change < mutation.slotChanges; change++) {
    const array = arrays[Math.floor(next() * 3)];
    array[Math.floor(next() * slotCount)] = Math.floor(next() * (servers.length + 1));
  }
  return result;
}

/** tableBytes — the table file of a table: two tables are equal when these bytes are. */
export function tableBytes(table: PersistedGroupTable): Buffer {
  return encodeTable(table);
}
