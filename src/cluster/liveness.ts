/**
 * liveness — down detection, T = the group's `_server_down_time`:
 *
 *   silent ≤ T          fine
 *   T < silent ≤ 2T     the host TCP-connects to the server (a probe); a failed probe → DOWN
 *   silent > 2T         DOWN, whatever a probe says (a hung process whose port accepts)
 *
 * An ALIVE server going DOWN asks for an immediate rebuild; a STANDBY one does not (it holds
 * no buckets). A closed connection alone means nothing: data servers reconnect. In a pair, a DOWN
 * verdict waits while the peer has not answered since the server went quiet, and in an isolated
 * group it is not given at all (isolation.ts): this server may be the one cut off.
 */
import type { ClusterContext } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { downVerdictWaits, isIsolated } from './isolation.js';
import { setStatus } from './heartbeat.js';
import { scheduleRebuild } from './rebuild.js';
import type { ServerRecord } from './server-record.js';
import { judgeSilence } from './server-record.js';

/** checkLiveness — one pass over every non-DOWN data server. */
export function checkLiveness(context: ClusterContext, nowMs: number): void {
  for (const record of context.records.values()) {
    if (record.status === 'down') continue;
    const group = context.groups.get(record.groupName);
    if (!group) continue;
    const verdict = judgeSilence(record, nowMs, group.config.serverDownTimeMs);
    if (verdict === 'down' && !downVerdictWaits(context, group, record)) {
      declareDown(context, group, record, nowMs, `no heartbeat for ${Math.round(nowMs - record.lastHeartbeatMs)} ms`);
    } else if (verdict === 'probe' && !record.probePending && nowMs - record.lastProbeMs >= context.options.probeIntervalMs && !isIsolated(group)) {
      record.probePending = true;
      record.lastProbeMs = nowMs;
      context.outbox.probes.push({ serverId: record.serverId, address: record.id });
    }
  }
}

/** probeResult — a failed probe of a server still silent past T makes it DOWN. */
export function probeResult(context: ClusterContext, serverId: bigint, reachable: boolean, nowMs: number): void {
  const record = context.records.get(serverId);
  if (!record) return;
  record.probePending = false;
  const group = context.groups.get(record.groupName);
  if (!group || reachable || record.status === 'down' || downVerdictWaits(context, group, record)) return;
  if (judgeSilence(record, nowMs, group.config.serverDownTimeMs) === 'fine') return;
  declareDown(context, group, record, nowMs, `no heartbeat for ${Math.round(nowMs - record.lastHeartbeatMs)} ms and its port refuses connections`);
}

function declareDown(context: ClusterContext, group: GroupState, record: ServerRecord, nowMs: number, why: string): void {
  const wasAlive = record.status === 'alive';
  setStatus(context, group, record, 'down', why);
  if (wasAlive && group.hasTable) scheduleRebuild(group, nowMs, `${record.id} is down`);
}
