/**
 * admin-apply — carries out one AdminCommand on the cluster state (step `admin`).
 *
 *   command ──group known?──▶ the command's checks ──ok──▶ state changed, notice, info lines
 *                 │ no                  │ refused
 *                 ▼                     ▼
 *           groupNotFound        invalidParam / refused, nothing changed
 */
import { migrationCapMax } from '../../limits.js';
import type { ClusterContext } from '../cluster-context.js';
import { notify } from '../cluster-context.js';
import type { GroupState } from '../group-state.js';
import type { AdminCommand, AdminOutcome } from './admin-command.js';
import { done, refuse } from './admin-command.js';
import { releaseChanged } from './migration-release.js';
import { drainServer, failoverServer, forceRebuild, recoverServer, undrainServer } from './server-ops.js';
import { migrateBucket, replaceServers, switchBuckets, urgentOffline } from './table-edits.js';

/** applyAdminCommand — see the file comment. */
export function applyAdminCommand(context: ClusterContext, command: AdminCommand, nowMs: number): AdminOutcome {
  const group = context.groups.get(command.groupName);
  if (!group) return refuse('groupNotFound', `group ${command.groupName} not found`);
  switch (command.kind) {
    case 'rebuild':
      return forceRebuild(context, group, nowMs);
    case 'drain':
      return drainServer(context, group, command.serverId, nowMs);
    case 'undrain':
      return undrainServer(context, group, command.serverId, nowMs);
    case 'failover':
      return failoverServer(context, group, command.serverId, nowMs);
    case 'recover':
      return recoverServer(context, group, command.serverId);
    case 'pause':
      return setPaused(context, group, true);
    case 'resume':
      return setPaused(context, group, false);
    case 'migrationCap':
      return setMigrationCap(context, group, command.capPerServer);
    case 'migrateBucket':
      return migrateBucket(context, group, command, nowMs);
    case 'switchBuckets':
      return switchBuckets(context, group, command, nowMs);
    case 'replaceServers':
      return replaceServers(context, group, command, nowMs);
    case 'urgentOffline':
      return urgentOffline(context, group, command, nowMs);
  }
}

function setPaused(context: ClusterContext, group: GroupState, paused: boolean): AdminOutcome {
  if (group.operator.paused === paused) return done(`migration of group ${group.name} is already ${paused ? 'paused' : 'running'}`);
  group.operator.paused = paused;
  releaseChanged(group);
  const message = paused
    ? `migration paused: data servers are shown no bucket to move until resumed (${Math.max(group.migrateBlockCount, 0)} left)`
    : 'migration resumed';
  notify(context, { level: 'info', event: paused ? 'migration-paused' : 'migration-resumed', group: group.name, message });
  return done(`group ${group.name}: ${message}`);
}

function setMigrationCap(context: ClusterContext, group: GroupState, capPerServer: number | null): AdminOutcome {
  if (capPerServer !== null && (!Number.isInteger(capPerServer) || capPerServer < 1 || capPerServer > migrationCapMax)) {
    return refuse('invalidParam', `the cap must be a whole number 1..${migrationCapMax} (0 = no cap)`);
  }
  if (group.operator.capPerServer === capPerServer) return done(`group ${group.name}: cap unchanged`);
  group.operator.capPerServer = capPerServer;
  releaseChanged(group);
  const message = capPerServer === null ? 'no cap on concurrent migrations' : `at most ${capPerServer} buckets move into or out of a data server at a time`;
  notify(context, { level: 'info', event: 'migration-cap', group: group.name, message });
  return done(`group ${group.name}: ${message}`);
}
