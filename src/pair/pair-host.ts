/**
 * pair-host — the config-server pair around one server (docs/pair.md): it heartbeats the peer
 * (peer-heartbeat.ts), runs PairCore's decisions one at a time, and gates every publication
 * (publish-gate.ts).
 *
 *   every tickMs ──▶ 1004 to the peer (answer: its PairStatus) ──▶ core.peerReplied
 *                └─▶ core.tick ─▶ resume | takeOver | stepDown | pull | handOver (one flow at a time)
 *
 *   primary, a table saved ──▶ beforePublish: pushed to the secondary and acknowledged (or the
 *                              peer is unreachable) ──▶ published; a refusal for "stale epoch"
 *                              ──▶ step down, never published
 *   group.conf loaded ──▶ pushed to the secondary, in order with the tables
 *
 *   every tick and peer answer ──▶ link state to the cluster, groups still claimed (primary-claims.ts)
 *
 * Requests from the peer, data servers and clients are answered by pair-requests.ts.
 */
import { randomInt } from 'node:crypto';
import type { Cancel } from '../common/clock.js';
import { addressFromServerId, formatServerId, parseServerAddress, serverIdFromText } from '../common/server-id.js';
import { epochMax, refusalLogIntervalMs, refusalLogKeyCountMax } from '../limits.js';
import { sentFromHost } from '../security/address-filter.js';
import type { GroupConfigChangeEvent } from '../config/config-watcher.js';
import type { PersistRequest } from '../cluster/index.js';
import { Pcode } from '../protocol/index.js';
import { RequestSigner } from '../security/request-signer.js';
import { versionJumpStep } from '../cluster/versions.js';
import type { PairEntryIndex } from './epoch.js';
import { nextEpochFor } from './epoch.js';
import { Follower } from './follower.js';
import { readGoodGroupConf } from './group-conf-sync.js';
import type { PairDecision } from './pair-core.js';
import { PairCore } from './pair-core.js';
import type { PairHostDeps } from './pair-deps.js';
import { PairStateFile } from './pair-state-file.js';
import { handoverRequestValue } from './pair-status.js';
import { PairRequests } from './pair-requests.js';
import type { PairTimings } from './pair-timings.js';
import { pairTimings } from './pair-timings.js';
import { PeerClient } from './peer-client.js';
import { PeerHeartbeat } from './peer-heartbeat.js';
import { PrimaryClaims } from './primary-claims.js';
import { PublishGate } from './publish-gate.js';
import { Replicator } from './replicator.js';
import type { GroupConfFile } from './table-transfer.js';

/** PairPeers — one connection per kind of traffic to the peer. */
interface PairPeers {
  heartbeat: PeerClient;
  push: PeerClient;
  pull: PeerClient;
  forward: PeerClient;
}

/** PairHost — see the file comment. */
export class PairHost {
  readonly entryIndex: PairEntryIndex;
  readonly timings: PairTimings;
  readonly peerServerId: bigint;
  readonly peers: PairPeers;
  readonly replicator: Replicator;
  /** requests — the answers to data servers, clients and the peer. */
  readonly requests: PairRequests;
  groupConfFile: GroupConfFile | null = null;
  private coreOrNull: PairCore | null = null;
  private followerOrNull: Follower | null = null;
  private readonly gate: PublishGate;
  private readonly heartbeat: PeerHeartbeat;
  private readonly warned = new Map<string, number>();
  private readonly stateFile: PairStateFile;
  private readonly claims: PrimaryClaims;
  private waiters: (() => void)[] = [];
  private stopTicking: Cancel | null = null;
  private lastWaitReason = '';
  private handoverRefusedLogged = false;

  constructor(readonly deps: PairHostDeps) {
    const { configServers, address } = deps.config;
    this.entryIndex = configServers.indexOf(address) === 1 ? 1 : 0;
    const peerText = configServers[1 - this.entryIndex];
    const peerAddress = parseServerAddress(peerText, deps.config.port);
    this.peerServerId = serverIdFromText(peerText, deps.config.port);
    this.timings = pairTimings(deps.config.peerTimeoutMs);
    this.stateFile = new PairStateFile(deps.config.dataDir);
    const secret = deps.config.adminSecret;
    const peerOptions = { localIp: parseServerAddress(address, deps.config.port).ip, signer: secret ? new RequestSigner(secret.key) : null };
    this.peers = {
      heartbeat: new PeerClient(peerAddress, peerOptions),
      push: new PeerClient(peerAddress, peerOptions),
      pull: new PeerClient(peerAddress, peerOptions),
      forward: new PeerClient(peerAddress, peerOptions),
    };
    this.replicator = new Replicator(this.peers.push, this.timings.pushTimeoutMs);
    this.claims = new PrimaryClaims(this);
    this.requests = new PairRequests(this);
    this.gate = new PublishGate(this);
    this.heartbeat = new PeerHeartbeat(this, serverIdFromText(address, deps.config.port), () => this.peerAnswered());
  }

  /** started — start() has run (the core exists). */
  get started(): boolean {
    return this.coreOrNull !== null;
  }

  /** core — the decisions (after start). */
  get core(): PairCore {
    if (!this.coreOrNull) throw new Error('pair not started');
    return this.coreOrNull;
  }

  /** follower — the secondary's side of sync (after start). */
  get follower(): Follower {
    if (!this.followerOrNull) throw new Error('pair not started');
    return this.followerOrNull;
  }

  /**
   * start — the epoch from pair.state and the saved tables, the cluster as secondary, then the
   * loop. `tablesLost`: a table file was corrupt, so on an equal epoch the peer's state is newer.
   */
  async start(tablesLost = false): Promise<void> {
    const cluster = this.deps.cluster();
    let epoch = await this.stateFile.load();
    for (const name of cluster.groupNames()) {
      const groupEpoch = cluster.groupState(name)?.epoch ?? 0n;
      if (groupEpoch > epochMax) {
        this.deps.logger.error(
          { event: 'pair-epoch-ignored', group: name, epoch: groupEpoch.toString() },
          `group ${name}: its table file carries epoch ${groupEpoch}, over the limit ${epochMax}; ignored`,
        );
      } else if (groupEpoch > epoch) {
        epoch = groupEpoch;
      }
    }
    const nowMs = this.deps.nowMs();
    this.coreOrNull = new PairCore({
      entryIndex: this.entryIndex,
      epoch,
      nowMs,
      incarnation: randomInt(0, 2 ** 32),
      timings: this.timings,
      takeoverNeedsReport: this.deps.config.takeoverNeedsReport,
      tablesLost,
    });
    this.followerOrNull = new Follower(this.deps, this.coreOrNull, {
      stepDown: (reason) => this.stepDown(reason),
      persistEpoch: (adopted) => this.stateFile.save(adopted),
    });
    this.deps.step({ type: 'roleChanged', nowMs, role: 'secondary' });
    this.stopTicking = this.deps.clock.every(this.timings.tickMs, () => this.tick());
    this.deps.logger.info(
      { event: 'pair-starting', entry: this.entryIndex, epoch: epoch.toString(), peer: this.deps.config.configServers[1 - this.entryIndex] },
      `config-server pair: this is entry #${this.entryIndex}, epoch ${epoch}; asking the peer who is primary`,
    );
  }

  /** stop — no more heartbeats or decisions; connections closed. */
  async stop(): Promise<void> {
    this.stopTicking?.();
    this.stopTicking = null;
    await this.gate.settled();
    for (const peer of Object.values(this.peers)) peer.close();
    this.changed();
  }

  /** stampEpoch — a record about to be saved carries the epoch it is saved under. */
  stampEpoch(record: { epoch: bigint }): void {
    if (this.coreOrNull) record.epoch = this.coreOrNull.epoch;
  }

  /** beforePublish — a saved table may be published once the secondary has it (or cannot take it). */
  beforePublish(request: PersistRequest): Promise<boolean> {
    return this.gate.beforePublish(request);
  }

  /** groupConfLoaded — a good group.conf is in force: remember its bytes; a primary pushes an edit. */
  groupConfLoaded(event: GroupConfigChangeEvent): void {
    const path = this.deps.config.groupFile;
    const hash = event.config.fileHash;
    void readGoodGroupConf(path, hash).then((file) => {
      if (file) this.groupConfFile = file;
    });
    const core = this.coreOrNull;
    if (!core || core.role !== 'primary' || event.kind !== 'edit' || !core.peerFollows(this.deps.nowMs())) return;
    void this.replicator
      .pushGroupConf(() => readGoodGroupConf(path, hash))
      .then(({ outcome }) => {
        if (outcome === 'acked') return;
        core.pushFailedNow();
        core.publishedWithoutPeer();
      });
  }

  /**
   * noteDataServer — what our agent's heartbeat says: the epoch it knows and its report on the
   * peer. Taken only from a data server listed in group.conf, connected from its listed address.
   */
  noteDataServer(serverId: bigint, remoteIp: string, epoch: bigint | undefined, reach: 'reachable' | 'unreachable' | undefined): void {
    const record = this.deps.cluster().serverRecord(serverId);
    if (!record?.member || !sentFromHost(remoteIp, addressFromServerId(serverId).ip)) {
      this.warnOnce(
        `stranger:${remoteIp}`,
        { event: 'pair-report-ignored', remote: remoteIp, server: formatServerId(serverId) },
        `ignoring the epoch and report of ${formatServerId(serverId)} sent from ${remoteIp}: not a data server listed in group.conf at that address`,
      );
      return;
    }
    const core = this.core;
    if (core.dataServerSeen(serverId, epoch, reach, this.deps.nowMs()) === 'beyondCeiling') {
      this.warnOnce(
        `epoch:${record.id}`,
        { event: 'pair-epoch-ignored', server: record.id, epoch: String(epoch), ceiling: core.epochCeiling.toString() },
        `${record.id} reports epoch ${epoch}, above any epoch this pair has announced (${core.epochCeiling}); ignored`,
      );
    }
    if (core.role === 'primary' && core.highestEpochSeen > core.epoch) {
      this.stepDown(`epoch ${core.highestEpochSeen} is newer than ours (${core.epoch})`);
    }
  }

  /** stepDown — stop being primary now: no publication, no decision, until synced again. */
  stepDown(reason: string): void {
    const core = this.core;
    if (core.role !== 'primary') return;
    core.stepDown();
    this.deps.step({ type: 'roleChanged', nowMs: this.deps.nowMs(), role: 'secondary' });
    this.deps.logger.warn({ event: 'pair-step-down', epoch: core.epoch.toString(), reason }, `stepping down as primary: ${reason}`);
    this.changed();
  }

  /** handOver — entry #1, primary, steps down for the synced entry #0; true once every change is with it. */
  async handOver(): Promise<boolean> {
    const core = this.core;
    const nowMs = this.deps.nowMs();
    if (core.role !== 'primary' || this.entryIndex !== 1 || !core.peerSynced(nowMs)) return false;
    core.beginHandover(nowMs);
    this.deps.step({ type: 'roleChanged', nowMs, role: 'secondary' });
    await this.replicator.idle();
    await this.gate.settled();
    this.deps.logger.info({ event: 'pair-handing-over', epoch: core.epoch.toString() }, 'handing the primary role back to entry #0');
    this.changed();
    return true;
  }

  /** waitForChange — resolves at the next change of the pair's state, or after `timeoutMs`. */
  waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter = (): void => {
        cancel();
        resolve();
      };
      const cancel = this.deps.clock.after(timeoutMs, () => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve();
      });
      this.waiters.push(waiter);
    });
  }

  private tick(): void {
    const core = this.core;
    const nowMs = this.deps.nowMs();
    this.heartbeat.maybeSend(nowMs);
    this.claims.reportLink(nowMs);
    this.claims.update(nowMs);
    const decision = core.tick(nowMs);
    if (core.waitReason !== this.lastWaitReason) {
      this.lastWaitReason = core.waitReason;
      if (core.waitReason) this.deps.logger.info({ event: 'pair-waiting', reason: core.waitReason }, `config-server pair: ${core.waitReason}`);
    }
    if (decision) void this.carryOut(decision);
  }

  private async carryOut(decision: PairDecision): Promise<void> {
    const core = this.core;
    core.busy = true;
    try {
      switch (decision.kind) {
        case 'resume':
          return await this.becomePrimary(core.epoch, false, decision.reason, decision);
        case 'takeOver':
          return await this.becomePrimary(decision.epoch, true, decision.reason, decision);
        case 'stepDown':
          return this.stepDown(decision.reason);
        case 'pull':
          return await this.pull(decision.reason);
        case 'handOver':
          return await this.askForHandover(decision.reason);
      }
    } catch (error) {
      this.deps.logger.error({ event: 'pair-flow-failed', flow: decision.kind, err: error }, `config-server pair: ${decision.kind} failed`);
      await this.waitForChange(this.timings.peerTimeoutMs / 2);
    } finally {
      core.busy = false;
    }
  }

  /** becomePrimary — persist the epoch, then act under it; `decision` (if any) must still hold after the save. */
  private async becomePrimary(epoch: bigint, newEpoch: boolean, reason: string, decision: PairDecision | null = null): Promise<void> {
    const core = this.core;
    const silentMs = Math.round(core.peerSilentForMs(this.deps.nowMs()));
    await this.stateFile.save(epoch);
    const nowMs = this.deps.nowMs();
    if (decision && !core.stillDecides(decision, nowMs)) {
      this.deps.logger.info({ event: 'pair-decision-dropped', decision: decision.kind }, `not becoming primary after all: the pair changed meanwhile`);
      return;
    }
    core.becomePrimary(epoch);
    if (newEpoch) {
      const takeover = { epoch, versionStep: versionJumpStep };
      this.deps.step({ type: 'takeOver', nowMs, takeover });
    }
    this.deps.step({ type: 'roleChanged', nowMs, role: 'primary' });
    this.deps.logger.info(
      { event: 'pair-primary', epoch: epoch.toString(), newEpoch, entry: this.entryIndex, reason, peerSilentMs: Number.isFinite(silentMs) ? silentMs : null },
      `this config server is now primary (epoch ${epoch}${newEpoch ? ', versions jumped' : ''}): ${reason}`,
    );
    this.changed();
  }

  private async pull(reason: string): Promise<void> {
    this.deps.logger.info({ event: 'pair-pull', reason }, `copying group.conf and every table from the primary: ${reason}`);
    const synced = await this.follower.pull(this.peers.pull, Math.max(5000, 4 * this.timings.peerTimeoutMs));
    if (!synced) {
      await this.waitForChange(this.timings.heartbeatIntervalMs);
      return;
    }
    this.deps.logger.info({ event: 'pair-synced', epoch: this.core.epoch.toString() }, `in sync with the primary (epoch ${this.core.epoch})`);
    this.changed();
  }

  private async askForHandover(reason: string): Promise<void> {
    const core = this.core;
    core.handoverAttempted(this.deps.nowMs());
    const body = { configVersion: 0, value: handoverRequestValue };
    const reply = await this.peers.pull.request({ pcode: Pcode.setMaster, body }, this.timings.finishForwardTimeoutMs + this.timings.pushTimeoutMs);
    if (reply.pcode !== Pcode.returnPacket || reply.body.code !== 0) {
      if (!this.handoverRefusedLogged)
        this.deps.logger.info({ event: 'pair-handover-refused' }, 'entry #1 did not hand the primary role back yet; asking again');
      this.handoverRefusedLogged = true;
      return;
    }
    this.handoverRefusedLogged = false;
    const highest = core.highestEpochSeen > core.epoch ? core.highestEpochSeen : core.epoch;
    const epoch = nextEpochFor(this.entryIndex, highest);
    if (epoch > epochMax) {
      this.deps.logger.error(
        { event: 'pair-epoch-limit', epoch: epoch.toString() },
        `epoch ${epoch} would be over the limit ${epochMax}; not taking the role back`,
      );
      return;
    }
    await this.becomePrimary(epoch, true, reason);
  }

  /** claimsPrimary — whether replies about `groupName` may say "primary" (primary-claims.ts). */
  claimsPrimary(groupName: string): boolean {
    return this.claims.claimsPrimary(groupName);
  }

  /** peerAnswered — the peer answered a heartbeat: act on a newer epoch at once, not at the next tick. */
  private peerAnswered(): void {
    const core = this.core;
    const nowMs = this.deps.nowMs();
    if (core.role === 'primary' && core.highestEpochSeen > core.epoch) this.stepDown(`epoch ${core.highestEpochSeen} is newer than ours (${core.epoch})`);
    this.claims.reportLink(nowMs);
    this.claims.update(nowMs);
    this.changed();
  }

  /** warnOnce — a warning per key at most every refusalLogIntervalMs (keys bounded like the refusal log's). */
  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    const nowMs = this.deps.nowMs();
    const last = this.warned.get(key);
    if (last !== undefined && nowMs - last < refusalLogIntervalMs) return;
    if (last === undefined && this.warned.size >= refusalLogKeyCountMax) this.warned.clear();
    this.warned.set(key, nowMs);
    this.deps.logger.warn(fields, message);
  }

  private changed(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
