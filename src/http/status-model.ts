/**
 * status-model — the `GET /status` document, read from the cluster state machine (read-only).
 *
 *   { role, epoch, address, startedAt, uptimeS, health, groups: [GroupStatus…], events: [StatusEvent…] }
 *
 *   health        OK / WARN / ERR with the reasons, per group and for the server (health.ts)
 *   group state   cannot build   an alarm stops rebuilds (build failed, too few servers, a bucket
 *                                lost every copy): the last good table is served
 *                 failovering    buckets run on fewer than C live copies (a server failed, its copies
 *                                are being re-made)
 *                 degraded       a data server of the group is DOWN, every bucket has its copies
 *                 migrating      buckets are moving to the destination table
 *                 normal         none of the above
 *
 *   per data server: replicas and masters held (served table) / destination (what they will
 *   hold) / quota (their weight's share of B·C and B among the servers builds may use)
 */
import type { QuorumHealth } from '../quorum/quorum-health.js';
import type { ClusterReader, GroupState, ServerRecord } from '../cluster/index.js';
import type { RoleInfo } from '../admin/admin-service.js';
import type { GroupGauges } from '../metrics/config-server-metrics.js';
import type { StatusEvent } from './event-ring.js';
import type { Health, ServerHealthInputs } from './health.js';
import { groupHealth, serverHealth } from './health.js';
import type { MigrationProgress, MigrationRates } from './migration-rate.js';

/** GroupStateName — see the file comment. */
export type GroupStateName = 'normal' | 'migrating' | 'degraded' | 'failovering' | 'cannot build';

/** Holding — copies held now, in the destination, and the weight's share. */
export interface Holding {
  held: number;
  destination: number;
  quota: number;
}

/** DataServerStatus — one data server of a group. */
export interface DataServerStatus {
  id: string;
  state: 'alive' | 'standby' | 'down';
  rack: string;
  weight: number;
  /** member — listed in group.conf (false: removed, still handing its buckets over). */
  member: boolean;
  draining: boolean;
  /** drained — draining and holding nothing: safe to remove from group.conf. */
  drained: boolean;
  failedOver: boolean;
  lastHeartbeatAgoMs: number | null;
  replicas: Holding;
  masters: Holding;
}

/** GroupStatus — one group. */
export interface GroupStatus {
  name: string;
  bucketCount: number;
  copyCount: number;
  strategy: 'balanced' | 'rack' | 'auto';
  hasTable: boolean;
  state: GroupStateName;
  health: Health;
  versions: { client: number; server: number; transition: number; plugins: number; areaCapacity: number };
  alarms: { code: string; message: string }[];
  /** underReplicatedBuckets — buckets served with fewer than C live copies (an empty slot, or a copy on a DOWN server). */
  underReplicatedBuckets: number;
  migration: MigrationProgress & {
    migrating: boolean;
    paused: boolean;
    capPerServer: number | null;
    sources: { server: string; left: number }[];
  };
  dataServers: DataServerStatus[];
}

/** StatusDocument — the whole `GET /status` answer. */
export interface StatusDocument {
  role: RoleInfo['role'];
  epoch: number;
  address: string;
  startedAt: string;
  uptimeS: number;
  health: Health;
  groups: GroupStatus[];
  events: StatusEvent[];
  /** quorum — in quorum mode: etcd's reach, this server's role, the leader, the committed versions held. */
  quorum?: QuorumStatus;
}

/** QuorumStatus — quorum mode in /status (epochs as numbers, like the document's own). */
export interface QuorumStatus {
  etcd: QuorumHealth['etcd'];
  role: QuorumHealth['role'];
  epoch: number;
  leader: { address: string; epoch: number } | null;
  lastContactAgoMs: number | null;
  readOnly: boolean;
  /** committed — the committed version (etcd sequence) held per group. */
  committed: Record<string, number>;
  lastProblem: string | null;
}

/** StatusInputs — where the document's parts come from. */
export interface StatusInputs {
  cluster: ClusterReader;
  role: RoleInfo;
  address: string;
  startedAtMs: number;
  rates: MigrationRates;
  events: StatusEvent[];
  health: ServerHealthInputs;
  /** stuckMigration — the host's note that a group's migration was re-planned as stuck and has not moved since. */
  stuckMigration(groupName: string): string | null;
}

const strategyNames = { 1: 'balanced', 2: 'rack', 3: 'auto' } as const;
const buildStoppers = ['build-failed', 'too-few-servers', 'bucket-lost', 'isolated'];

/** buildStatus — the document now. */
export function buildStatus(inputs: StatusInputs): StatusDocument {
  const nowMs = Date.now();
  const { cluster } = inputs;
  const records = cluster.serverRecords();
  const names = cluster.groupNames();
  inputs.rates.retain(new Set(names));
  const groups = names.flatMap((name) => {
    const group = cluster.groupState(name);
    if (!group) return [];
    const status = groupStatus(group, records, inputs.rates, performance.now());
    return [{ ...status, health: groupHealth(status, inputs.stuckMigration(name)) }];
  });
  return {
    role: inputs.role.role,
    epoch: Number(inputs.role.epoch),
    address: inputs.address,
    startedAt: new Date(inputs.startedAtMs).toISOString(),
    uptimeS: Math.round((nowMs - inputs.startedAtMs) / 100) / 10,
    health: serverHealth(groups, inputs.health),
    groups,
    events: inputs.events,
    ...(inputs.health.quorum ? { quorum: quorumStatus(inputs.health.quorum) } : {}),
  };
}

function quorumStatus(health: QuorumHealth): QuorumStatus {
  const { etcd, role, lastContactAgoMs, readOnly, lastProblem } = health;
  const leader = health.leader ? { address: health.leader.address, epoch: Number(health.leader.epoch) } : null;
  return { etcd, role, epoch: Number(health.epoch), leader, lastContactAgoMs, readOnly, committed: { ...health.sequences }, lastProblem };
}

/** gaugesOf — the scrape-time metrics of every group (cheaper than the whole document). */
export function gaugesOf(cluster: ClusterReader): GroupGauges[] {
  const records = cluster.serverRecords();
  return cluster.groupNames().flatMap((name) => {
    const group = cluster.groupState(name);
    if (!group) return [];
    const serversByState = { alive: 0, standby: 0, down: 0 };
    for (const record of records) if (record.groupName === name) serversByState[record.status] += 1;
    const { versions, transitionVersion } = group.published;
    return [
      {
        name,
        versions: { client: versions.client, server: versions.server, transition: transitionVersion },
        serversByState,
        bucketsToMigrate: Math.max(group.migrateBlockCount, 0),
        state: stateOf(group, tableCounts(group, records).underReplicatedBuckets, records),
        paused: group.operator.paused,
      },
    ];
  });
}

function groupStatus(
  group: Readonly<GroupState>,
  records: readonly Readonly<ServerRecord>[],
  rates: MigrationRates,
  monotonicMs: number,
): Omit<GroupStatus, 'health'> {
  const { tables, published, config } = group;
  const underReplicated = tableCounts(group, records).underReplicatedBuckets;
  const left = Math.max(group.migrateBlockCount, 0);
  const sources = [...group.migration].sort(([a], [b]) => a - b).map(([value, progress]) => ({ server: tables.servers[value - 1], left: progress.left }));
  return {
    name: group.name,
    bucketCount: tables.bucketCount,
    copyCount: tables.copyCount,
    strategy: strategyNames[config.buildStrategy],
    hasTable: group.hasTable,
    state: stateOf(group, underReplicated, records),
    versions: { ...published.versions, transition: published.transitionVersion },
    alarms: [...group.alarms].map(([code, message]) => ({ code, message })),
    underReplicatedBuckets: underReplicated,
    migration: {
      ...migrationProgress(rates, group, left),
      migrating: group.migrateBlockCount >= 0,
      paused: group.operator.paused,
      capPerServer: group.operator.capPerServer,
      sources,
    },
    dataServers: dataServersOf(
      group,
      records.filter((record) => record.groupName === group.name),
      monotonicMs,
    ),
  };
}

function stateOf(group: Readonly<GroupState>, underReplicated: number, records: readonly Readonly<ServerRecord>[]): GroupStateName {
  if (buildStoppers.some((code) => group.alarms.has(code))) return 'cannot build';
  if (group.hasTable && underReplicated > 0) return 'failovering';
  // A DOWN server is news even when its copies are all re-made: never "normal".
  if (records.some((record) => record.groupName === group.name && record.status === 'down')) return 'degraded';
  if (group.migrateBlockCount >= 0) return 'migrating';
  return 'normal';
}

/** migrationProgress — the pace while migrating; zeros otherwise (the rates still see the 0). */
function migrationProgress(rates: MigrationRates, group: Readonly<GroupState>, left: number): MigrationProgress {
  const progress = rates.progress(group.name, left, Date.now());
  return group.migrateBlockCount >= 0 ? progress : { bucketsLeft: 0, bucketsTotal: 0, bucketsDone: 0, ratePerS: null, etaS: null };
}

/** TableCounts — per table value: replicas and masters held now and in the destination. */
interface TableCounts {
  held: { replicas: Uint32Array; masters: Uint32Array };
  planned: { replicas: Uint32Array; masters: Uint32Array };
  underReplicatedBuckets: number;
}

/** countCache — one O(B·C) count per change of a group, not per request (the page polls every second). */
const countCache = new WeakMap<object, { key: string; counts: TableCounts }>();

function tableCounts(group: Readonly<GroupState>, records: readonly Readonly<ServerRecord>[]): TableCounts {
  const down = downValues(group, records);
  const key = `${group.tableGeneration}:${group.changeSeq}:${group.tables.servers.length}:${group.hasTable}:${down.join(',')}`;
  const cached = countCache.get(group.tables);
  if (cached?.key === key) return cached.counts;
  const { tables } = group;
  const count = (table: Uint32Array) => {
    const replicas = new Uint32Array(tables.servers.length + 1);
    const masters = new Uint32Array(tables.servers.length + 1);
    for (let slot = 0; slot < table.length; slot++) replicas[table[slot]] += 1;
    for (let bucketIndex = 0; bucketIndex < tables.bucketCount; bucketIndex++) masters[table[bucketIndex]] += 1;
    return { replicas, masters };
  };
  const counts = { held: count(tables.current), planned: count(tables.destination), underReplicatedBuckets: underReplicatedBuckets(group, new Set(down)) };
  countCache.set(group.tables, { key, counts });
  return counts;
}

/** downValues — the table values of the group's DOWN servers, ascending. */
function downValues(group: Readonly<GroupState>, records: readonly Readonly<ServerRecord>[]): number[] {
  const values: number[] = [];
  for (const record of records) {
    const value = record.groupName === group.name && record.status === 'down' ? group.tables.valueOf.get(record.serverId) : undefined;
    if (value !== undefined) values.push(value);
  }
  return values.sort((a, b) => a - b);
}

/**
 * underReplicatedBuckets — buckets of the served table with an empty copy or a copy on a DOWN
 * server: between a server going DOWN and the quick table clearing its slots, its copies are
 * already gone.
 */
function underReplicatedBuckets(group: Readonly<GroupState>, down: ReadonlySet<number>): number {
  if (!group.hasTable) return 0;
  const { current, bucketCount } = group.tables;
  let count = 0;
  for (let bucketIndex = 0; bucketIndex < bucketCount; bucketIndex++) {
    for (let slot = bucketIndex; slot < current.length; slot += bucketCount) {
      if (current[slot] === 0 || down.has(current[slot])) {
        count += 1;
        break;
      }
    }
  }
  return count;
}

function dataServersOf(group: Readonly<GroupState>, records: readonly Readonly<ServerRecord>[], monotonicMs: number): DataServerStatus[] {
  const { tables } = group;
  const { held, planned } = tableCounts(group, records);
  const takesCopies = (record: Readonly<ServerRecord>) => record.member && record.status === 'alive' && !record.draining && !record.heldOut;
  const weightSum = records.reduce((sum, record) => sum + (takesCopies(record) ? record.weight : 0), 0);
  const share = (record: Readonly<ServerRecord>, total: number) =>
    takesCopies(record) && weightSum > 0 ? Math.round((total * record.weight * 10) / weightSum) / 10 : 0;
  return [...records]
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }))
    .map((record) => {
      const value = tables.valueOf.get(record.serverId) ?? 0;
      const heldReplicas = value ? held.replicas[value] : 0;
      const destinationReplicas = value ? planned.replicas[value] : 0;
      return {
        id: record.id,
        state: record.status,
        rack: record.rack,
        weight: record.weight,
        member: record.member,
        draining: record.draining,
        drained: record.draining && heldReplicas === 0 && destinationReplicas === 0,
        failedOver: record.heldOut,
        lastHeartbeatAgoMs: Number.isFinite(record.lastHeartbeatMs) ? Math.max(0, Math.round(monotonicMs - record.lastHeartbeatMs)) : null,
        replicas: { held: heldReplicas, destination: destinationReplicas, quota: share(record, tables.bucketCount * tables.copyCount) },
        masters: { held: value ? held.masters[value] : 0, destination: value ? planned.masters[value] : 0, quota: share(record, tables.bucketCount) },
      };
    });
}
