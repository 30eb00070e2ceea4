/**
 * cluster — the config server's decisions as a pure state machine (no I/O, no clock).
 *
 *   const cluster = new Cluster({ groups, saved, nowMs });
 *   cluster.step(event)       → the immediate answer of that event (heartbeat reply, finish code, …);
 *                               `{ type: 'tick' }` does down detection, rebuilds, migration checks
 *                               and saves (every ~200 ms)
 *   cluster.ready()           → what the host must do now (drains the outbox)
 *   cluster.getGroup(request) … read-only queries answered from the published state
 *
 * No I/O, no timers, no clock: time comes in with events. The host runs engine jobs, saves
 * tables, probes servers, and feeds the results back as events — all through one driver
 * (src/server/cluster-driver.ts) that steps, then drains and performs what `ready()` returns,
 * so no input can forget the drain. Everything else reads through `ClusterReader`.
 */
import type { GroupConfig } from '../config/group-config.js';
import type {
  GetGroupRequest,
  MigratingMachinesResponse,
  NonDownDataServersRequest,
  NonDownDataServersResponse,
  QueryInfoRequest,
  QueryInfoResponse,
} from '../protocol/index.js';
import type { PersistedGroupTable } from './persisted-group-table.js';
import type { AdminOutcome } from './admin/admin-command.js';
import { refuse } from './admin/admin-command.js';
import { applyAdminCommand } from './admin/admin-apply.js';
import { tickRelease } from './admin/migration-release.js';
import type { ClusterContext } from './cluster-context.js';
import { emptyReady, isPrimary, notify } from './cluster-context.js';
import { tickColdStart } from './cold-start.js';
import { addGroup, reloadGroups } from './config-apply.js';
import type { GroupState } from './group-state.js';
import type { HeartbeatReply } from './heartbeat.js';
import { handleHeartbeat } from './heartbeat.js';
import { isIsolated, setPeerLink, tickIsolation } from './isolation.js';
import { checkLiveness, probeResult } from './liveness.js';
import { foldFinishes, handleFinish, tickMigration } from './migration-tracking.js';
import type { GetGroupReply } from './queries.js';
import { getGroup, groupNames, migratingMachines, nonDownDataServers, queryInfo } from './queries.js';
import { buildDone, jobFailed, quickDone, startDueRebuild } from './rebuild.js';
import { republish, saveDone, saveFailed, startSave } from './save-flow.js';
import type { ClusterRole } from './pair-roles.js';
import { absorbStall, installSyncedTable, setClusterRole, takeOverGroups } from './pair-roles.js';
import { applySyncedRecord } from './synced-record.js';
import type { ServerRecord } from './server-record.js';
import type { AdmitOutcome, ClusterEvent, ClusterOptions, FinishOutcome, Ready } from './types.js';
import { clusterDefaults } from './types.js';

/** ClusterInit — the first good group.conf, the saved tables by group name, and the time. */
export interface ClusterInit {
  groups: readonly GroupConfig[];
  saved: ReadonlyMap<string, PersistedGroupTable>;
  nowMs: number;
  options?: Partial<ClusterOptions>;
  /** configServers — the pair's addresses, only to name exact admin commands in notices. */
  configServers?: readonly string[];
}

/** StepAnswer — what `step` returns for each kind of event. */
export type StepAnswer<E extends ClusterEvent> = E extends { type: 'heartbeat' }
  ? HeartbeatReply
  : E extends { type: 'migrateFinish' }
    ? FinishOutcome
    : E extends { type: 'admitServer' }
      ? AdmitOutcome
      : E extends { type: 'admin' }
        ? AdminOutcome
        : E extends { type: 'tableSynced' | 'recordSynced' }
          ? boolean
          : void;

/** ClusterReader — the state machine without its inputs: what everything but the driver may use. */
export type ClusterReader = Omit<Cluster, 'step' | 'ready'>;

/** Cluster — see the file comment. */
export class Cluster {
  private readonly context: ClusterContext;

  constructor(init: ClusterInit) {
    this.context = {
      options: { ...clusterDefaults, ...init.options },
      groups: new Map(),
      records: new Map(),
      retired: new Map(),
      outbox: emptyReady(),
      nextJobId: 1,
      configServers: init.configServers ?? [],
    };
    for (const config of init.groups) addGroup(this.context, config, init.saved.get(config.name) ?? null, init.nowMs);
  }

  /** step — feed one event; returns its immediate answer (see StepAnswer). */
  step<E extends ClusterEvent>(event: E): StepAnswer<E> {
    return this.dispatch(event) as StepAnswer<E>;
  }

  /** ready — drain the outbox: saves, publications, jobs, probes, held replies, notices. */
  ready(): Ready {
    const ready = this.context.outbox;
    this.context.outbox = emptyReady();
    return ready;
  }

  /** hasUnsavedChanges — whether any group has changes not yet saved. */
  hasUnsavedChanges(): boolean {
    return [...this.context.groups.values()].some((group) => group.changeSeq > group.savedChangeSeq);
  }

  /** role — `secondary` while this server follows the pair's primary (src/pair). */
  get role(): ClusterRole {
    return this.context.role ?? 'primary';
  }

  /** hasGroup — whether a group is loaded (the host loads saved tables for new ones before a reload). */
  hasGroup(name: string): boolean {
    return this.context.groups.has(name);
  }

  /** getGroup — answer a get_group request. */
  getGroup(request: GetGroupRequest): GetGroupReply {
    return getGroup(this.context, request);
  }

  /** nonDownDataServers — answer a non-down request. */
  nonDownDataServers(request: NonDownDataServersRequest): NonDownDataServersResponse {
    return nonDownDataServers(this.context, request);
  }

  /** migratingMachines — answer a migrating-machines request. */
  migratingMachines(serverId: bigint): MigratingMachinesResponse {
    return migratingMachines(this.context, serverId);
  }

  /** queryInfo — answer a query_info request. */
  queryInfo(request: QueryInfoRequest): QueryInfoResponse {
    return queryInfo(this.context, request);
  }

  /** groupNames — the groups served. */
  groupNames(): string[] {
    return groupNames(this.context);
  }

  /** groupState — a group's state, read-only (status pages, the host's shutdown save, tests). */
  groupState(name: string): Readonly<GroupState> | undefined {
    return this.context.groups.get(name);
  }

  /** serverRecord — a data server's state, read-only. */
  serverRecord(serverId: bigint): Readonly<ServerRecord> | undefined {
    return this.context.records.get(serverId);
  }

  /** serverRecords — every data server, read-only. */
  serverRecords(): Readonly<ServerRecord>[] {
    return [...this.context.records.values()];
  }

  private dispatch(event: ClusterEvent): HeartbeatReply | FinishOutcome | AdmitOutcome | AdminOutcome | boolean | void {
    const context = this.context;
    switch (event.type) {
      case 'tick':
        return this.tickAll(event.nowMs);
      case 'flush':
        return this.flushAll(event.nowMs);
      case 'roleChanged':
        return setClusterRole(context, event.role, event.nowMs);
      case 'tableSynced':
        return installSyncedTable(context, event.table, event.transitionVersion, event.nowMs);
      case 'recordSynced':
        return applySyncedRecord(context, event.record, event.transitionVersion, event.nowMs);
      case 'republish':
        return this.withGroup(event.groupName, (group) => republish(context, group));
      case 'takeOver':
        return takeOverGroups(context, event.takeover, event.nowMs);
      case 'peerLink':
        return setPeerLink(context, event.link);
      case 'heartbeat':
        return handleHeartbeat(context, event.request, event.nowMs, event.sourceVerified !== false);
      case 'migrateFinish':
        return handleFinish(context, event.finish, event.token, event.nowMs);
      case 'probeResult':
        return probeResult(context, event.serverId, event.reachable, event.nowMs);
      case 'quickDone':
        return this.withJobGroup(event.jobId, (group) => quickDone(context, group, event.jobId, event.result, event.nowMs));
      case 'buildDone':
        return this.withJobGroup(event.jobId, (group) => buildDone(context, group, event.jobId, event.result, event.nowMs));
      case 'jobFailed':
        return this.withJobGroup(event.jobId, (group) => jobFailed(context, group, event.jobId, event.message, event.nowMs));
      case 'persisted':
        return this.withGroup(event.groupName, (group) => {
          saveDone(context, group, event.seq, event.compactWanted === true, event.nowMs);
          startDueRebuild(context, group, event.nowMs);
        });
      case 'persistFailed':
        return this.withGroup(event.groupName, (group) => saveFailed(context, group, event.seq, event.message, event.nowMs));
      case 'configLoaded':
        return reloadGroups(context, event.kind, event.groups, event.saved ?? new Map(), event.nowMs);
      case 'admitServer':
        return this.admit(event.serverId);
      case 'admin':
        if (!isPrimary(context)) return refuse('refused', 'this config server is the secondary of the pair: send admin commands to the primary');
        if (this.isolated(event.command.groupName))
          return refuse('refused', `group ${event.command.groupName} is isolated: this server lost its peer and most of the group's data servers`);
        return applyAdminCommand(context, event.command, event.nowMs);
    }
  }

  /** isolated — whether the group is held as isolated (isolation.ts): it publishes nothing new. */
  isolated(groupName: string): boolean {
    const group = this.context.groups.get(groupName);
    return group !== undefined && isIsolated(group);
  }

  private tickAll(nowMs: number): void {
    absorbStall(this.context, nowMs);
    tickIsolation(this.context, nowMs);
    checkLiveness(this.context, nowMs);
    if (!isPrimary(this.context)) return;
    for (const group of this.context.groups.values()) {
      tickColdStart(this.context, group, nowMs);
      startDueRebuild(this.context, group, nowMs);
      tickRelease(this.context, group, nowMs);
      tickMigration(this.context, group, nowMs);
      startSave(this.context, group, nowMs);
    }
  }

  private flushAll(nowMs: number): void {
    for (const group of this.context.groups.values()) {
      if (isPrimary(this.context)) foldFinishes(group, nowMs);
      group.saveRetryAtMs = 0;
      startSave(this.context, group, nowMs);
    }
  }

  private withGroup(name: string, action: (group: GroupState) => void): void {
    const group = this.context.groups.get(name);
    if (group) action(group);
  }

  private withJobGroup(jobId: number, action: (group: GroupState) => void): void {
    for (const group of this.context.groups.values()) {
      if (group.job?.jobId === jobId) return action(group);
    }
  }

  private admit(serverId: bigint): AdmitOutcome {
    const record = this.context.records.get(serverId);
    if (!record) return { ok: false, reason: 'not a data server of any group' };
    if (!record.member) return { ok: false, reason: `${record.id} is not in _server_list of group ${record.groupName}` };
    if (record.status !== 'down') return { ok: true };
    record.admitted = true;
    notify(this.context, {
      level: 'info',
      event: 'server-admitted',
      group: record.groupName,
      server: record.id,
      message: `${record.id} admitted by the operator; it enters STANDBY at its next heartbeat`,
    });
    return { ok: true };
  }
}
