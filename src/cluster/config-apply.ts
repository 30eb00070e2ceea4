/**
 * config-apply — group.conf loads: at start (with the saved tables) and on reload.
 *
 *   at start     members in the saved table start ALIVE (they have T..2T to heartbeat), others DOWN;
 *                a table built from another group.conf, or with empty master slots, is rebuilt
 *   edit         servers added → DOWN records; removed → drained (stay sources until their data
 *                moved); servers, racks, weights or build settings changed → rebuild after T;
 *                common map → client and server versions ↑; plugins, areas → their versions ↑
 *                B or C changed for a group with a table → refused for that group, error logged
 *   touch        the operator's lever: DOWN members of the destination table are admitted, rebuild after T
 *   group gone   unloaded (its table file stays on disk)
 */
import type { GroupConfig } from '../config/group-config.js';
import type { PersistedGroupTable } from './persisted-group-table.js';
import type { ClusterContext } from './cluster-context.js';
import { groupRecords, notify } from './cluster-context.js';
import type { GroupState } from './group-state.js';
import { createGroupState, createRecordState, markChanged } from './group-state.js';
import { wholePublication } from './save-snapshot.js';
import { createEmptyTables } from './group-tables.js';
import { scheduleRebuild } from './rebuild.js';
import { retireServer } from './drained-servers.js';
import { createServerRecord } from './server-record.js';
import type { ConfigLoadKind } from './types.js';
import { bumpVersion } from './versions.js';

/** addGroup — a group from its config and saved table (null when it has none). */
export function addGroup(context: ClusterContext, config: GroupConfig, saved: PersistedGroupTable | null, nowMs: number): void {
  let effective = config;
  if (saved && (saved.bucketCount !== config.bucketCount || saved.copyCount !== config.copyCount)) {
    notify(context, {
      level: 'error',
      event: 'table-shape-mismatch',
      group: config.name,
      message:
        `group.conf says ${config.bucketCount} buckets × ${config.copyCount} copies but the saved table has ` +
        `${saved.bucketCount} × ${saved.copyCount}; serving the saved table (B and C cannot change once a table exists)`,
    });
    effective = { ...config, bucketCount: saved.bucketCount, copyCount: saved.copyCount };
  }
  const group = createGroupState(effective, saved, nowMs);
  context.groups.set(group.name, group);
  const used = usedServerIds(group);
  for (const server of effective.servers) {
    const status = used.has(server.serverId) ? 'alive' : 'down';
    context.records.set(server.serverId, createServerRecord(group.name, server, status, nowMs));
  }
  for (const [serverId, id] of used) {
    if (context.records.has(serverId)) continue;
    const record = createServerRecord(group.name, { id, serverId, rack: 'removed', weight: 1, line: 0 }, 'alive', nowMs);
    record.member = false;
    context.records.set(serverId, record);
  }
  context.outbox.publish.push(wholePublication(group, group.published.seq));
  if (!group.hasTable) return;
  if (group.configHash !== effective.contentHash) {
    scheduleRebuild(group, nowMs + effective.serverDownTimeMs, 'group.conf differs from the one the table was built with');
  } else if (hasEmptyMasterSlot(group)) {
    scheduleRebuild(group, nowMs + effective.serverDownTimeMs, 'the table has buckets without a master');
  }
}

/** reloadGroups — apply a reload of group.conf (`saved`: tables of groups new to this process). */
export function reloadGroups(
  context: ClusterContext,
  kind: ConfigLoadKind,
  configs: readonly GroupConfig[],
  saved: ReadonlyMap<string, PersistedGroupTable>,
  nowMs: number,
): void {
  const names = new Set(configs.map((config) => config.name));
  for (const group of [...context.groups.values()]) if (!names.has(group.name)) unloadGroup(context, group);
  for (const config of configs) {
    const group = context.groups.get(config.name);
    if (!group) {
      addGroup(context, config, saved.get(config.name) ?? null, nowMs);
      notify(context, { level: 'info', event: 'group-added', group: config.name, message: `group ${config.name} loaded` });
    } else if (kind === 'touch' || config.contentHash !== group.config.contentHash) {
      updateGroup(context, group, config, kind, nowMs);
    }
  }
}

function unloadGroup(context: ClusterContext, group: GroupState): void {
  for (const record of groupRecords(context, group.name)) context.records.delete(record.serverId);
  for (const reply of group.deferred.values()) context.outbox.replies.push({ token: reply.token, code: 1 });
  context.groups.delete(group.name);
  notify(context, {
    level: 'warn',
    event: 'group-removed',
    group: group.name,
    message: `group ${group.name} is no longer in group.conf; unloaded (its table file is kept)`,
  });
}

function updateGroup(context: ClusterContext, group: GroupState, config: GroupConfig, kind: ConfigLoadKind, nowMs: number): void {
  const { tables } = group;
  if (config.bucketCount !== tables.bucketCount || config.copyCount !== tables.copyCount) {
    if (group.hasTable || group.job) {
      notify(context, {
        level: 'error',
        event: 'reload-refused',
        group: group.name,
        message:
          `_bucket_number/_copy_count cannot change once the table exists (table ${tables.bucketCount} × ${tables.copyCount}, ` +
          `group.conf ${config.bucketCount} × ${config.copyCount}); keeping the previous configuration of this group`,
      });
      return;
    }
    group.tables = createEmptyTables(config.bucketCount, config.copyCount);
    group.records = createRecordState(group.tables, group.records.seq);
    group.records.wholeNext = true;
    group.records.wholePublicationNext = true;
  }
  const previous = group.config;
  group.config = config;
  const serversChanged = updateMembers(context, group, nowMs);
  const buildSettingsChanged =
    previous.buildStrategy !== config.buildStrategy || previous.buildDiffRatio !== config.buildDiffRatio || previous.posMask !== config.posMask;
  if (serversChanged || buildSettingsChanged) group.memberGeneration += 1;
  bumpSettingVersions(group, previous, config);
  if (kind === 'touch') admitDestinationMembers(context, group);
  if (group.hasTable && (serversChanged || buildSettingsChanged || kind === 'touch')) {
    scheduleRebuild(group, nowMs + config.serverDownTimeMs, kind === 'touch' ? 'group.conf touched' : 'group.conf changed');
  }
  notify(context, { level: 'info', event: 'group-reloaded', group: group.name, message: `group ${group.name}: group.conf ${kind} applied` });
}

/** updateMembers — add, drain or update the group's records; true when servers, racks or weights changed. */
function updateMembers(context: ClusterContext, group: GroupState, nowMs: number): boolean {
  let changed = false;
  const listed = new Set(group.config.servers.map((server) => server.serverId));
  for (const server of group.config.servers) {
    const record = context.records.get(server.serverId);
    if (!record || record.groupName !== group.name) {
      context.records.set(server.serverId, createServerRecord(group.name, server, 'down', nowMs));
      changed = true;
    } else if (!record.member || record.rack !== server.rack || record.weight !== server.weight) {
      Object.assign(record, { member: true, rack: server.rack, weight: server.weight });
      changed = true;
    }
  }
  const used = usedServerIds(group);
  for (const record of groupRecords(context, group.name)) {
    if (listed.has(record.serverId) || !record.member) continue;
    changed = true;
    if (used.has(record.serverId)) {
      record.member = false;
      notify(context, {
        level: 'info',
        event: 'server-draining',
        group: group.name,
        server: record.id,
        message: `${record.id} removed from _server_list: its buckets move away first`,
      });
    } else {
      retireServer(context, record);
    }
  }
  return changed;
}

function bumpSettingVersions(group: GroupState, previous: GroupConfig, config: GroupConfig): void {
  const floor = config.minConfigVersion;
  const versions = group.versions;
  if (!sameEntries(previous.commonMap, config.commonMap)) {
    versions.client = bumpVersion(versions.client, floor);
    versions.server = bumpVersion(versions.server, floor);
    markChanged(group);
  }
  if (previous.plugins.join('\n') !== config.plugins.join('\n')) {
    versions.plugins = bumpVersion(versions.plugins, floor);
    markChanged(group);
  }
  const areasChanged = !sameEntries(previous.areaCapacities, config.areaCapacities) || !sameEntries(previous.areaKeys, config.areaKeys);
  if (areasChanged || config.alwaysUpdateCapacityInfo) {
    versions.areaCapacity = bumpVersion(versions.areaCapacity, floor);
    markChanged(group);
  }
}

function admitDestinationMembers(context: ClusterContext, group: GroupState): void {
  const used = usedServerIds(group);
  for (const record of groupRecords(context, group.name)) {
    if (record.member && record.status === 'down' && used.has(record.serverId)) record.admitted = true;
  }
}

/** usedServerIds — id → `ip:port` of every server the current or destination table names. */
function usedServerIds(group: GroupState): Map<bigint, string> {
  const { tables } = group;
  const used = new Uint8Array(tables.servers.length + 1);
  for (const table of [tables.current, tables.destination]) for (let i = 0; i < table.length; i++) used[table[i]] = 1;
  const result = new Map<bigint, string>();
  for (let value = 1; value <= tables.servers.length; value++) {
    if (used[value]) result.set(tables.serverIds[value - 1], tables.servers[value - 1]);
  }
  return result;
}

function hasEmptyMasterSlot(group: GroupState): boolean {
  const { current, bucketCount } = group.tables;
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) if (current[bucketIndex] === 0) return true;
  return false;
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.has(key) && b.get(key) === value);
}
