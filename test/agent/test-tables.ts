/**
 * test-tables — small table builders for tests (independent of the engine): a round-robin
 * layout and the quick-table step done by hand.
 */
import { serverIdFromText } from '../../src/common/server-id.js';
import type { FakeTables } from './fake-config-server.js';
import type { AgentTables } from '../../src/agent/bucket-plan.js';

/** idsOf — server ids of `127.0.0.1:port` for each port. */
export function idsOf(ports: readonly number[]): bigint[] {
  return ports.map((port) => serverIdFromText(`127.0.0.1:${port}`, 5191));
}

/** roundRobin — slot (copy c, bucket b) = servers[(b + c) mod S]: balanced, copies distinct when S ≥ C. */
export function roundRobin(serverIds: readonly bigint[], bucketCount: number, copyCount: number): BigUint64Array {
  const table = new BigUint64Array(bucketCount * copyCount);
  for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
    for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
      table[copyIndex * bucketCount + bucketIndex] = serverIds[(bucketIndex + copyIndex) % serverIds.length];
    }
  }
  return table;
}

/** quickTable — dead servers removed; a bucket whose master died gets its first live copy as master. */
export function quickTable(table: BigUint64Array, bucketCount: number, copyCount: number, dead: readonly bigint[]): BigUint64Array {
  const quick = table.slice();
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    const live: bigint[] = [];
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
      const serverId = table[copyIndex * bucketCount + bucketIndex];
      if (serverId !== 0n && !dead.includes(serverId)) live.push(serverId);
    }
    for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) quick[copyIndex * bucketCount + bucketIndex] = live[copyIndex] ?? 0n;
  }
  return quick;
}

/** stable — current = destination = `table`. */
export function stable(table: BigUint64Array, bucketCount: number, copyCount: number): FakeTables {
  return { bucketCount, copyCount, current: table, destination: table };
}

/** allRows — every bucket of whole tables as AgentTables (a view of everything, for plans of any server). */
export function allRows(current: BigUint64Array, destination: BigUint64Array, bucketCount: number, copyCount: number): AgentTables {
  const buckets = Array.from({ length: bucketCount }, (_, bucketIndex) => bucketIndex);
  return {
    bucketCount,
    copyCount,
    buckets: () => buckets,
    row: (bucketIndex) => {
      const row = new BigUint64Array(2 * copyCount);
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        row[copyIndex] = current[copyIndex * bucketCount + bucketIndex];
        row[copyCount + copyIndex] = destination[copyIndex * bucketCount + bucketIndex];
      }
      return row;
    },
  };
}

/** viewRows — a view as plain rows by bucket (current copies then destination copies), for comparisons. */
export function viewRows(tables: AgentTables): Map<number, bigint[]> {
  return new Map(tables.buckets().map((bucketIndex) => [bucketIndex, Array.from(tables.row(bucketIndex) ?? [])]));
}

/** rowsNaming — the rows of whole tables that name `selfId`: what its view must hold. */
export function rowsNaming(
  selfId: bigint,
  current: BigUint64Array,
  destination: BigUint64Array,
  bucketCount: number,
  copyCount: number,
): Map<number, bigint[]> {
  const all = allRows(current, destination, bucketCount, copyCount);
  const rows = new Map<number, bigint[]>();
  for (const bucketIndex of all.buckets()) {
    const row = Array.from(all.row(bucketIndex) ?? []);
    if (row.includes(selfId)) rows.set(bucketIndex, row);
  }
  return rows;
}
