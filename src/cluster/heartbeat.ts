/**
 * heartbeat — a data server's heartbeat (pcode 9): its state transition (the
 * picture in server-record.ts) and the reply (pcode 104, as the original's captures show):
 *
 *   unknown server             all zeros (a retired one — removed and drained: "solitary")
 *   rejected (accept 0)        versions 1 ("solitary"), B = C = 0, no table — and nothing bumped,
 *                              however often it asks (the original's version storm)
 *   versions current           versions, transition info, group name, B = C = 0, no table
 *   server version differs,    B, C and the data-server view (current ‖ destination); the host
 *   or migrating and the       attaches the compressed blob of the published tables
 *   transition version differs
 *
 * Plugins go along when the server's plugin version differs; per-server area quotas
 * (capacity ÷ live servers) when its area-capacity version differs. migrated_info, when pulled,
 * comes from the host's views (an index of each server's buckets, not a scan of B).
 */
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/index.js';
import { emptyHeartbeatResponse } from '../protocol/index.js';
import type { ClusterContext } from './cluster-context.js';
import { adminCommand, isPrimary, liveMemberCount, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { applyProxyReport } from './migration-tracking.js';
import { scheduleRebuild } from './rebuild.js';
import type { ServerRecord } from './server-record.js';
import { solitaryVersion } from './versions.js';

/**
 * HeartbeatReply — the response; `tableGroup`: the group whose data-server view the host attaches
 * (versions differ), `viewGroup`: the group whose views a peer asking for them may get (null for
 * a stranger or a server kept out), `migratedInfoGroup`: the group whose migrated info was pulled.
 */
export interface HeartbeatReply {
  response: HeartbeatResponse;
  tableGroup: string | null;
  viewGroup: string | null;
  migratedInfoGroup: string | null;
}

const emptyBlob = Buffer.alloc(0);

/**
 * handleHeartbeat — update the sender's state and answer it. The server version a known data
 * server holds (`sourceVerified`: it connects from its own address) raises the group's version
 * floor: the next versions go past it (versions.ts).
 */
export function handleHeartbeat(context: ClusterContext, request: HeartbeatRequest, nowMs: number, sourceVerified = true): HeartbeatReply {
  const record = context.records.get(request.serverId);
  const group = record ? context.groups.get(record.groupName) : undefined;
  if (!record || !group) return { response: strangerResponse(context, request.serverId), tableGroup: null, viewGroup: null, migratedInfoGroup: null };
  record.lastHeartbeatMs = nowMs;
  if (sourceVerified && request.configVersion > group.reportedServerVersionMax) group.reportedServerVersionMax = request.configVersion;
  if (!admit(context, group, record, request, nowMs)) return { response: solitaryResponse(group), tableGroup: null, viewGroup: null, migratedInfoGroup: null };
  if (isPrimary(context) && record.status === 'alive' && request.configVersion === group.published.versions.server && request.proxyBucketIndexes.length > 0) {
    applyProxyReport(group, record, request.proxyBucketIndexes, nowMs);
  }
  return replyFor(context, group, request);
}

/** admit — the state transition of one heartbeat; false when the server is kept out. */
function admit(context: ClusterContext, group: GroupState, record: ServerRecord, request: HeartbeatRequest, nowMs: number): boolean {
  switch (record.status) {
    case 'down':
      return admitDown(context, group, record, request, nowMs);
    case 'standby':
      if (!request.notReady && request.configVersion >= record.standbyVersion && nowMs - record.standbySinceMs >= group.config.serverDownTimeMs) {
        setStatus(context, group, record, 'alive', 'in standby long enough and holds the table');
        record.admitted = false;
        scheduleRebuild(group, nowMs, `${record.id} is up`);
      }
      return true;
    case 'alive':
      if (request.notReady) {
        enterStandby(group, record, nowMs);
        setStatus(context, group, record, 'standby', 'reports not ready');
        scheduleRebuild(group, nowMs, `${record.id} is not ready`);
      }
      return true;
  }
}

function admitDown(context: ClusterContext, group: GroupState, record: ServerRecord, request: HeartbeatRequest, nowMs: number): boolean {
  if (record.heldOut) return false;
  if (!group.hasTable && record.member && !request.notReady) {
    // Nothing to protect before the first table: a fresh cluster starts under any accept strategy.
    group.firstHeartbeatMs ??= nowMs;
    setStatus(context, group, record, 'alive', 'joins a group that has no table yet');
    return true;
  }
  if (record.member && (group.config.acceptStrategy === 1 || record.admitted)) {
    enterStandby(group, record, nowMs);
    setStatus(context, group, record, 'standby', record.admitted ? 'admitted by the operator' : 'accept strategy 1');
    return true;
  }
  if (!record.rejectNoticed) {
    record.rejectNoticed = true;
    notify(context, {
      level: 'warn',
      event: 'server-rejected',
      group: group.name,
      server: record.id,
      message: record.member
        ? `${record.id} heartbeats but _accept_strategy is 0: kept solitary until an operator admits it: ${adminCommand(context, `admit ${group.name} ${record.id}`)}`
        : `${record.id} is no longer in _server_list: kept solitary`,
    });
  }
  return false;
}

function enterStandby(group: GroupState, record: ServerRecord, nowMs: number): void {
  record.standbyVersion = group.published.versions.server;
  record.standbySinceMs = nowMs;
}

/** setStatus — change a server's status; a change of who is ALIVE changes the group's member generation. */
export function setStatus(context: ClusterContext, group: GroupState, record: ServerRecord, status: ServerRecord['status'], why: string): void {
  if (record.status === status) return;
  const aliveChanged = record.status === 'alive' || status === 'alive';
  notify(context, {
    level: status === 'down' ? 'warn' : 'info',
    event: `server-${status}`,
    group: group.name,
    server: record.id,
    message: `${record.id}: ${record.status.toUpperCase()} → ${status.toUpperCase()} (${why})`,
  });
  record.status = status;
  record.probePending = false;
  if (status === 'down') record.rejectNoticed = false;
  if (aliveChanged) group.memberGeneration += 1;
}

function replyFor(context: ClusterContext, group: GroupState, request: HeartbeatRequest): HeartbeatReply {
  const published = group.published;
  const { config } = group;
  const sendTable = request.configVersion !== published.versions.server || (published.migrating && request.transition.version !== published.transitionVersion);
  const response: HeartbeatResponse = {
    clientVersion: published.versions.client,
    serverVersion: published.versions.server,
    bucketCount: sendTable ? published.bucketCount : 0,
    copyCount: sendTable ? published.copyCount : 0,
    downConfigServerId: 0n,
    transition: {
      version: published.transitionVersion,
      dataNeedMove: config.dataMove,
      failovering: false,
      migrating: published.migrating,
    },
    tableBlob: emptyBlob,
    groupName: group.name,
    plugins: request.pluginsVersion !== published.versions.plugins ? [...config.plugins] : null,
    pluginsVersion: published.versions.plugins,
    areaCapacityVersion: published.versions.areaCapacity,
    areaQuotas: request.areaCapacityVersion !== published.versions.areaCapacity ? areaQuotas(context, group) : [],
    migratedInfo: [],
    recoveryServerIds: [],
    recoveryVersion: 0,
  };
  return {
    response,
    tableGroup: sendTable && published.hasTable ? group.name : null,
    viewGroup: published.hasTable ? group.name : null,
    migratedInfoGroup: request.pullMigratedInfo && published.hasTable ? group.name : null,
  };
}

/** areaQuotas — each area's capacity divided by the live servers. */
function areaQuotas(context: ClusterContext, group: GroupState): HeartbeatResponse['areaQuotas'] {
  if (group.liveCount.generation !== group.memberGeneration) {
    group.liveCount = { generation: group.memberGeneration, count: liveMemberCount(context, group.name) };
  }
  const liveCount = group.liveCount.count;
  if (liveCount === 0) return [];
  return [...group.config.areaCapacities].map(([area, bytes]) => ({ area, bytes: bytes / BigInt(liveCount) }));
}

/** strangerResponse — a retired server (removed and drained) is told to go solitary; anyone else gets zeros. */
function strangerResponse(context: ClusterContext, serverId: bigint): HeartbeatResponse {
  const retiredFrom = context.retired.get(serverId);
  const group = retiredFrom === undefined ? undefined : context.groups.get(retiredFrom);
  return group ? solitaryResponse(group) : unknownServerResponse();
}

function unknownServerResponse(): HeartbeatResponse {
  return emptyHeartbeatResponse();
}

function solitaryResponse(group: GroupState): HeartbeatResponse {
  return {
    ...unknownServerResponse(),
    clientVersion: solitaryVersion,
    serverVersion: solitaryVersion,
    groupName: group.name,
    plugins: null,
    pluginsVersion: group.published.versions.plugins,
    areaCapacityVersion: group.published.versions.areaCapacity,
  };
}
