/**
 * operator-surface — everything an operator sees and steers, behind the few hooks the config
 * server calls (src/server/config-server.ts):
 *
 *   instrument(handler)   heartbeat counts and reply latency         ─┐
 *   noticed(notice)       the event ring (recent events)              ├─▶ GET /metrics
 *   timeJob(job, run)     rebuild counts and durations                │   GET /status, the page
 *   configChanged/Invalid reload counts                              ─┘   GET /groups/{name}/table
 *   opCmd(request)        admin commands (src/admin)                       GET /healthz
 *
 * The HTTP server listens on `[configserver] http_port` at `http_address`, or at the IP of
 * `address` (127.0.0.1 in the examples); without a port there is no HTTP, but op_cmd still
 * answers. HTTP only reads: GET and HEAD.
 */
import type { AddressInfo } from 'node:net';
import type { ClusterEvent, ClusterJob, ClusterReader, Notice } from '../cluster/index.js';
import { parseServerAddress } from '../common/server-id.js';
import type { ConfigProblem } from '../errors.js';
import { statusEventCountMax } from '../limits.js';
import type { OpCmdRequest, OpCmdResponse } from '../protocol/index.js';
import type { Refusal } from '../server/access-guard.js';
import type { FrameHandler } from '../server/tcp-listener.js';
import { adminCodeNames, adminCommandNames } from '../admin/admin-codes.js';
import type { AdminHost, RoleInfo } from '../admin/admin-service.js';
import type { QuorumHealth } from '../quorum/quorum-health.js';
import { AdminService } from '../admin/admin-service.js';
import { ConfigServerMetrics } from '../metrics/config-server-metrics.js';
import { addQuorumGauges } from '../metrics/quorum-metrics.js';
import { instrumentHandler } from '../metrics/instrumented-handler.js';
import { EventRing } from './event-ring.js';
import type { Health, PeerReach } from './health.js';
import { healthLine } from './health.js';
import { StatusHttpServer } from './http-server.js';
import { MigrationRates } from './migration-rate.js';
import type { StatusDocument } from './status-model.js';
import { buildStatus, gaugesOf } from './status-model.js';
import { exportTable } from './table-export.js';

/** SurfaceHost — what the surface needs from the config server. */
export interface SurfaceHost extends Omit<AdminHost, 'statusJson'> {
  httpPort: number | null;
  /** httpAddress — the IP HTTP binds (`[configserver] http_address`); null = the IP of `address`. */
  httpAddress: string | null;
  /** configProblems — why the latest group.conf load was refused (empty once one is applied). */
  configProblems(): readonly ConfigProblem[];
  /** pairPeer — the pair's other server and its silence; null without a pair. */
  pairPeer(): PeerReach | null;
  /** quorum — quorum mode's state (coordination = etcd); null otherwise. */
  quorum?(): QuorumHealth | null;
}

/** JobEvent — what an engine job turns into. */
export type JobEvent = Extract<ClusterEvent, { type: 'quickDone' | 'buildDone' | 'jobFailed' }>;

const samplePeriodMs = 1000;

/** OperatorSurface — see the file comment. */
export class OperatorSurface {
  readonly metrics: ConfigServerMetrics;
  private readonly events = new EventRing(statusEventCountMax);
  private readonly rates = new MigrationRates();
  /** stuck — group → what the last `migration-stuck` notice said, until the migration moves again or ends. */
  private readonly stuck = new Map<string, string>();
  private readonly admin: AdminService;
  private readonly startedAtMs = Date.now();
  private http: StatusHttpServer | null = null;
  private sampler: NodeJS.Timeout | null = null;
  private serving = false;

  constructor(private readonly host: SurfaceHost) {
    this.metrics = new ConfigServerMetrics(
      () => gaugesOf(this.host.cluster()),
      () => this.health(),
    );
    const quorum = host.quorum;
    if (quorum) addQuorumGauges(this.metrics.registry, () => quorum.call(host));
    this.admin = new AdminService({ ...host, statusJson: () => this.status() });
  }

  /** start — begin sampling migration pace and serve HTTP when configured; resolves with its address. */
  async start(): Promise<AddressInfo | null> {
    this.serving = true;
    this.sampler = setInterval(() => this.sample(), samplePeriodMs);
    this.sampler.unref();
    if (this.host.httpPort === null) return null;
    const http = new StatusHttpServer(
      {
        status: () => this.status(),
        table: (groupName, format) => exportTable(this.host.cluster(), groupName, format),
        metrics: async () => ({ contentType: this.metrics.contentType, text: await this.metrics.text() }),
        serving: () => this.serving,
        health: () => this.health(),
      },
      this.host.logger,
    );
    const ip = this.host.httpAddress ?? parseServerAddress(this.host.address, 0).ip;
    const address = await http.listen(ip, this.host.httpPort);
    this.http = http;
    this.host.logger.info(
      { event: 'http-listening', address: `${address.address}:${address.port}`, url: `http://${address.address}:${address.port}/` },
      `status page and API on http://${address.address}:${address.port}/`,
    );
    return address;
  }

  /** stop — /healthz turns 503, then HTTP closes. */
  async stop(): Promise<void> {
    this.serving = false;
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    await this.http?.close();
    this.http = null;
  }

  /** instrument — the request handler with heartbeat and latency metrics. */
  instrument(handler: FrameHandler): FrameHandler {
    return instrumentHandler(handler, this.metrics);
  }

  /** noticed — a cluster notice: kept for the status page (and a stuck migration for the health). */
  noticed(notice: Notice): void {
    this.events.push(notice);
    if (notice.event === 'migration-stuck' && notice.group) this.stuck.set(notice.group, notice.message);
  }

  /** timeJob — count and time an engine job; resolves with its outcome unchanged. */
  async timeJob(job: ClusterJob, run: () => Promise<JobEvent>): Promise<JobEvent> {
    const startMs = performance.now();
    const event = await run();
    const labels = { group: job.groupName, kind: job.kind };
    const ok = event.type !== 'jobFailed' && event.result.ok;
    this.metrics.rebuilds.inc({ ...labels, outcome: ok ? 'ok' : 'failed' });
    this.metrics.rebuildSeconds.observe(labels, (performance.now() - startMs) / 1000);
    return event;
  }

  /** configChanged — a group.conf load was applied. */
  configChanged(kind: string): void {
    this.metrics.configReloads.inc({ kind });
  }

  /** refused — a request refused at the trust boundary: counted; `logged` ones also go to the recent events. */
  refused(refusal: Refusal, logged: boolean): void {
    this.metrics.refusedRequests.inc({ reason: refusal.reason, pcode: String(refusal.pcode) });
    if (logged)
      this.events.push({ level: 'warn', event: 'request-refused', message: `refused pcode ${refusal.pcode} from ${refusal.remoteIp}: ${refusal.message}` });
  }

  /** configInvalid — a group.conf load was refused. */
  configInvalid(): void {
    this.metrics.configReloadFailures.inc();
  }

  /** opCmd — answer an admin command. */
  async opCmd(request: OpCmdRequest): Promise<OpCmdResponse> {
    const response = await this.admin.handle(request);
    const command = adminCommandNames.get(request.cmd) ?? 'unknown';
    this.metrics.adminCommands.inc({ command, code: adminCodeNames.get(response.code) ?? String(response.code) });
    return response;
  }

  /** status — the /status document now. */
  status(): StatusDocument {
    return buildStatus({
      cluster: this.host.cluster(),
      role: this.host.role(),
      address: this.host.address,
      startedAtMs: this.startedAtMs,
      rates: this.rates,
      events: this.events.list(),
      health: { groupFile: this.host.groupFile, configProblems: this.host.configProblems(), peer: this.host.pairPeer(), quorum: this.host.quorum?.() ?? null },
      stuckMigration: (groupName) => this.stuckMigration(groupName),
    });
  }

  /** health — the server's health and each group's, as /status has them. */
  health(): { server: Health; groups: { name: string; health: Health }[]; line: string } {
    const status = this.status();
    return { server: status.health, groups: status.groups.map((group) => ({ name: group.name, health: group.health })), line: healthLine(status.health) };
  }

  // Stuck until the migration ends or moves again (a pace above zero since the re-plan).
  private stuckMigration(groupName: string): string | null {
    const message = this.stuck.get(groupName);
    if (message === undefined) return null;
    const group = this.host.cluster().groupState(groupName);
    const left = Math.max(group?.migrateBlockCount ?? -1, 0);
    const pace = this.rates.progress(groupName, left, Date.now()).ratePerS;
    if (!group || group.migrateBlockCount < 0 || (pace !== null && pace > 0)) {
      this.stuck.delete(groupName);
      return null;
    }
    return message;
  }

  private sample(): void {
    const cluster: ClusterReader = this.host.cluster();
    const nowMs = Date.now();
    for (const name of cluster.groupNames()) {
      const group = cluster.groupState(name);
      if (group) this.rates.sample(name, Math.max(group.migrateBlockCount, 0), nowMs);
    }
  }
}

/** RoleInfo — re-exported for the host (config-server.ts), which provides it. */
export type { RoleInfo };
