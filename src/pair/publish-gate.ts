/**
 * publish-gate — a primary's last step before a saved table is served (persist, then
 * publish; in a pair: persist, copy to the secondary, then publish):
 *
 *   not primary, or saved under an older epoch, or a newer epoch is known ──▶ withheld (logged)
 *   woken from a stall ──▶ wait until the peer has answered a heartbeat sent since (or timed out)
 *   the peer follows ──▶ push, wait for its acknowledgement
 *        acked ──▶ publish · "stale epoch N" ──▶ step down, withheld · no answer ──▶ publish alone
 *   the peer is out of reach ──▶ publish alone (its sync token changes: it will pull)
 */
import type { PersistRequest } from '../cluster/index.js';
import type { PairHost } from './pair-host.js';

/** PublishGate — see the file comment. */
export class PublishGate {
  private readonly publishing = new Set<Promise<boolean>>();

  constructor(private readonly host: PairHost) {}

  /** beforePublish — true when the saved table may be published now. */
  beforePublish(request: PersistRequest): Promise<boolean> {
    const gate = this.decide(request);
    this.publishing.add(gate);
    void gate.finally(() => this.publishing.delete(gate));
    return gate;
  }

  /** settled — every decision in flight has been taken. */
  async settled(): Promise<void> {
    while (this.publishing.size > 0) await Promise.allSettled([...this.publishing]);
  }

  private async decide(request: PersistRequest): Promise<boolean> {
    const published = await this.pushThenDecide(request);
    if (!published) {
      const { client, server } = request.record.versions;
      this.host.deps.logger.warn(
        { event: 'pair-publication-withheld', group: request.groupName, epoch: request.record.epoch.toString(), client, server },
        `group ${request.groupName}: table of epoch ${request.record.epoch} saved but not published: this server is no longer primary of that epoch`,
      );
    }
    return published;
  }

  private async pushThenDecide(request: PersistRequest): Promise<boolean> {
    const { host } = this;
    if (!host.started) return false;
    const core = host.core;
    // Never publish under an epoch older than one we know of (from the peer or a data server).
    const allowed = () => core.role === 'primary' && request.record.epoch === core.epoch && core.highestEpochSeen <= core.epoch;
    while (allowed() && core.verifying) await host.waitForChange(host.timings.tickMs);
    if (!allowed()) return false;
    if (core.peerFollows(host.deps.nowMs())) {
      const { outcome, peerEpoch } = await host.replicator.pushRecord(request.record, this.transitionOf(request));
      if (outcome === 'stale') {
        core.refusedByNewerEpoch(peerEpoch ?? core.epoch + 1n);
        host.stepDown(`the secondary refused our table: it is at epoch ${peerEpoch}`);
      } else if (outcome !== 'acked') {
        core.pushFailedNow();
        core.publishedWithoutPeer();
      }
    } else {
      core.publishedWithoutPeer();
    }
    return allowed();
  }

  private transitionOf(request: PersistRequest): number {
    const group = this.host.deps.cluster().groupState(request.groupName);
    if (!group) return 0;
    return group.saving?.seq === request.seq ? group.saving.published.transitionVersion : group.published.transitionVersion;
  }
}
