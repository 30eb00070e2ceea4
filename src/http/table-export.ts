/**
 * table-export — `GET /groups/{name}/table`: a group's current and destination tables.
 *
 *   JSON (default)   { group, bucketCount, copyCount, versions, migrating, paused,
 *                      current: [copy 0 row, copy 1 row, …], destination: [ … ] }
 *                    each row has B entries, `ip:port` or null for an empty slot
 *                    (current[0][b] is bucket b's master)
 *   ?format=bin      the data-server view of docs/protocol.md §5 before compression:
 *                    2·C·B u64 little-endian server ids, copy-major, current then destination
 *                    (0 = empty); B, C and versions in X-Bucket-Count, X-Copy-Count,
 *                    X-Client-Version, X-Server-Version
 *
 * Both come from the working tables (a few milliseconds ahead of what peers are served while a
 * save is in flight). JSON is refused past tableJsonSlotCountMax slots: use the binary form.
 */
import type { ClusterReader, GroupState } from '../cluster/index.js';
import { tableJsonSlotCountMax } from '../limits.js';

/** TableJson — the JSON form (see the file comment). */
export interface TableJson {
  group: string;
  bucketCount: number;
  copyCount: number;
  versions: { client: number; server: number; transition: number };
  migrating: boolean;
  paused: boolean;
  current: (string | null)[][];
  destination: (string | null)[][];
}

/** TableExport — a body with its content type and extra headers, or why there is none. */
export type TableExport = { ok: true; contentType: string; body: Buffer; headers: Record<string, string> } | { ok: false; status: 404 | 413; message: string };

/** exportTable — the table of `groupName` as JSON or raw bytes. */
export function exportTable(cluster: ClusterReader, groupName: string, format: 'json' | 'bin'): TableExport {
  const group = cluster.groupState(groupName);
  if (!group) return { ok: false, status: 404, message: `group ${groupName} not found` };
  if (format === 'bin') return binaryTable(group);
  const { tables } = group;
  if (tables.bucketCount * tables.copyCount > tableJsonSlotCountMax) {
    return { ok: false, status: 413, message: `the table has over ${tableJsonSlotCountMax} slots; ask for ?format=bin` };
  }
  const rows = (table: Uint32Array) => {
    const result: (string | null)[][] = [];
    for (let copyIndex = 0; copyIndex < tables.copyCount; copyIndex++) {
      const row: (string | null)[] = new Array(tables.bucketCount);
      for (let bucketIndex = 0; bucketIndex < tables.bucketCount; bucketIndex++) {
        const value = table[copyIndex * tables.bucketCount + bucketIndex];
        row[bucketIndex] = value === 0 ? null : tables.servers[value - 1];
      }
      result.push(row);
    }
    return result;
  };
  const json: TableJson = {
    group: group.name,
    bucketCount: tables.bucketCount,
    copyCount: tables.copyCount,
    versions: { client: group.versions.client, server: group.versions.server, transition: group.transitionVersion },
    migrating: group.migrateBlockCount >= 0,
    paused: group.operator.paused,
    current: rows(tables.current),
    destination: rows(tables.destination),
  };
  return { ok: true, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(json)), headers: {} };
}

function binaryTable(group: Readonly<GroupState>): TableExport {
  const { tables } = group;
  const slotCount = tables.bucketCount * tables.copyCount;
  const body = Buffer.alloc(2 * slotCount * 8);
  const write = (table: Uint32Array, offsetSlots: number) => {
    for (let slot = 0; slot < slotCount; slot++) {
      const value = table[slot];
      if (value !== 0) body.writeBigUInt64LE(tables.serverIds[value - 1], (offsetSlots + slot) * 8);
    }
  };
  write(tables.current, 0);
  write(tables.destination, slotCount);
  return {
    ok: true,
    contentType: 'application/octet-stream',
    body,
    headers: {
      'X-Bucket-Count': String(tables.bucketCount),
      'X-Copy-Count': String(tables.copyCount),
      'X-Client-Version': String(group.versions.client),
      'X-Server-Version': String(group.versions.server),
    },
  };
}
