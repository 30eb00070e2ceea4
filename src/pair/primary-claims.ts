/**
 * primary-claims — what the peer's silence means for this server: the link state the cluster is
 * told (src/cluster/isolation.ts), and the groups whose replies may still say "primary". Split
 * from pair-host.ts because the two feed each other: a lost link lets the cluster isolate a group,
 * and a group held as isolated withholds every claim until the peer is heard again.
 *
 *   every tick and peer answer ──▶ reportLink: up | silent (2 heartbeats) | lost (peer timeout)
 *                              └─▶ update: returning from an isolation? ──▶ claim nothing until verified
 *                                          primary, peer silent ──▶ claim only groups whose data servers
 *                                                                   (more than half) were heard since
 */
import type { PeerLinkState } from '../cluster/isolation.js';
import type { PairHost } from './pair-host.js';

/** PrimaryClaims — see the file comment. */
export class PrimaryClaims {
  private link: { state: PeerLinkState | null; lastHeardMs: number } = { state: null, lastHeardMs: Number.NaN };
  /** returning — 'isolated' while a group is held as isolated, 'verifying' once none is, until the peer has answered since. */
  private returning: 'no' | 'isolated' | 'verifying' = 'no';
  /** unclaimed — groups whose replies do not claim "primary" now (the peer is silent and so are most of their data servers). */
  private readonly unclaimed = new Set<string>();

  constructor(private readonly host: PairHost) {}

  /** claimsPrimary — whether replies about `groupName` may say "primary" (see update). */
  claimsPrimary(groupName: string): boolean {
    return this.returning === 'no' && !this.unclaimed.has(groupName);
  }

  /** reportLink — tell the cluster at every answer of the peer and when it turns overdue or lost (src/cluster/isolation.ts). */
  reportLink(nowMs: number): void {
    const { timings, deps } = this.host;
    const silentMs = this.host.core.peerSilentForMs(nowMs);
    const state = silentMs >= timings.peerTimeoutMs ? 'lost' : silentMs >= 2 * timings.heartbeatIntervalMs ? 'silent' : 'up';
    const lastHeardMs = nowMs - silentMs;
    if (state === this.link.state && lastHeardMs === this.link.lastHeardMs) return;
    this.link = { state, lastHeardMs };
    deps.step({ type: 'peerLink', nowMs, link: { state, lastHeardMs, peerTimeoutMs: timings.peerTimeoutMs } });
  }

  /**
   * update — a primary whose peer has missed two heartbeats claims a group only while more
   * than half of the group's live data servers were heard since the peer's last answer: cut off
   * from both, it stops claiming before the peer could take over (a takeover needs the whole
   * peer timeout of silence), so clients never see two primaries with different tables for long.
   */
  update(nowMs: number): void {
    this.unclaimed.clear();
    const core = this.host.core;
    this.trackReturn(nowMs);
    const silentMs = core.peerSilentForMs(nowMs);
    if (core.role !== 'primary' || silentMs < 2 * this.host.timings.heartbeatIntervalMs || !Number.isFinite(silentMs)) return;
    const sinceMs = nowMs - silentMs;
    const counts = new Map<string, { alive: number; heard: number }>();
    for (const record of this.host.deps.cluster().serverRecords()) {
      if (!record.member || record.status !== 'alive') continue;
      const count = counts.get(record.groupName) ?? { alive: 0, heard: 0 };
      count.alive += 1;
      if (record.lastHeartbeatMs > sinceMs) count.heard += 1;
      counts.set(record.groupName, count);
    }
    for (const [groupName, count] of counts) if (2 * count.heard <= count.alive) this.unclaimed.add(groupName);
  }

  /**
   * trackReturn — back from an isolation, a primary claims and serves nothing until the peer has
   * answered a heartbeat sent after it (the peer may have taken over meanwhile; its answer says
   * so) or the peer timeout passes (PairCore.verifyFromNow).
   */
  private trackReturn(nowMs: number): void {
    const core = this.host.core;
    if (core.role !== 'primary') {
      this.returning = 'no';
    } else if (this.holdsIsolatedGroup()) {
      this.returning = 'isolated';
    } else if (this.returning === 'isolated') {
      this.returning = 'verifying';
      core.verifyFromNow(nowMs);
      this.host.deps.logger.info({ event: 'pair-verifying' }, 'back from an isolation: serving nothing until the peer answers a heartbeat sent from now on');
    } else if (this.returning === 'verifying' && !core.verifying) {
      this.returning = 'no';
    }
  }

  private holdsIsolatedGroup(): boolean {
    const cluster = this.host.deps.cluster();
    return cluster.groupNames().some((name) => cluster.isolated(name));
  }
}
