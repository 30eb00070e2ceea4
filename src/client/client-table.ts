/**
 * client-table — a group's current server table as a client holds it.
 *
 *   serverIds[copyIndex * bucketCount + bucketIndex] = server id (0 = empty slot)
 *
 *            bucket 0   bucket 1   ...   bucket B−1
 *   copy 0   master     master           master        ← writes go here
 *   copy 1   replica    replica          replica       ← reads may go to any non-empty copy
 *
 * `version` is the client version the table came with; data servers put the version they know
 * into every reply, and a different one means the table is out of date. A newer version may be
 * reached from this one by a change set (`withChanges`): a new table, checked against the
 * checksum the config server sent (view-checksum.ts), or null when it does not reach it.
 */
import { InputError } from '../errors.js';
import { formatServerId } from '../common/server-id.js';
import { bucketCountMax, copyCountMax } from '../limits.js';
import { addHash, rowHashOfIds, subtractHash, tableChecksum, type ViewRowEntry } from '../protocol/index.js';
import { bucketOfKey } from './tair-hash.js';

/** TableSummary — what `tair-cs client … table` prints: counts per server, JSON-safe. */
export interface TableSummary {
  group: string;
  bucketCount: number;
  copyCount: number;
  version: number;
  servers: { server: string; buckets: number; masters: number }[];
  emptySlots: number;
}

/** ClientTable — an immutable snapshot of one group's table. */
export class ClientTable {
  readonly groupName: string;
  readonly bucketCount: number;
  readonly copyCount: number;
  readonly version: number;
  /** serverIds — copy-major, C·B entries. */
  readonly serverIds: BigUint64Array;
  private checksumValue: number | null;

  constructor(groupName: string, bucketCount: number, copyCount: number, version: number, serverIds: BigUint64Array, checksum: number | null = null) {
    if (!Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > bucketCountMax) {
      throw new InputError(`table: bucket count ${bucketCount} is outside 1..${bucketCountMax}`);
    }
    if (!Number.isInteger(copyCount) || copyCount < 1 || copyCount > copyCountMax) {
      throw new InputError(`table: copy count ${copyCount} is outside 1..${copyCountMax}`);
    }
    if (serverIds.length !== bucketCount * copyCount) {
      throw new InputError(`table: ${serverIds.length} slots, expected ${bucketCount * copyCount}`);
    }
    this.groupName = groupName;
    this.bucketCount = bucketCount;
    this.copyCount = copyCount;
    this.version = version;
    this.serverIds = serverIds;
    this.checksumValue = checksum;
  }

  /** checksum — the table's checksum (view-checksum.ts), computed once, O(B·C). */
  get checksum(): number {
    this.checksumValue ??= tableChecksum(this.serverIds, this.bucketCount, this.copyCount);
    return this.checksumValue;
  }

  /**
   * withChanges — the table of client version `version`: this one with `entries` (masked slots of
   * current rows) applied, if that reaches `checksum`; else null. This table is not modified.
   */
  withChanges(entries: readonly ViewRowEntry[], version: number, checksum: number): ClientTable | null {
    const { bucketCount, copyCount } = this;
    const serverIds = this.serverIds.slice();
    let sum = this.checksum;
    const row = new Array<bigint>(copyCount);
    for (const entry of entries) {
      if (entry.drop) return null;
      const bucketIndex = entry.bucketIndex;
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) row[copyIndex] = serverIds[copyIndex * bucketCount + bucketIndex];
      sum = subtractHash(sum, rowHashOfIds(bucketIndex, row));
      let taken = 0;
      for (let copyIndex = 0; copyIndex < copyCount; copyIndex++) {
        if ((entry.mask & (1 << copyIndex)) !== 0) row[copyIndex] = entry.ids[taken++];
        serverIds[copyIndex * bucketCount + bucketIndex] = row[copyIndex];
      }
      sum = addHash(sum, rowHashOfIds(bucketIndex, row));
    }
    if (sum !== checksum) return null;
    return new ClientTable(this.groupName, bucketCount, copyCount, version, serverIds, sum);
  }

  /** bucketOf — the bucket of a key. */
  bucketOf(keyBytes: Uint8Array): number {
    return bucketOfKey(keyBytes, this.bucketCount);
  }

  /** serversOfBucket — the non-empty copies of a bucket, master first when it is set. */
  serversOfBucket(bucketIndex: number): bigint[] {
    const servers: bigint[] = [];
    for (let copyIndex = 0; copyIndex < this.copyCount; copyIndex++) {
      const serverId = this.serverIds[copyIndex * this.bucketCount + bucketIndex];
      if (serverId !== 0n) servers.push(serverId);
    }
    return servers;
  }

  /** masterOfBucket — copy 0 of a bucket, or 0n when the slot is empty. */
  masterOfBucket(bucketIndex: number): bigint {
    return this.serverIds[bucketIndex];
  }

  /** summary — bucket and master counts per server, servers in ascending `ip:port` order. */
  summary(): TableSummary {
    const counts = new Map<bigint, { buckets: number; masters: number }>();
    let emptySlots = 0;
    for (let slot = 0; slot < this.serverIds.length; slot++) {
      const serverId = this.serverIds[slot];
      if (serverId === 0n) {
        emptySlots++;
        continue;
      }
      const count = counts.get(serverId) ?? { buckets: 0, masters: 0 };
      count.buckets++;
      if (slot < this.bucketCount) count.masters++;
      counts.set(serverId, count);
    }
    const servers = [...counts.entries()]
      .map(([serverId, count]) => ({ server: formatServerId(serverId), ...count }))
      .sort((a, b) => compareAddresses(a.server, b.server));
    return {
      group: this.groupName,
      bucketCount: this.bucketCount,
      copyCount: this.copyCount,
      version: this.version,
      servers,
      emptySlots,
    };
  }
}

function compareAddresses(a: string, b: string): number {
  const partsA = a.split(/[.:]/).map(Number);
  const partsB = b.split(/[.:]/).map(Number);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const difference = (partsA[i] ?? 0) - (partsB[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
