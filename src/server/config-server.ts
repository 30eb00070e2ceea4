/**
 * config-server — the host around the cluster state machine: it owns every adapter and wires
 * them (pure core, thin shell). Every input reaches the cluster through one ClusterDriver, which
 * steps it and hands what the cluster asks for to `perform` (effect-performer.ts):
 *
 *   TCP frames ─▶ RequestHandler ─┐
 *   admin, HTTP ─▶ OperatorSurface ├─▶ driver.step ─▶ Cluster ─ready()─▶ perform
 *   pair ─▶ PairHost, or quorum ─▶ QuorumHost (etcd; quorum-host.ts)                                       │
 *   timer ─▶ tick, group.conf ─────┘      ┌───────────────┬───────────────┼──────────────┬─────────────┐
 *                                      jobs: engine   persist: store   probes: TCP   replies      notices: log
 *                                         └─ step ◀──────┴─ step persisted ◀┘          (held finish replies)
 *   group.conf ─▶ GroupConfigWatcher ─▶ step configLoaded (saved tables of new groups loaded first)
 *
 * Start: load group.conf and the saved tables, compress the views, then listen. Stop: stop
 * listening and ticking, let in-flight saves land, save whatever changed, close the worker.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ClusterEvent, ClusterOptions, ClusterReader, StepAnswer } from '../cluster/index.js';
import { Cluster } from '../cluster/index.js';
import type { ConfigServerConfig } from '../config/configserver-conf.js';
import type { GroupConfigChangeEvent, GroupConfigCheckOutcome } from '../config/config-watcher.js';
import { GroupConfigWatcher } from '../config/config-watcher.js';
import { ConfigError, formatConfigProblem } from '../errors.js';
import {
  connectionsPerAddressMax,
  descriptorReserveCount,
  idleConnectionMs,
  partialFrameBytesTotalMax,
  replyBacklogBytesMax,
  requestBodyBytesMax,
  tableBacklogBytesMax,
} from '../limits.js';
import type { Cancel, Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { parseServerAddress } from '../common/server-id.js';
import type { DataServerControlRequest, DataServerControlResponse, OpCmdRequest, OpCmdResponse } from '../protocol/index.js';
import { DataServerControlCode } from '../protocol/index.js';
import { AddressFilter } from '../security/address-filter.js';
import { AccessGuard, guardFrames } from './access-guard.js';
import { ClusterDriver } from './cluster-driver.js';
import { EffectPerformer } from './effect-performer.js';
import { EngineRunner } from './engine-runner.js';
import { editServerList } from './group-conf-editor.js';
import { GroupConfWriter } from './group-conf-writer.js';
import { PairHost } from '../pair/pair-host.js';
import type { PairHostDeps } from '../pair/pair-deps.js';
import { QuorumHost } from './quorum-host.js';
import type { DescriptorLimit } from './descriptor-limit.js';
import { connectionCountFor, readOpenFileLimit } from './descriptor-limit.js';
import { RefusalLog } from './refusal-log.js';
import { RequestHandler } from './request-handler.js';
import { loadSavedTables } from './saved-tables.js';
import { TcpListener } from './tcp-listener.js';
import { ViewCache } from '../views/view-cache.js';
import type { PeerReach } from '../http/health.js';
import type { RoleInfo } from '../http/operator-surface.js';
import { OperatorSurface } from '../http/operator-surface.js';
import type { TurnBudget } from './turn-budget.js';

/** ConfigServerOptions — the host's knobs (cluster timings, the tick period, the clock, the engine jobs' deadline). */
export interface ConfigServerOptions {
  tickMs?: number;
  cluster?: Partial<ClusterOptions>;
  /** clock — time and timers of the cluster's ticks and the pair (default: the system clock). */
  clock?: Clock;
  /** contentBudget — table content heartbeat replies may carry per turn (tests pass one that turns by hand). */
  contentBudget?: TurnBudget;
  /** engineJobDeadlineMs — fail an engine job that runs longer (default: by its size, engine-runner.ts). */
  engineJobDeadlineMs?: number;
}

const defaultTickMs = 200;

/** ConfigServer — see the file comment. */
export class ConfigServer {
  private readonly views = new ViewCache();
  private readonly engines: EngineRunner;
  private readonly watcher: GroupConfigWatcher;
  private readonly writer: GroupConfWriter;
  private readonly handler: RequestHandler;
  private readonly listener: TcpListener;
  private readonly surface: OperatorSurface;
  private readonly refusals: RefusalLog;
  private readonly descriptors: DescriptorLimit | null;
  /** pair — the config-server pair (src/pair), null when configserver.conf lists this server alone. */
  private readonly pair: PairHost | null;
  /** quorum — quorum mode (coordination = etcd, quorum-host.ts), null otherwise. */
  private readonly quorum: QuorumHost | null;
  /** effects — what the driver's effects do to disk and the network (effect-performer.ts). */
  private readonly effects: EffectPerformer;
  private driverOrNull: ClusterDriver | null = null;
  private reloads: Promise<unknown> = Promise.resolve();
  private stopTicking: Cancel | null = null;
  private readonly clock: Clock;
  private stopping = false;
  private nextToken = 1;

  constructor(
    private readonly config: ConfigServerConfig,
    private readonly logger: Logger,
    private readonly options: ConfigServerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.engines = new EngineRunner(() => this.nowMs(), { jobDeadlineMs: options.engineJobDeadlineMs });
    this.watcher = new GroupConfigWatcher(config.groupFile, { defaultDataServerPort: config.dataServerPort });
    this.writer = new GroupConfWriter(config.groupFile);
    const host = this;
    this.quorum = config.coordination === 'etcd' ? new QuorumHost(this.hostDeps()) : null;
    this.pair = !this.quorum && config.configServers.length > 1 ? this.createPair() : null;
    this.handler = new RequestHandler({
      get cluster() {
        return host.cluster;
      },
      step: (event) => this.step(event),
      views: this.views,
      logger,
      nowMs: () => this.nowMs(),
      holdReply: (token, connection, channelId) => this.effects.hold(token, connection, channelId),
      releaseReply: (token) => this.effects.release(token),
      nextToken: () => this.nextToken++,
      dataServerControl: (request) => this.dataServerControl(request),
      opCmd: (request) => this.opCmd(request),
      pair: this.pair?.requests ?? this.quorum?.requests ?? null,
      contentBudget: options.contentBudget,
    });
    this.surface = new OperatorSurface({
      cluster: () => this.cluster,
      step: (event) => this.step(event),
      role: () => this.roleInfo(),
      nowMs: () => this.nowMs(),
      address: config.address,
      configServers: config.configServers,
      groupFile: config.groupFile,
      defaultDataServerPort: config.dataServerPort,
      httpPort: config.httpPort,
      httpAddress: config.httpAddress,
      readGroupConf: () => this.writer.read(),
      editGroupConf: (edit) => this.editGroupConf(edit),
      planEngine: (slotCount, work) => this.engines.exclusive(slotCount, work),
      configProblems: () => this.watcher.problems,
      pairPeer: () => this.pairPeer(),
      ...(this.quorum ? { quorum: () => this.quorum?.health() ?? null } : {}),
      logger,
    });
    this.effects = new EffectPerformer({
      step: (event) => this.step(event),
      nowMs: () => this.nowMs(),
      logger,
      dataDir: config.dataDir,
      views: this.views,
      engines: this.engines,
      surface: this.surface,
      handler: this.handler,
      gate: this.pair ?? this.quorum,
      stopping: () => this.stopping,
    });
    this.refusals = new RefusalLog(logger, () => this.nowMs());
    const guard = new AccessGuard({
      adminAllow: new AddressFilter(config.adminAllow),
      peerIp: this.pair ? parseServerAddress(config.configServers[1 - this.pair.entryIndex], config.port).ip : null,
      secret: config.adminSecret?.key ?? null,
    });
    const guarded = guardFrames(this.handler, guard, (refusal) => this.surface.refused(refusal, this.refusals.note(refusal)));
    this.descriptors = readOpenFileLimit();
    this.listener = new TcpListener(
      this.surface.instrument(guarded),
      {
        connectionCountMax: connectionCountFor(this.descriptors),
        connectionsPerAddressMax,
        partialFrameBytesTotalMax,
        requestBodyBytesMax,
        writeBacklogBytesMax: replyBacklogBytesMax,
        tableBacklogBytesMax,
        idleTimeoutMs: idleConnectionMs,
      },
      logger,
    );
  }

  /** counters — bytes sent to peers and written by the table store since start (benchmarks, status). */
  get counters(): { replyBytes: number; storeBytes: number } {
    return { replyBytes: this.listener.counters.bytesSent, storeBytes: this.effects.storeBytesWritten };
  }

  /** roleInfo — this server's role and epoch in the pair: the one place status and admin read them. */
  roleInfo(): RoleInfo {
    if (this.quorum) return { role: this.quorum.leads() ? 'primary' : 'secondary', epoch: this.quorum.health()?.epoch ?? 0n };
    const core = this.pair && this.driverOrNull ? this.pair.core : null;
    return core ? { role: core.role === 'primary' ? 'primary' : 'secondary', epoch: core.epoch } : { role: 'primary', epoch: 0n };
  }

  /** pairPeer — the pair's other server and how long it has been silent to this one (null without a pair). */
  private pairPeer(): PeerReach | null {
    if (!this.pair?.started) return null;
    const address = this.config.configServers[1 - this.pair.entryIndex];
    return { address, silentMs: this.pair.core.peerSilentForMs(this.nowMs()), timeoutMs: this.pair.timings.peerTimeoutMs };
  }

  /** cluster — the state machine, read-only (after start); inputs go through `step`. */
  get cluster(): ClusterReader {
    return this.driver.state;
  }

  /** step — the one way in: step the cluster through the driver (which performs what it asks for). */
  step<E extends ClusterEvent>(event: E): StepAnswer<E> {
    return this.driver.step(event);
  }

  private get driver(): ClusterDriver {
    if (!this.driverOrNull) throw new Error('config server not started');
    return this.driverOrNull;
  }

  /** start — load everything, then listen on `[configserver] address`; resolves with the bound address. */
  async start(): Promise<AddressInfo> {
    await mkdir(this.config.dataDir, { recursive: true });
    const initial = await this.loadInitialConfig();
    const names = initial.config.groups.map((group) => group.name);
    await this.quorum?.prepare(names);
    const lostGroups: string[] = [];
    const saved = await loadSavedTables(this.config.dataDir, names, this.logger, lostGroups);
    const options = { migrationVersionIntervalMs: this.config.migrationVersionIntervalMs, ...this.options.cluster };
    const cluster = new Cluster({ groups: initial.config.groups, saved, nowMs: this.nowMs(), options, configServers: this.config.configServers });
    this.driverOrNull = new ClusterDriver(cluster, (ready) => this.effects.perform(ready));
    this.driverOrNull.start();
    await this.effects.settle();
    await this.pair?.start(lostGroups.length > 0);
    this.pair?.groupConfLoaded(initial);
    this.quorum?.start();
    const { ip, port } = parseServerAddress(this.config.address, this.config.port);
    const address = await this.listener.listen(ip, port);
    this.stopTicking = this.clock.every(this.options.tickMs ?? defaultTickMs, () => this.tick());
    await this.surface.start();
    this.logBudgets();
    this.logger.info(
      { event: 'listening', address: `${address.address}:${address.port}`, groups: names },
      `config server listening on ${address.address}:${address.port} (groups: ${names.join(', ')})`,
    );
    return address;
  }

  /** stop — stop serving, save what changed, release the engine worker. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopTicking?.();
    await this.pair?.stop();
    await this.quorum?.stop();
    await this.surface.stop();
    await this.watcher.close();
    await this.listener.close();
    await this.reloads;
    await this.effects.settle();
    if (this.driverOrNull) {
      for (let round = 0; round < 3 && this.cluster.hasUnsavedChanges(); round++) {
        this.step({ type: 'flush', nowMs: this.nowMs() });
        await this.effects.settle();
      }
    }
    await this.engines.close();
    this.logger.info({ event: 'stopped' }, 'config server stopped; tables saved');
  }

  private async loadInitialConfig(): Promise<GroupConfigChangeEvent> {
    let initial: GroupConfigChangeEvent | null = null;
    this.watcher.on('change', (event) => {
      this.surface.configChanged(event.kind);
      if (!this.driverOrNull) initial = event;
      else this.reload(event);
    });
    this.watcher.on('invalid', (event) => {
      this.surface.configInvalid();
      this.logger.error(
        { event: 'group-conf-invalid', problems: event.problems.map(formatConfigProblem) },
        `${this.config.groupFile} is invalid; ${event.lastGood ? 'keeping the last good version' : 'nothing loaded'}`,
      );
    });
    await this.watcher.start();
    if (!initial) throw new ConfigError(this.watcher.problems);
    return initial;
  }

  private reload(event: GroupConfigChangeEvent): void {
    this.reloads = this.reloads
      .then(async () => {
        if (this.stopping) return;
        this.pair?.groupConfLoaded(event);
        this.quorum?.groupConfLoaded(event);
        const added = event.config.groups.filter((group) => !this.cluster.hasGroup(group.name)).map((group) => group.name);
        const saved = await loadSavedTables(this.config.dataDir, added, this.logger);
        this.step({ type: 'configLoaded', nowMs: this.nowMs(), kind: event.kind, groups: event.config.groups, saved });
      })
      .catch((error: unknown) => this.logger.error({ event: 'reload-failed', err: error }, 'applying group.conf failed'));
  }

  private tick(): void {
    this.step({ type: 'tick', nowMs: this.nowMs() });
  }

  private async dataServerControl(request: DataServerControlRequest): Promise<DataServerControlResponse> {
    if (this.roleInfo().role !== 'primary') {
      // The original's secondary applied the edit to its own copy; the primary's would then overwrite it.
      this.logger.warn(
        { event: 'server-list-edit-refused', group: request.groupName },
        'data-server control (1500) refused: this is the secondary; send it to the primary',
      );
      return { codes: request.serverIds.map(() => DataServerControlCode.notPrimary) };
    }
    try {
      const codes = await this.writer.edit((text) => {
        const edit = editServerList(text, request.groupName, request.op, request.serverIds, this.config.dataServerPort);
        return { text: edit.changed ? edit.text : null, result: edit.codes };
      });
      if (codes.includes(DataServerControlCode.ok)) {
        this.logger.info({ event: 'server-list-edited', group: request.groupName, op: request.op, codes }, 'group.conf _server_list edited');
        void this.watcher.check();
      }
      return { codes };
    } catch (error) {
      this.logger.error({ event: 'server-list-edit-failed', err: error }, 'cannot edit group.conf');
      return { codes: request.serverIds.map(() => DataServerControlCode.fileOpFailed) };
    }
  }

  private opCmd(request: OpCmdRequest): Promise<OpCmdResponse> {
    return this.surface.opCmd(request);
  }

  /** checkGroupConf — look at group.conf now, as the watcher does on a change; resolves once it is applied or refused. */
  async checkGroupConf(): Promise<GroupConfigCheckOutcome> {
    const outcome = await this.watcher.check();
    await this.reloads;
    return outcome;
  }

  /** editGroupConf — an admin edit of group.conf, written atomically; resolves once the reload is applied. */
  private async editGroupConf<R>(edit: (text: string) => { text: string | null; result: R }): Promise<R> {
    const result = await this.writer.edit(edit);
    await this.checkGroupConf();
    return result;
  }

  private createPair(): PairHost {
    return new PairHost(this.hostDeps());
  }

  /** hostDeps — what the pair or quorum mode may read and do here. */
  private hostDeps(): PairHostDeps {
    return {
      config: this.config,
      logger: this.logger,
      cluster: () => this.cluster,
      step: (event) => this.step(event),
      nowMs: () => this.nowMs(),
      clock: this.clock,
      reloadGroupConf: async () => (await this.checkGroupConf()) !== 'invalid',
    };
  }

  private logBudgets(): void {
    const limit = this.descriptors;
    const cap = connectionCountFor(limit);
    this.logger.info(
      {
        event: 'budgets',
        connectionCountMax: cap,
        connectionsPerAddressMax,
        openFileLimit: limit?.soft ?? null,
        descriptorReserve: descriptorReserveCount,
        partialFrameBytesTotalMax,
      },
      `connections capped at ${cap} (${connectionsPerAddressMax} per address; open-file limit ${limit?.soft ?? 'unknown'}, ${descriptorReserveCount} kept for files and the peer)`,
    );
  }

  private nowMs(): number {
    return this.clock.nowMs();
  }
}
