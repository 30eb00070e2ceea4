/**
 * persisted-table — the shape rules of what the config server keeps on disk per group
 * (the type itself belongs to the cluster state machine: src/cluster/persisted-group-table.ts).
 * Tables are copy-major like the original's, but with dense server indexes instead of u64 ids.
 */
import { bucketCountMax, configHashHexCharsMax, copyCountMax, groupNameBytesMax, serverCountMax, slotCountMax } from '../limits.js';
import type { PersistedGroupTable } from '../cluster/persisted-group-table.js';
import { formatServerId, parseServerAddress, serverIdFromAddress } from '../common/server-id.js';

export type { PersistedGroupTable, TableVersions } from '../cluster/persisted-group-table.js';

/** groupNamePattern — a group name is a group.conf section name that fits the wire's 64-byte field. */
export const groupNamePattern = new RegExp(`^[A-Za-z0-9_]{1,${groupNameBytesMax}}$`);

const u32Max = 0xffff_ffff;
const u64Max = (1n << 64n) - 1n;

/**
 * describeTableShapeProblem — the first way `table` breaks the rules, or null when it is sound.
 * Checks every slot (O(B·C)), so a table that passes can be served and reloaded as is.
 */
export function describeTableShapeProblem(table: PersistedGroupTable): string | null {
  const { bucketCount, copyCount, versions } = table;
  if (!groupNamePattern.test(table.groupName)) return `group name '${table.groupName}' is not 1..${groupNameBytesMax} of A-Z a-z 0-9 _`;
  if (!isIntegerIn(bucketCount, 1, bucketCountMax)) return `bucket count ${bucketCount} is outside 1..${bucketCountMax}`;
  if (!isIntegerIn(copyCount, 1, copyCountMax)) return `copy count ${copyCount} is outside 1..${copyCountMax}`;
  if (bucketCount * copyCount > slotCountMax) return `buckets × copies = ${bucketCount * copyCount} is over ${slotCountMax}`;
  for (const [name, value] of Object.entries(versions)) {
    if (!isIntegerIn(value, 0, u32Max)) return `${name} version ${value} is not a u32`;
  }
  if (table.epoch < 0n || table.epoch > u64Max) return `epoch ${table.epoch} is not a u64`;
  if (!Number.isSafeInteger(table.recordSeq) || table.recordSeq < 0) return `record sequence ${table.recordSeq} is not a count`;
  if (!isIntegerIn(table.migrateBlockCount, -1, bucketCount * copyCount)) {
    return `migrate block count ${table.migrateBlockCount} is outside -1..${bucketCount * copyCount}`;
  }
  if (!/^[0-9a-f]*$/.test(table.configHash) || table.configHash.length > configHashHexCharsMax) {
    return `config hash is not lower-case hex of at most ${configHashHexCharsMax} characters`;
  }
  const serverProblem = describeServerListProblem(table.servers);
  if (serverProblem) return serverProblem;
  const slotCount = bucketCount * copyCount;
  const arrays = { current: table.current, progress: table.progress, destination: table.destination };
  for (const [name, array] of Object.entries(arrays)) {
    if (!(array instanceof Uint32Array) || array.length !== slotCount) {
      return `${name} table must be a Uint32Array of ${slotCount} slots`;
    }
    const slot = firstSlotAbove(array, table.servers.length);
    if (slot >= 0) return `${name} table slot ${slot} holds ${array[slot]}, but only ${table.servers.length} servers are listed`;
  }
  return null;
}

/** describeServerListProblem — null when every entry is a canonical, distinct `ip:port`. */
export function describeServerListProblem(servers: readonly string[]): string | null {
  if (servers.length > serverCountMax) return `${servers.length} servers, over the limit of ${serverCountMax}`;
  const seen = new Set<string>();
  for (const server of servers) {
    let canonical: string;
    try {
      canonical = formatServerId(serverIdFromAddress(parseServerAddress(server, 0)));
    } catch {
      canonical = '';
    }
    if (canonical !== server) return `server '${server}' is not a canonical ip:port`;
    if (seen.has(server)) return `server ${server} is listed twice`;
    seen.add(server);
  }
  return null;
}

/** firstSlotAbove — index of the first value greater than `limit`, or −1. */
function firstSlotAbove(array: Uint32Array, limit: number): number {
  for (let i = 0; i < array.length; i++) if (array[i] > limit) return i;
  return -1;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
