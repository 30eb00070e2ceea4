/**
 * finish-reporter — sends migrate-finish (pcode 1201) for each bucket a data server has copied,
 * on short connections of its own (not the heartbeat connection).
 *
 *   queue: bucket → server version it was migrated under, its backoff, when it may go next
 *   loop:  1201 { version, server id, bucket } → the active config server, wait for 101
 *            code ≠ 1   → done; the same finish goes to the other config servers, answer ignored
 *            code 1 / no answer → retried after a backoff with jitter (backoff.ts): from
 *                       retryPauseMs, doubling per failure, capped at retryDelayMsMax
 *          a new table (server version changed) cancels every finish of the older version
 *          queue empty → close the connections
 *
 * The original retried every 1 ms, ours every 100 ms, forever: a config server that answers late
 * (it holds a finish until its change is saved) was sent the same finish many times over.
 */
import { addressFromServerId } from '../common/server-id.js';
import { Backoff } from '../common/backoff.js';
import type { TimerHandle, TimerSource } from '../common/timer-source.js';
import { FrameConnection } from '../client/frame-connection.js';
import { retryDelayMsMax } from '../limits.js';
import { decodeResponse, encodePacketFrame, Pcode, ReturnCode } from '../protocol/index.js';

/** FinishReporterOptions — who we are, whom to tell, and how persistently. */
export interface FinishReporterOptions {
  selfId: bigint;
  configServerIds: readonly bigint[];
  /** activeIndex — the config-server entry to tell first (the one whose replies we apply). */
  activeIndex: () => number;
  requestTimeoutMs: number;
  /** retryPauseMs — the first retry's pause (the base of the backoff). */
  retryPauseMs: number;
  timers: TimerSource;
  /** random — the jitter's source (tests fix it). */
  random?: () => number;
  /** onResult — a finish got an answer other than 1 (code 0 = accepted). */
  onResult: (bucketIndex: number, code: number) => void;
  /** onError — a finish failed this time and will be retried. */
  onError: (bucketIndex: number, reason: string) => void;
}

interface QueuedFinish {
  serverVersion: number;
  notBeforeMs: number;
  backoff: Backoff;
}

/** FinishReporter — the queue of pending finishes and the loop that sends them. */
export class FinishReporter {
  private readonly options: FinishReporterOptions;
  private readonly queue = new Map<number, QueuedFinish>();
  private readonly connections = new Map<number, Promise<FrameConnection>>();
  /** echoes — finishes sent to the other config servers, awaited before the connections close. */
  private readonly echoes = new Set<Promise<unknown>>();
  private running = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private sent = 0;

  constructor(options: FinishReporterOptions) {
    this.options = options;
  }

  /** pendingCount — finishes not answered yet. */
  get pendingCount(): number {
    return this.queue.size;
  }

  /** sentCount — finish packets sent to the active config server since start (retries included). */
  get sentCount(): number {
    return this.sent;
  }

  /** report — queue the finish of `bucketIndex`, migrated under `serverVersion`. */
  report(bucketIndex: number, serverVersion: number): void {
    if (this.stopped) return;
    const backoff = new Backoff({ baseMs: this.options.retryPauseMs, capMs: retryDelayMsMax, random: this.options.random });
    this.queue.set(bucketIndex, { serverVersion, notBeforeMs: 0, backoff });
    this.wake?.();
    if (!this.running) void this.run();
  }

  /** cancelOtherVersions — a new table arrived: drop every finish not of `serverVersion`. */
  cancelOtherVersions(serverVersion: number): void {
    for (const [bucketIndex, entry] of this.queue) if (entry.serverVersion !== serverVersion) this.queue.delete(bucketIndex);
    this.wake?.();
  }

  /** stop — drop the queue and close the connections. */
  stop(): void {
    this.stopped = true;
    this.queue.clear();
    this.wake?.();
    this.closeConnections();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.queue.size > 0) {
        const now = this.options.timers.nowMs();
        const due = [...this.queue].filter(([, entry]) => entry.notBeforeMs <= now);
        if (due.length === 0) {
          const nextMs = Math.min(...[...this.queue.values()].map((entry) => entry.notBeforeMs));
          await this.sleep(nextMs - now);
          continue;
        }
        await Promise.all(due.map(([bucketIndex, entry]) => this.sendOne(bucketIndex, entry.serverVersion)));
      }
    } finally {
      await Promise.allSettled([...this.echoes]);
      this.running = false;
      if (this.queue.size > 0 && !this.stopped) void this.run();
      else this.closeConnections();
    }
  }

  private async sendOne(bucketIndex: number, serverVersion: number): Promise<void> {
    const activeIndex = this.options.activeIndex();
    try {
      this.sent += 1;
      const code = await this.send(activeIndex, bucketIndex, serverVersion);
      if (this.queue.get(bucketIndex)?.serverVersion !== serverVersion) return;
      if (code === ReturnCode.finishRejected) throw new Error('config server answered 1 (version mismatch or not accepted)');
      this.queue.delete(bucketIndex);
      for (let entryIndex = 0; entryIndex < this.options.configServerIds.length; entryIndex++) {
        if (entryIndex === activeIndex) continue;
        const echo = this.send(entryIndex, bucketIndex, serverVersion).catch(() => undefined);
        this.echoes.add(echo);
        void echo.then(() => this.echoes.delete(echo));
      }
      this.options.onResult(bucketIndex, code);
    } catch (error) {
      const entry = this.queue.get(bucketIndex);
      if (entry?.serverVersion !== serverVersion) return;
      entry.notBeforeMs = this.options.timers.nowMs() + entry.backoff.next();
      this.options.onError(bucketIndex, error instanceof Error ? error.message : String(error));
    }
  }

  private async send(entryIndex: number, bucketIndex: number, serverVersion: number): Promise<number> {
    const connection = await this.connection(entryIndex);
    const frame = await connection.request(
      (channelId) =>
        encodePacketFrame(channelId, {
          pcode: Pcode.migrateFinish,
          body: { version: serverVersion, serverId: this.options.selfId, bucketIndex },
        }),
      this.options.requestTimeoutMs,
    );
    const packet = decodeResponse(frame.pcode, frame.body);
    if (packet.pcode !== Pcode.returnPacket) throw new Error(`answered with pcode ${packet.pcode}`);
    return packet.body.code;
  }

  private async connection(entryIndex: number): Promise<FrameConnection> {
    const existing = this.connections.get(entryIndex);
    if (existing) {
      const connection = await existing.catch(() => null);
      if (connection && !connection.closed) return connection;
      if (this.connections.get(entryIndex) === existing) this.connections.delete(entryIndex);
      else return this.connection(entryIndex);
    }
    const address = addressFromServerId(this.options.configServerIds[entryIndex]);
    const opening = FrameConnection.open(address, this.options.requestTimeoutMs, undefined, this.options.timers);
    this.connections.set(entryIndex, opening);
    opening.catch(() => {
      if (this.connections.get(entryIndex) === opening) this.connections.delete(entryIndex);
    });
    const connection = await opening;
    if (this.stopped) connection.close();
    return connection;
  }

  private closeConnections(): void {
    for (const opening of this.connections.values())
      opening.then(
        (connection) => connection.close(),
        () => undefined,
      );
    this.connections.clear();
  }

  private sleep(delayMs: number): Promise<void> {
    const { timers } = this.options;
    return new Promise((resolve) => {
      let timer: TimerHandle = null;
      const done = (): void => {
        timers.clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      timer = timers.setTimeout(done, Math.max(delayMs, 1));
      this.wake = done;
    });
  }
}
