/**
 * records-on-disk — what a store holds after a cluster's records, replayed as the store does
 * (log-replay.ts), and a check that it is the cluster's working state: every change of a row was
 * marked and went into a record.
 */
import type { GroupState } from '../../src/cluster/index.js';
import type { PersistedGroupTable, TableRecord } from '../../src/cluster/persisted-group-table.js';
import { tableOfRecord } from '../../src/cluster/persisted-group-table.js';
import { replayLog } from '../../src/store/log-replay.js';

/** onDisk — the table after `record`: whole tables as they are, rows replayed onto the previous state. */
export function onDisk(previous: PersistedGroupTable | undefined, record: TableRecord): PersistedGroupTable {
  const { body } = record;
  if (body.kind === 'tables') return tableOfRecord(record, record.servers ?? [], body);
  if (!previous) throw new Error(`record ${record.seq} of ${record.groupName} has no table before it`);
  const table = { ...previous, current: previous.current.slice(), progress: previous.progress.slice(), destination: previous.destination.slice() };
  const replay = replayLog(table, [record]);
  if (replay.applied !== 1) throw new Error(`record ${record.seq} of ${record.groupName} does not replay: ${replay.problem}`);
  return table;
}

/** diskDifference — how the table on disk differs from the group's working tables, or null when it does not. */
export function diskDifference(disk: PersistedGroupTable, group: Readonly<GroupState>): string | null {
  for (const name of ['current', 'progress', 'destination'] as const) {
    const working = group.tables[name];
    const same = disk[name].length === working.length && disk[name].every((value, slot) => value === working[slot]);
    if (!same) return `the ${name} table on disk differs from the working one (a change not recorded)`;
  }
  const lists = `[${disk.servers.join(', ')}] on disk, [${group.tables.servers.join(', ')}] working`;
  // Every slot names the same server either way.
  for (const table of [disk.current, disk.progress, disk.destination]) {
    for (const value of table) {
      if (value !== 0 && disk.servers[value - 1] !== group.tables.servers[value - 1]) return `server ${value} differs between the lists: ${lists}`;
    }
  }
  // A server only added to the list (named before a build that gave it nothing) is recorded with
  // the next change; with none pending the lists are the same.
  const listRecorded = group.records.serverListGeneration === group.tables.serverListGeneration;
  if (listRecorded && disk.servers.join() !== group.tables.servers.join()) return `the server lists differ: ${lists}`;
  return null;
}
