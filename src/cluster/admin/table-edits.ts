/**
 * table-edits — the original's hand edits of the destination table:
 *
 *   migrate bucket    destination[copy][bucket] := dst     (src holds that slot now, dst none of the row)
 *   switch buckets    destination copies 0 and 1 swap      (a master hand-over, no data moves)
 *   replace servers   every destination slot of src_i := dst_i   (dst_i hold nothing yet); dst_i
 *                     takes copies from now on, src_i drains (so no later build refills it)
 *   urgent offline    every destination slot of ds := a replacement not in the row; a dead ds
 *                     also leaves the served table at once (its masters promoted)
 *
 * Then, as a rebuild would: migration recounted, client and server versions up, saved, published.
 * Every check runs before anything changes, so a refused edit changes nothing. The edits wait for
 * a running rebuild (its result would overwrite them) and, except urgent offline, touch only
 * buckets that are not migrating (current row = destination row). We do not demand, as the
 * original did, that _min_data_server_count be raised first: rebuilds here only follow real
 * changes (a server down or up, group.conf, the operator), and then re-plan from where data is.
 * To keep a new server empty until it is replaced onto, drain it before it starts: a draining
 * server that holds nothing is a valid replace target (docs/operations.md, the runbook).
 */
import { formatServerId } from '../../common/server-id.js';
import type { ClusterContext } from '../cluster-context.js';
import { notify } from '../cluster-context.js';
import type { GroupState } from '../group-state.js';
import { markChanged, resetMigration } from '../group-state.js';
import { rowsEqual, valueForServer } from '../group-tables.js';
import type { ServerRecord } from '../server-record.js';
import { bumpVersion } from '../versions.js';
import type { AdminCommand, AdminOutcome } from './admin-command.js';
import { done, refuse } from './admin-command.js';
import { bucketsOnlyOn } from './server-ops.js';

type Command<K extends AdminCommand['kind']> = Extract<AdminCommand, { kind: K }>;

/** migrateBucket — move one copy of one bucket to another data server. */
export function migrateBucket(context: ClusterContext, group: GroupState, command: Command<'migrateBucket'>, nowMs: number): AdminOutcome {
  const blocked = editBlocked(group);
  if (blocked) return blocked;
  const { tables } = group;
  const { bucketIndex, copyIndex, sourceId, targetId } = command;
  if (bucketIndex >= tables.bucketCount) return refuse('invalidParam', `bucket ${bucketIndex} is outside 0..${tables.bucketCount - 1}`);
  if (copyIndex >= tables.copyCount) return refuse('invalidParam', `copy ${copyIndex} is outside 0..${tables.copyCount - 1}`);
  if (!rowsEqual(tables.current, tables.destination, bucketIndex, tables.bucketCount))
    return refuse('refused', `bucket ${bucketIndex} is migrating; wait until it has moved`);
  const slot = copyIndex * tables.bucketCount + bucketIndex;
  if (tables.current[slot] === 0 || tables.current[slot] !== tables.valueOf.get(sourceId)) {
    return refuse('invalidParam', `${formatServerId(sourceId)} does not hold copy ${copyIndex} of bucket ${bucketIndex}`);
  }
  const source = aliveRecord(context, group, sourceId);
  if (typeof source === 'string') return refuse('refused', source);
  const target = placeableRecord(context, group, targetId);
  if (typeof target === 'string') return refuse('refused', target);
  if (rowHolds(tables.destination, tables.valueOf.get(targetId), bucketIndex, tables.bucketCount)) {
    return refuse('invalidParam', `${target.id} already holds a copy of bucket ${bucketIndex}`);
  }
  tables.destination[slot] = valueForServer(tables, targetId, target.id);
  installEdit(context, group, nowMs, `bucket ${bucketIndex} copy ${copyIndex}: ${source.id} → ${target.id}`);
  return done(`bucket ${bucketIndex} copy ${copyIndex} moves from ${source.id} to ${target.id}; server version ${group.versions.server}`);
}

/** switchBuckets — swap master and first slave of each bucket (all buckets checked first). */
export function switchBuckets(context: ClusterContext, group: GroupState, command: Command<'switchBuckets'>, nowMs: number): AdminOutcome {
  const blocked = editBlocked(group);
  if (blocked) return blocked;
  const { tables } = group;
  const { bucketCount } = tables;
  if (tables.copyCount < 2) return refuse('refused', `group ${group.name} keeps one copy: there is no slave to switch to`);
  if (command.bucketIndexes.length === 0) return refuse('invalidParam', 'no bucket given');
  if (new Set(command.bucketIndexes).size !== command.bucketIndexes.length) return refuse('invalidParam', 'a bucket is listed twice');
  for (const bucketIndex of command.bucketIndexes) {
    if (bucketIndex >= bucketCount) return refuse('invalidParam', `bucket ${bucketIndex} is outside 0..${bucketCount - 1}`);
    if (!rowsEqual(tables.current, tables.destination, bucketIndex, bucketCount))
      return refuse('refused', `bucket ${bucketIndex} is migrating; wait until it has moved`);
    if (tables.current[bucketIndex] === 0 || tables.current[bucketCount + bucketIndex] === 0) {
      return refuse('refused', `bucket ${bucketIndex} does not have two copies to switch`);
    }
  }
  for (const bucketIndex of command.bucketIndexes) {
    const master = tables.destination[bucketIndex];
    tables.destination[bucketIndex] = tables.destination[bucketCount + bucketIndex];
    tables.destination[bucketCount + bucketIndex] = master;
  }
  installEdit(context, group, nowMs, `master and slave switched in buckets ${command.bucketIndexes.join(',')}`);
  return done(`${command.bucketIndexes.length} buckets switch master and slave; server version ${group.versions.server}`);
}

/** replaceServers — hand every copy of each source to its partner. */
export function replaceServers(context: ClusterContext, group: GroupState, command: Command<'replaceServers'>, nowMs: number): AdminOutcome {
  const blocked = editBlocked(group);
  if (blocked) return blocked;
  const { tables } = group;
  const ids = command.pairs.flatMap((pair) => [pair.sourceId, pair.targetId]);
  if (command.pairs.length === 0) return refuse('invalidParam', 'no server pair given');
  if (new Set(ids).size !== ids.length) return refuse('invalidParam', 'every source and destination must be a different server');
  const sources: ServerRecord[] = [];
  const targets: ServerRecord[] = [];
  for (const { sourceId, targetId } of command.pairs) {
    const source = aliveRecord(context, group, sourceId);
    if (typeof source === 'string') return refuse('refused', source);
    const target = placeableRecord(context, group, targetId, true);
    if (typeof target === 'string') return refuse('refused', target);
    if (tableHolds(group, targetId)) return refuse('refused', `${target.id} already holds buckets; replace only onto an empty server`);
    const migrating = firstMigratingBucketOf(group, sourceId);
    if (migrating !== null) return refuse('refused', `bucket ${migrating} of ${source.id} is migrating; wait until it has moved`);
    sources.push(source);
    targets.push(target);
  }
  const { destination } = tables;
  command.pairs.forEach(({ sourceId, targetId }, index) => {
    const sourceValue = tables.valueOf.get(sourceId);
    const targetValue = valueForServer(tables, targetId, targets[index].id);
    for (let slot = 0; slot < destination.length; slot++) if (destination[slot] === sourceValue) destination[slot] = targetValue;
  });
  // The targets take copies from now on; the sources leave (until removed from group.conf, no
  // build may refill them). No rebuild: it would re-plan what the operator just decided.
  for (const target of targets) target.draining = false;
  for (const source of sources) {
    source.draining = true;
    group.operator.drainNoticed.delete(source.serverId);
  }
  group.memberGeneration += 1;
  const names = command.pairs.map((pair, index) => `${formatServerId(pair.sourceId)} → ${targets[index].id}`).join(', ');
  installEdit(context, group, nowMs, `servers replaced: ${names}`);
  return done(`servers replaced: ${names}; server version ${group.versions.server}; the sources drain: remove them from _server_list once they hold nothing`);
}

/** urgentOffline — move every copy of `serverId` onto the replacements, now. */
export function urgentOffline(context: ClusterContext, group: GroupState, command: Command<'urgentOffline'>, nowMs: number): AdminOutcome {
  const blocked = editBlocked(group);
  if (blocked) return blocked;
  const { tables } = group;
  const record = context.records.get(command.serverId);
  if (!record || record.groupName !== group.name)
    return refuse('invalidParam', `${formatServerId(command.serverId)} is not a data server of group ${group.name}`);
  if (command.replacementIds.length === 0) return refuse('invalidParam', 'no replacement server given');
  if (new Set([command.serverId, ...command.replacementIds]).size !== command.replacementIds.length + 1) {
    return refuse('invalidParam', 'the replacements must be distinct and differ from the server taken offline');
  }
  const chosen: ServerRecord[] = [];
  for (const replacementId of command.replacementIds) {
    const replacement = placeableRecord(context, group, replacementId);
    if (typeof replacement === 'string') return refuse('refused', replacement);
    chosen.push(replacement);
  }
  // Servers new to the table list get provisional values (never in a row) until the edit is sure.
  const replacements = chosen.map((replacement, index) => tables.valueOf.get(replacement.serverId) ?? -1 - index);
  const dead = record.status !== 'alive';
  const lost = dead ? bucketsOnlyOn(group, command.serverId) : 0;
  if (lost > 0) return refuse('refused', `${record.id} is down and holds the only copy of ${lost} buckets; taking it offline would lose them`);
  const value = tables.valueOf.get(command.serverId);
  const plan = value === undefined ? [] : replacementPlan(group, value, replacements);
  if (plan === null) return refuse('refused', 'some bucket already holds every replacement; give more replacement servers');
  for (const { slot, replacement } of plan) {
    const replacementRecord = chosen[replacements.indexOf(replacement)];
    tables.destination[slot] = valueForServer(tables, replacementRecord.serverId, replacementRecord.id);
  }
  if (dead && value !== undefined) for (const table of [tables.current, tables.progress]) dropServer(table, value, tables.bucketCount);
  record.draining = true;
  group.memberGeneration += 1;
  installEdit(context, group, nowMs, `${record.id} taken offline: ${plan.length} copies to ${command.replacementIds.map(formatServerId).join(', ')}`);
  return done(`${record.id} offline: ${plan.length} copies go to the replacements; server version ${group.versions.server}`);
}

/** replacementPlan — for each destination slot of `value`, a replacement not in that row (round robin); null if none fits. */
function replacementPlan(group: GroupState, value: number, replacements: readonly number[]): { slot: number; replacement: number }[] | null {
  const { destination, bucketCount } = group.tables;
  const plan: { slot: number; replacement: number }[] = [];
  let next = 0;
  for (let slot = 0; slot < destination.length; slot++) {
    if (destination[slot] !== value) continue;
    const bucketIndex = slot % bucketCount;
    let chosen = -1;
    for (let tried = 0; tried < replacements.length && chosen < 0; tried++) {
      const candidate = replacements[(next + tried) % replacements.length];
      if (!rowHolds(destination, candidate, bucketIndex, bucketCount)) chosen = candidate;
    }
    if (chosen < 0) return null;
    next = (replacements.indexOf(chosen) + 1) % replacements.length;
    plan.push({ slot, replacement: chosen });
  }
  return plan;
}

/** dropServer — remove `value` from every row: a master slot takes the next copy, a slave slot empties. */
function dropServer(table: Uint32Array, value: number, bucketCount: number): void {
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    for (let slot = bucketIndex; slot < table.length; slot += bucketCount) if (table[slot] === value) table[slot] = 0;
    if (table[bucketIndex] !== 0) continue;
    for (let slot = bucketIndex + bucketCount; slot < table.length; slot += bucketCount) {
      if (table[slot] === 0) continue;
      table[bucketIndex] = table[slot];
      table[slot] = 0;
      break;
    }
  }
}

function editBlocked(group: GroupState): AdminOutcome | null {
  if (!group.hasTable) return refuse('refused', `group ${group.name} has no table yet`);
  if (group.job || group.rebuild || group.buildAfterSave) return refuse('refused', `group ${group.name} is rebuilding; try again when the rebuild is done`);
  return null;
}

function aliveRecord(context: ClusterContext, group: GroupState, serverId: bigint): ServerRecord | string {
  const record = context.records.get(serverId);
  if (!record || record.groupName !== group.name) return `${formatServerId(serverId)} is not a data server of group ${group.name}`;
  if (record.status !== 'alive') return `${record.id} is ${record.status.toUpperCase()}, not ALIVE`;
  return record;
}

/** placeableRecord — an ALIVE listed server that may take copies; `drainingOk` for a replace target held empty by a drain. */
function placeableRecord(context: ClusterContext, group: GroupState, serverId: bigint, drainingOk = false): ServerRecord | string {
  const record = aliveRecord(context, group, serverId);
  if (typeof record === 'string') return record;
  if (!record.member) return `${record.id} is no longer in _server_list`;
  if (record.draining && !drainingOk) return `${record.id} is draining`;
  return record;
}

function rowHolds(table: Uint32Array, value: number | undefined, bucketIndex: number, bucketCount: number): boolean {
  if (value === undefined) return false;
  for (let slot = bucketIndex; slot < table.length; slot += bucketCount) if (table[slot] === value) return true;
  return false;
}

function tableHolds(group: GroupState, serverId: bigint): boolean {
  const value = group.tables.valueOf.get(serverId);
  if (value === undefined) return false;
  return group.tables.current.includes(value) || group.tables.destination.includes(value);
}

function firstMigratingBucketOf(group: GroupState, serverId: bigint): number | null {
  const { tables } = group;
  const value = tables.valueOf.get(serverId);
  if (value === undefined) return null;
  for (let bucketIndex = 0; bucketIndex < tables.bucketCount; bucketIndex++) {
    if (
      rowHolds(tables.destination, value, bucketIndex, tables.bucketCount) &&
      !rowsEqual(tables.current, tables.destination, bucketIndex, tables.bucketCount)
    ) {
      return bucketIndex;
    }
  }
  return null;
}

/** installEdit — as after a rebuild: recount the migration, versions up, save and publish. */
function installEdit(context: ClusterContext, group: GroupState, nowMs: number, what: string): void {
  const floor = group.config.minConfigVersion;
  resetMigration(group, nowMs);
  group.proxyReported.clear();
  group.versions.client = bumpVersion(group.versions.client, floor);
  group.versions.server = bumpVersion(group.versions.server, floor);
  group.transitionVersion = 0;
  group.tableGeneration += 1;
  group.tables.dirty.markAll();
  markChanged(group);
  notify(context, { level: 'info', event: 'admin-table-edit', group: group.name, message: `destination edited by the operator: ${what}` });
}
