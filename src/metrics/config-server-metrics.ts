/**
 * config-server-metrics — the Prometheus metrics of one config server (prom-client, own registry
 * so two servers in one process never share counters).
 *
 *   counted as it happens                           read from the cluster at scrape time
 *   tair_cs_heartbeats_received_total               tair_cs_data_servers{group,state}
 *   tair_cs_heartbeats_answered_total               tair_cs_table_version{group,kind}
 *   tair_cs_response_seconds{request}               tair_cs_buckets_to_migrate{group}
 *   tair_cs_rebuilds_total{group,kind,outcome}      tair_cs_group_state{group,state}  (1 = in it)
 *   tair_cs_rebuild_duration_seconds{group,kind}    tair_cs_migration_paused{group}
 *   tair_cs_config_reloads_total{kind}
 *   tair_cs_config_reload_failures_total            plus prom-client's default process_* and
 *   tair_cs_admin_commands_total{command,code}      nodejs_* metrics
 *                                                   tair_cs_health_status  (0 OK, 1 WARN, 2 ERR)
 *                                                   tair_cs_group_health_status{group}
 *                                                   tair_cs_health_check{code,severity,group}  (1 each)
 *   tair_cs_refused_requests_total{reason,pcode}
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Health } from '../http/health.js';
import { healthStatusValue } from '../http/health.js';

/** GroupGauges — what the scrape-time gauges read about one group. */
export interface GroupGauges {
  name: string;
  versions: { client: number; server: number; transition: number };
  serversByState: { alive: number; standby: number; down: number };
  bucketsToMigrate: number;
  state: string;
  paused: boolean;
}

/** HealthGauges — the health the scrape-time gauges read. */
export interface HealthGauges {
  server: Health;
  groups: { name: string; health: Health }[];
}

/** groupStates — every value `state` takes (each gets a series, 1 for the one in force). */
export const groupStates = ['normal', 'migrating', 'degraded', 'failovering', 'cannot build'] as const;

const latencyBucketsS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const rebuildBucketsS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60];

/** ConfigServerMetrics — see the file comment. */
export class ConfigServerMetrics {
  readonly registry = new Registry();
  readonly heartbeatsReceived: Counter;
  readonly heartbeatsAnswered: Counter;
  readonly responseSeconds: Histogram<'request'>;
  readonly rebuilds: Counter<'group' | 'kind' | 'outcome'>;
  readonly rebuildSeconds: Histogram<'group' | 'kind'>;
  readonly configReloads: Counter<'kind'>;
  readonly configReloadFailures: Counter;
  readonly adminCommands: Counter<'command' | 'code'>;
  readonly refusedRequests: Counter<'reason' | 'pcode'>;

  constructor(groupsNow: () => GroupGauges[], healthNow: () => HealthGauges) {
    const registers = [this.registry];
    this.heartbeatsReceived = new Counter({ name: 'tair_cs_heartbeats_received_total', help: 'Data-server heartbeats (pcode 9) received', registers });
    this.heartbeatsAnswered = new Counter({ name: 'tair_cs_heartbeats_answered_total', help: 'Heartbeat replies (pcode 104) sent', registers });
    this.responseSeconds = new Histogram({
      name: 'tair_cs_response_seconds',
      help: 'Time from a request frame to its reply, by request',
      labelNames: ['request'],
      buckets: latencyBucketsS,
      registers,
    });
    this.rebuilds = new Counter({
      name: 'tair_cs_rebuilds_total',
      help: 'Table engine jobs: quick tables and full builds, by outcome',
      labelNames: ['group', 'kind', 'outcome'],
      registers,
    });
    this.rebuildSeconds = new Histogram({
      name: 'tair_cs_rebuild_duration_seconds',
      help: 'Wall time of table engine jobs',
      labelNames: ['group', 'kind'],
      buckets: rebuildBucketsS,
      registers,
    });
    this.configReloads = new Counter({
      name: 'tair_cs_config_reloads_total',
      help: 'group.conf loads applied, by kind (initial, edit, touch)',
      labelNames: ['kind'],
      registers,
    });
    this.configReloadFailures = new Counter({
      name: 'tair_cs_config_reload_failures_total',
      help: 'group.conf loads refused (the last good config stays)',
      registers,
    });
    this.adminCommands = new Counter({
      name: 'tair_cs_admin_commands_total',
      help: 'Admin commands (op_cmd) answered, by command and return code',
      labelNames: ['command', 'code'],
      registers,
    });
    this.refusedRequests = new Counter({
      name: 'tair_cs_refused_requests_total',
      help: 'Requests refused at the trust boundary (source not allowed, not the peer, unsigned, bad signature), by reason and pcode',
      labelNames: ['reason', 'pcode'],
      registers,
    });
    this.addClusterGauges(groupsNow);
    this.addHealthGauges(healthNow);
    collectDefaultMetrics({ register: this.registry });
  }

  /** text — the exposition text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** contentType — the exposition format's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private addHealthGauges(healthNow: () => HealthGauges): void {
    const registers = [this.registry];
    let snapshot: { atMs: number; health: HealthGauges } | null = null;
    const health = (): HealthGauges => {
      const nowMs = Date.now();
      if (!snapshot || nowMs - snapshot.atMs > 100) snapshot = { atMs: nowMs, health: healthNow() };
      return snapshot.health;
    };
    new Gauge({
      name: 'tair_cs_health_status',
      help: "The config server's health: 0 OK, 1 WARN, 2 ERR",
      registers,
      collect() {
        this.set(healthStatusValue(health().server.status));
      },
    });
    new Gauge<'group'>({
      name: 'tair_cs_group_health_status',
      help: "A group's health: 0 OK, 1 WARN, 2 ERR",
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const group of health().groups) this.set({ group: group.name }, healthStatusValue(group.health.status));
      },
    });
    new Gauge<'code' | 'severity' | 'group'>({
      name: 'tair_cs_health_check',
      help: 'Each reason the health is not OK (1 while it holds)',
      labelNames: ['code', 'severity', 'group'],
      registers,
      collect() {
        this.reset();
        for (const check of health().server.checks) this.set({ code: check.code, severity: check.level, group: check.group ?? '' }, 1);
      },
    });
  }

  private addClusterGauges(groupsNow: () => GroupGauges[]): void {
    const registers = [this.registry];
    // One snapshot per scrape, shared by the gauges below (each collect() runs in the same scrape).
    let snapshot: { atMs: number; groups: GroupGauges[] } | null = null;
    const groups = (): GroupGauges[] => {
      const nowMs = Date.now();
      if (!snapshot || nowMs - snapshot.atMs > 100) snapshot = { atMs: nowMs, groups: groupsNow() };
      return snapshot.groups;
    };
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (gauge: Gauge<L>, group: GroupGauges) => void): void => {
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const group of groups()) fill(this, group);
        },
      });
    };
    gauge('tair_cs_data_servers', 'Data servers by state', ['group', 'state'], (metric, group) => {
      for (const [state, count] of Object.entries(group.serversByState)) metric.set({ group: group.name, state }, count);
    });
    gauge('tair_cs_table_version', 'Published table versions (client, server, transition)', ['group', 'kind'], (metric, group) => {
      for (const [kind, version] of Object.entries(group.versions)) metric.set({ group: group.name, kind }, version);
    });
    gauge('tair_cs_buckets_to_migrate', 'Buckets still to migrate (0 when not migrating)', ['group'], (metric, group) => {
      metric.set({ group: group.name }, group.bucketsToMigrate);
    });
    gauge('tair_cs_group_state', 'The state a group is in (1) and the others (0)', ['group', 'state'], (metric, group) => {
      for (const state of groupStates) metric.set({ group: group.name, state }, state === group.state ? 1 : 0);
    });
    gauge('tair_cs_migration_paused', "Whether an operator paused the group's migration", ['group'], (metric, group) => {
      metric.set({ group: group.name }, group.paused ? 1 : 0);
    });
  }
}
