/**
 * version-monitor — a client that polls get_group on both config servers of a pair, one request
 * at a time, alternating, and keeps every answer. A version "goes down" when an answer carries a
 * lower version than an answer received before this request was sent (from either server).
 */
import type { ConfigServerProcess } from '../../server/helpers/config-server-process.js';
import { Pcode } from '../../../src/protocol/index.js';

/** PolledAnswer — one usable answer (version ≥ 10). */
export interface PolledAnswer {
  sentAtMs: number;
  atMs: number;
  server: number;
  version: number;
  epoch: bigint;
  role: string;
}

/** VersionMonitor — see the file comment. */
export class VersionMonitor {
  readonly answers: PolledAnswer[] = [];
  /** decreases — answers below an earlier one, with that earlier one. */
  readonly decreases: { earlier: PolledAnswer; later: PolledAnswer }[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly servers: ConfigServerProcess[],
    private readonly groupName: string,
    private readonly intervalMs = 20,
  ) {
    this.done = this.loop();
  }

  /** stop — finish the current request and stop. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** largestGapMs — the longest time between two usable answers, optionally primaries only. */
  largestGapMs(primaryOnly: boolean): number {
    const times = this.answers.filter((answer) => !primaryOnly || answer.role === 'primary').map((answer) => answer.atMs);
    let largest = 0;
    for (let i = 1; i < times.length; i++) largest = Math.max(largest, times[i] - times[i - 1]);
    return largest;
  }

  private async loop(): Promise<void> {
    let best: PolledAnswer | null = null;
    for (let turn = 0; this.running; turn++) {
      const server = turn % this.servers.length;
      const sentAtMs = Date.now();
      const answer = await this.ask(server, sentAtMs);
      if (answer) {
        if (best && answer.version < best.version) this.decreases.push({ earlier: best, later: answer });
        if (!best || answer.version > best.version) best = answer;
        this.answers.push(answer);
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }

  private async ask(server: number, sentAtMs: number): Promise<PolledAnswer | null> {
    try {
      const reply = await this.servers[server].request({
        pcode: Pcode.getGroupRequest,
        body: { configVersion: 0, groupName: this.groupName, extension: { epoch: 0n, largeTableAccepted: true } },
      });
      if (reply.pcode !== Pcode.getGroupResponse || reply.body.configVersion < 10) return null;
      const extension = reply.body.extension;
      return { sentAtMs, atMs: Date.now(), server, version: reply.body.configVersion, epoch: extension?.epoch ?? 0n, role: extension?.role ?? '' };
    } catch {
      return null;
    }
  }
}
