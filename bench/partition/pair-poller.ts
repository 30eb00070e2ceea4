/**
 * pair-poller — a client asking BOTH config servers of the pair for the group at the same moment,
 * every `intervalMs`, with our extension (so each answer says primary or secondary and its epoch).
 * A poll is "double primary" when both answer as primary with different tables (other versions
 * or other bytes); "split layout" when their bucket tables themselves differ. Consecutive double
 * primary polls form an episode; its duration runs from its first poll to its last.
 *
 * It also follows the highest epoch like our client does and counts versions going down.
 */
import { createHash } from 'node:crypto';
import { FrameConnection } from '../../src/client/frame-connection.js';
import type { ServerAddress } from '../../src/common/server-id.js';
import { decodeResponse, encodePacketFrame, Pcode } from '../../src/protocol/index.js';

/** ServerAnswer — one server's answer to one poll. */
interface ServerAnswer {
  primary: boolean;
  epoch: bigint;
  version: number;
  /** layout — hash of the table blob alone. */
  layout: string;
}

/** PollStats — what the polls of one window showed. */
export interface PollStats {
  polls: number;
  /** answeredBoth — polls both servers answered with a table. */
  answeredBoth: number;
  doublePrimaryPolls: number;
  splitLayoutPolls: number;
  /** longestDoublePrimaryMs — the longest episode of consecutive double-primary polls. */
  longestDoublePrimaryMs: number;
  /** episodesOverMs — episodes longer than the threshold given to `stats`. */
  episodesOverThreshold: number;
  /** versionDecreases — answers a client following the highest epoch would take with a lower version than before. */
  versionDecreases: number;
  /** longestEpisode — when the longest double-primary episode began and what each server answered then. */
  longestEpisode: { atMs: number; answers: string[] } | null;
}

interface Poll {
  atMs: number;
  answers: (ServerAnswer | null)[];
}

/** PairPoller — see the file comment. */
export class PairPoller {
  private readonly polls: Poll[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly servers: ServerAddress[],
    private readonly groupName: string,
    private readonly intervalMs = 50,
  ) {
    this.done = this.loop();
  }

  /** stop — end polling. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** stats — the polls between `fromMs` and `toMs`; episodes longer than `thresholdMs` are counted. */
  stats(fromMs: number, toMs: number, thresholdMs: number): PollStats {
    const polls = this.polls.filter((poll) => poll.atMs >= fromMs && poll.atMs <= toMs);
    const stats: PollStats = {
      polls: polls.length,
      answeredBoth: 0,
      doublePrimaryPolls: 0,
      splitLayoutPolls: 0,
      longestDoublePrimaryMs: 0,
      episodesOverThreshold: 0,
      versionDecreases: 0,
      longestEpisode: null,
    };
    let episodeStartMs: number | null = null;
    let episodeFirst: Poll | null = null;
    let lastDoubleMs = 0;
    const closeEpisode = () => {
      if (episodeStartMs === null) return;
      const lengthMs = lastDoubleMs - episodeStartMs;
      if (episodeFirst && (stats.longestEpisode === null || lengthMs > stats.longestDoublePrimaryMs)) {
        stats.longestEpisode = {
          atMs: episodeStartMs,
          answers: episodeFirst.answers.map((answer) => (answer ? `epoch ${answer.epoch} version ${answer.version}` : 'none')),
        };
      }
      stats.longestDoublePrimaryMs = Math.max(stats.longestDoublePrimaryMs, lengthMs);
      if (lengthMs > thresholdMs) stats.episodesOverThreshold += 1;
      episodeStartMs = null;
    };
    let followed: { epoch: bigint; version: number } | null = null;
    for (const poll of polls) {
      const [a, b] = poll.answers;
      if (a && b) stats.answeredBoth += 1;
      const double = a !== null && b !== null && a.primary && b.primary && (a.version !== b.version || a.layout !== b.layout);
      if (a && b && a.layout !== b.layout) stats.splitLayoutPolls += 1;
      if (double) {
        stats.doublePrimaryPolls += 1;
        if (episodeStartMs === null) episodeFirst = poll;
        episodeStartMs ??= poll.atMs;
        lastDoubleMs = poll.atMs;
      } else {
        closeEpisode();
      }
      for (const answer of poll.answers) {
        if (!answer?.primary) continue;
        if (followed && answer.epoch < followed.epoch) continue;
        if (followed && answer.epoch === followed.epoch && answer.version < followed.version) stats.versionDecreases += 1;
        if (!followed || answer.epoch > followed.epoch || answer.version > followed.version) followed = { epoch: answer.epoch, version: answer.version };
      }
    }
    closeEpisode();
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

  private async ask(address: ServerAddress): Promise<ServerAnswer | null> {
    let connection: FrameConnection | null = null;
    try {
      connection = await FrameConnection.open(address, 300);
      const frame = await connection.request(
        (channelId) =>
          encodePacketFrame(channelId, {
            pcode: Pcode.getGroupRequest,
            body: { configVersion: 0, groupName: this.groupName, extension: { epoch: 0n, largeTableAccepted: true } },
          }),
        300,
      );
      const packet = decodeResponse(frame.pcode, frame.body);
      if (packet.pcode !== Pcode.getGroupResponse || packet.body.configVersion < 10) return null;
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
