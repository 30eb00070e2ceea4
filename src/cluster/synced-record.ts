/**
 * synced-record — a secondary takes the primary's next record (src/pair sends every record it
 * saves) in O(changed rows), instead of a whole table per version:
 *
 *   record seq ≠ ours + 1, other B or C, a value past the server list,
 *   or the rows do not reach the record's table hash            ──▶ false (nothing changed; the
 *                                                                    primary then has us pull whole)
 *   whole tables                                                 ──▶ installSyncedTable
 *   rows                                                         ──▶ tables and saved tables take them,
 *                                                                    header and versions, migration
 *                                                                    counts per changed bucket, served
 */
import type { ClusterContext } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { snapshotPublished } from './group-state.js';
import { serverIdFromText } from '../common/server-id.js';
import { needsMigration } from './migration-plan.js';
import type { RecordRows, TableRecord } from './persisted-group-table.js';
import { tableOfRecord } from './persisted-group-table.js';
import { adoptTableServers, installSyncedTable } from './pair-roles.js';
import { hashWithRows, rowsFitServers, writeRows } from './record-rows.js';

/** applySyncedRecord — see the file comment; true when the record is now this group's state. */
export function applySyncedRecord(context: ClusterContext, record: TableRecord, transitionVersion: number, nowMs: number): boolean {
  const group = context.groups.get(record.groupName);
  if (!group) return false;
  const { body } = record;
  if (body.kind === 'tables') {
    if (!record.servers) return false;
    return installSyncedTable(context, tableOfRecord(record, record.servers, body), transitionVersion, nowMs);
  }
  const { tables, records } = group;
  if (record.seq !== records.seq + 1 || record.bucketCount !== tables.bucketCount || record.copyCount !== tables.copyCount) return false;
  const serverCount = record.servers ? record.servers.length : tables.servers.length;
  if (!rowsFitServers(body, serverCount)) return false;
  if (hashWithRows(records.saved, records.tableHash, body, tables.bucketCount, tables.copyCount) !== record.tableHash) return false;
  if (record.servers) replaceServers(group, record.servers);
  const used = applyRows(group, body);
  Object.assign(group, { epoch: record.epoch, configHash: record.configHash, migrateBlockCount: record.migrateBlockCount, transitionVersion });
  group.versions = { ...record.versions };
  group.hasTable = group.hasTable || used.some((flag, value) => value > 0 && flag === 1);
  records.seq = record.seq;
  records.tableHash = record.tableHash;
  records.serverListGeneration = tables.serverListGeneration;
  group.tableGeneration += 1;
  group.publishSeq += 1;
  group.published = snapshotPublished(group, group.publishSeq);
  context.outbox.publish.push(rowsPublication(group, body));
  adoptTableServers(context, group, used, nowMs);
  return true;
}

/** applyRows — the rows into the working and saved tables, migration counts following; returns the values named. */
function applyRows(group: GroupState, body: RecordRows): Uint8Array {
  const { tables } = group;
  const used = new Uint8Array(tables.servers.length + 1);
  for (let i = 0; i < body.rows.length; i++) used[body.rows[i]] = 1;
  writeRows([tables, group.records.saved], body, tables.bucketCount, tables.copyCount, (bucketIndex, phase) =>
    countMigration(group, bucketIndex, phase === 'before' ? -1 : 1),
  );
  return used;
}

/** countMigration — add `sign` to the migration count of the bucket's source, if it must move. */
function countMigration(group: GroupState, bucketIndex: number, sign: 1 | -1): void {
  const { progress, destination, bucketCount } = group.tables;
  if (!needsMigration(progress, destination, bucketIndex, bucketCount)) return;
  const source = progress[bucketIndex];
  const entry = group.migration.get(source) ?? { left: 0, lastProgressMs: 0 };
  entry.left += sign;
  if (entry.left <= 0) group.migration.delete(source);
  else group.migration.set(source, entry);
}

/** replaceServers — the record's server list (values in its rows refer to it). */
function replaceServers(group: GroupState, servers: string[]): void {
  const { tables } = group;
  tables.servers = [...servers];
  tables.serverIds = servers.map((server) => serverIdFromText(server, 0));
  tables.valueOf = new Map(tables.serverIds.map((serverId, index) => [serverId, index + 1]));
  tables.serverListGeneration += 1;
}

/** rowsPublication — what the secondary serves next: the record's rows (current and the real destination). */
function rowsPublication(group: GroupState, body: RecordRows) {
  const { tables } = group;
  const { copyCount } = tables;
  const width = 2 * copyCount;
  const rows = new Uint32Array(body.bucketIndexes.length * width);
  for (let position = 0; position < body.bucketIndexes.length; position++) {
    const from = position * 3 * copyCount;
    rows.set(body.rows.subarray(from, from + copyCount), position * width);
    rows.set(body.rows.subarray(from + 2 * copyCount, from + 3 * copyCount), position * width + copyCount);
  }
  return {
    groupName: group.name,
    seq: group.publishSeq,
    bucketCount: tables.bucketCount,
    copyCount,
    versions: { server: group.versions.server, client: group.versions.client },
    hasTable: group.hasTable,
    serverIds: [...tables.serverIds],
    rows: { kind: 'rows' as const, baseSeq: group.publishSeq - 1, bucketIndexes: body.bucketIndexes, rows },
  };
}
