/**
 * data-server-agent — what a data server embeds to take part in a Tair group: heartbeats to
 * every config server each second, the replies applied as the original's rule says (agent-core.ts),
 * the host told what changed, and migrate-finish sent for the buckets the host has moved.
 *
 *   host ──start()──▶ agent ──9 every heartbeatIntervalMs──▶ config servers
 *   host ◀──'table' (its view, plan, replanned) / 'versions' / 'solitary'──  agent ◀──104──
 *   host ◀──'settled' (a finish was accepted: that bucket's row is its destination row now)──
 *   host ──reportMigrated(bucket)──▶ agent ──1201 (retried with backoff)──▶ config servers
 *
 * On a 'table' event with `replanned` the host restarts its migrations from `plan.migrations`;
 * without it (same server version: a transition) the view changed but the plan stands. The
 * view holds only the buckets whose rows name this server (agent-view.ts): a config server with
 * views sends it and then only its changes; one without, whole tables it is cut from.
 *
 * Time comes from `timers` (default: the process clock): tests drive it by hand.
 *
 * With two config servers, each heartbeat reports on the *other* one (docs/pair.md, fencing):
 * reachable while it answered within configServerSilentMs and its last exchange did not fail.
 * When one stops answering, the other hears it at once (an extra heartbeat), not a second later.
 */
import { EventEmitter } from 'node:events';
import { checkOptions, type OptionSpec } from '../common/option-checks.js';
import type { TimerHandle, TimerSource } from '../common/timer-source.js';
import { systemTimers } from '../common/timer-source.js';
import { defaultConfigServerPort, defaultDataServerPort, parseServerAddress, serverIdFromAddress, type ServerAddress } from '../common/server-id.js';
import { AgentCore, type AgentEvent, type AgentVersions } from './agent-core.js';
import { ConfigServerReach } from './config-server-reach.js';
import type { AgentTables, BucketPlan } from './bucket-plan.js';
import { FinishReporter } from './finish-reporter.js';
import { HeartbeatLink } from './heartbeat-link.js';

/** DataServerAgentOptions — who the data server is and where its config servers are. */
export interface DataServerAgentOptions {
  /** self — this data server's `ip:port` (its id in the group's tables). */
  self: string | ServerAddress;
  /** configServers — the config-server list in order (entry #0 is the default primary). */
  configServers: readonly (string | ServerAddress)[];
  /** groupName — when set, tables of another group are refused. */
  groupName?: string;
  heartbeatIntervalMs?: number;
  requestTimeoutMs?: number;
  finishRetryPauseMs?: number;
  /** configServerSilentMs — a config server silent this long is reported unreachable to its peer (default 1500; at least 1.5 beats). */
  configServerSilentMs?: number;
  /** timers — the clock and timers the agent runs on (default the process's; tests pass their own). */
  timers?: TimerSource;
  /** random — the source of retry jitter (default Math.random). */
  random?: () => number;
}

const agentOptionSpecs: Record<keyof DataServerAgentOptions, OptionSpec> = {
  self: { kind: 'address', required: true, about: "this data server's 'ip:port'" },
  configServers: { kind: 'address list', required: true, about: "the config servers, e.g. ['127.0.0.1:5198']" },
  groupName: { kind: 'string', required: false, about: 'refuse tables of other groups' },
  heartbeatIntervalMs: { kind: 'positive number', required: false, about: 'default 1000' },
  requestTimeoutMs: { kind: 'positive number', required: false, about: 'default 2000' },
  finishRetryPauseMs: { kind: 'non-negative number', required: false, about: 'default 100' },
  configServerSilentMs: { kind: 'positive number', required: false, about: 'default 1500' },
  timers: { kind: 'timer source', required: false, about: "the clock and timers to run on (default the process's)" },
  random: { kind: 'function', required: false, about: 'the source of retry jitter, 0 ≤ random() < 1 (default Math.random)' },
};

/** reportRetryMs — an urgent report finding its link busy tries once more after this pause. */
const reportRetryMs = 50;

/** TableChange — the payload of a 'table' event. */
export interface TableChange {
  tables: AgentTables;
  plan: BucketPlan;
  versions: AgentVersions;
  /** replanned — the server version changed: migrations restart from `plan.migrations`. */
  replanned: boolean;
}

/** DataServerAgentEvents — the events an agent emits. */
export interface DataServerAgentEvents {
  table: [TableChange];
  versions: [AgentVersions];
  /** settled — a finish was accepted: the bucket's current row is now its destination row. */
  settled: [{ bucketIndex: number; tables: AgentTables }];
  solitary: [];
  /** finish — a config server answered a migrate-finish with a code other than 1. */
  finish: [{ bucketIndex: number; code: number }];
  /** problem — something failed and will be retried (a log line for the host). */
  problem: [string];
  /** heartbeat — a reply came from config server `entryIndex`, `roundTripMs` after its request was written. */
  heartbeat: [{ entryIndex: number; roundTripMs: number }];
}

/** AgentCounters — what the agent has sent and taken, for hosts that measure (benchmarks, status). */
export interface AgentCounters {
  /** finishPackets — migrate-finish packets sent to the active config server, retries included. */
  finishPackets: number;
  /** viewsRefused — views or changes refused (checksum, base version): each asks for the view whole. */
  viewsRefused: number;
  /** heartbeatReplies — heartbeat replies received, from every config server. */
  heartbeatReplies: number;
  /** views — views taken whole (the first, and after a refusal or when too far behind). */
  views: number;
  /** changeSets — change sets applied to the view held. */
  changeSets: number;
  /** wholeTables — whole tables cut down to the view (a config server without views). */
  wholeTables: number;
  /** tableBytes — bytes of table content taken: rows blocks and table blobs of applied replies. */
  tableBytes: number;
  /** changeSetBytes / changeSetSlots — rows-block bytes of the change sets applied, and the slots they changed. */
  changeSetBytes: number;
  changeSetSlots: number;
  /** changeSetsOverBound — change sets of more than 64 bytes per changed slot plus the rows block's 7-byte header. */
  changeSetsOverBound: number;
}

/** The bound of issue 11 on a change set: 64 bytes per changed slot that concerns the server, plus the rows block's header. */
const changeSetBytesPerSlotMax = 64;
const rowsHeaderBytes = 7;

/** DataServerAgent — heartbeats, table tracking and finish reporting for one data server. */
export class DataServerAgent extends EventEmitter<DataServerAgentEvents> {
  /** selfId — this data server's 64-bit id. */
  readonly selfId: bigint;
  private readonly core: AgentCore;
  private readonly links: HeartbeatLink[];
  private readonly reporter: FinishReporter;
  private readonly heartbeatIntervalMs: number;
  private readonly groupName: string | undefined;
  private readonly reach: ConfigServerReach;
  private readonly timers: TimerSource;
  private timer: TimerHandle | null = null;
  private readonly taken = {
    viewsRefused: 0,
    heartbeatReplies: 0,
    views: 0,
    changeSets: 0,
    wholeTables: 0,
    tableBytes: 0,
    changeSetBytes: 0,
    changeSetSlots: 0,
    changeSetsOverBound: 0,
  };

  constructor(options: DataServerAgentOptions) {
    super();
    checkOptions('DataServerAgent', options, agentOptionSpecs);
    const self = toAddress(options.self, defaultDataServerPort);
    const configServers = options.configServers.map((entry) => toAddress(entry, defaultConfigServerPort));
    const configServerIds = configServers.map(serverIdFromAddress);
    const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    const timers = options.timers ?? systemTimers;
    this.timers = timers;
    this.selfId = serverIdFromAddress(self);
    this.groupName = options.groupName;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.core = new AgentCore(this.selfId, configServerIds);
    // Replies come once a beat: a silence shorter than that would report a healthy server.
    this.reach = new ConfigServerReach(configServers.length, Math.max(options.configServerSilentMs ?? 1500, 1.5 * this.heartbeatIntervalMs), timers);
    this.links = configServers.map(
      (address, entryIndex) =>
        new HeartbeatLink(
          address,
          requestTimeoutMs,
          {
            onResponse: (response, roundTripMs) => {
              this.taken.heartbeatReplies += 1;
              this.emit('heartbeat', { entryIndex, roundTripMs });
              this.reach.replied(entryIndex);
              this.onResponse(entryIndex, response);
            },
            onError: (reason) => {
              if (this.reach.failed(entryIndex)) this.reportNow(entryIndex);
              this.emit('problem', `heartbeat to config server #${entryIndex}: ${reason}`);
            },
          },
          timers,
          this.heartbeatIntervalMs,
          options.random,
        ),
    );
    this.reporter = new FinishReporter({
      selfId: this.selfId,
      configServerIds,
      activeIndex: () => this.core.activeConfigServerIndex,
      requestTimeoutMs,
      retryPauseMs: options.finishRetryPauseMs ?? 100,
      timers,
      random: options.random,
      onResult: (bucketIndex, code) => {
        this.emit('finish', { bucketIndex, code });
        if (code === 0) for (const event of this.core.settleBucket(bucketIndex)) this.publish(event);
      },
      onError: (bucketIndex, reason) => this.emit('problem', `migrate finish of bucket ${bucketIndex}: ${reason}`),
    });
  }

  /** tables — the data-server view held now (null before the first table and while solitary). */
  get tables(): AgentTables | null {
    return this.core.tables;
  }

  /** plan — this server's holding, padding and migrations in the held tables. */
  get plan(): BucketPlan | null {
    return this.core.plan;
  }

  /** versions — the versions held now; `clientVersion` goes into every reply to clients. */
  get versions(): AgentVersions {
    return this.core.versions;
  }

  /** solitary — told to stop serving, and no table since. */
  get solitary(): boolean {
    return this.core.solitary;
  }

  /** pendingFinishCount — migrate-finish packets not answered yet. */
  get pendingFinishCount(): number {
    return this.reporter.pendingCount;
  }

  /** counters — packets sent and views refused since start. */
  get counters(): AgentCounters {
    return { finishPackets: this.reporter.sentCount, ...this.taken };
  }

  /** start — heartbeat now and every heartbeatIntervalMs. */
  start(): void {
    if (this.timer) return;
    this.tick();
  }

  /** stop — no more heartbeats or finishes; connections closed. */
  stop(): void {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    for (const link of this.links) link.close();
    this.reporter.stop();
  }

  /**
   * reportMigrated — the host copied `bucketIndex` to its destinations under the table of
   * `serverVersion`: tell the config servers. Returns false (nothing sent) when a newer table
   * has replaced that one, since the config server would refuse the finish.
   */
  reportMigrated(bucketIndex: number, serverVersion: number): boolean {
    if (serverVersion !== this.core.versions.serverVersion || this.core.solitary) return false;
    this.core.noteMigrated(bucketIndex);
    this.reporter.report(bucketIndex, serverVersion);
    return true;
  }

  private tick(): void {
    this.timer = this.timers.setTimeout(() => this.tick(), this.heartbeatIntervalMs);
    this.beat();
  }

  private beat(): void {
    this.links.forEach((link, entryIndex) => {
      link.beat(this.requestFor(entryIndex));
    });
  }

  /** requestFor — the heartbeat to entry `entryIndex`, with our report on the other entry of the pair. */
  private requestFor(entryIndex: number): ReturnType<AgentCore['heartbeatRequest']> {
    return this.core.heartbeatRequest(this.links.length === 2 ? this.reach.report(1 - entryIndex) : undefined);
  }

  /** reportNow — entry `silentIndex` just stopped answering: tell the other one now (once more if busy). */
  private reportNow(silentIndex: number): void {
    const otherIndex = 1 - silentIndex;
    if (this.links.length !== 2 || !this.timer) return;
    if (!this.links[otherIndex].beat(this.requestFor(otherIndex))) {
      this.timers.setTimeout(() => {
        if (this.timer) this.links[otherIndex].beat(this.requestFor(otherIndex));
      }, reportRetryMs);
    }
  }

  private onResponse(entryIndex: number, response: Parameters<AgentCore['step']>[1]): void {
    const carriesTable = response.tableBlob.length > 0 || response.extension?.content !== undefined;
    if (this.groupName !== undefined && carriesTable && response.groupName !== this.groupName) {
      this.emit('problem', `config server #${entryIndex} sent a table of group '${response.groupName}', not '${this.groupName}'`);
      return;
    }
    let events: AgentEvent[];
    try {
      events = this.core.step(entryIndex, response);
    } catch (error) {
      this.emit('problem', `heartbeat reply of config server #${entryIndex}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const event of events) {
      if (event.kind === 'table') this.countTable(response, event.changedSlots ?? 0);
      this.publish(event);
    }
  }

  private countTable(response: Parameters<AgentCore['step']>[1], changedSlots: number): void {
    const content = response.extension?.content;
    const taken = this.taken;
    if (content?.kind === 'view') taken.views += 1;
    else if (content?.kind === 'viewChanges') taken.changeSets += 1;
    else taken.wholeTables += 1;
    taken.tableBytes += (content?.rows.length ?? 0) + response.tableBlob.length;
    if (content?.kind === 'viewChanges') {
      taken.changeSetBytes += content.rows.length;
      taken.changeSetSlots += changedSlots;
      if (content.rows.length > changeSetBytesPerSlotMax * changedSlots + rowsHeaderBytes) taken.changeSetsOverBound += 1;
    }
  }

  private publish(event: AgentEvent): void {
    switch (event.kind) {
      case 'table':
        if (event.replanned) this.reporter.cancelOtherVersions(event.versions.serverVersion);
        this.emit('table', { tables: event.tables, plan: event.plan, versions: event.versions, replanned: event.replanned });
        break;
      case 'versions':
        this.emit('versions', event.versions);
        break;
      case 'settled':
        this.emit('settled', { bucketIndex: event.bucketIndex, tables: event.tables });
        break;
      case 'solitary':
        this.reporter.cancelOtherVersions(-1);
        this.emit('solitary');
        break;
      case 'viewRefused':
        this.taken.viewsRefused += 1;
        this.emit('problem', `view from the config server refused (${event.reason}); asking for it whole`);
        break;
    }
  }
}

function toAddress(entry: string | ServerAddress, defaultPort: number): ServerAddress {
  return typeof entry === 'string' ? parseServerAddress(entry, defaultPort) : entry;
}
