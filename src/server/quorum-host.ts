/**
 * quorum-host — quorum mode around one config server (docs/quorum.md): the QuorumCoordinator
 * (src/quorum) drives the cluster through the host's driver, as PairHost does in pair mode.
 *
 *   start:   the local copies of committed tables replace the saved tables (a table saved but
 *            never committed is never served) ─▶ the cluster is secondary ─▶ campaign + follow
 *   elected ─▶ every committed table installed ─▶ takeOver (epoch, versions jump) ─▶ primary:
 *              the cluster builds; each save goes to etcd (fenced) before it is served
 *   deposed ─▶ secondary at once ─▶ the committed tables installed again (drops what was
 *              saved here but not committed)
 *   table (a newer committed version from the watch) ─▶ saved locally ─▶ tableSynced (served)
 *   groupConf (etcd's text) ─▶ written to the file if it differs ─▶ reloaded
 *   group.conf edited on the leader (file or admin) ─▶ committed to etcd (the truth)
 *   a save etcd did not commit while we still lead ─▶ secondary, then the elected flow again
 *
 * Installs and role changes run one at a time, in order (`serially`). Publication order is the
 * coordinator's: committed in etcd first, then served (`beforePublish`).
 */
import type { Logger } from 'pino';
import type { Cancel } from '../common/clock.js';
import type { GroupConfigChangeEvent } from '../config/config-watcher.js';
import type { PersistRequest } from '../cluster/index.js';
import { versionJumpStep } from '../cluster/versions.js';
import { readGoodGroupConf, writeGroupConf } from '../pair/group-conf-sync.js';
import type { PairHostDeps } from '../pair/pair-deps.js';
import { QuorumCoordinator } from '../quorum/quorum-coordinator.js';
import type { QuorumHealth } from '../quorum/quorum-health.js';
import type { CommittedTable } from '../quorum/table-reader.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';
import { loadGroupTable, saveGroupTable } from '../store/table-store.js';
import { QuorumRequests } from './quorum-requests.js';

/** QuorumHost — see the file comment. */
export class QuorumHost {
  readonly requests: QuorumRequests;
  private coordinatorOrNull: QuorumCoordinator | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** etcdGroupConf — the group.conf text last seen in etcd (null: none yet). */
  private etcdGroupConf: string | null = null;
  private stopped = false;
  private catchingUp = false;
  private stopCatchingUp: Cancel | null = null;
  private readonly logger: Logger;

  constructor(readonly deps: PairHostDeps) {
    this.logger = deps.logger;
    this.requests = new QuorumRequests(this);
  }

  /** coordinator — after prepare(). */
  get coordinator(): QuorumCoordinator {
    if (!this.coordinatorOrNull) throw new Error('quorum mode not prepared');
    return this.coordinatorOrNull;
  }

  /** leads — this server holds the office and its cluster acts as primary. */
  leads(): boolean {
    return this.coordinatorOrNull?.isLeader() === true && this.deps.cluster().role === 'primary';
  }

  /** health — the coordinator's view (null before prepare). */
  health(): QuorumHealth | null {
    return this.coordinatorOrNull?.health() ?? null;
  }

  /**
   * prepare — before the saved tables are loaded: connect, and where a committed local copy of a
   * group exists, make it the saved table (the store may hold a save that etcd never committed).
   */
  async prepare(groupNames: readonly string[]): Promise<void> {
    const { config } = this.deps;
    if (!config.etcd) throw new Error('coordination = etcd without etcd settings');
    this.coordinatorOrNull = await QuorumCoordinator.connect(config.etcd, {
      address: config.address,
      dataDir: config.dataDir,
      epochFloor: () => this.epochFloor(),
    });
    for (const committed of await this.coordinator.loadLocal(groupNames)) {
      const loaded = await loadGroupTable(config.dataDir, committed.groupName);
      if (loaded.status === 'ok' && sameTable(loaded.table, committed.table)) continue;
      await saveGroupTable(config.dataDir, committed.table);
      this.logger.info(
        { event: 'quorum-local-copy', group: committed.groupName, sequence: committed.sequence },
        `group ${committed.groupName}: serving the committed local copy (version ${committed.sequence} in etcd)`,
      );
    }
  }

  /** start — the cluster as secondary, then campaign and follow. */
  start(): void {
    const coordinator = this.coordinator;
    this.deps.step({ type: 'roleChanged', nowMs: this.deps.nowMs(), role: 'secondary' });
    coordinator.on('elected', (epoch) => this.serially(() => this.becomeLeader(epoch)));
    coordinator.on('deposed', (reason) => {
      this.toSecondary(`deposed: ${reason}`);
      this.serially(() => this.installCommitted());
    });
    coordinator.on('table', (committed) => this.serially(() => this.install(committed)));
    coordinator.on('groupConf', (text) => this.serially(() => this.mirrorGroupConf(text)));
    coordinator.on('leader', (leader) => {
      this.logger.info(
        { event: 'quorum-leader', leader: leader?.address ?? null, epoch: leader?.epoch.toString() ?? null },
        leader ? `quorum leader: ${leader.address} (epoch ${leader.epoch})` : 'quorum: no leader',
      );
    });
    coordinator.on('health', (health) => {
      this.logger.info({ event: 'quorum-health', etcd: health.etcd, role: health.role }, `quorum: etcd ${health.etcd}, this server ${health.role}`);
    });
    coordinator.on('problem', (message) => this.logger.warn({ event: 'quorum-problem' }, `quorum: ${message}`));
    coordinator.start();
    const catchUpMs = Math.max(2000, 2 * (this.deps.config.etcd?.leaseTtlMs ?? 2000));
    this.stopCatchingUp = this.deps.clock.every(catchUpMs, () => this.catchUp());
    this.logger.info({ event: 'quorum-starting', endpoints: this.deps.config.etcd?.endpoints }, 'quorum mode: campaigning and following etcd');
  }

  /** stop — resign (a successor needs no TTL) and close. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopCatchingUp?.();
    await this.coordinatorOrNull?.stop();
    await this.chain;
  }

  /** stampEpoch — a record about to be saved carries the leader's epoch. */
  stampEpoch(record: { epoch: bigint }): void {
    const coordinator = this.coordinatorOrNull;
    if (coordinator?.isLeader()) record.epoch = coordinator.epoch();
  }

  /** beforePublish — true once etcd committed the saved record under our epoch; never true for a non-leader. */
  async beforePublish(request: PersistRequest): Promise<boolean> {
    const coordinator = this.coordinatorOrNull;
    if (!coordinator?.isLeader()) return false;
    if (await this.commit(coordinator, request)) return true;
    if (this.deps.cluster().role === 'primary') {
      // Not committed, yet we may still lead: start over from what etcd holds.
      this.toSecondary(`group ${request.groupName}: a save was not committed in etcd`);
      this.serially(async () => {
        await sleep(Math.min(1000, (this.deps.config.etcd?.leaseTtlMs ?? 2000) / 2));
        await this.installCommitted();
        if (coordinator.isLeader()) await this.becomeLeader(coordinator.epoch());
      });
    }
    return false;
  }

  /**
   * commit — the saved record, committed in etcd. A group etcd has no table of yet (a service
   * started over tables saved before, e.g. in pair mode) gets the whole saved table as its first
   * version: a record of changed rows has nothing to apply to there.
   */
  private async commit(coordinator: QuorumCoordinator, request: PersistRequest): Promise<boolean> {
    if (coordinator.committed(request.groupName) || request.record.body.kind === 'tables') return coordinator.beforePublish(request);
    const loaded = await loadGroupTable(this.deps.config.dataDir, request.groupName);
    if (loaded.status !== 'ok' || loaded.table.recordSeq !== request.record.seq) return coordinator.beforePublish(request);
    const outcome = await coordinator.publish(loaded.table);
    if (!outcome.ok) this.logger.warn({ event: 'quorum-problem' }, `quorum: group ${request.groupName}: saved but not published: ${outcome.message}`);
    return outcome.ok;
  }

  /** groupConfLoaded — a good group.conf is in force; the leader commits an edit to etcd. */
  groupConfLoaded(event: GroupConfigChangeEvent): void {
    this.serially(async () => {
      if (!this.coordinatorOrNull?.isLeader()) return;
      const file = await readGoodGroupConf(this.deps.config.groupFile, event.config.fileHash);
      if (file) await this.commitGroupConf(file.bytes.toString('utf8'));
    });
  }

  private async commitGroupConf(text: string): Promise<void> {
    if (text === this.etcdGroupConf) return;
    const outcome = await this.coordinator.publishGroupConf(text);
    if (outcome.ok) {
      this.etcdGroupConf = text;
      this.logger.info({ event: 'quorum-group-conf-committed', bytes: text.length }, 'group.conf committed in etcd');
    } else {
      this.logger.warn({ event: 'quorum-group-conf-not-committed', reason: outcome.reason }, `group.conf not committed in etcd: ${outcome.message}`);
    }
  }

  private async becomeLeader(epoch: bigint): Promise<void> {
    const coordinator = this.coordinator;
    if (this.stopped || !coordinator.isLeader() || coordinator.epoch() !== epoch) return;
    if (this.etcdGroupConf !== null) await this.mirrorGroupConf(this.etcdGroupConf);
    await this.installCommitted();
    if (!coordinator.isLeader() || coordinator.epoch() !== epoch) return;
    const nowMs = this.deps.nowMs();
    this.deps.step({ type: 'takeOver', nowMs, takeover: { epoch, versionStep: versionJumpStep } });
    this.deps.step({ type: 'roleChanged', nowMs, role: 'primary' });
    this.logger.info({ event: 'quorum-primary', epoch: epoch.toString() }, `elected quorum leader (epoch ${epoch}): building and publishing`);
    if (this.etcdGroupConf === null) {
      const file = await readGoodGroupConf(this.deps.config.groupFile, null);
      if (file) await this.commitGroupConf(file.bytes.toString('utf8'));
    }
  }

  private toSecondary(reason: string): void {
    if (this.deps.cluster().role !== 'primary') return;
    this.deps.step({ type: 'roleChanged', nowMs: this.deps.nowMs(), role: 'secondary' });
    this.logger.warn({ event: 'quorum-secondary', reason }, `no longer building or publishing: ${reason}`);
  }

  /** installCommitted — every group's committed table, where the cluster holds another. */
  private async installCommitted(): Promise<void> {
    for (const name of this.deps.cluster().groupNames()) {
      const committed = this.coordinator.committed(name);
      if (committed) await this.install(committed);
    }
  }

  /** install — a committed table becomes this server's saved and served table (not while it leads). */
  private async install(committed: CommittedTable): Promise<void> {
    const { table } = committed;
    const cluster = this.deps.cluster();
    const installed = cluster.groupState(table.groupName);
    if (!installed || cluster.role === 'primary') return;
    if (
      installed.hasTable &&
      installed.epoch === table.epoch &&
      installed.records.seq === table.recordSeq &&
      sameVersions(installed.published.versions, table.versions)
    )
      return;
    await saveGroupTable(this.deps.config.dataDir, table);
    if (this.deps.cluster().role === 'primary') return;
    this.deps.step({ type: 'tableSynced', nowMs: this.deps.nowMs(), table, transitionVersion: 0 });
    this.logger.info(
      { event: 'quorum-table-synced', group: table.groupName, sequence: committed.sequence, client: table.versions.client, server: table.versions.server },
      `group ${table.groupName}: serving committed version ${committed.sequence} (versions ${table.versions.client}/${table.versions.server})`,
    );
  }

  private async mirrorGroupConf(text: string): Promise<void> {
    this.etcdGroupConf = text;
    const written = await writeGroupConf(this.deps.config.groupFile, { bytes: Buffer.from(text, 'utf8'), mtimeS: Math.floor(Date.now() / 1000) });
    if (!written) return;
    this.logger.info({ event: 'quorum-group-conf-synced', bytes: text.length }, 'group.conf written from etcd');
    if (!(await this.deps.reloadGroupConf()))
      this.logger.error({ event: 'quorum-group-conf-invalid' }, 'group.conf from etcd is invalid here; the last good one stays in force');
  }

  /**
   * catchUp — now and then, besides the watch (a watch on a member that was cut off stays silent
   * until gRPC's pings find it): a follower reads every group's head, every server the candidates
   * (for down_slave_config_server); one read per group and one of the candidates per period.
   */
  private catchUp(): void {
    const coordinator = this.coordinatorOrNull;
    if (!coordinator || this.stopped || this.catchingUp) return;
    this.catchingUp = true;
    const names = coordinator.isLeader() ? [] : this.deps.cluster().groupNames();
    const reads = [coordinator.readLiveAddresses().catch(() => null), ...names.map((name) => coordinator.catchUp(name).catch(() => null))];
    void Promise.all(reads).finally(() => {
      this.catchingUp = false;
    });
  }

  private epochFloor(): bigint {
    const cluster = this.deps.cluster();
    let floor = 0n;
    for (const name of cluster.groupNames()) {
      const epoch = cluster.groupState(name)?.epoch ?? 0n;
      if (epoch > floor) floor = epoch;
    }
    return floor;
  }

  private serially(work: () => Promise<void>): void {
    this.chain = this.chain
      .then(work)
      .catch((error: unknown) => this.logger.error({ event: 'quorum-host-failed', err: error }, 'quorum mode: applying a change failed'));
  }
}

function sameVersions(a: { client: number; server: number }, b: { client: number; server: number }): boolean {
  return a.client === b.client && a.server === b.server;
}

function sameTable(a: PersistedGroupTable, b: PersistedGroupTable): boolean {
  return a.epoch === b.epoch && a.recordSeq === b.recordSeq && sameVersions(a.versions, b.versions);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
