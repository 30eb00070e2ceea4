/**
 * server-ops — operator commands about whole data servers and the group's rebuilds:
 *
 *   rebuild     rebuild now, even if nothing changed (versions go up either way: a re-plan)
 *   drain       the server keeps serving but gets no copies in the next builds, so its buckets
 *               move away; once it holds nothing it can leave group.conf with nothing lost
 *   undrain     take it back into the builds
 *   failover    take a server out of service at once: DOWN, its masters promoted and slots
 *               cleared (the quick table), kept solitary until `recover`
 *   recover     let a failed-over server back in: it passes STANDBY and is rebuilt in
 *
 * Every refusal leaves the state untouched.
 */
import { formatServerId } from '../../common/server-id.js';
import type { ClusterContext } from '../cluster-context.js';
import { notify } from '../cluster-context.js';
import type { GroupState } from '../group-state.js';
import { setStatus } from '../heartbeat.js';
import { scheduleRebuild } from '../rebuild.js';
import type { ServerRecord } from '../server-record.js';
import type { AdminOutcome } from './admin-command.js';
import { done, refuse } from './admin-command.js';

/** buildableCount — ALIVE members a build may use, leaving out `except`. */
export function buildableCount(context: ClusterContext, group: GroupState, except: bigint | null): number {
  let count = 0;
  for (const record of context.records.values()) {
    if (record.groupName !== group.name || record.serverId === except) continue;
    if (record.member && record.status === 'alive' && !record.draining && !record.heldOut) count += 1;
  }
  return count;
}

/** neededCount — the fewest live servers a build needs (C, or _min_data_server_count). */
export function neededCount(group: GroupState): number {
  return Math.max(group.config.minDataServerCount, group.tables.copyCount);
}

/** findMember — the group's record of a listed data server, or the reason there is none. */
export function findMember(context: ClusterContext, group: GroupState, serverId: bigint): ServerRecord | string {
  const record = context.records.get(serverId);
  if (!record || record.groupName !== group.name) return `${formatServerId(serverId)} is not a data server of group ${group.name}`;
  if (!record.member) return `${record.id} is no longer in _server_list of group ${group.name}`;
  return record;
}

/** forceRebuild — rebuild now and publish the result even if it equals the table in force. */
export function forceRebuild(context: ClusterContext, group: GroupState, nowMs: number): AdminOutcome {
  if (!group.hasTable) return refuse('refused', `group ${group.name} has no table yet; it is built once its data servers heartbeat`);
  group.failedGeneration = null;
  scheduleRebuild(group, nowMs, 'forced by the operator', true);
  notify(context, { level: 'info', event: 'admin-rebuild', group: group.name, message: 'rebuild forced by the operator' });
  return done(`group ${group.name}: rebuild started`);
}

/** drainServer — see the file comment. */
export function drainServer(context: ClusterContext, group: GroupState, serverId: bigint, nowMs: number): AdminOutcome {
  const record = findMember(context, group, serverId);
  if (typeof record === 'string') return refuse('invalidParam', record);
  if (record.draining) return done(`${record.id} is already draining`);
  const left = buildableCount(context, group, serverId);
  if (left < neededCount(group)) {
    return refuse('refused', `draining ${record.id} would leave ${left} data servers to build with; group ${group.name} needs ${neededCount(group)}`);
  }
  record.draining = true;
  group.operator.drainNoticed.delete(serverId);
  changeBuildInputs(group, nowMs, `${record.id} is draining`);
  notify(context, {
    level: 'info',
    event: 'server-drain',
    group: group.name,
    server: record.id,
    message: `${record.id} draining: its buckets move to the other data servers`,
  });
  return done(`${record.id} draining: its buckets move away; remove it from _server_list once it holds nothing`);
}

/** undrainServer — take a draining server back into the builds. */
export function undrainServer(context: ClusterContext, group: GroupState, serverId: bigint, nowMs: number): AdminOutcome {
  const record = findMember(context, group, serverId);
  if (typeof record === 'string') return refuse('invalidParam', record);
  if (!record.draining) return refuse('refused', `${record.id} is not draining`);
  record.draining = false;
  changeBuildInputs(group, nowMs, `${record.id} is no longer draining`);
  notify(context, { level: 'info', event: 'server-undrain', group: group.name, server: record.id, message: `${record.id} takes copies again` });
  return done(`${record.id} takes copies again`);
}

/** failoverServer — take a server out of service now (see the file comment). */
export function failoverServer(context: ClusterContext, group: GroupState, serverId: bigint, nowMs: number): AdminOutcome {
  const record = findMember(context, group, serverId);
  if (typeof record === 'string') return refuse('invalidParam', record);
  if (record.heldOut) return done(`${record.id} is already failed over`);
  if (group.tables.copyCount < 2) return refuse('refused', `group ${group.name} keeps one copy: a failover would lose data (drain the server instead)`);
  const lastCopies = bucketsOnlyOn(group, serverId);
  if (lastCopies > 0) return refuse('refused', `${record.id} holds the only copy of ${lastCopies} buckets; a failover would lose them`);
  record.heldOut = true;
  record.admitted = false;
  setStatus(context, group, record, 'down', 'failed over by the operator');
  if (group.hasTable) {
    scheduleRebuild(group, nowMs, `${record.id} failed over by the operator`);
  }
  notify(context, {
    level: 'warn',
    event: 'server-failover',
    group: group.name,
    server: record.id,
    message: `${record.id} failed over by the operator: out of the table until recovered`,
  });
  return done(`${record.id} failed over: out of the table, kept solitary until 'recover'`);
}

/** recoverServer — let a failed-over server back in. */
export function recoverServer(context: ClusterContext, group: GroupState, serverId: bigint): AdminOutcome {
  const record = findMember(context, group, serverId);
  if (typeof record === 'string') return refuse('invalidParam', record);
  if (!record.heldOut) return refuse('refused', `${record.id} is not failed over`);
  record.heldOut = false;
  record.admitted = true;
  notify(context, {
    level: 'info',
    event: 'server-recover',
    group: group.name,
    server: record.id,
    message: `${record.id} recovered by the operator; it enters STANDBY at its next heartbeat`,
  });
  return done(`${record.id} recovered: it returns through STANDBY and is rebuilt in`);
}

/** changeBuildInputs — the servers a build may use changed: rebuild now. */
function changeBuildInputs(group: GroupState, nowMs: number, reason: string): void {
  group.memberGeneration += 1;
  group.failedGeneration = null;
  if (!group.hasTable) return;
  scheduleRebuild(group, nowMs, reason);
}

/** bucketsOnlyOn — buckets whose only copy in the served table is on `serverId`. */
export function bucketsOnlyOn(group: GroupState, serverId: bigint): number {
  const { tables } = group;
  const value = tables.valueOf.get(serverId);
  if (value === undefined) return 0;
  let count = 0;
  for (let bucketIndex = 0; bucketIndex < tables.bucketCount; bucketIndex++) {
    let holders = 0;
    let mine = false;
    for (let slot = bucketIndex; slot < tables.current.length; slot += tables.bucketCount) {
      const held = tables.current[slot];
      if (held === 0) continue;
      holders += 1;
      if (held === value) mine = true;
    }
    if (mine && holders === 1) count += 1;
  }
  return count;
}
