/**
 * rebuild — when and how a group's table is rebuilt, as jobs for the engine.
 *
 *   rebuild due ─▶ dead servers in the table? ─yes─▶ quick job ─▶ install: current = progress =
 *        │                    (C > 1, data moves)                 destination = quick table,
 *        │                                                        versions up (nothing to migrate)
 *        │                                                        ─▶ saved and published, then:
 *        └──no──────────────────────────────────────────▶ build job ─▶ install: destination = build,
 *                                                                      versions up, migration starts
 *
 * Quick first, so a dead server leaves the served table at once, even if the full build of a big
 * table takes seconds. Results that went stale while in flight are dropped and the rebuild reissued.
 * A failed build keeps the last good table and raises an alarm (never "solitary").
 */
import type { ServerSpec } from '../engine/types.js';
import type { ClusterContext } from './cluster-context.js';
import { isPrimary, liveMemberCount, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { hasUnsavedChanges, setAlarm } from './group-state.js';
import { toEngineTable, valueForServer } from './group-tables.js';
import { isIsolated } from './isolation.js';
import { installBuild, installQuick } from './rebuild-install.js';
import type { BuildResult, QuickResult } from './types.js';

const strategyNames = { 1: 'balanced', 2: 'rack', 3: 'auto' } as const;

/** scheduleRebuild — ask for a rebuild at `dueMs` (an earlier request keeps its earlier time). */
export function scheduleRebuild(group: GroupState, dueMs: number, reason: string, forceBump = false): void {
  const pending = group.rebuild;
  if (!pending) {
    group.rebuild = { dueMs, reason, forceBump };
    return;
  }
  if (dueMs < pending.dueMs) {
    pending.dueMs = dueMs;
    pending.reason = reason;
  }
  pending.forceBump ||= forceBump;
}

/** startDueRebuild — issue the group's rebuild when it is due and no job runs. */
export function startDueRebuild(context: ClusterContext, group: GroupState, nowMs: number): void {
  if (!isPrimary(context) || isIsolated(group)) return;
  const afterSave = group.buildAfterSave;
  if (afterSave && !group.job && !group.saving && !hasUnsavedChanges(group)) {
    group.buildAfterSave = null;
    if (!group.rebuild || group.rebuild.dueMs > nowMs) {
      issueBuild(context, group, afterSave.reason, afterSave.forceBump);
      return;
    }
  }
  const request = group.rebuild;
  if (!request || group.job || request.dueMs > nowMs) return;
  group.rebuild = null;
  const { config } = group;
  if (group.hasTable && group.tables.copyCount > 1 && config.dataMove && tableHasDeadSlots(context, group)) {
    issueQuick(context, group, request.reason, request.forceBump);
  } else {
    issueBuild(context, group, request.reason, request.forceBump);
  }
}

/** engineServers — the group's table server list as the engine sees it. */
export function engineServers(context: ClusterContext, group: GroupState, aliveIf: 'heartbeating' | 'member'): ServerSpec[] {
  return group.tables.serverIds.map((serverId, index) => {
    const record = context.records.get(serverId);
    const heartbeating = record?.status === 'alive';
    return {
      id: group.tables.servers[index],
      rack: record?.rack ?? 'unknown',
      weight: record?.weight ?? 1,
      // A draining server keeps serving (it is a migration source) but takes no copies.
      alive: aliveIf === 'heartbeating' ? heartbeating : heartbeating && record?.member === true && !record.draining,
    };
  });
}

function issueQuick(context: ClusterContext, group: GroupState, reason: string, forceBump: boolean): void {
  const jobId = context.nextJobId++;
  group.job = { jobId, kind: 'quick', reason, forceBump, memberGeneration: group.memberGeneration, tableGeneration: group.tableGeneration };
  const { tables } = group;
  context.outbox.jobs.push({
    kind: 'quick',
    jobId,
    groupName: group.name,
    table: toEngineTable(tables.progress, tables.bucketCount, tables.copyCount),
    servers: engineServers(context, group, 'heartbeating'),
    allowLost: group.config.allowLostFlag,
  });
}

/** issueBuild — a full build, unless too few members are alive (then only an alarm). */
export function issueBuild(context: ClusterContext, group: GroupState, reason: string, forceBump: boolean): void {
  if (!isPrimary(context)) return;
  const { tables, config } = group;
  const liveCount = liveMemberCount(context, group.name);
  const needed = Math.max(config.minDataServerCount, tables.copyCount);
  if (liveCount < needed) {
    const message = `${liveCount} data servers alive, ${needed} needed to rebuild (_min_data_server_count, _copy_count)`;
    if (setAlarm(group, 'too-few-servers', message)) {
      notify(context, { level: 'warn', event: 'rebuild-deferred', group: group.name, message });
    }
    return;
  }
  group.alarms.delete('too-few-servers');
  for (const record of context.records.values()) {
    if (record.groupName === group.name && record.member) valueForServer(tables, record.serverId, record.id);
  }
  const jobId = context.nextJobId++;
  group.job = { jobId, kind: 'build', reason, forceBump, memberGeneration: group.memberGeneration, tableGeneration: group.tableGeneration };
  context.outbox.jobs.push({
    kind: 'build',
    jobId,
    groupName: group.name,
    bucketCount: tables.bucketCount,
    copyCount: tables.copyCount,
    servers: engineServers(context, group, 'member'),
    source: group.hasTable ? toEngineTable(tables.progress, tables.bucketCount, tables.copyCount) : null,
    strategy: strategyNames[config.buildStrategy],
    diffRatio: config.buildDiffRatio,
    seed: 0,
  });
  notify(context, { level: 'info', event: 'build-started', group: group.name, message: `building the destination table: ${reason}` });
}

/** quickDone — a quick table came back: install it, then build (or stop at an alarm). */
export function quickDone(context: ClusterContext, group: GroupState, jobId: number, result: QuickResult, nowMs: number): void {
  const job = group.job;
  if (!job || job.jobId !== jobId || job.kind !== 'quick') return;
  group.job = null;
  if (job.tableGeneration !== group.tableGeneration) {
    scheduleRebuild(group, nowMs, `${job.reason} (the table changed during the quick table)`, job.forceBump);
    return;
  }
  if (!installQuick(context, group, result)) return;
  if (hasUnsavedChanges(group)) group.buildAfterSave = { reason: job.reason, forceBump: job.forceBump };
  else issueBuild(context, group, job.reason, job.forceBump);
}

/** buildDone — a full build came back: install it unless the live servers changed meanwhile. */
export function buildDone(context: ClusterContext, group: GroupState, jobId: number, result: BuildResult, nowMs: number): void {
  const job = group.job;
  if (!job || job.jobId !== jobId || job.kind !== 'build') return;
  group.job = null;
  if (job.memberGeneration !== group.memberGeneration) {
    scheduleRebuild(group, nowMs, `${job.reason} (servers changed during the build)`, job.forceBump);
    return;
  }
  installBuild(context, group, result, job.forceBump, nowMs);
}

/** jobFailed — the engine threw: keep serving, raise an alarm, try again after buildRetryMs. */
export function jobFailed(context: ClusterContext, group: GroupState, jobId: number, message: string, nowMs: number): void {
  const job = group.job;
  if (!job || job.jobId !== jobId) return;
  group.job = null;
  const retryMs = context.options.buildRetryMs;
  const text = `table engine failed: ${message}; still serving the last good table, retrying in ${retryMs} ms`;
  setAlarm(group, 'build-failed', text);
  notify(context, { level: 'error', event: 'build-failed', group: group.name, message: text });
  if (group.hasTable) scheduleRebuild(group, nowMs + retryMs, `${job.reason} (retry)`, job.forceBump);
  else group.failedGeneration = group.memberGeneration;
}

/** tableHasDeadSlots — whether the served table names a server that is not ALIVE. */
function tableHasDeadSlots(context: ClusterContext, group: GroupState): boolean {
  const { tables } = group;
  const dead = new Uint8Array(tables.servers.length + 1);
  tables.serverIds.forEach((serverId, index) => {
    dead[index + 1] = context.records.get(serverId)?.status === 'alive' ? 0 : 1;
  });
  const { progress } = tables;
  for (let slot = 0; slot < progress.length; slot++) if (dead[progress[slot]]) return true;
  return false;
}
