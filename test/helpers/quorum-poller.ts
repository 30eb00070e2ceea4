/**
 * quorum-poller — a client asking EVERY config server of a quorum for a group at the same moment,
 * every `intervalMs`, with our extension (so each answer says primary or secondary and its epoch).
 * Over all the polls it counts:
 *
 *   conflicts    polls where two servers answer the same version with different tables (the
 *                hash of the whole table blob) — what a split brain looks like to clients
 *   regressions  answers of one server with a lower version than that server answered before
 *   primaries    polls where more than one server answers "primary"
 *
 * and keeps, per version, the first table seen (later polls compare against it too, so two
 * servers serving different tables under one version at different moments also count).
 */
import { createHash } from 'node:crypto';
import { FrameConnection } from '../../src/client/frame-connection.js';
import type { ServerAddress } from '../../src/common/server-id.js';
import { decodeResponse, encodePacketFrame, Pcode } from '../../src/protocol/index.js';

/** QuorumAnswer — one server's answer to one poll. */
export interface QuorumAnswer {
  primary: boolean;
  epoch: bigint;
  version: number;
  /** layout — hash of the table blob. */
  layout: string;
}

/** QuorumPoll — the answers of every server (null: none usable) at one moment. */
export interface QuorumPoll {
  atMs: number;
  answers: (QuorumAnswer | null)[];
}

/** QuorumPollStats — see the file comment. */
export interface QuorumPollStats {
  polls: number;
  /** answeredAll — polls every server answered with a table. */
  answeredAll: number;
  conflicts: number;
  regressions: number;
  multiplePrimaries: number;
  /** versions — the distinct versions seen. */
  versions: number;
  /** firstConflict — what the first conflicting poll saw. */
  firstConflict: string | null;
}

/** QuorumPoller — see the file comment. */
export class QuorumPoller {
  readonly polls: QuorumPoll[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly servers: ServerAddress[],
    private readonly groupName: string,
    private readonly intervalMs = 50,
    private readonly timeoutMs = 300,
  ) {
    this.done = this.loop();
  }

  /** stop — end polling. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** latest — the newest poll (null before the first). */
  latest(): QuorumPoll | null {
    return this.polls.at(-1) ?? null;
  }

  /** stats — over the polls between `fromMs` and `toMs` (default: all). */
  stats(fromMs = 0, toMs = Number.POSITIVE_INFINITY): QuorumPollStats {
    const polls = this.polls.filter((poll) => poll.atMs >= fromMs && poll.atMs <= toMs);
    const layoutOf = new Map<number, string>();
    const lastVersion: number[] = this.servers.map(() => 0);
    const stats: QuorumPollStats = {
      polls: polls.length,
      answeredAll: 0,
      conflicts: 0,
      regressions: 0,
      multiplePrimaries: 0,
      versions: 0,
      firstConflict: null,
    };
    for (const poll of polls) {
      if (poll.answers.every((answer) => answer !== null)) stats.answeredAll += 1;
      let conflict = false;
      poll.answers.forEach((answer, index) => {
        if (!answer) return;
        if (answer.version < lastVersion[index]) stats.regressions += 1;
        lastVersion[index] = Math.max(lastVersion[index], answer.version);
        const known = layoutOf.get(answer.version);
        if (known === undefined) layoutOf.set(answer.version, answer.layout);
        else if (known !== answer.layout) conflict = true;
      });
      if (poll.answers.filter((answer) => answer?.primary).length > 1) stats.multiplePrimaries += 1;
      if (conflict) {
        stats.conflicts += 1;
        stats.firstConflict ??= poll.answers
          .map(
            (answer, index) => `#${index}: ${answer ? `v${answer.version} e${answer.epoch} ${answer.primary ? 'P' : 'S'} ${answer.layout.slice(0, 8)}` : '-'}`,
          )
          .join(', ');
      }
    }
    stats.versions = layoutOf.size;
    return stats;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const atMs = Date.now();
      const answers = await Promise.all(this.servers.map((server) => this.ask(server)));
      this.polls.push({ atMs, answers });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.intervalMs - (Date.now() - atMs))));
    }
  }

  private async ask(address: ServerAddress): Promise<QuorumAnswer | null> {
    let connection: FrameConnection | null = null;
    try {
      connection = await FrameConnection.open(address, this.timeoutMs);
      const frame = await connection.request(
        (channelId) =>
          encodePacketFrame(channelId, {
            pcode: Pcode.getGroupRequest,
            body: { configVersion: 0, groupName: this.groupName, extension: { epoch: 0n, largeTableAccepted: true } },
          }),
        this.timeoutMs,
      );
      const packet = decodeResponse(frame.pcode, frame.body);
      if (packet.pcode !== Pcode.getGroupResponse || packet.body.configVersion < 10 || packet.body.tableBlob.length === 0) return null;
      const { extension } = packet.body;
      return {
        primary: extension?.role === 'primary',
        epoch: extension?.epoch ?? 0n,
        version: packet.body.configVersion,
        layout: createHash('sha1').update(packet.body.tableBlob).digest('hex'),
      };
    } catch {
      return null;
    } finally {
      connection?.close();
    }
  }
}
