/**
 * poller — a client asking both config servers of the pair for the group's table, alternately,
 * every `intervalMs` (200 ms timeout each), for the whole benchmark. It records when usable
 * answers came (version ≥ 10) and whether a version ever went down.
 */
import { FrameConnection } from '../../src/client/frame-connection.js';
import type { ServerAddress } from '../../src/common/server-id.js';
import { decodeResponse, encodePacketFrame, Pcode } from '../../src/protocol/index.js';

/** PollSummary — what the client saw. */
export interface PollSummary {
  answers: number;
  /** largestGapMs — the longest time without a usable answer from either server. */
  largestGapMs: number;
  /** largestPrimaryGapMs — the longest time without an answer from a primary. */
  largestPrimaryGapMs: number;
  /** decreases — answers with a lower version than one received before they were asked. */
  decreases: number;
}

/** Poller — see the file comment. */
export class Poller {
  private running = true;
  private readonly done: Promise<void>;
  private readonly times: { atMs: number; primary: boolean }[] = [];
  private decreases = 0;

  constructor(
    private readonly servers: ServerAddress[],
    private readonly intervalMs = 20,
  ) {
    this.done = this.loop();
  }

  /** stop — finish the request in flight and summarise. */
  async stop(): Promise<PollSummary> {
    this.running = false;
    await this.done;
    return {
      answers: this.times.length,
      largestGapMs: largestGap(this.times.map((time) => time.atMs)),
      largestPrimaryGapMs: largestGap(this.times.filter((time) => time.primary).map((time) => time.atMs)),
      decreases: this.decreases,
    };
  }

  private async loop(): Promise<void> {
    let best = 0;
    for (let turn = 0; this.running; turn++) {
      const answer = await this.ask(this.servers[turn % this.servers.length]);
      if (answer) {
        if (answer.version < best) this.decreases += 1;
        best = Math.max(best, answer.version);
        this.times.push({ atMs: Date.now(), primary: answer.primary });
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }

  private async ask(address: ServerAddress): Promise<{ version: number; primary: boolean } | null> {
    let connection: FrameConnection | null = null;
    try {
      connection = await FrameConnection.open(address, 200);
      const frame = await connection.request(
        (channelId) =>
          encodePacketFrame(channelId, {
            pcode: Pcode.getGroupRequest,
            body: { configVersion: 0, groupName: 'group_1', extension: { epoch: 0n, largeTableAccepted: true } },
          }),
        200,
      );
      const packet = decodeResponse(frame.pcode, frame.body);
      if (packet.pcode !== Pcode.getGroupResponse || packet.body.configVersion < 10) return null;
      return { version: packet.body.configVersion, primary: packet.body.extension?.role === 'primary' };
    } catch {
      return null;
    } finally {
      connection?.close();
    }
  }
}

function largestGap(times: number[]): number {
  let largest = 0;
  for (let i = 1; i < times.length; i++) largest = Math.max(largest, times[i] - times[i - 1]);
  return largest;
}
