/**
 * describe — short text pictures of the cluster's state for scenario transcripts.
 *
 *   servers   ds1 alive, ds2 alive, ds3 down
 *   versions  group_1: client 11, server 11, transition 0, published #3, migrating 4 (ds1 2, ds3 2)
 *   tables    current      master 1 2 3 1 2 3 ...   (numbers are dsN; . = empty)
 */
import type { Cluster } from '../../../src/cluster/index.js';
import type { FakeDataServer } from './fake-fleet.js';

/** describeServers — one line with every simulated server's status. */
export function describeServers(cluster: Cluster, fleet: FakeDataServer[]): string[] {
  const parts = fleet.map((server) => {
    const record = cluster.serverRecord(server.serverId);
    if (!record) return `${server.name} unknown`;
    return `${server.name} ${record.status}${record.member ? '' : ' (draining)'}`;
  });
  return [parts.join(', ')];
}

/** describeVersions — a group's working and published versions and its migration. */
export function describeVersions(cluster: Cluster, groupName: string): string[] {
  const group = cluster.groupState(groupName);
  if (!group) return [`${groupName}: not loaded`];
  const { versions, published } = group;
  const sources = [...group.migration].map(([value, progress]) => `${shortName(group.tables.servers[value - 1])} ${progress.left}`);
  const migrating = group.migrateBlockCount < 0 ? 'not migrating' : `migrating ${group.migrateBlockCount} (${sources.join(', ')})`;
  const alarms = group.alarms.size === 0 ? '' : `, alarms: ${[...group.alarms.keys()].join(', ')}`;
  return [
    `${groupName}: client ${versions.client}, server ${versions.server}, transition ${group.transitionVersion}, ${migrating}${alarms}`,
    `${groupName} published #${published.seq}: client ${published.versions.client}, server ${published.versions.server}`,
  ];
}

/** describeTables — current and destination, one line per copy. */
export function describeTables(cluster: Cluster, groupName: string): string[] {
  const group = cluster.groupState(groupName);
  if (!group) return [];
  const { tables } = group;
  const name = (value: number) => (value === 0 ? '.' : shortName(tables.servers[value - 1]).slice(2));
  const lines: string[] = [];
  for (const [label, table] of [
    ['current', tables.current],
    ['destination', tables.destination],
  ] as const) {
    for (let copyIndex = 0; copyIndex < tables.copyCount; copyIndex++) {
      const row = Array.from(table.subarray(copyIndex * tables.bucketCount, (copyIndex + 1) * tables.bucketCount), name);
      lines.push(`${label.padEnd(11)} copy ${copyIndex}  ${row.join(' ')}`);
    }
  }
  return lines;
}

/** shortName — `127.0.0.1:5193` → `ds3`. */
function shortName(id: string): string {
  const port = Number(id.slice(id.lastIndexOf(':') + 1));
  return `ds${port - 5190}`;
}
