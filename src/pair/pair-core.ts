/**
 * pair-core — the decisions of one config server of the pair, as a pure state machine (no I/O,
 * no clock). The host (pair-host.ts) feeds it what it hears and carries out what
 * `tick` decides, one flow at a time.
 *
 *              peer is primary, epoch ≥ mine ──▶ pull ──▶ secondary (synced)
 *   starting ──┤ I hold the newest state (authority) ──▶ resume / take over ──▶ primary
 *              └ peer silent ≥ peerTimeout, no veto ──▶ resume / take over ──▶ primary
 *
 *   secondary ── peer silent ≥ peerTimeout, and no data server says it still reaches the peer
 *            │   (witness-board.ts; optionally: at least one says it does not) ──▶ take over
 *            ├─ synced, I am entry #0, peer (#1) is primary ──▶ hand over (it steps down, I take over)
 *            └─ both not primary, I hold the newest state ──▶ resume / take over
 *   primary ──── the peer knows a higher epoch ──▶ step down
 *
 * Epochs are believed from the peer (its status, its pushes, its refusals) and from data servers
 * listed in group.conf only up to the highest epoch either server of the pair has announced
 * (`epochCeiling`): a data server cannot depose a primary with an epoch nobody announced. Epochs
 * over epochMax are refused wherever they come from, so a takeover can never overflow u64.
 *
 * "Take over" starts a new epoch (epoch.ts) and the host bumps versions; "resume" keeps the epoch
 * (this server leads it and holds everything published under it). A gap between our own ticks
 * longer than stallMs means this process did not run: silence is measured afresh, and a primary
 * serves and publishes nothing until a heartbeat sent after the gap is answered (or none comes
 * for peerTimeout): a woken, deposed primary learns the newer epoch before it can do harm.
 */
import { epochMax } from '../limits.js';
import type { PairEntryIndex } from './epoch.js';
import { authorityOf, leaderOf, nextEpochFor } from './epoch.js';
import type { PairRole, PairStatus } from './pair-status.js';
import type { PairTimings } from './pair-timings.js';
import type { PeerReach } from './witness-board.js';
import { WitnessBoard } from './witness-board.js';

/** PairDecision — what the host should do next. */
export type PairDecision =
  | { kind: 'resume'; reason: string }
  | { kind: 'takeOver'; epoch: bigint; reason: string }
  | { kind: 'stepDown'; reason: string }
  | { kind: 'pull'; reason: string }
  | { kind: 'handOver'; reason: string };

/** PushVerdict — whether to take a table pushed (or pulled) under `epoch`. */
export interface PushVerdict {
  accept: boolean;
  /** stepDown — we are primary and the push comes from a higher epoch. */
  stepDown: boolean;
  /** tooLarge — refused: the epoch is over epochMax. */
  tooLarge?: boolean;
}

/** EpochReport — what became of an epoch a data server reported. */
export type EpochReport = 'noted' | 'beyondCeiling';

/** PairCoreInit — who we are and what we remember. */
export interface PairCoreInit {
  entryIndex: PairEntryIndex;
  epoch: bigint;
  nowMs: number;
  /** incarnation — a random u32 per process: a restarted primary never reuses a sync token. */
  incarnation: number;
  timings: PairTimings;
  /** takeoverNeedsReport — take over only when at least one data server reports the peer unreachable. */
  takeoverNeedsReport: boolean;
  /** tablesLost — a table file was corrupt at start: until we lead or follow, the peer's equal epoch outranks ours. */
  tablesLost?: boolean;
}

/** PairCore — see the file comment. */
export class PairCore {
  readonly entryIndex: PairEntryIndex;
  role: PairRole = 'starting';
  epoch: bigint;
  /** busy — the host is carrying out a decision; no new one until it is done. */
  busy = false;
  /** waitReason — why the last tick decided nothing (logged by the host when it changes). */
  waitReason = '';
  /** tablesLost — see PairCoreInit; cleared once this server is primary or in sync. */
  tablesLost: boolean;
  private readonly timings: PairTimings;
  private readonly needsReport: boolean;
  private readonly incarnation: bigint;
  private readonly witnesses: WitnessBoard;
  private highestSeen: bigint;
  /** peerAnnounced — the highest epoch the peer itself told us (status, push, refusal). */
  private peerAnnounced = 0n;
  private missedCount = 0;
  private peerMissing = false;
  private syncedToken = 0n;
  private peer: PairStatus | null = null;
  private lastPeerReplyMs = Number.NEGATIVE_INFINITY;
  private silenceFromMs: number;
  private lastTickMs: number;
  private stalledAtMs = Number.NEGATIVE_INFINITY;
  private verifyUntilMs: number | null = null;
  private pushFailed = false;
  private handoverUntilMs = Number.NEGATIVE_INFINITY;
  private lastHandoverAttemptMs = Number.NEGATIVE_INFINITY;

  constructor(init: PairCoreInit) {
    this.entryIndex = init.entryIndex;
    this.epoch = init.epoch;
    this.highestSeen = init.epoch;
    this.timings = init.timings;
    this.needsReport = init.takeoverNeedsReport;
    this.incarnation = BigInt(init.incarnation >>> 0) << 32n;
    this.witnesses = new WitnessBoard(init.timings.reportFreshMs);
    this.tablesLost = init.tablesLost ?? false;
    this.silenceFromMs = init.nowMs;
    this.lastTickMs = init.nowMs;
  }

  /** token — this server's replication token while primary: a secondary holding it is in sync. */
  get token(): bigint {
    return this.incarnation | BigInt(this.missedCount);
  }

  /** peerStatus — the peer's latest status, or null. */
  get peerStatus(): PairStatus | null {
    return this.peer;
  }

  /** synced — a secondary holding everything the primary published. */
  get synced(): boolean {
    return this.syncedToken !== 0n;
  }

  /** verifying — a primary woken from a stall, waiting to hear from the peer before it acts. */
  get verifying(): boolean {
    return this.verifyUntilMs !== null;
  }

  /** peerSilentForMs — how long since the peer last answered us. */
  peerSilentForMs(nowMs: number): number {
    return nowMs - this.lastPeerReplyMs;
  }

  /** highestEpochSeen — the highest epoch we or the peer know of. */
  get highestEpochSeen(): bigint {
    return this.highestSeen;
  }

  /** epochCeiling — the highest epoch either server of the pair has announced: a data server's report is believed up to it. */
  get epochCeiling(): bigint {
    return this.epoch > this.peerAnnounced ? this.epoch : this.peerAnnounced;
  }

  /** status — what we tell the peer. */
  status(nowMs: number): PairStatus {
    return {
      entryIndex: this.entryIndex,
      role: this.role,
      epoch: this.epoch,
      syncToken: this.role === 'primary' ? this.token : this.syncedToken,
      handingOver: nowMs < this.handoverUntilMs,
      tablesLost: this.tablesLost,
    };
  }

  /** serving — whether replies to data servers and clients may carry our tables. */
  serving(nowMs: number): boolean {
    if (nowMs - this.lastTickMs > this.timings.stallMs) return false;
    if (this.role === 'primary') return this.verifyUntilMs === null;
    if (this.role === 'secondary') return this.synced || nowMs < this.handoverUntilMs;
    return false;
  }

  /** peerReplied — the peer answered a heartbeat we sent at `sentAtMs`; false (ignored) when its epoch is over epochMax. */
  peerReplied(status: PairStatus, sentAtMs: number, nowMs: number): boolean {
    if (status.epoch > epochMax) return false;
    this.notePeerEpoch(status.epoch);
    this.lastPeerReplyMs = nowMs;
    this.pushFailed = false;
    this.peer = status;
    this.noteEpoch(status.epoch);
    if (this.role === 'primary' && this.peerIsSynced(status)) this.peerMissing = false;
    if (this.role !== 'primary' && status.role === 'primary' && (status.syncToken !== this.syncedToken || status.epoch !== this.epoch)) {
      this.syncedToken = 0n;
    }
    if (this.verifyUntilMs !== null && sentAtMs >= this.stalledAtMs) this.verifyUntilMs = null;
    return true;
  }

  /**
   * dataServerSeen — a listed data server's heartbeat: its report on our peer, and the epoch it
   * knows, believed only up to the epoch ceiling (`beyondCeiling`: ignored, the host logs it).
   */
  dataServerSeen(serverId: bigint, epoch: bigint | undefined, reach: PeerReach | undefined, nowMs: number): EpochReport {
    if (reach !== undefined) this.witnesses.note(serverId, reach, nowMs);
    if (epoch === undefined) return 'noted';
    if (epoch > this.epochCeiling) return 'beyondCeiling';
    this.noteEpoch(epoch);
    return 'noted';
  }

  /** pushFailedNow — a push to the peer failed: do not wait for it again until it answers. */
  pushFailedNow(): void {
    this.pushFailed = true;
  }

  /** publishedWithoutPeer — a change went out without the peer's copy: its sync token goes stale. */
  publishedWithoutPeer(): void {
    if (this.peerMissing) return;
    this.peerMissing = true;
    this.missedCount += 1;
  }

  /** linkUp — the peer answered recently and no push has failed since. */
  linkUp(nowMs: number): boolean {
    return !this.pushFailed && nowMs - this.lastPeerReplyMs < this.timings.peerTimeoutMs;
  }

  /** peerFollows — a primary pushes to the peer (and waits for it) now; a peer still primary of an older epoch takes the push and steps down. */
  peerFollows(nowMs: number): boolean {
    const peer = this.peer;
    return this.role === 'primary' && this.linkUp(nowMs) && peer !== null && (peer.role !== 'primary' || peer.epoch < this.epoch);
  }

  /** peerSynced — a primary's peer holds everything it published. */
  peerSynced(nowMs: number): boolean {
    return this.role === 'primary' && this.linkUp(nowMs) && this.peer !== null && this.peerIsSynced(this.peer);
  }

  /** considerPush — a table (or group.conf) from the peer under `epoch`. */
  considerPush(epoch: bigint): PushVerdict {
    if (epoch > epochMax) return { accept: false, stepDown: false, tooLarge: true };
    this.notePeerEpoch(epoch);
    if (epoch < this.epoch) return { accept: false, stepDown: false };
    if (epoch === this.epoch && leaderOf(epoch) === this.entryIndex) return { accept: false, stepDown: false };
    return { accept: true, stepDown: this.role === 'primary' };
  }

  /** refusedByNewerEpoch — the peer refused our push: it is at `epoch`; what we knew of it is stale. */
  refusedByNewerEpoch(epoch: bigint): void {
    if (epoch <= epochMax) this.notePeerEpoch(epoch);
    this.peer = null;
  }

  /** stillDecides — whether `decision` is what we would decide now (the world may change while a flow awaits). */
  stillDecides(decision: PairDecision, nowMs: number): boolean {
    const now = this.decide(nowMs);
    if (now === null || now.kind !== decision.kind) return false;
    return now.kind !== 'takeOver' || decision.kind !== 'takeOver' || now.epoch === decision.epoch;
  }

  /** handoverAttempted — entry #0 asks for the role now; the next ask waits handoverRetryMs. */
  handoverAttempted(nowMs: number): void {
    this.lastHandoverAttemptMs = nowMs;
  }

  /** adoptEpoch — we now hold state of a higher epoch (pulled or pushed; the host saved it first). */
  adoptEpoch(epoch: bigint): boolean {
    if (epoch > epochMax) return false;
    this.noteEpoch(epoch);
    if (epoch <= this.epoch || this.role === 'primary') return false;
    this.epoch = epoch;
    return true;
  }

  /** tick — stall detection, then the next decision (null: nothing to do now). */
  tick(nowMs: number): PairDecision | null {
    if (nowMs - this.lastTickMs > this.timings.stallMs) {
      this.stalledAtMs = nowMs;
      this.silenceFromMs = nowMs;
      if (this.role === 'primary') this.verifyUntilMs = nowMs + this.timings.peerTimeoutMs;
    }
    this.lastTickMs = nowMs;
    if (this.verifyUntilMs !== null && nowMs >= this.verifyUntilMs) this.verifyUntilMs = null;
    if (this.busy) return null;
    const decision = this.decide(nowMs);
    if (decision) this.waitReason = '';
    return decision;
  }

  /**
   * verifyFromNow — a primary back from isolation serves and publishes nothing until a heartbeat
   * sent from now on is answered (or the peer timeout passes): the peer may have taken over
   * while we were cut off, and its answer says so.
   */
  verifyFromNow(nowMs: number): void {
    if (this.role !== 'primary') return;
    this.stalledAtMs = nowMs;
    this.verifyUntilMs = nowMs + this.timings.peerTimeoutMs;
  }

  /** becomePrimary — the host made us primary under `epoch` (persisted first). */
  becomePrimary(epoch: bigint): void {
    this.role = 'primary';
    this.epoch = epoch;
    this.noteEpoch(epoch);
    this.syncedToken = 0n;
    this.handoverUntilMs = Number.NEGATIVE_INFINITY;
    this.verifyUntilMs = null;
    this.tablesLost = false;
    // A new reign: whatever the peer holds, it re-reads it from us.
    this.missedCount += 1;
    this.peerMissing = true;
  }

  /** stepDown — we are no longer primary, and hold nothing the new primary has confirmed. */
  stepDown(): void {
    this.role = 'secondary';
    this.syncedToken = 0n;
    this.verifyUntilMs = null;
    // Decide again only on a status the peer sends from now on.
    this.peer = null;
  }

  /** beginHandover — entry #1 steps down so that the synced entry #0 can take over. */
  beginHandover(nowMs: number): void {
    this.stepDown();
    this.handoverUntilMs = nowMs + this.timings.handoverWaitMs;
  }

  /** markSynced — a pull finished: we hold everything of the primary whose token is `token`. */
  markSynced(token: bigint): void {
    if (this.role === 'primary') return;
    this.role = 'secondary';
    this.syncedToken = token;
    this.tablesLost = false;
  }

  private decide(nowMs: number): PairDecision | null {
    if (this.role === 'primary') return this.decideAsPrimary();
    const peer = this.peer;
    const silent = nowMs - Math.max(this.lastPeerReplyMs, this.silenceFromMs) >= this.timings.peerTimeoutMs;
    if (!silent && peer !== null) return this.decideWithPeer(peer, nowMs);
    if (!silent) return this.wait('waiting for the peer config server to answer');
    if (nowMs < this.handoverUntilMs) return this.wait('handing over to entry #0');
    const veto = this.vetoReason(nowMs);
    if (veto) return this.wait(veto);
    return this.leadOrTakeOver(`the peer config server has not answered for ${this.timings.peerTimeoutMs} ms`);
  }

  private decideAsPrimary(): PairDecision | null {
    if (this.highestSeen > this.epoch) return { kind: 'stepDown', reason: `epoch ${this.highestSeen} is newer than ours (${this.epoch})` };
    return null;
  }

  private decideWithPeer(peer: PairStatus, nowMs: number): PairDecision | null {
    if (peer.entryIndex === this.entryIndex) return this.wait(`the peer says it is entry #${peer.entryIndex} too: check config_server on both`);
    if (peer.role === 'primary' && peer.epoch >= this.epoch) {
      if (!this.synced) return { kind: 'pull', reason: `entry #${peer.entryIndex} is primary of epoch ${peer.epoch}` };
      if (this.entryIndex === 0 && nowMs - this.lastHandoverAttemptMs >= this.timings.handoverRetryMs) {
        return { kind: 'handOver', reason: 'entry #0 is in sync and takes its role back' };
      }
      return null;
    }
    if (peer.role === 'primary') return this.wait(`entry #${peer.entryIndex} is primary of an older epoch (${peer.epoch}); waiting for it to step down`);
    if (nowMs < this.handoverUntilMs) return this.wait('handing over to entry #0');
    if (authorityOf(this, peer) !== this.entryIndex) return this.wait(`entry #${peer.entryIndex} holds the newest state (epoch ${peer.epoch})`);
    return this.leadOrTakeOver(`this server holds the newest state (epoch ${this.epoch}, peer ${peer.epoch})`);
  }

  /** leadOrTakeOver — resume our own epoch when we lead the newest one, else start a new one. */
  private leadOrTakeOver(reason: string): PairDecision | null {
    if (leaderOf(this.epoch) === this.entryIndex && this.epoch >= this.highestSeen) return { kind: 'resume', reason };
    const epoch = nextEpochFor(this.entryIndex, this.highestSeen > this.epoch ? this.highestSeen : this.epoch);
    if (epoch > epochMax) return this.wait(`epoch ${epoch} would be over the limit (${epochMax}); not taking over`);
    return { kind: 'takeOver', epoch, reason };
  }

  /** vetoReason — why the data servers forbid taking over now (null: they do not). */
  private vetoReason(nowMs: number): string | null {
    const verdict = this.witnesses.verdict(nowMs);
    if (verdict.reachableCount > 0) {
      return `${verdict.reachableCount} data server(s) still reach the peer config server: not taking over (split between the config servers?)`;
    }
    if (this.needsReport && verdict.unreachableCount === 0) {
      return 'no data server reports the peer config server unreachable (takeover_needs_report = 1)';
    }
    return null;
  }

  private peerIsSynced(peer: PairStatus): boolean {
    return peer.role === 'secondary' && peer.syncToken === this.token && peer.epoch === this.epoch;
  }

  private noteEpoch(epoch: bigint): void {
    if (epoch > this.highestSeen) this.highestSeen = epoch;
  }

  private notePeerEpoch(epoch: bigint): void {
    if (epoch > this.peerAnnounced) this.peerAnnounced = epoch;
    this.noteEpoch(epoch);
  }

  private wait(reason: string): null {
    this.waitReason = reason;
    return null;
  }
}
