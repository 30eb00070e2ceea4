/**
 * migration-tracking — finished buckets, convergence, and the checks the original lacked
 * (stuck migrations, finishes for bucket B, finishes from servers that are not the master).
 *
 *   1201 finish ──validate──▶ bucket row := destination row (no version yet: pending)
 *      (bucket in 0..B−1, sender is the bucket's current master, version = server version;
 *       anything else: code 1, nothing changes)
 *   tick ──▶ finishes pending for migrationVersionIntervalMs ──▶ client and transition versions ↑
 *        │   once for all of them (the original bumped both per bucket: a version, and a table
 *        │   sent to every data server, per finished bucket)
 *        ──▶ no bucket left ──▶ current := destination, client and server versions ↑ (converged)
 *        ──▶ a live source silent past stuckMigrationMs ──▶ re-plan (rebuild, server version ↑)
 *        ──▶ every consistencyCheckMs: recount from the tables, correct the counters
 *   a save for any other reason takes the pending finishes with it (a version per published change)
 *
 * A code-0 reply is held until the change it acknowledges has been saved, so a data server
 * never hears "done" for progress a crash could lose. One reply is held per (server, bucket): a
 * retry replaces the one before it (answered 1, it timed out anyway), and past
 * deferredFinishCountMax held replies a finish is answered 1 at once (the data server retries).
 */
import type { MigrateFinish } from '../protocol/index.js';
import type { ClusterContext } from './cluster-context.js';
import { isPrimary, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { deferredFinishKey, hasUnsavedChanges, markChanged, resetMigration } from './group-state.js';
import { compactServers, copyRow } from './group-tables.js';
import { forgetDrainedServers } from './drained-servers.js';
import { needsMigration } from './migration-plan.js';
import { scheduleRebuild } from './rebuild.js';
import type { ServerRecord } from './server-record.js';
import type { FinishOutcome } from './types.js';
import { bumpTransitionVersion, bumpVersion } from './versions.js';
import { deferredFinishCountMax } from '../limits.js';

const finishRejected = 1;
const finishAccepted = 0;

/** handleFinish — a migrate-finish packet; see the file comment for the rules. */
export function handleFinish(context: ClusterContext, finish: MigrateFinish, token: number, nowMs: number): FinishOutcome {
  const record = context.records.get(finish.serverId);
  const group = record ? context.groups.get(record.groupName) : undefined;
  if (!record || !group || !isPrimary(context)) return { deferred: false, code: finishRejected };
  const { tables } = group;
  const valid =
    group.config.dataMove &&
    finish.version === group.versions.server &&
    Number.isInteger(finish.bucketIndex) &&
    finish.bucketIndex >= 0 &&
    finish.bucketIndex < tables.bucketCount &&
    tables.current[finish.bucketIndex] !== 0 &&
    tables.current[finish.bucketIndex] === tables.valueOf.get(finish.serverId);
  if (!valid) return { deferred: false, code: finishRejected };
  applyFinish(group, finish.bucketIndex, nowMs);
  if (!hasUnsavedChanges(group) && group.finishesPending === 0) return { deferred: false, code: finishAccepted };
  return deferFinish(context, group, finish.serverId, finish.bucketIndex, token);
}

/** deferFinish — hold the reply until a save after now; one per (server, bucket), at most deferredFinishCountMax. */
function deferFinish(context: ClusterContext, group: GroupState, serverId: bigint, bucketIndex: number, token: number): FinishOutcome {
  const key = deferredFinishKey(serverId, bucketIndex);
  const earlier = group.deferred.get(key);
  if (earlier) {
    context.outbox.replies.push({ token: earlier.token, code: finishRejected });
    group.deferred.delete(key);
  }
  if (group.deferred.size >= deferredFinishCountMax) return { deferred: false, code: finishRejected };
  // The change is covered by the next save that starts from now (a fold, at the latest, bumps changeSeq).
  group.deferred.set(key, { token, code: finishAccepted, changeSeq: group.changeSeq + 1, serverId, bucketIndex });
  return { deferred: true };
}

/** foldFinishes — the pending finished buckets get their version: client and transition ↑ once, saved and published. */
export function foldFinishes(group: GroupState, nowMs: number): void {
  if (group.finishesPending === 0) return;
  const floor = group.config.minConfigVersion;
  group.versions.client = bumpVersion(group.versions.client, floor);
  group.transitionVersion = bumpTransitionVersion(group.transitionVersion, floor);
  group.finishesPending = 0;
  group.lastFoldMs = nowMs;
  markChanged(group);
}

/** applyFinish — the bucket's data is at its destination: take the destination row. */
function applyFinish(group: GroupState, bucketIndex: number, nowMs: number): boolean {
  const { tables } = group;
  if (!needsMigration(tables.progress, tables.destination, bucketIndex, tables.bucketCount)) return false;
  const source = tables.progress[bucketIndex];
  copyRow(tables.destination, tables.progress, bucketIndex, tables.bucketCount);
  copyRow(tables.destination, tables.current, bucketIndex, tables.bucketCount);
  tables.dirty.mark(bucketIndex);
  const progress = group.migration.get(source);
  if (progress) {
    progress.left -= 1;
    progress.lastProgressMs = nowMs;
    if (progress.left <= 0) group.migration.delete(source);
  }
  if (group.migrateBlockCount > 0) group.migrateBlockCount -= 1;
  group.tableGeneration += 1;
  group.finishesPending += 1;
  return true;
}

/**
 * applyProxyReport — a data server on the current version lists buckets it migrated and now
 * proxies; once per migration per server, each valid one counts as finished.
 */
export function applyProxyReport(group: GroupState, record: ServerRecord, bucketIndexes: readonly number[], nowMs: number): void {
  if (group.migrateBlockCount < 0 || group.proxyReported.has(record.serverId)) return;
  group.proxyReported.add(record.serverId);
  const value = group.tables.valueOf.get(record.serverId);
  if (value === undefined) return;
  for (const bucketIndex of bucketIndexes) {
    if (bucketIndex < group.tables.bucketCount && group.tables.current[bucketIndex] === value) {
      applyFinish(group, bucketIndex, nowMs);
    }
  }
}

/** tickMigration — convergence, stuck sources and the periodic recount of one group. */
export function tickMigration(context: ClusterContext, group: GroupState, nowMs: number): void {
  if (group.migrateBlockCount < 0) return;
  if (group.finishesPending > 0 && nowMs - group.lastFoldMs >= context.options.migrationVersionIntervalMs) foldFinishes(group, nowMs);
  if (nowMs - group.lastConsistencyCheckMs >= context.options.consistencyCheckMs) {
    group.lastConsistencyCheckMs = nowMs;
    checkConsistency(context, group, nowMs);
  }
  if (group.migration.size === 0) {
    converge(context, group);
    return;
  }
  detectStuckSources(context, group, nowMs);
}

function checkConsistency(context: ClusterContext, group: GroupState, nowMs: number): void {
  const trackedTotal = group.migrateBlockCount;
  const tracked = new Map([...group.migration].map(([source, progress]) => [source, progress.left]));
  resetMigration(group, nowMs);
  const recounted = new Map([...group.migration].map(([source, progress]) => [source, progress.left]));
  const same = tracked.size === recounted.size && [...tracked].every(([source, left]) => recounted.get(source) === left);
  if (same) return;
  notify(context, {
    level: 'warn',
    event: 'migration-recount',
    group: group.name,
    message: `migration counters corrected from the tables: ${Math.max(trackedTotal, 0)} → ${Math.max(group.migrateBlockCount, 0)} buckets left`,
  });
  if (group.migrateBlockCount < 0) group.migrateBlockCount = 0;
}

/** converge — every bucket is where it should be: the destination becomes the table. */
function converge(context: ClusterContext, group: GroupState): void {
  const { tables } = group;
  tables.current = tables.destination.slice();
  tables.progress = tables.destination.slice();
  tables.dirty.markAll();
  group.migrateBlockCount = -1;
  group.proxyReported.clear();
  group.finishesPending = 0;
  const floor = group.config.minConfigVersion;
  group.versions.client = bumpVersion(group.versions.client, floor);
  group.versions.server = bumpVersion(group.versions.server, floor);
  group.transitionVersion = 0;
  group.tableGeneration += 1;
  markChanged(group);
  if (!group.job) {
    compactServers(tables, (serverId) => context.records.get(serverId)?.member === true);
    forgetDrainedServers(context, group);
  }
  notify(context, {
    level: 'info',
    event: 'migration-complete',
    group: group.name,
    message: `migration complete; server version ${group.versions.server}`,
  });
}

function detectStuckSources(context: ClusterContext, group: GroupState, nowMs: number): void {
  const stuck: string[] = [];
  for (const [source, progress] of group.migration) {
    const record = context.records.get(group.tables.serverIds[source - 1]);
    if (record?.status === 'alive' && nowMs - progress.lastProgressMs > context.options.stuckMigrationMs) {
      stuck.push(`${record.id} (${progress.left} left)`);
    }
  }
  if (stuck.length === 0) return;
  for (const progress of group.migration.values()) progress.lastProgressMs = nowMs;
  notify(context, {
    level: 'warn',
    event: 'migration-stuck',
    group: group.name,
    message: `no bucket finished for ${context.options.stuckMigrationMs} ms by ${stuck.join(', ')}; re-planning`,
  });
  scheduleRebuild(group, nowMs, 'stuck migration', true);
}
