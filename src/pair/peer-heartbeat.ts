/**
 * peer-heartbeat — this server's heartbeat to the other one (1004 every heartbeatIntervalMs, one
 * at a time, answered with the peer's PairStatus within requestTimeoutMs or not at all). An
 * answer is the only thing that counts as "the peer is alive": a hung peer's port still accepts.
 */
import { Pcode } from '../protocol/index.js';
import type { PairHost } from './pair-host.js';
import type { PairStatus } from './pair-status.js';
import { decodePairStatus, pairStatusType } from './pair-status.js';

/** PeerHeartbeat — see the file comment. */
export class PeerHeartbeat {
  private inFlight = false;
  private lastSentMs = Number.NEGATIVE_INFINITY;
  private loopCount = 0;
  private lastSummary = '';

  constructor(
    private readonly host: PairHost,
    private readonly selfId: bigint,
    private readonly onStatus: (status: PairStatus) => void,
  ) {}

  /** maybeSend — send the next heartbeat if one is due and none is out. */
  maybeSend(nowMs: number): void {
    const { host } = this;
    if (this.inFlight || nowMs - this.lastSentMs < host.timings.heartbeatIntervalMs) return;
    this.inFlight = true;
    this.lastSentMs = nowMs;
    this.loopCount = (this.loopCount + 1) >>> 0;
    const body = { serverId: this.selfId, loopCount: this.loopCount };
    host.peers.heartbeat
      .request({ pcode: Pcode.configServerHeartbeat, body }, host.timings.requestTimeoutMs)
      .then((reply) => {
        if (reply.pcode !== Pcode.serverTable || reply.body.type !== pairStatusType) return;
        const status = decodePairStatus(reply.body.data);
        if (!host.core.peerReplied(status, nowMs, host.deps.nowMs())) {
          host.deps.logger.error(
            { event: 'pair-epoch-ignored', epoch: status.epoch.toString() },
            `the peer announces epoch ${status.epoch}, over the limit; its status is ignored`,
          );
          return;
        }
        this.log(status);
        this.onStatus(status);
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = false;
      });
  }

  private log(status: PairStatus): void {
    const summary = `entry #${status.entryIndex} ${status.role} epoch ${status.epoch}`;
    if (summary === this.lastSummary) return;
    this.lastSummary = summary;
    this.host.deps.logger.info({ event: 'pair-peer', peer: summary }, `peer config server: ${summary}`);
  }
}
