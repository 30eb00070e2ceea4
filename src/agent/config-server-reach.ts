/**
 * config-server-reach — whether a data server reaches each config server, for the report its
 * heartbeats carry about the pair's *other* server (docs/pair.md, fencing):
 *
 *   no answer yet         nothing to say for silentMs after start, then unreachable
 *   last exchange failed  unreachable (a closed connection counts at once)
 *   answered within silentMs  reachable, else unreachable
 */
import type { TimerSource } from '../common/timer-source.js';
import type { PeerReach } from './agent-core.js';

/** ConfigServerReach — when each config server last answered, and whether it failed since. */
export class ConfigServerReach {
  private readonly startedMs: number;
  private readonly lastReplyMs: (number | null)[];
  private readonly failedSinceReply: boolean[];

  constructor(
    count: number,
    private readonly silentMs: number,
    private readonly timers: TimerSource,
  ) {
    this.startedMs = timers.nowMs();
    this.lastReplyMs = new Array<number | null>(count).fill(null);
    this.failedSinceReply = new Array<boolean>(count).fill(false);
  }

  /** replied — entry `index` answered. */
  replied(index: number): void {
    this.lastReplyMs[index] = this.timers.nowMs();
    this.failedSinceReply[index] = false;
  }

  /** failed — an exchange with entry `index` failed; true when that makes it newly unreachable. */
  failed(index: number): boolean {
    const before = this.report(index);
    this.failedSinceReply[index] = true;
    return before !== 'unreachable';
  }

  /** report — reachable, unreachable, or nothing to say yet (just started). */
  report(index: number): PeerReach | undefined {
    const nowMs = this.timers.nowMs();
    const lastReplyMs = this.lastReplyMs[index];
    if (lastReplyMs === null) return nowMs - this.startedMs < this.silentMs && !this.failedSinceReply[index] ? undefined : 'unreachable';
    return this.failedSinceReply[index] || nowMs - lastReplyMs > this.silentMs ? 'unreachable' : 'reachable';
  }
}
