/**
 * pair-roles — what the config-server pair (src/pair) changes in the state machine:
 *
 *   role primary     everything (the default when a server runs alone)
 *   role secondary   liveness only: no rebuilds, saves, migration checks, proxy reports or
 *                    finishes; tables arrive from the primary (installSyncedTable)
 *   takeover         versions jump (max(ours, what known data servers report) + step), the epoch is
 *                    set, every group is saved and published, dead servers are rebuilt away
 *   stall            a gap between ticks (the process did not run): every data server's silence
 *                    is shortened by the gap, so a woken server does not declare them all DOWN
 */
import type { PersistedGroupTable } from './persisted-group-table.js';
import type { ClusterContext } from './cluster-context.js';
import { notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { createGroupState, markChanged, resetMigration, snapshotPublished } from './group-state.js';
import { wholePublication } from './save-snapshot.js';
import { setStatus } from './heartbeat.js';
import { endIsolations } from './isolation.js';
import { scheduleRebuild } from './rebuild.js';
import { createServerRecord } from './server-record.js';
import { jumpPast } from './versions.js';

/** ClusterRole — primary decides, secondary follows. */
export type ClusterRole = 'primary' | 'secondary';

/** Takeover — a new primary's epoch and version jump. */
export interface Takeover {
  epoch: bigint;
  /** versionStep — added to client and server versions (the original's server_up_inc_step, 100). */
  versionStep: number;
}

/** stallGapMs — a gap between ticks longer than this means the process did not run. */
export const stallGapMs = 1000;

/** setClusterRole — switch role; a new secondary drops its in-flight saves and jobs (their rebuilds wait). */
export function setClusterRole(context: ClusterContext, role: ClusterRole, nowMs: number): void {
  if ((context.role ?? 'primary') === role) return;
  context.role = role;
  if (role === 'primary') return;
  endIsolations(context, nowMs);
  for (const group of context.groups.values()) {
    const job = group.job;
    if (job) scheduleRebuild(group, nowMs, job.reason, job.forceBump);
    group.job = null;
    group.saving = null;
    group.buildAfterSave = null;
    for (const reply of group.deferred.values()) context.outbox.replies.push({ token: reply.token, code: 1 });
    group.deferred.clear();
  }
}

/** absorbStall — called at every tick: after a gap, silences shrink by the gap. */
export function absorbStall(context: ClusterContext, nowMs: number): void {
  const lastTickMs = context.lastTickMs;
  context.lastTickMs = nowMs;
  if (lastTickMs === undefined || nowMs - lastTickMs <= stallGapMs) return;
  const gapMs = nowMs - lastTickMs;
  for (const record of context.records.values()) {
    if (Number.isFinite(record.lastHeartbeatMs)) record.lastHeartbeatMs = Math.min(nowMs, record.lastHeartbeatMs + gapMs);
  }
  notify(context, {
    level: 'warn',
    event: 'stalled',
    message: `this process did not run for ${Math.round(gapMs)} ms; data servers get that long again before they count as silent`,
  });
}

/**
 * installSyncedTable — a secondary takes the primary's durable table of a group (already saved
 * locally) as its published state, served whole. Servers in the table that heartbeat us are
 * ALIVE (the primary's view wins). False when the group is not loaded.
 */
export function installSyncedTable(context: ClusterContext, table: PersistedGroupTable, transitionVersion: number, nowMs: number): boolean {
  const old = context.groups.get(table.groupName);
  if (!old) return false;
  const config =
    table.bucketCount === old.config.bucketCount && table.copyCount === old.config.copyCount
      ? old.config
      : { ...old.config, bucketCount: table.bucketCount, copyCount: table.copyCount };
  const fresh = createGroupState(config, table, nowMs);
  fresh.transitionVersion = transitionVersion;
  fresh.firstHeartbeatMs = old.firstHeartbeatMs;
  fresh.rebuild = old.rebuild;
  fresh.memberGeneration = old.memberGeneration + 1;
  fresh.publishSeq = old.publishSeq + 1;
  fresh.published = snapshotPublished(fresh, fresh.publishSeq);
  for (const reply of old.deferred.values()) context.outbox.replies.push({ token: reply.token, code: 1 });
  context.groups.set(fresh.name, fresh);
  context.outbox.publish.push(wholePublication(fresh, fresh.publishSeq));
  adoptTableServers(context, fresh, usedValues(fresh), nowMs);
  return true;
}

/** takeOverGroups — this server becomes primary under a new epoch: versions jump, everything is republished. */
export function takeOverGroups(context: ClusterContext, takeover: Takeover, nowMs: number): void {
  for (const group of context.groups.values()) {
    group.epoch = takeover.epoch;
    if (!group.hasTable) continue;
    const floor = group.reportedServerVersionMax;
    group.versions.server = jumpPast(group.versions.server, floor, takeover.versionStep);
    group.versions.client = jumpPast(group.versions.client, floor, takeover.versionStep);
    group.transitionVersion = 0;
    group.tableGeneration += 1;
    group.proxyReported.clear();
    resetMigration(group, nowMs);
    markChanged(group);
    if (namesServerNotAlive(context, group)) scheduleRebuild(group, nowMs, 'new primary: the table names data servers that are not alive');
    notify(context, {
      level: 'info',
      event: 'pair-versions-jumped',
      group: group.name,
      message: `epoch ${takeover.epoch}: versions ${group.versions.client}/${group.versions.server} so that every data server and client takes this table`,
    });
  }
}

/** usedValues — the table values the current or destination table names, O(B·C). */
function usedValues(group: GroupState): Uint8Array {
  const { tables } = group;
  const used = new Uint8Array(tables.servers.length + 1);
  for (const table of [tables.current, tables.destination]) for (let slot = 0; slot < table.length; slot++) used[table[slot]] = 1;
  return used;
}

/** adoptTableServers — records for the table's servers `used` names; those we hear from are ALIVE. */
export function adoptTableServers(context: ClusterContext, group: GroupState, used: Uint8Array, nowMs: number): void {
  const { tables } = group;
  const heardSinceMs = nowMs - 2 * group.config.serverDownTimeMs;
  for (let value = 1; value <= tables.servers.length; value++) {
    if (!used[value]) continue;
    const serverId = tables.serverIds[value - 1];
    const record = context.records.get(serverId);
    if (!record) {
      const created = createServerRecord(group.name, { id: tables.servers[value - 1], serverId, rack: 'removed', weight: 1, line: 0 }, 'alive', nowMs);
      created.member = false;
      context.records.set(serverId, created);
    } else if (record.groupName === group.name && record.status !== 'alive' && record.lastHeartbeatMs >= heardSinceMs) {
      setStatus(context, group, record, 'alive', 'in the table the primary published');
    }
  }
}

function namesServerNotAlive(context: ClusterContext, group: GroupState): boolean {
  const { tables } = group;
  const notAlive = tables.serverIds.map((serverId) => context.records.get(serverId)?.status !== 'alive');
  for (const table of [tables.current, tables.destination]) {
    for (let slot = 0; slot < table.length; slot++) if (table[slot] !== 0 && notAlive[table[slot] - 1]) return true;
  }
  return false;
}
