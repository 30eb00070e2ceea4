/**
 * status-text — the /status document for a terminal (`tair-cs status`), the health first:
 *
 *   HEALTH_WARN group_1: 1 data server DOWN: 127.0.0.1:5193
 *   config server 127.0.0.1:5198  primary  epoch 0  up 42.0 s
 *
 *   group group_1  FAILOVERING  B=64 C=2 balanced  versions client 14 · server 12 · transition 3
 *     migration [████████████░░░░░░░░░░░░░░░░░░]  40%  13/32 buckets · 1.5/s · ETA 13 s
 *     left per source: 127.0.0.1:5191 10, 127.0.0.1:5192 9
 *     rack 127.0
 *       127.0.0.1:5191  ALIVE    w1  replicas  43/42.7  masters 22/21.3
 *       127.0.0.1:5193  DOWN     w1  replicas   0/0.0   masters  0/0.0
 *
 *   recent events
 *     12:00:01  warn   server-down  127.0.0.1:5193: ALIVE → DOWN (no heartbeat for 2100 ms)
 */
import { healthLine } from './health.js';
import type { DataServerStatus, GroupStatus, QuorumStatus, StatusDocument } from './status-model.js';

const barWidth = 30;
const eventLines = 8;

/** renderStatusText — see the file comment. */
export function renderStatusText(status: StatusDocument): string {
  const lines = [healthLine(status.health), `config server ${status.address}  ${status.role}  epoch ${status.epoch}  up ${formatSeconds(status.uptimeS)}`];
  if (status.quorum) lines.push(quorumLine(status.quorum));
  for (const group of status.groups) lines.push('', ...groupLines(group));
  const events = status.events.slice(-eventLines);
  if (events.length > 0) {
    lines.push('', 'recent events');
    for (const event of events) {
      const time = event.time.slice(11, 19);
      lines.push(`  ${time}  ${event.level.padEnd(5)}  ${event.event}  ${event.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** quorumLine — `quorum: etcd connected · leader 10.0.0.1:5198 (epoch 3) · this server follower · committed group_1 v12`. */
function quorumLine(quorum: QuorumStatus): string {
  const leader = quorum.leader ? `leader ${quorum.leader.address} (epoch ${quorum.leader.epoch})` : 'no leader';
  const committed = Object.entries(quorum.committed)
    .map(([group, sequence]) => `${group} v${sequence}`)
    .join(', ');
  const readOnly = quorum.readOnly ? ' · read-only: publishing nothing' : '';
  return `quorum: etcd ${quorum.etcd} · ${leader} · this server ${quorum.role}${committed ? ` · committed ${committed}` : ''}${readOnly}`;
}

/** progressBar — `[████░░░░]` for done of total. */
export function progressBar(done: number, total: number, width = barWidth): string {
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function groupLines(group: GroupStatus): string[] {
  const { versions, migration } = group;
  const lines = [
    `group ${group.name}  ${group.state.toUpperCase()}  B=${group.bucketCount} C=${group.copyCount} ${group.strategy}  ` +
      `versions client ${versions.client} · server ${versions.server} · transition ${versions.transition}`,
  ];
  if (!group.hasTable) lines.push('  no table yet');
  for (const alarm of group.alarms) lines.push(`  ALARM ${alarm.code}: ${alarm.message}`);
  if (migration.migrating && migration.bucketsTotal === 0) {
    lines.push('  migration: every bucket has moved; the table is being completed');
  } else if (migration.migrating) {
    const percent = migration.bucketsTotal > 0 ? Math.round((100 * migration.bucketsDone) / migration.bucketsTotal) : 0;
    const pace = migration.ratePerS === null ? 'measuring' : `${migration.ratePerS}/s`;
    const flags = `${migration.paused ? '  PAUSED' : ''}${migration.capPerServer === null ? '' : `  cap ${migration.capPerServer}/server`}`;
    lines.push(
      `  migration ${progressBar(migration.bucketsDone, migration.bucketsTotal)} ${String(percent).padStart(3)}%  ` +
        `${migration.bucketsDone}/${migration.bucketsTotal} buckets · ${pace} · ETA ${migration.etaS === null ? '—' : formatSeconds(migration.etaS)}${flags}`,
    );
    if (migration.sources.length > 0) lines.push(`  left per source: ${migration.sources.map((source) => `${source.server} ${source.left}`).join(', ')}`);
  }
  const racks = new Map<string, DataServerStatus[]>();
  for (const server of group.dataServers) racks.set(server.rack, [...(racks.get(server.rack) ?? []), server]);
  for (const rack of [...racks.keys()].sort()) {
    lines.push(`  rack ${rack}`);
    for (const server of racks.get(rack) ?? []) lines.push(`    ${serverLine(server)}`);
  }
  return lines;
}

function serverLine(server: DataServerStatus): string {
  const flags = [server.draining ? (server.drained ? 'drained' : 'draining') : '', server.failedOver ? 'failed over' : '', server.member ? '' : 'removed']
    .filter((flag) => flag !== '')
    .join(', ');
  return (
    `${server.id.padEnd(21)} ${server.state.toUpperCase().padEnd(7)}  w${String(server.weight).padEnd(3)} ` +
    `replicas ${String(server.replicas.held).padStart(5)}/${server.replicas.quota.toFixed(1).padEnd(7)} ` +
    `masters ${String(server.masters.held).padStart(5)}/${server.masters.quota.toFixed(1).padEnd(7)}${flags ? ` ${flags}` : ''}`.trimEnd()
  );
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
