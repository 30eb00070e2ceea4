/**
 * data-server-agent — what a data server embeds to take part in a Tair group: heartbeats to
 * every config server each second, the replies applied as the original's rule says (agent-core.ts),
 * the host told what changed, and migrate-finish sent for the buckets the host has moved.
 *
 *   host ──start()──▶ agent ──9 every heartbeatIntervalMs──▶ config servers
 *   host ◀──'table' (tables, plan, replanned) / 'versions' / 'solitary'──  agent ◀──104──
 *   host ◀──'settled' (a finish was accepted: that bucket's row is its destination row now)──
 *   host ──reportMigrated(bucket)──▶ agent ──1201 (retried)──▶ config servers
 *
 * On a 'table' event with `replanned` the host restarts its migrations from `plan.migrations`;
 * without it (same server version: a transition) the tables changed but the plan stands.
 *
 * With two config servers, each heartbeat reports on the *other* one (docs/pair.md, fencing):
 * reachable while it answered within configServerSilentMs and its last exchange did not fail.
 * When one stops answering, the other hears it at once (an extra heartbeat), not a second later.
 */
import { EventEmitter } from 'node:events';
import { checkOptions, type OptionSpec } from '../common/option-checks.js';
import {
  defaultConfigServerPort,
  defaultDataServerPort,
  parseServerAddress,
  serverIdFromAddress,
  type ServerAddress,
} from '../common/server-id.js';
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
}

const agentOptionSpecs: Record<keyof DataServerAgentOptions, OptionSpec> = {
  self: { kind: 'address', required: true, about: "this data server's 'ip:port'" },
  configServers: { kind: 'address list', required: true, about: "the config servers, e.g. ['127.0.0.1:5198']" },
  groupName: { kind: 'string', required: false, about: 'refuse tables of other groups' },
  heartbeatIntervalMs: { kind: 'positive number', required: false, about: 'default 1000' },
  requestTimeoutMs: { kind: 'positive number', required: false, about: 'default 2000' },
  finishRetryPauseMs: { kind: 'non-negative number', required: false, about: 'default 100' },
  configServerSilentMs: { kind: 'positive number', required: false, about: 'default 1500' },
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
}

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
  private timer: NodeJS.Timeout | null = null;

  constructor(options: DataServerAgentOptions) {
    super();
    checkOptions('DataServerAgent', options, agentOptionSpecs);
    const self = toAddress(options.self, defaultDataServerPort);
    const configServers = options.configServers.map((entry) => toAddress(entry, defaultConfigServerPort));
    const configServerIds = configServers.map(serverIdFromAddress);
    const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    this.selfId = serverIdFromAddress(self);
    this.groupName = options.groupName;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.core = new AgentCore(this.selfId, configServerIds);
    // Replies come once a beat: a silence shorter than that would report a healthy server.
    this.reach = new ConfigServerReach(configServers.length, Math.max(options.configServerSilentMs ?? 1500, 1.5 * this.heartbeatIntervalMs));
    this.links = configServers.map(
      (address, entryIndex) =>
        new HeartbeatLink(address, requestTimeoutMs, {
          onResponse: (response) => {
            this.reach.replied(entryIndex);
            this.onResponse(entryIndex, response);
          },
          onError: (reason) => {
            if (this.reach.failed(entryIndex)) this.reportNow(entryIndex);
            this.emit('problem', `heartbeat to config server #${entryIndex}: ${reason}`);
          },
        }),
    );
    this.reporter = new FinishReporter({
      selfId: this.selfId,
      configServerIds,
      activeIndex: () => this.core.activeConfigServerIndex,
      requestTimeoutMs,
      retryPauseMs: options.finishRetryPauseMs ?? 100,
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

  /** start — heartbeat now and every heartbeatIntervalMs. */
  start(): void {
    if (this.timer) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.heartbeatIntervalMs);
  }

  /** stop — no more heartbeats or finishes; connections closed. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
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
      setTimeout(() => {
        if (this.timer) this.links[otherIndex].beat(this.requestFor(otherIndex));
      }, reportRetryMs).unref();
    }
  }

  private onResponse(entryIndex: number, response: Parameters<AgentCore['step']>[1]): void {
    if (this.groupName !== undefined && response.tableBlob.length > 0 && response.groupName !== this.groupName) {
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
    for (const event of events) this.publish(event);
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
    }
  }
}

function toAddress(entry: string | ServerAddress, defaultPort: number): ServerAddress {
  return typeof entry === 'string' ? parseServerAddress(entry, defaultPort) : entry;
}
