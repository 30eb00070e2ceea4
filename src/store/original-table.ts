/**
 * original-table — converts the original's `data_dir/<group>_server_table`, so a
 * running Tair cluster moves over with its bucket layout and no mass migration.
 *
 *   offset      type        field (host order, little-endian)
 *   0           u32         magic 0x31766257
 *   4           u32 ×4      client, server, plugins, area-capacity versions
 *   20          u32         last_load_config_time (dropped: we detect changes by content hash)
 *   24          i32         migrate_block_count (−1 = not migrating)
 *   28          u32         copy count C
 *   32          u32         bucket count B
 *   36          u64[C·B]    current table      (copy-major; u64 server ids, 0 = empty)
 *   36+8CB      u64[C·B]    progress table
 *   36+16CB     u64[C·B]    destination table
 *
 * Server ids become `ip:port` strings and the tables dense indexes into that list (value k =
 * servers[k − 1]), in order of first appearance: current, then progress, then destination.
 */
import { InputError } from '../errors.js';
import { bucketCountMax, copyCountMax, serverCountMax, slotCountMax } from '../limits.js';
import { formatServerId } from '../common/server-id.js';
import type { PersistedGroupTable } from './persisted-table.js';
import { groupNamePattern } from './persisted-table.js';

/** originalTableMagic — TAIR_HTM_VERSION, the first u32 of an original table file. */
export const originalTableMagic = 0x31766257;
/** originalTableHeaderBytes — the fixed header before the three u64 tables. */
export const originalTableHeaderBytes = 36;

const tableNames = ['current', 'progress', 'destination'] as const;

/** importOriginalTable — an original table file's bytes as our PersistedGroupTable; throws InputError. */
export function importOriginalTable(bytes: Uint8Array, groupName: string): PersistedGroupTable {
  if (!groupNamePattern.test(groupName)) throw new InputError(`'${groupName}' is not a valid group name`);
  if (bytes.length < originalTableHeaderBytes) {
    throw new InputError(`${bytes.length} bytes, shorter than the ${originalTableHeaderBytes}-byte header of an original server table`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== originalTableMagic) {
    throw new InputError(`bad magic 0x${magic.toString(16).padStart(8, '0')} (an original server table starts with 0x${originalTableMagic.toString(16)})`);
  }
  const copyCount = view.getUint32(28, true);
  const bucketCount = view.getUint32(32, true);
  if (copyCount < 1 || copyCount > copyCountMax) throw new InputError(`copy count ${copyCount} is outside 1..${copyCountMax}`);
  if (bucketCount < 1 || bucketCount > bucketCountMax) throw new InputError(`bucket count ${bucketCount} is outside 1..${bucketCountMax}`);
  const slotCount = bucketCount * copyCount;
  if (slotCount > slotCountMax) throw new InputError(`buckets × copies = ${slotCount} is over ${slotCountMax}`);
  const expectedBytes = originalTableHeaderBytes + 24 * slotCount;
  if (bytes.length !== expectedBytes) {
    throw new InputError(`size mismatch: ${bytes.length} bytes, but B=${bucketCount} and C=${copyCount} need 36 + 24·C·B = ${expectedBytes}`);
  }
  const migrateBlockCount = view.getInt32(24, true);
  if (migrateBlockCount < -1 || migrateBlockCount > slotCount) {
    throw new InputError(`migrate block count ${migrateBlockCount} is outside -1..${slotCount}`);
  }
  const servers: string[] = [];
  const indexOfId = new Map<bigint, number>();
  const [current, progress, destination] = tableNames.map((name, tableIndex) =>
    convertTable(view, originalTableHeaderBytes + tableIndex * 8 * slotCount, slotCount, name, servers, indexOfId),
  );
  return {
    groupName,
    bucketCount,
    copyCount,
    versions: {
      client: view.getUint32(4, true),
      server: view.getUint32(8, true),
      plugins: view.getUint32(12, true),
      areaCapacity: view.getUint32(16, true),
    },
    epoch: 0n,
    migrateBlockCount,
    configHash: '',
    servers,
    recordSeq: 0,
    current,
    progress,
    destination,
  };
}

function convertTable(view: DataView, offset: number, slotCount: number, name: string, servers: string[], indexOfId: Map<bigint, number>): Uint32Array {
  const table = new Uint32Array(slotCount);
  for (let slot = 0; slot < slotCount; slot++) {
    const id = view.getBigUint64(offset + slot * 8, true);
    if (id === 0n) continue;
    let index = indexOfId.get(id);
    if (index === undefined) {
      const port = (id >> 32n) & 0xffffn;
      if (id >> 48n !== 0n || port === 0n) {
        throw new InputError(`${name} table slot ${slot} holds 0x${id.toString(16)}, which is not a server id (ip:port)`);
      }
      if (servers.length >= serverCountMax) throw new InputError(`more than ${serverCountMax} distinct servers`);
      servers.push(formatServerId(id));
      index = servers.length;
      indexOfId.set(id, index);
    }
    table[slot] = index;
  }
  return table;
}
