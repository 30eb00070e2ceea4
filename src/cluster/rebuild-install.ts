/**
 * rebuild-install — putting a quick table or a full build into a group's working state
 * (the original's write-back of a rebuild, with the changes listed in rebuild.ts).
 *
 *                     current / progress               destination        versions
 *   quick table       quick table                      quick table        client, server, area ↑
 *   build, cold start build                            build              client, server, area ↑
 *   build, data moves unchanged (C = 1: dead masters   build              client, server, area ↑
 *                     take the build's row, data lost)
 *   build, no moves   build                            build              client, server, area ↑
 *   identical result  —                                —                  — (unless re-planning)
 */
import type { ClusterContext } from './cluster-context.js';
import { notify } from './cluster-context.js';
import { forgetDrainedServers } from './drained-servers.js';
import type { GroupState } from './group-state.js';
import { markChanged, resetMigration, setAlarm } from './group-state.js';
import { compactServers, copyRow, fromEngineTable, tablesEqual } from './group-tables.js';
import type { BuildResult, QuickResult } from './types.js';
import { bumpVersion, jumpPast, versionJumpStep } from './versions.js';

/** installQuick — true when the build should follow, false when the quick table failed. */
export function installQuick(context: ClusterContext, group: GroupState, result: QuickResult): boolean {
  if (!result.ok) {
    const message =
      `${result.lostBuckets} buckets have no live copy left; still serving the last good table ` +
      '(bring a holder back, or set _allow_lost_flag = 1 to rebuild without their data)';
    if (setAlarm(group, 'bucket-lost', message)) {
      notify(context, { level: 'error', event: 'bucket-lost', group: group.name, message });
    }
    return false;
  }
  group.alarms.delete('bucket-lost');
  if (result.promotions + result.clearedSlots === 0) return true;
  const table = fromEngineTable(result.table);
  const { tables } = group;
  tables.current = table;
  tables.progress = table.slice();
  tables.destination = table.slice();
  tables.dirty.markAll();
  group.migration = new Map();
  group.migrateBlockCount = -1;
  group.proxyReported.clear();
  bumpTableVersions(group);
  notify(context, {
    level: 'info',
    event: 'quick-table',
    group: group.name,
    message: `quick table: ${result.promotions} copies promoted to master, ${result.clearedSlots} slots of dead servers cleared`,
  });
  return true;
}

/** installBuild — the build becomes the destination (and the current table when nothing moves). */
export function installBuild(context: ClusterContext, group: GroupState, result: BuildResult, forceBump: boolean, nowMs: number): void {
  if (!result.ok) {
    const message = `table build failed (${result.outcome}); still serving the last good table`;
    if (setAlarm(group, 'build-failed', message)) {
      notify(context, { level: 'error', event: 'build-failed', group: group.name, message });
    }
    group.failedGeneration = group.memberGeneration;
    return;
  }
  group.alarms.delete('build-failed');
  group.failedGeneration = null;
  const built = fromEngineTable(result.table);
  const { tables } = group;
  let currentChanged = false;
  if (!group.hasTable || !group.config.dataMove) {
    currentChanged = !tablesEqual(tables.current, built);
    tables.current = built.slice();
    tables.progress = built.slice();
  } else if (tables.copyCount === 1) {
    currentChanged = abandonDeadMasters(context, group, built) > 0;
  }
  const destinationChanged = !tablesEqual(tables.destination, built);
  tables.destination = built;
  tables.dirty.markAll();
  group.configHash = group.config.contentHash;
  if (!currentChanged && !destinationChanged && !forceBump) {
    notify(context, { level: 'info', event: 'table-unchanged', group: group.name, message: 'rebuild gave the same table' });
    return;
  }
  compactServers(tables, (serverId) => context.records.get(serverId)?.member === true);
  forgetDrainedServers(context, group);
  group.migration = new Map();
  resetMigration(group, nowMs);
  if (group.migrateBlockCount < 0 && !tablesEqual(tables.current, tables.destination)) {
    tables.current = tables.destination.slice();
    tables.progress = tables.destination.slice();
    tables.dirty.markAll();
  }
  group.hasTable = true;
  group.proxyReported.clear();
  bumpTableVersions(group);
  notify(context, {
    level: 'info',
    event: 'table-built',
    group: group.name,
    message:
      `destination table installed: ${result.replicaMoves} copies and ${result.masterChanges} masters move, ` +
      `${Math.max(group.migrateBlockCount, 0)} buckets to migrate, server version ${group.versions.server}`,
  });
}

/**
 * bumpTableVersions — a new table epoch: client, server and area-capacity versions up, transition 0;
 * past every server version a data server reported (after a lost table file: never backwards).
 */
function bumpTableVersions(group: GroupState): void {
  const floor = group.config.minConfigVersion;
  const reported = group.reportedServerVersionMax;
  if (reported > group.versions.server) {
    group.versions.client = jumpPast(group.versions.client, reported, versionJumpStep);
    group.versions.server = jumpPast(group.versions.server, reported, versionJumpStep);
  } else {
    group.versions.client = bumpVersion(group.versions.client, floor);
    group.versions.server = bumpVersion(group.versions.server, floor);
  }
  group.versions.areaCapacity = bumpVersion(group.versions.areaCapacity, floor);
  group.transitionVersion = 0;
  group.tableGeneration += 1;
  markChanged(group);
}

/**
 * abandonDeadMasters — with one copy there is nothing to promote: a bucket whose only holder is
 * gone takes its row from the build at once (its data is lost, as in the original).
 */
function abandonDeadMasters(context: ClusterContext, group: GroupState, built: Uint32Array): number {
  const { tables } = group;
  let abandoned = 0;
  for (let bucketIndex = 0; bucketIndex < tables.bucketCount; bucketIndex++) {
    const master = tables.current[bucketIndex];
    const holder = master === 0 ? undefined : context.records.get(tables.serverIds[master - 1]);
    if (holder?.status === 'alive') continue;
    copyRow(built, tables.current, bucketIndex, tables.bucketCount);
    copyRow(built, tables.progress, bucketIndex, tables.bucketCount);
    abandoned += 1;
  }
  if (abandoned > 0) {
    notify(context, {
      level: 'warn',
      event: 'buckets-abandoned',
      group: group.name,
      message: `${abandoned} buckets lost their only copy and start empty on new servers`,
    });
  }
  return abandoned;
}
