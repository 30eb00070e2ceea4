/**
 * cold-start — a group that has never had a table builds once, when its servers have settled
 * (the original rebuilt once per arriving server, each rebuild a migration).
 *
 *   first heartbeat ─┬─ every listed server ALIVE ────────────────┬─▶ one build (current =
 *                    └─ settleMs later (default max(T, 3 s)) ─────┘    progress = destination)
 *
 * With fewer live servers than _min_data_server_count (at least C) it keeps waiting, with an alarm.
 * After a failed build it waits for the set of live servers to change before trying again.
 */
import type { ClusterContext } from './cluster-context.js';
import { liveMemberCount } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { issueBuild } from './rebuild.js';

const settleFloorMs = 3000;

/** settleWindowMs — the cold-start window of a group. */
export function settleWindowMs(context: ClusterContext, group: GroupState): number {
  return context.options.settleMs ?? Math.max(group.config.serverDownTimeMs, settleFloorMs);
}

/** tickColdStart — start the first build of a fresh group once it has settled. */
export function tickColdStart(context: ClusterContext, group: GroupState, nowMs: number): void {
  if (group.hasTable || group.job || group.firstHeartbeatMs === null) return;
  if (group.failedGeneration === group.memberGeneration) return;
  const memberCount = group.config.servers.length;
  const liveCount = liveMemberCount(context, group.name);
  if (liveCount === 0) return;
  const settled = nowMs - group.firstHeartbeatMs >= settleWindowMs(context, group) || liveCount === memberCount;
  if (!settled) return;
  issueBuild(context, group, `cold start with ${liveCount} of ${memberCount} data servers`, false);
}
