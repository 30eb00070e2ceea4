/**
 * log-replay — a snapshot brought forward by the records of its log, in place:
 *
 *   record seq ≤ the snapshot's       skipped (a log older than the snapshot: written before it)
 *   record seq = the table's + 1      applied: rows, server list, header; its table hash must match
 *   anything else                     stop: a gap, another shape, a value past the server list, or a
 *                                     hash that does not match means what follows cannot be trusted
 */
import type { PersistedGroupTable, TableRecord } from '../cluster/persisted-group-table.js';
import { hashWithRows, rowsFitServers, writeRows } from '../cluster/record-rows.js';
import { tableHashOf } from '../cluster/table-hash.js';

/** ReplayResult — how many records were applied, and why replay stopped early (null: it did not). */
export interface ReplayResult {
  applied: number;
  problem: string | null;
}

/** replayLog — apply `records` to `table` (see the file comment). */
export function replayLog(table: PersistedGroupTable, records: readonly TableRecord[]): ReplayResult {
  let applied = 0;
  let hash: number | null = null;
  for (const record of records) {
    if (record.seq <= table.recordSeq) continue;
    const { body } = record;
    if (record.seq !== table.recordSeq + 1) return { applied, problem: `record ${record.seq} follows record ${table.recordSeq}: a gap` };
    if (body.kind !== 'rows' || record.bucketCount !== table.bucketCount || record.copyCount !== table.copyCount || record.groupName !== table.groupName) {
      return { applied, problem: `record ${record.seq} is for another table shape or group` };
    }
    const servers = record.servers ?? table.servers;
    if (!rowsFitServers(body, servers.length)) return { applied, problem: `record ${record.seq} names a server past its list` };
    hash ??= tableHashOf(table.current, table.progress, table.destination);
    const next = hashWithRows(table, hash, body, table.bucketCount, table.copyCount);
    if (next !== record.tableHash) return { applied, problem: `record ${record.seq} does not reach its table hash` };
    writeRows([table], body, table.bucketCount, table.copyCount);
    Object.assign(table, {
      versions: { ...record.versions },
      epoch: record.epoch,
      migrateBlockCount: record.migrateBlockCount,
      configHash: record.configHash,
      servers: [...servers],
      recordSeq: record.seq,
    });
    hash = next;
    applied += 1;
  }
  return { applied, problem: null };
}
