/**
 * witness-board — what data servers say about the other config server (fencing, docs/pair.md).
 *
 * Our agent's heartbeat to config server X carries, in its extension trailer, whether the agent
 * gets answers from X's peer. X keeps the latest report of each data server:
 *
 *   a report counts while fresh (its heartbeat arrived within freshMs)
 *   vetoed   ⇔ some fresh report says "the peer answers me"    → X must not take over
 *   witnessed⇔ at least one fresh report says "it does not"
 *
 * Original data servers send no report and are simply not on the board. Only data servers listed
 * in group.conf are noted (pair-host.ts), and the board holds at most `countMax` of them: when
 * full, stale reports go first, and a newcomer finding it full of fresh ones is not noted.
 * Pure: no clock.
 */

import { witnessCountMax } from '../limits.js';

/** PeerReach — a data server's report on the other config server. */
export type PeerReach = 'reachable' | 'unreachable';

/** WitnessVerdict — the fresh reports, counted. */
export interface WitnessVerdict {
  reachableCount: number;
  unreachableCount: number;
}

/** WitnessBoard — the latest report of every data server. */
export class WitnessBoard {
  private readonly reports = new Map<bigint, { reach: PeerReach; atMs: number }>();

  constructor(
    private readonly freshMs: number,
    private readonly countMax: number = witnessCountMax,
  ) {}

  /** size — reports held now. */
  get size(): number {
    return this.reports.size;
  }

  /** note — a heartbeat with a report arrived from `serverId`; false when the board is full of fresh reports. */
  note(serverId: bigint, reach: PeerReach, nowMs: number): boolean {
    if (!this.reports.has(serverId) && this.reports.size >= this.countMax) {
      this.verdict(nowMs);
      if (this.reports.size >= this.countMax) return false;
    }
    this.reports.set(serverId, { reach, atMs: nowMs });
    return true;
  }

  /** verdict — the fresh reports now; stale ones are dropped. */
  verdict(nowMs: number): WitnessVerdict {
    let reachableCount = 0;
    let unreachableCount = 0;
    for (const [serverId, report] of this.reports) {
      if (nowMs - report.atMs > this.freshMs) {
        this.reports.delete(serverId);
        continue;
      }
      if (report.reach === 'reachable') reachableCount += 1;
      else unreachableCount += 1;
    }
    return { reachableCount, unreachableCount };
  }
}
